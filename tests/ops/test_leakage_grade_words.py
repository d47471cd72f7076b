"""The CJJ 92 grade goes to clients as a code they word in their language (user trial: the
Chinese console read "grade 1 (一级, ≤ 10 %), indicative (56 days …)", the English "一级")."""

from __future__ import annotations

import re

import pytest

from ops.leakage import cjj92_rate


@pytest.mark.parametrize(
    ("registered", "code"),
    [(9_000_000, "grade_1"), (8_700_000, "grade_2"), (8_000_000, "above_grade_2")],
)
def test_the_grade_is_a_code_and_english_words(registered: float, code: str) -> None:
    r = cjj92_rate(
        10_000_000 * 56 / 365, registered * 56 / 365, days=56, residential_metered_m3=0,
        mains_km_dn75=90, outlet_pressure_mpa=0.3,
    )  # fmt: skip
    d = r.to_dict()
    assert d["grade_code"] == code
    assert d["indicative"] and d["period_days"] == 56
    assert not re.search(r"[\u4e00-\u9fff]", d["grade"]), d["grade"]  # English, for logs/CLI
