"""The plan rules' refusals a dispatcher meets carry a code and params (issue 18 point 5), for
the console to say them in Chinese (js/i18n.js ``refusal:<code>``)."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.errors import OpsError
from ops.plans import (
    replan_from,
    replan_jobs,
    replan_start,
    require_crews,
    solved_result,
    stop_plan,
)
from ops.steering import comparable
from ops.workflow import PlanStatus


def refusal(call: object, *args: object, **kw: object) -> tuple[str | None, dict[str, object]]:
    with pytest.raises(OpsError) as refused:
        call(*args, **kw)  # type: ignore[operator]
    return refused.value.code, refused.value.params


def test_plan_refusals_have_codes() -> None:
    assert refusal(stop_plan, 4, PlanStatus.READY) == (
        "plan_not_solving",
        {"plan": 4, "plan_status": "ready"},
    )
    assert refusal(replan_from, 4, "failed") == (
        "replan_not_ready",
        {"plan": 4, "plan_status": "failed"},
    )
    assert refusal(require_crews, 0) == ("no_active_crews", {})
    assert refusal(solved_result, 4, None) == ("plan_no_result", {"plan": 4})
    assert refusal(replan_jobs, ["J1"], ["J2"], ["J3"]) == ("replan_not_open", {"jobs": ["J3"]})
    day = dt.date(2026, 12, 8)
    assert refusal(replan_start, day, dt.datetime(2026, 12, 9, 9, 30)) == (
        "replan_not_today",
        {"now": "2026-12-09T09:30", "day": "2026-12-08"},
    )


def test_comparing_plans_refusals_have_codes() -> None:
    day, other = dt.date(2026, 12, 8), dt.date(2026, 12, 9)
    assert refusal(comparable, (1, day, False), (2, day, True)) == ("plan_no_result", {"plan": 1})
    assert refusal(comparable, (1, day, True), (2, other, True)) == (
        "compare_other_days",
        {"plan": 1, "day": "2026-12-08", "other": 2, "other_day": "2026-12-09"},
    )
