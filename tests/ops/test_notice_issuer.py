"""The hotline a notice gives is the utility's own (``ops.notices.issuer.check_hotline``,
issue 16 leftover): the city's public service lines, in any way they are written, are refused."""

from __future__ import annotations

import pytest

from ops.notices.issuer import check_hotline


@pytest.mark.parametrize(
    "number",
    ["12319", " 12319 ", "0371-12319", "(0371) 12319", "+86 371 12319", "0086-371-12319", "12345"],
)
def test_the_citys_service_lines_are_refused(number: str) -> None:
    with pytest.raises(ValueError, match="not the water utility's") as refused:
        check_hotline(number)
    # the message says which line it is and what to set instead
    assert "WATEROPS_HOTLINE" in str(refused.value)
    assert ("12319" in number) == ("城市管理" in str(refused.value))


@pytest.mark.parametrize(
    "number", ["0371-00000000", "96116", "0371-12345678", "23312319", "0371 2331 2319", ""]
)
def test_the_utilitys_own_numbers_pass(number: str) -> None:
    assert check_hotline(number) == number.strip()
