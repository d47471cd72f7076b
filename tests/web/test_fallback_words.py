"""Why a notice's 降压区域 is not by hydraulics (issue 17/18: the reason was English only, under a
Chinese label): each ``ops.hydraulic_impact.FALLBACKS`` code has its words in both languages of
the console (``fallback:<code>`` in js/i18n.js) with the placeholders its English template
gives, the Chinese without English words of its own; every ``HydraulicUnavailable`` raised names
one of those codes and gives the params its template needs; no words are left for a code gone."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import get_args

import pytest

from ops.hydraulic_impact import FALLBACKS
from tests.web.test_messages import catalogue, placeholders

ROOT = Path(__file__).parents[2]


def raised() -> list[tuple[str, str, set[str]]]:
    """Each ``HydraulicUnavailable.because(code, **params)`` of ops/ and api/: where, the code
    and the params it gives."""
    found = []
    for package in ("ops", "api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                owner = node.func.value
                if not (isinstance(owner, ast.Name) and owner.id == "HydraulicUnavailable"):
                    continue
                assert node.func.attr == "because", f"{path}: raise it with because(code, ...)"
                code = node.args[0]
                assert isinstance(code, ast.Constant) and isinstance(code.value, str), path
                given = {k.arg for k in node.keywords if k.arg}
                found.append((str(path.relative_to(ROOT)), code.value, given))
    return found


def test_every_fallback_is_raised_with_its_code_and_params() -> None:
    seen = raised()
    assert {code for _, code, _ in seen} == set(FALLBACKS)  # none raised without its words
    for where, code, given in seen:
        assert given == placeholders(FALLBACKS[code]), (where, code, given)


@pytest.mark.parametrize("code", sorted(FALLBACKS))
def test_every_fallback_is_in_both_languages(code: str) -> None:
    for lang in ("zh", "en"):
        words = catalogue(lang)
        key = f"fallback:{code}"
        assert key in words, f'add "{key}" to the {lang} strings of js/i18n.js'
        assert placeholders(words[key]) == placeholders(FALLBACKS[code]), (lang, code)
    zh = re.sub(r"\{\w+\}", "", catalogue("zh")[f"fallback:{code}"])
    assert not re.search(r"[A-Za-z]{3,}", zh.replace("EPANET", "")), zh


def test_no_fallback_words_without_a_code() -> None:
    for lang in ("zh", "en"):
        stale = {k for k in catalogue(lang) if k.startswith("fallback:")} - {
            f"fallback:{c}" for c in FALLBACKS
        }
        assert not stale, (lang, stale)


def test_the_schema_names_every_code() -> None:
    from api.schemas import NoticeOut

    field = NoticeOut.model_fields["reduced_pressure_fallback_code"]
    codes = {a for arg in get_args(field.annotation) for a in get_args(arg)}
    assert codes == set(FALLBACKS)
