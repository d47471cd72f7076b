"""Every key a writer can give a history entry (a job's, a notice's revision, a valve's status:
ops.history.KEYS) has its template in both languages of the pages, with the params the key
names: a new key without its Chinese would show English to a dispatcher who chose Chinese, a
placeholder spelled differently would show as ``{name}``. The keys the writers in ops and the
store pass are found in their source, so a writer cannot store a key the pages do not know."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from ops.history import FIELD_REPORT, KEYS

ROOT = Path(__file__).parents[2]
I18N = ROOT / "api" / "web" / "static" / "js" / "i18n.js"
#: the calls a writer gives a job's history entry its key in
WRITERS = {"change_status", "close_jobs", "JobEvent"}


def templates(lang: str) -> dict[str, str]:
    text = I18N.read_text(encoding="utf-8")
    zh, en = text.index("zh: {"), text.index("en: {")
    part = text[zh:en] if lang == "zh" else text[en:]
    return dict(re.findall(r'"history:(\w+)":\s*"([^"]*)"', part))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(KEYS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_has_its_template(lang: str, key: str) -> None:
    said = templates(lang)
    assert key in said, f'add "history:{key}" to the {lang} strings of {I18N.name}'
    assert placeholders(said[key]) == KEYS[key], said[key]
    if lang == "zh":
        assert not re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", said[key])), said[key]


def test_no_stale_templates() -> None:
    assert set(templates("zh")) <= set(KEYS) and set(templates("en")) <= set(KEYS)


def test_a_field_report_is_worded_by_its_kind() -> None:
    text = I18N.read_text(encoding="utf-8")
    assert FIELD_REPORT not in KEYS and text.count("field_report_words:") == 2


def _stored_keys(path: Path) -> set[str]:
    """The string keys a module passes to a writer (``key="..."``, a JobEvent's seventh
    argument, ``key=``/``key, words =`` assigned a string first)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in WRITERS:
                values = [k.value for k in node.keywords if k.arg == "key"]
                if name == "JobEvent" and len(node.args) > 6:
                    values.append(node.args[6])
                found |= {s for v in values for s in _strings(v, first=False)}
        elif isinstance(node, ast.Assign):
            target = node.targets[0]
            first = isinstance(target, ast.Tuple)
            if getattr(target.elts[0] if first else target, "id", None) == "key":  # type: ignore[attr-defined]
                found |= _strings(node.value, first)
    return found


def _strings(value: ast.expr, first: bool) -> set[str]:
    """The strings ``value`` may be (of a tuple, its first), through ``a if c else b``."""
    if isinstance(value, ast.IfExp):
        return _strings(value.body, first) | _strings(value.orelse, first)
    if first and isinstance(value, ast.Tuple):
        return _strings(value.elts[0], first=False)
    text = value.value if isinstance(value, ast.Constant) else None
    return {text} if isinstance(text, str) else set()


def test_every_key_a_writer_stores_has_its_words() -> None:
    files = [*sorted((ROOT / "ops").rglob("*.py")), ROOT / "api" / "store.py"]
    stored = {key: path.name for path in files for key in _stored_keys(path)}
    assert {"ticket_cancelled", "plan_start_with", "exercise", "field_report"} <= set(stored)
    unknown = {k: f for k, f in stored.items() if k not in KEYS and k != FIELD_REPORT}
    assert not unknown, f"give these keys their params in ops.history.KEYS: {unknown}"
