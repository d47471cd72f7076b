"""Every history entry ops.history reads back has its template in both languages of the pages,
with the params the note's shape names: a new shape without its Chinese would show English to a
dispatcher who chose Chinese, a placeholder spelled differently would show as ``{name}``."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from ops.history import SHAPES

I18N = Path(__file__).parents[2] / "api" / "web" / "static" / "js" / "i18n.js"


def templates(lang: str) -> dict[str, str]:
    text = I18N.read_text(encoding="utf-8")
    zh, en = text.index("zh: {"), text.index("en: {")
    part = text[zh:en] if lang == "zh" else text[en:]
    return dict(re.findall(r'"history:(\w+)":\s*"([^"]*)"', part))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize(("key", "shape"), SHAPES, ids=[k for k, _ in SHAPES])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_shape_has_its_template(lang: str, key: str, shape: re.Pattern[str]) -> None:
    said = templates(lang)
    assert key in said, f'add "history:{key}" to the {lang} strings of {I18N.name}'
    assert placeholders(said[key]) == set(shape.groupindex), said[key]
    if lang == "zh":
        assert not re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", said[key])), said[key]


def test_no_stale_templates() -> None:
    keys = {k for k, _ in SHAPES}
    assert set(templates("zh")) <= keys and set(templates("en")) <= keys
