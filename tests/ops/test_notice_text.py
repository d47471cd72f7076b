"""The notice's text (``ops.notices.text``, issue 16 leftovers), on the sample city: what a
changed notice says once, and how the English notice names the authority that approved it."""

from __future__ import annotations

import datetime as dt
import re

from gis.isolation import Isolator
from ops.notices import Issuer, render_text
from ops.notices.text import change_lines
from ops.outages import update
from tests.ops.test_notice_golden import NOW, emergency, planned

ISSUER = Issuer()


def test_a_changed_notice_gives_the_duration_once(city_isolator: Isolator) -> None:
    for made in (planned, emergency):
        outage = made(city_isolator)
        later = outage.content.end + dt.timedelta(hours=2)
        changed = update(outage, NOW + dt.timedelta(hours=1), end=later, note_zh="延长两小时")
        zh = render_text(changed, "zh", ISSUER)
        en = render_text(changed, "en", ISSUER)
        assert len(re.findall(r"停水约[0-9.]+小时", zh)) == 1, zh
        assert len(re.findall(r"about [0-9.]+ hours", en)) == 1, en
        # the change itself is still said, with the new and the old end
        (line, *_) = change_lines(changed, changed.latest, "zh")
        assert line.startswith("恢复供水时间由") and f"{later:%H:%M}" in line


def test_the_english_notice_says_who_the_chinese_named_authority_is(
    city_isolator: Isolator,
) -> None:
    outage = planned(city_isolator)  # approved by 开封市城市管理局, 汴城管供〔2026〕12号
    en = render_text(outage, "en", ISSUER)
    # the name and the number as the approval document has them, glossed in English
    assert (
        "With the approval of the city's water-supply authority, 开封市城市管理局 "
        "(approval document 汴城管供〔2026〕12号), because of replacement of a valve," in en
    ), en
    # nothing else in Chinese: the streets, estates and areas are in pinyin
    rest = en.replace("开封市城市管理局", "").replace("汴城管供〔2026〕12号", "")
    assert not re.search("[\u3400-\u9fff]", rest), rest
