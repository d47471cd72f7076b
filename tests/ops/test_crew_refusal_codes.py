"""A crew's absence and shift change, refused with a code (issue 18 point 5): the console says
why in Chinese (js/i18n.js ``refusal:<code>``)."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.crews import Absence, AbsenceReason, ShiftChange
from ops.errors import InvalidRequest

DAY = dt.date(2026, 12, 8)


@pytest.mark.parametrize(
    ("end", "hours", "code"),
    [
        (DAY - dt.timedelta(days=1), None, "absence_reversed"),
        (DAY + dt.timedelta(days=400), None, "absence_too_long"),
        (DAY, (dt.time(9), None), "absence_hours_half"),
        (DAY + dt.timedelta(days=1), (dt.time(9), dt.time(11)), "absence_hours_days"),
        (DAY, (dt.time(11), dt.time(9)), "absence_hours_reversed"),
    ],
)
def test_an_absence_that_cannot_be_is_refused_with_its_code(
    end: dt.date, hours: tuple[dt.time, dt.time | None] | None, code: str
) -> None:
    start_time, end_time = hours or (None, None)
    with pytest.raises(InvalidRequest) as refused:
        Absence("valve-01", DAY, end, AbsenceReason.LEAVE, "", start_time, end_time)
    assert refused.value.code == code


def test_a_shift_change_that_changes_nothing_is_refused_with_its_code() -> None:
    with pytest.raises(InvalidRequest) as refused:
        ShiftChange("valve-01", DAY)
    assert refused.value.code == "shift_change_empty"
    with pytest.raises(InvalidRequest) as refused:
        ShiftChange("valve-01", DAY, dt.time(12), dt.time(8))
    assert refused.value.code == "shift_change_reversed"
