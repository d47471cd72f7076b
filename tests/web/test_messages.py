"""The details the API sends as key + params have a Chinese template in the console, with the
same placeholders: a new detail without its Chinese would show English to a dispatcher who
chose Chinese, and a placeholder spelled differently would show as ``{name}``."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from gis.isolation import WARNINGS
from ops.dispatch import AT_RISK_DETAILS
from routing.model import DETAILS, Unassigned

I18N = Path(__file__).parents[2] / "api" / "web" / "static" / "js" / "i18n.js"


def chinese_templates() -> dict[str, str]:
    text = I18N.read_text(encoding="utf-8")
    zh = text[text.index("zh: {") : text.index("en: {")]
    return dict(re.findall(r'"msg:(\w+)":\s*"([^"]*)"', zh))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


ENGLISH = {**DETAILS, **AT_RISK_DETAILS, **WARNINGS}


def test_every_key_is_defined_once() -> None:
    assert len(ENGLISH) == len(DETAILS) + len(AT_RISK_DETAILS) + len(WARNINGS)


@pytest.mark.parametrize("key", sorted(ENGLISH))
def test_every_detail_has_its_chinese(key: str) -> None:
    zh = chinese_templates()
    assert key in zh, f'add "msg:{key}" to the zh strings of {I18N.name}'
    assert placeholders(zh[key]) == placeholders(ENGLISH[key])
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", zh[key])), zh[key]


def test_the_console_has_no_stale_keys() -> None:
    assert set(chinese_templates()) <= set(ENGLISH)


def test_a_detail_is_its_key_and_params_in_english() -> None:
    u = Unassigned.because("J1", "no_skill", False, "no_skill", skills="excavation, valve")
    assert u.detail == "no crew has the skill(s) excavation, valve"
    assert u.to_dict()["detail_key"] == "no_skill"
    assert u.to_dict()["params"] == {"skills": "excavation, valve"}


def catalogue(lang: str) -> dict[str, str]:
    """The strings of one language in ``i18n.js``, by key."""
    text = I18N.read_text(encoding="utf-8")
    start = text.index(f"{lang}: {{")
    end = text.index("en: {") if lang == "zh" else text.index("const params")
    pairs = re.findall(r'(?:^|[\s{,])("[^"]+"|\w+):\s*"([^"]*)"', text[start:end])
    return {key.strip('"'): value for key, value in pairs}


def test_every_string_of_the_console_is_in_both_languages() -> None:
    """A string of the pages' own (no prefix) has its Chinese and its English, with the same
    placeholders; the codes the API sends (``kind:``, ``msg:`` ...) may fall back to it."""
    zh, en = catalogue("zh"), catalogue("en")
    own_zh = {k for k in zh if ":" not in k}
    own_en = {k for k in en if ":" not in k}
    assert own_zh == own_en, (sorted(own_zh - own_en), sorted(own_en - own_zh))
    for key in own_zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key
    assert {k for k in en if ":" in k} <= set(zh)


def test_every_key_the_pages_use_is_in_both_languages() -> None:
    static = I18N.parents[1]
    used: set[str] = set()
    for js in static.glob("js/**/*.js"):  # the console's tabs in js/console/ too
        used |= set(re.findall(r'\bt\("(\w+)"', js.read_text(encoding="utf-8")))
    for html in static.glob("*.html"):
        used |= set(
            re.findall(r'data-i18n(?:-placeholder|-title)?="(\w+)"', html.read_text("utf-8"))
        )
    assert "cancel_ticket" in used and "repairs" in used
    for lang in ("zh", "en"):
        assert not used - set(catalogue(lang)), (lang, sorted(used - set(catalogue(lang))))


def test_every_job_key_used_in_ops_has_its_chinese_and_english() -> None:
    """A key written in ops (``JobText("…"`` or a key built from one) has a template in both
    languages with the same placeholders, and the Chinese one says it in Chinese (issue 18
    item 5; that each job's params fill its template: tests/ops/test_job_text.py)."""
    used: set[str] = set()
    for py in (Path(__file__).parents[2] / "ops").rglob("*.py"):
        used |= set(re.findall(r'JobText\(\s*f?"(\w+)', py.read_text(encoding="utf-8")))
    assert {"close_valve", "reopen_valve", "leak_survey"} <= used
    zh = {k[4:]: v for k, v in catalogue("zh").items() if k.startswith("job:")}
    en = {k[4:]: v for k, v in catalogue("en").items() if k.startswith("job:")}
    prefixes = used - set(zh)  # a key completed in ops (f"valve_repair_{…}") starts one
    assert prefixes <= {"connection_", "valve_repair_", "exercise_valve"}, prefixes
    for key in used:
        assert any(k.startswith(key) for k in zh), key
    assert set(zh) == set(en), (sorted(set(zh) - set(en)), sorted(set(en) - set(zh)))
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key
        assert not re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", zh[key])), zh[key]


# -- every code the API can send has its words in both languages --------------------------
# (issue 18: English status words in the Chinese console). Each enum the API sends, with the
# key the console looks it up by (code(prefix, value) reads "prefix:value"; a few are keys of
# the pages' own, such as sev_burst).


def _deadline_statuses() -> list[str]:
    """The deadline statuses of a planned stop (routing.extract returns them as strings)."""
    import inspect

    from routing import extract

    return sorted(set(re.findall(r'"(\w+)"', inspect.getsource(extract.deadline_status))))


def _codes() -> list[tuple[str, str]]:
    from ops.connections import ApplicationStatus
    from ops.jobs import JobKind, RepairStep, Skill
    from ops.outages import NoticeState, OutageKind
    from ops.repairs import Severity
    from ops.workflow import JobStatus, PlanStatus, TicketStatus

    keyed: list[tuple[str, list[str]]] = [
        ("status:{}", [s.value for s in JobStatus]),
        ("plan:{}", [s.value for s in PlanStatus]),
        ("ticket:{}", [s.value for s in TicketStatus]),
        ("kind:{}", [k.value for k in JobKind]),
        ("step:{}", [s.value for s in RepairStep]),
        ("skill:{}", [s.value for s in Skill]),
        ("app:{}", [s.value for s in ApplicationStatus]),
        ("deadline:{}", _deadline_statuses()),
        ("sev_{}", [s.value for s in Severity]),
        ("state_{}", [s.value for s in NoticeState]),
        ("kind_{}", [k.value for k in OutageKind]),
    ]
    return [(pattern.format(v), v) for pattern, values in keyed for v in values]


def test_the_codes_are_enumerated() -> None:
    keys = {k for k, _ in _codes()}
    assert {"status:suspended", "plan:queued", "deadline:no_deadline", "kind:repair"} <= keys
    assert "on_time" in _deadline_statuses()


@pytest.mark.parametrize(("key", "value"), _codes(), ids=[k for k, _ in _codes()])
def test_every_code_the_api_sends_is_in_both_languages(key: str, value: str) -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert key in zh, f'add "{key}" to the zh strings of {I18N.name}'
    assert key in en, f'add "{key}" to the en strings of {I18N.name}'
    assert not re.search(r"[A-Za-z]{3,}", zh[key]), (key, zh[key])  # Chinese, not the code
    assert en[key].strip(), key
