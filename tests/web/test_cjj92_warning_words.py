"""The CJJ 92 grade's warnings in the console's language (issue 17: they stayed English under
the Chinese UI): each ``ops.leakage.cjj92.WARNINGS`` code has its words in both languages of
``js/i18n.js`` (``cjj92w:<code>``) with the placeholders of its English, the Chinese without
English words of its own; no words are left for a code gone."""

from __future__ import annotations

import re

import pytest

from ops.leakage.cjj92 import WARNINGS
from tests.web.test_messages import catalogue, placeholders


@pytest.mark.parametrize("code", sorted(WARNINGS))
def test_every_grade_warning_is_in_both_languages(code: str) -> None:
    for lang in ("zh", "en"):
        words = catalogue(lang)
        key = f"cjj92w:{code}"
        assert key in words, f'add "{key}" to the {lang} strings of js/i18n.js'
        assert placeholders(words[key]) == placeholders(WARNINGS[code]), (lang, code)
    zh = re.sub(r"\{\w+\}", "", catalogue("zh")[f"cjj92w:{code}"])
    # file names and their columns are written as the data has them, CJJ 92's symbols too
    zh = re.sub(r"\w+\.csv|residential_metered_m3|Q_s|R\d", "", zh)
    assert not re.search(r"[A-Za-z]{3,}", zh), zh


def test_no_grade_warning_words_without_a_code() -> None:
    for lang in ("zh", "en"):
        words = {k for k in catalogue(lang) if k.startswith("cjj92w:")}
        assert words == {f"cjj92w:{c}" for c in WARNINGS}, lang
