"""The reasons a job is left out or at risk read as words in both languages, never as the code
the API sends (user trial: the English plan showed "window_outside_shifts: …", "precedence: …")."""

from __future__ import annotations

import pytest

from tests.routing.test_solver import REASONS
from tests.web.test_messages import catalogue

AT_RISK = {"overdue", "planned_late", "not_planned", "carried_over"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_reason_has_words(lang: str) -> None:
    words = catalogue(lang)
    for reason in sorted(REASONS | AT_RISK):
        label = words.get(f"reason:{reason}")
        assert label and "_" not in label, (lang, reason, label)
