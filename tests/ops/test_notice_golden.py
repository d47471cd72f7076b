"""Golden texts of the outage notice (issue 16): each kind (planned, emergency) in each state
(published, updated, restored, cancelled), in Chinese and English, rendered from the sample
city and compared exactly with the files in ``tests/ops/data/golden/``. Any change of the text
fails here; read the diff, and when the new text is what a notice should say, refresh them::

    WATEROPS_REFRESH_GOLDEN=1 .venv/bin/python -m pytest tests/ops/test_notice_golden.py

which rewrites the files (the tests then skip, saying so) for the commit to show the change.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from gis.isolation import Isolator, surroundings
from ops.calendar import TZ
from ops.notices import Issuer, render_text
from ops.outages import (
    Outage,
    RecordKind,
    cancel,
    create_outage,
    notice_content,
    publish,
    record_authority,
    repair_outage,
    restore,
    update,
)

GOLDEN = Path(__file__).parent / "data" / "golden"
REFRESH = os.environ.get("WATEROPS_REFRESH_GOLDEN") == "1"
NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=TZ)  # a Thursday
HOTLINE = "0371-00000000"
ISSUER = Issuer()  # the demo's invented publisher, which says so
# planned: valve works on a street of estates, one piece with four bounding roads; emergency:
# a burst that cuts off a hospital, a tax office and estates on two streets
PLANNED_PIPE = "P000300"
EMERGENCY_PIPE = "P001493"


def planned(isolator: Isolator) -> Outage:
    plan = isolator.isolate(PLANNED_PIPE)
    start = dt.datetime(2026, 11, 28, 9, 0, tzinfo=TZ)
    content = notice_content(
        plan,
        start,
        start + dt.timedelta(hours=6),
        "replacement of a valve",
        surroundings=surroundings(isolator, plan),
        hotline=HOTLINE,
        reason_zh="阀门更换",
        isolator=isolator,
    )
    draft = create_outage("OUT-000001", "planned", content, NOW)
    draft = record_authority(
        draft,
        RecordKind.APPROVAL,
        "开封市城市管理局",
        NOW - dt.timedelta(hours=2),
        "dispatcher",
        NOW,
        "汴城管供〔2026〕12号",
    )
    return publish(draft, NOW)


def emergency(isolator: Isolator) -> Outage:
    draft = repair_outage(
        "OUT-000002",
        "burst",
        EMERGENCY_PIPE,
        NOW - dt.timedelta(minutes=40),
        NOW + dt.timedelta(hours=5),
        isolator,
        NOW,
        hotline=HOTLINE,
    )
    return publish(draft, NOW)


CANCEL_REASONS: dict[str, tuple[str, str]] = {
    "planned": ("the works are put off", "施工计划调整"),
    "emergency": (
        "the leak is on a private pipe: no outage needed",
        "经核查为用户内部管道漏水，无需停水",
    ),
}
STATES: dict[str, Callable[[Outage], Outage]] = {
    "published": lambda o: o,
    "updated": lambda o: update(
        o,
        NOW + dt.timedelta(hours=3),
        end=o.content.end + dt.timedelta(hours=2),
        note="corroded pipe found, replaced as well",
        note_zh="施工中发现管道锈蚀，需一并更换",
    ),
    "restored": lambda o: restore(o, o.content.end - dt.timedelta(minutes=30)),
    "cancelled": lambda o: cancel(o, NOW + dt.timedelta(hours=1), *CANCEL_REASONS[o.kind.value]),
}
CASES = [
    (kind, state, lang)
    for kind in ("planned", "emergency")
    for state in STATES
    for lang in ("zh", "en")
]


@pytest.mark.parametrize(("kind", "state", "lang"), CASES)
def test_notice_text_is_the_golden_one(
    city_isolator: Isolator, kind: str, state: str, lang: str
) -> None:
    outage = STATES[state]((planned if kind == "planned" else emergency)(city_isolator))
    assert outage.state.value == state
    text = render_text(outage, lang, ISSUER)
    path = GOLDEN / f"{kind}-{state}.{lang}.txt"
    if REFRESH:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"refreshed {path.name}")
    assert path.exists(), f"no golden text {path}: WATEROPS_REFRESH_GOLDEN=1 writes it"
    want = path.read_text(encoding="utf-8")
    if text != want:
        diff = "\n".join(
            difflib.unified_diff(
                want.splitlines(), text.splitlines(), "golden", "rendered", lineterm=""
            )
        )
        pytest.fail(f"{path.name} differs from the text rendered now:\n{diff}")


def test_every_golden_file_is_a_case() -> None:
    """No stale golden file is left behind when a case goes."""
    names = {f"{k}-{s}.{lang}.txt" for k, s, lang in CASES}
    assert {p.name for p in GOLDEN.glob("*.txt")} == names
