"""The CAP headline (``ops.notices.cap.cap_headline``, issue 16 leftover): place and time, the
end written as the start is, on the sample city."""

from __future__ import annotations

import datetime as dt

from gis.isolation import Isolator
from ops.notices.cap import cap_headline
from ops.outages import update
from tests.ops.test_notice_golden import NOW, planned


def test_the_headline_writes_the_end_as_it_writes_the_start(city_isolator: Isolator) -> None:
    outage = planned(city_isolator)  # Sat 28 Nov 09:00-15:00, 顺河二片区
    c = outage.content
    assert cap_headline(outage, c, outage.state, "zh") == "顺河二片区 11月28日 09:00–15:00 停水"
    # into the next day: the end has its date, with a space before its time as the start has
    later = update(outage, NOW + dt.timedelta(hours=1), end=c.end + dt.timedelta(hours=20))
    zh = cap_headline(later, later.content, later.state, "zh")
    en = cap_headline(later, later.content, later.state, "en")
    assert zh == "顺河二片区 11月28日 09:00–11月29日 11:00 停水（变更）"
    assert en == "Shunhe 2: water outage (changed) Sat 28 Nov 09:00–Sun 29 Nov 11:00"
