"""Pressure management's warnings in the console's language (issue 17 point 4: the demo showed
them in English under the Chinese UI): each ``ops.leakage.pressure.WARNINGS`` code has its
words in both languages of ``js/i18n.js`` (``pm:<code>``) with the placeholders of its English,
the Chinese without English words of its own; no words are left for a code gone."""

from __future__ import annotations

import re

import pytest

from ops.leakage.pressure import WARNINGS
from tests.web.test_messages import catalogue, placeholders


@pytest.mark.parametrize("code", sorted(WARNINGS))
def test_every_pressure_warning_is_in_both_languages(code: str) -> None:
    for lang in ("zh", "en"):
        words = catalogue(lang)
        key = f"pm:{code}"
        assert key in words, f'add "{key}" to the {lang} strings of js/i18n.js'
        assert placeholders(words[key]) == placeholders(WARNINGS[code]), (lang, code)
    zh = re.sub(r"\{\w+\}", "", catalogue("zh")[f"pm:{code}"])
    # file names, their columns and GIS are written as the data has them
    zh = re.sub(r"\w+\.csv|GIS|meter, pipe, dma, from_dma", "", zh)
    assert not re.search(r"[A-Za-z]{3,}", zh), zh


def test_no_pressure_warning_words_without_a_code() -> None:
    for lang in ("zh", "en"):
        stale = {k for k in catalogue(lang) if k.startswith("pm:")} - {f"pm:{c}" for c in WARNINGS}
        assert not stale, (lang, stale)
