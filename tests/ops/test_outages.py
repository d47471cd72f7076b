"""Outage notices: content, lifecycle, lead time, overlaps, and every rendering.

CAP messages are validated against the OASIS CAP 1.2 schema; Atom and iCalendar are parsed back.
"""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from gis.isolation import Isolator, surroundings
from ops.calendar import TZ
from ops.errors import InvalidRequest, LeadTimeTooShort, NoticeStateError
from ops.notices import render_atom, render_cap, render_geojson, render_ical, render_text
from ops.notices.cap import CAP_NS
from ops.outages import (
    NoticeState,
    Outage,
    OverlapNotAcknowledged,
    cancel,
    check_overlaps,
    create_outage,
    current_notices,
    edit_draft,
    notice_content,
    publish,
    restore,
    update,
)
from ops.repairs import RepairReport, open_repair
from tests.ops.conftest import CAP_XSD

NOW = dt.datetime(2026, 11, 26, 9, 0)
NS = {"cap": CAP_NS}


@pytest.fixture(scope="module")
def cap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(CAP_XSD)))


def planned(isolator: Isolator, pipe: str, start: dt.datetime, hours: float = 6) -> Outage:
    plan = isolator.isolate(pipe)
    content = notice_content(
        plan,
        start,
        start + dt.timedelta(hours=hours),
        "replacement of a valve",
        surroundings=surroundings(isolator, plan),
        hotline="12319",
        reason_zh="阀门更换",
    )
    return approved(create_outage(f"OUT-{pipe}", "planned", content, NOW))


def approved(outage: Outage) -> Outage:
    """A planned outage with the authority's approval on record (城市供水条例 §22)."""
    from ops.outages import RecordKind, record_authority

    return record_authority(
        outage,
        RecordKind.APPROVAL,
        "开封市城市管理局",
        NOW - dt.timedelta(days=1),
        "dispatcher",
        NOW,
        "汴城管供〔2026〕12号",
    )


def test_content_says_who_and_where(street: Isolator) -> None:
    outage = planned(street, "P2", NOW + dt.timedelta(days=2))
    c = outage.content
    assert c.customers_total == 3
    assert c.customers_by_category == {"residential": 2, "critical": 1}
    assert c.critical == ("Test Hospital",)
    assert c.streets == ("Street P2",)
    # the segments next to the shut area stay in supply at reduced pressure
    assert set(c.reduced_pressure_streets) == {"Street P1", "Street P5"}  # P3 is one valve further
    assert c.area is not None and c.area["type"] in ("Polygon", "MultiPolygon")
    assert c.start.tzinfo is not None and c.start.utcoffset() == dt.timedelta(hours=8)
    zh = render_text(outage, "zh")
    assert "停水通知" in zh and "阀门更换" in zh and "Test Hospital" in zh and "12319" in zh
    assert "2026年11月28日09:00" in zh
    en = render_text(outage, "en")
    assert "Planned water outage" in en and "Street P2" in en and "Reduced pressure" in en


def test_lifecycle_keeps_every_revision(street: Isolator, cap_schema: etree.XMLSchema) -> None:
    start = NOW + dt.timedelta(days=2)
    outage = planned(street, "P2", start)
    outage = edit_draft(outage, outage.content, NOW + dt.timedelta(minutes=5), "checked")
    outage = publish(outage, NOW + dt.timedelta(minutes=10))
    outage = update(outage, NOW + dt.timedelta(hours=3), end=start + dt.timedelta(hours=9))
    outage = restore(outage, start + dt.timedelta(hours=8))
    assert [r.state for r in outage.revisions] == [
        NoticeState.DRAFT,
        NoticeState.DRAFT,
        NoticeState.PUBLISHED,
        NoticeState.UPDATED,
        NoticeState.RESTORED,
    ]
    assert [r.msg_type for r in outage.revisions] == [None, None, "Alert", "Update", "Update"]
    assert outage.revisions[3].note.startswith("extended to")
    assert outage.revisions[3].content.end == (start + dt.timedelta(hours=9)).replace(tzinfo=TZ)
    assert outage.content.end == (start + dt.timedelta(hours=8)).replace(tzinfo=TZ)
    assert "恢复供水通知" in render_text(outage, "zh")
    # every sent revision is a valid CAP message that references the earlier ones
    identifiers = []
    for revision in outage.sent_revisions:
        xml = render_cap(outage, revision=revision)
        doc = etree.fromstring(xml.encode("utf-8"))
        assert cap_schema.validate(doc), cap_schema.error_log
        assert doc.findtext("cap:msgType", namespaces=NS) == revision.msg_type
        refs = doc.findtext("cap:references", namespaces=NS)
        if identifiers:
            assert refs is not None
            assert [r.split(",")[1] for r in refs.split()] == identifiers
        else:
            assert refs is None
        identifiers.append(doc.findtext("cap:identifier", namespaces=NS))
    last = etree.fromstring(render_cap(outage).encode("utf-8"))
    assert last.findtext("cap:info/cap:urgency", namespaces=NS) == "Past"
    assert last.findtext("cap:info/cap:responseType", namespaces=NS) == "AllClear"
    with pytest.raises(NoticeStateError, match="restored"):
        cancel(outage, start + dt.timedelta(hours=10), "too late")


def test_cap_message_content(street: Isolator, cap_schema: etree.XMLSchema) -> None:
    outage = publish(planned(street, "P2", NOW + dt.timedelta(days=2)), NOW)
    doc = etree.fromstring(render_cap(outage).encode("utf-8"))
    assert cap_schema.validate(doc), cap_schema.error_log
    infos = doc.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["zh-CN", "en-US"]
    for info in infos:
        assert info.findtext("cap:category", namespaces=NS) == "Infra"
        assert info.findtext("cap:onset", namespaces=NS) == "2026-11-28T09:00:00+08:00"
        # two days ahead: Future (CAP's Expected is "within the next hour"; issue 16)
        assert info.findtext("cap:urgency", namespaces=NS) == "Future"
        polygons = [p.text for p in info.findall("cap:area/cap:polygon", NS)]
        assert polygons
        for polygon in polygons:
            assert polygon is not None
            pairs = polygon.split()
            assert len(pairs) >= 4 and pairs[0] == pairs[-1]  # a closed ring
            lat, lon = (float(x) for x in pairs[0].split(","))
            assert 34 < lat < 35 and 114 < lon < 115  # latitude first, in Kaifeng
    assert doc.findtext("cap:sent", namespaces=NS) == "2026-11-26T09:00:00+08:00"


def test_planned_outage_needs_24_hours_notice(street: Isolator) -> None:
    soon = planned(street, "P2", NOW + dt.timedelta(hours=20))
    with pytest.raises(LeadTimeTooShort, match="at least 24 h"):
        publish(soon, NOW)
    # the law is the floor: a shorter configured lead does not allow it (issue 16); a longer
    # one asks for more
    with pytest.raises(InvalidRequest, match="城市供水条例"):
        publish(soon, NOW, lead=dt.timedelta(hours=12))
    later = planned(street, "P2", NOW + dt.timedelta(hours=30))
    with pytest.raises(LeadTimeTooShort, match="at least 48 h"):
        publish(later, NOW, lead=dt.timedelta(hours=48))
    assert publish(later, NOW).state == NoticeState.PUBLISHED
    # an emergency can be published at once
    emergency = create_outage("OUT-E", "emergency", soon.content, NOW)
    assert publish(emergency, NOW).state == NoticeState.PUBLISHED


def test_moving_a_planned_start_earlier_keeps_the_lead(street: Isolator) -> None:
    start = NOW + dt.timedelta(days=3)
    outage = publish(planned(street, "P2", start), NOW)
    with pytest.raises(LeadTimeTooShort):
        update(outage, NOW + dt.timedelta(hours=1), start=NOW + dt.timedelta(hours=10))
    later = update(
        outage,
        NOW + dt.timedelta(hours=1),
        start=start + dt.timedelta(hours=2),
        end=start + dt.timedelta(hours=9),
    )
    assert later.state == NoticeState.UPDATED


def test_state_rules(street: Isolator) -> None:
    draft = planned(street, "P2", NOW + dt.timedelta(days=2))
    with pytest.raises(NoticeStateError):
        update(draft, NOW, end=NOW + dt.timedelta(days=3))
    with pytest.raises(NoticeStateError):
        restore(draft, NOW)
    with pytest.raises(NoticeStateError, match="draft"):  # a domain error: 409 in the API
        render_cap(draft)
    cancelled = cancel(draft, NOW, "works postponed")
    assert cancelled.state == NoticeState.CANCELLED and cancelled.sent_revisions == ()
    with pytest.raises(NoticeStateError):
        publish(cancelled, NOW)
    with pytest.raises(InvalidRequest, match="say why"):
        cancel(draft, NOW, "  ")
    with pytest.raises(InvalidRequest, match="end after it starts"):
        update(publish(draft, NOW), NOW, end=NOW)
    published = publish(draft, NOW)
    with pytest.raises(InvalidRequest, match="time order"):
        update(published, NOW - dt.timedelta(hours=1), end=NOW + dt.timedelta(days=4))
    called_off = cancel(published, NOW + dt.timedelta(hours=1), "works postponed")
    assert "取消停水通知" in render_text(called_off, "zh")
    assert "works postponed" in render_text(called_off, "en")


def test_overlapping_planned_outages_are_flagged(street: Isolator) -> None:
    start = NOW + dt.timedelta(days=2)
    first = publish(planned(street, "P2", start), NOW)
    second = planned(street, "P3", start + dt.timedelta(hours=2))
    warnings = check_overlaps(second, [first], street)
    assert len(warnings) == 1
    w = warnings[0]
    # together they leave the branch P5 (R3, R4) with no source
    assert w.other == first.id and w.extra_customers == 2
    assert w.start == (start + dt.timedelta(hours=2)).replace(tzinfo=TZ)
    with pytest.raises(OverlapNotAcknowledged, match="2 more customers"):
        publish(second, NOW, overlaps=warnings)
    assert publish(second, NOW, overlaps=warnings, acknowledge_overlaps=True).is_live()
    # at another time, no overlap
    apart = planned(street, "P3", start + dt.timedelta(days=1))
    assert check_overlaps(apart, [first], street) == []


def test_feed_geojson_and_calendar(street: Isolator) -> None:
    from icalendar import Calendar

    a = publish(planned(street, "P2", NOW + dt.timedelta(days=2)), NOW)
    b = publish(planned(street, "P3", NOW + dt.timedelta(days=4)), NOW + dt.timedelta(minutes=1))
    over = restore(
        publish(planned(street, "P5", NOW + dt.timedelta(days=1)), NOW),
        NOW + dt.timedelta(days=1, hours=2),
    )
    live = current_notices([a, b, over], NOW + dt.timedelta(hours=1))
    assert [o.id for o in live] == ["OUT-P2", "OUT-P3"]

    atom = etree.fromstring(render_atom(live, NOW).encode("utf-8"))
    atom_ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = atom.findall("a:entry", atom_ns)
    assert len(entries) == 2
    assert {e.findtext("a:id", namespaces=atom_ns).rsplit("/", 1)[1] for e in entries} == {
        "OUT-P2",
        "OUT-P3",
    }
    assert "停水" in (entries[0].findtext("a:content", namespaces=atom_ns) or "")

    geo = render_geojson(live)
    assert geo["type"] == "FeatureCollection"
    notices = [f for f in geo["features"] if f["properties"].get("kind") != "tanker_point"]
    assert [f["id"] for f in notices] == ["OUT-P2", "OUT-P3"]
    assert notices[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")

    cal = Calendar.from_ical(render_ical(a))
    event = next(iter(cal.walk("VEVENT")))
    assert event.decoded("dtstart") == a.content.start
    assert str(event["dtstart"].params["TZID"]) == "Asia/Shanghai"
    assert event.decoded("dtend") == a.content.end
    assert any(c.name == "VTIMEZONE" for c in cal.walk())
    cancelled = Calendar.from_ical(render_ical(cancel(a, NOW + dt.timedelta(hours=2), "x")))
    assert str(next(iter(cancelled.walk("VEVENT")))["status"]) == "CANCELLED"


def test_the_chinese_calendar_names_the_streets_in_chinese(city_isolator: Isolator) -> None:
    # issue 16 review: SUMMARY:停水通知 Wei 3 Lu mixed Chinese and pinyin on the sample city
    from icalendar import Calendar

    plan = city_isolator.isolate("P000300")
    start = NOW + dt.timedelta(days=2)
    end = start + dt.timedelta(hours=6)
    content = notice_content(
        plan, start, end, "valve replacement", hotline="12319", isolator=city_isolator
    )
    outage = publish(approved(create_outage("OUT-P000300", "planned", content, NOW)), NOW)
    c = outage.content
    assert c.streets == ("Wei 3 Lu",) and c.names_zh["Wei 3 Lu"] == "纬三路"
    zh = next(iter(Calendar.from_ical(render_ical(outage, lang="zh")).walk("VEVENT")))
    assert str(zh["summary"]) == "停水通知 纬三路"
    assert str(zh["location"]) == "纬三路"
    assert "Wei 3 Lu" not in str(zh["summary"]) + str(zh["location"])
    en = next(iter(Calendar.from_ical(render_ical(outage, lang="en")).walk("VEVENT")))
    assert str(en["location"]) == "Wei 3 Lu" and str(en["summary"]).endswith(" Wei 3 Lu")
    assert "纬三路" not in str(en["summary"]) + str(en["location"])


def test_repair_notice_window_comes_from_the_case(street: Isolator) -> None:
    from ops.outages import repair_notice_content

    case = open_repair(RepairReport("T1", NOW, "burst", pipe_id="P2"), street)
    start, end = case.expected_window()
    content = repair_notice_content(case, start, end, street, hotline="0371-00000000")
    assert content.reason_zh == "供水管道爆管抢修"
    assert [t.name for t in content.tanker_points] == ["Test Hospital"]
    outage = publish(create_outage("OUT-T1", "emergency", content, NOW, source="T1"), NOW)
    assert "临时供水点：Test Hospital" in render_text(outage, "zh")
    # an emergency has begun already: nobody can store water "in advance" (issue 13)
    assert "提前做好储水准备" not in render_text(outage, "zh")
    assert "before the outage starts" not in render_text(outage, "en")
    assert "关闭水龙头" in render_text(outage, "zh")
    assert "提前做好储水准备" in render_text(
        planned(street, "P2", NOW + dt.timedelta(days=2)), "zh"
    )


def test_moving_the_whole_window_later_in_one_update(street: Isolator) -> None:
    start = NOW + dt.timedelta(days=2)
    outage = publish(planned(street, "P2", start, hours=2), NOW)
    later = update(
        outage, NOW, start=start + dt.timedelta(days=1), end=start + dt.timedelta(days=1, hours=2)
    )
    assert later.content.start == (start + dt.timedelta(days=1)).replace(tzinfo=TZ)


def test_a_cancelled_draft_was_never_public(street: Isolator) -> None:
    draft = planned(street, "P2", NOW + dt.timedelta(days=2))
    called_off = cancel(draft, NOW, "not needed after all")
    assert called_off.state == NoticeState.CANCELLED
    assert called_off.sent_revisions == () and called_off.published_at is None
    with pytest.raises(NoticeStateError, match="draft"):
        render_cap(called_off)
    assert current_notices([called_off], NOW, ended_within=dt.timedelta(days=3)) == []


def test_water_cannot_be_restored_before_it_goes_off(street: Isolator) -> None:
    outage = publish(planned(street, "P2", NOW + dt.timedelta(days=2)), NOW)
    with pytest.raises(NoticeStateError, match="cancel"):
        restore(outage, NOW + dt.timedelta(hours=1))


def test_water_cannot_be_restored_at_a_time_still_to_come(street: Isolator) -> None:
    # an all-clear signed at 03:00 while it is 22:52 would drop the notice from the public
    # page and the feed (their "ended within" window would be negative)
    start = NOW + dt.timedelta(days=2)
    outage = publish(planned(street, "P2", start), NOW)
    now = start + dt.timedelta(hours=1)
    with pytest.raises(InvalidRequest, match="still to come"):
        restore(outage, now + dt.timedelta(hours=4), now=now)
    done = restore(outage, now, now=now)
    assert done.state == "restored" and done.content.end == now.replace(tzinfo=TZ)


def test_a_planned_start_cannot_be_pulled_to_now(street: Isolator) -> None:
    outage = publish(planned(street, "P2", NOW + dt.timedelta(days=2)), NOW)
    for new_start in (NOW, NOW - dt.timedelta(minutes=1), NOW + dt.timedelta(hours=3)):
        with pytest.raises(LeadTimeTooShort):
            update(outage, NOW, start=new_start)


def test_control_characters_never_break_a_rendering(
    street: Isolator, cap_schema: etree.XMLSchema
) -> None:
    plan = street.isolate("P2")
    content = notice_content(
        plan,
        NOW + dt.timedelta(days=2),
        NOW + dt.timedelta(days=2, hours=2),
        "burst\x1b[0m main\x00",
        hotline="0371-00000000",
    )
    outage = publish(approved(create_outage("OUT-X", "planned", content, NOW)), NOW)
    assert outage.content.reason == "burst[0m main"
    assert cap_schema.validate(etree.fromstring(render_cap(outage).encode("utf-8")))
    etree.fromstring(render_atom([outage], NOW).encode("utf-8"))


def test_feeds_keep_recent_all_clears_and_cancellations(street: Isolator) -> None:
    start = NOW + dt.timedelta(days=1)
    done = restore(publish(planned(street, "P2", start), NOW), start + dt.timedelta(hours=2))
    later = start + dt.timedelta(hours=3)
    assert current_notices([done], later) == []
    assert current_notices([done], later, ended_within=dt.timedelta(days=3)) == [done]
    assert (
        current_notices([done], later + dt.timedelta(days=4), ended_within=dt.timedelta(days=3))
        == []
    )
    atom = etree.fromstring(render_atom([done], later).encode("utf-8"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    links = atom.findall("a:entry/a:link", ns)
    assert {(lk.get("rel"), lk.get("type")) for lk in links} == {
        ("alternate", "text/html"),
        ("alternate", "application/cap+xml"),
    }
    assert "恢复供水通知" in (atom.findtext("a:entry/a:content", namespaces=ns) or "")
    assert "ORGANIZER" in render_ical(done)


def test_a_live_notice_follows_a_new_plans_window(street: Isolator) -> None:
    from ops.outages import follow_window

    start = NOW + dt.timedelta(days=2)
    outage = publish(planned(street, "P2", start), NOW)
    assert follow_window(outage, outage.content.start, outage.content.end, NOW, why="x") is None
    later = follow_window(
        outage, start + dt.timedelta(hours=1), start + dt.timedelta(hours=9), NOW, why="plan 7"
    )
    assert later is not None and later.state == NoticeState.UPDATED
    assert later.content.start == (start + dt.timedelta(hours=1)).replace(tzinfo=TZ)
    assert later.latest.note.startswith("plan 7")
    # a planned outage is not pulled earlier than its notice allows: only the end moves
    soon = follow_window(
        outage, NOW + dt.timedelta(hours=2), start + dt.timedelta(hours=7), NOW, why="plan 8"
    )
    assert soon is not None and soon.content.start == outage.content.start
    assert soon.content.end == (start + dt.timedelta(hours=7)).replace(tzinfo=TZ)


# -- issue 16: the notice as a Chinese utility publishes it -------------------------------


def _cap_info(outage: Outage, lang: str = "zh-CN") -> etree._Element:
    doc = etree.fromstring(render_cap(outage).encode("utf-8"))
    return next(
        i for i in doc.findall("cap:info", NS) if i.findtext("cap:language", namespaces=NS) == lang
    )


def test_cap_urgency_follows_the_start_and_the_headline_gives_place_and_time(
    street: Isolator, cap_schema: etree.XMLSchema
) -> None:
    start = NOW + dt.timedelta(days=2)
    outage = publish(planned(street, "P2", start), NOW)
    assert _cap_info(outage).findtext("cap:urgency", namespaces=NS) == "Future"
    # changed 40 minutes before the start: within the hour
    soon = update(outage, start - dt.timedelta(minutes=40), end=start + dt.timedelta(hours=7))
    assert _cap_info(soon).findtext("cap:urgency", namespaces=NS) == "Expected"
    # changed while the water is off: under way
    during = update(soon, start + dt.timedelta(hours=1), end=start + dt.timedelta(hours=8))
    info = _cap_info(during)
    assert info.findtext("cap:urgency", namespaces=NS) == "Immediate"
    # no advance advice once the water is off
    assert "提前" not in (info.findtext("cap:instruction", namespaces=NS) or "")
    assert "提前做好储水准备" not in render_text(during, "zh")
    for o in (outage, soon, during):
        assert cap_schema.validate(etree.fromstring(render_cap(o).encode("utf-8")))
    headline = _cap_info(outage).findtext("cap:headline", namespaces=NS)
    assert headline == "Street P2 11月28日 09:00–15:00 停水"
    en = _cap_info(outage, "en-US").findtext("cap:headline", namespaces=NS)
    assert en == "Street P2: water outage Sat 28 Nov 09:00–15:00"


def test_the_lead_cannot_be_below_the_law(street: Isolator) -> None:
    from ops.outages import check_lead_setting

    outage = planned(street, "P2", NOW + dt.timedelta(days=2))
    with pytest.raises(InvalidRequest, match="24 h"):
        publish(outage, NOW, lead=dt.timedelta(hours=12))
    assert check_lead_setting(dt.timedelta(hours=48)) == dt.timedelta(hours=48)
    late = planned(street, "P2", NOW + dt.timedelta(hours=20))
    with pytest.raises(LeadTimeTooShort) as info:
        publish(late, NOW)
    assert "emergency" not in str(info.value)  # it does not invite misclassification


def test_the_chinese_notice_carries_no_english_and_no_internal_id(street: Isolator) -> None:
    from dataclasses import replace

    from ops.outages import follow_window

    start = NOW + dt.timedelta(days=2)
    outage = planned(street, "P2", start)
    # a dispatcher who wrote no Chinese reason: the Chinese notice does not print the English
    english_only = replace(outage.content, reason_zh=None, reason="valve replacement")
    outage = publish(edit_draft(outage, english_only, NOW), NOW)
    zh = render_text(outage, "zh")
    assert "valve replacement" not in zh and "因供水设施施工" in zh
    assert "valve replacement" in render_text(outage, "en")
    moved = follow_window(
        outage, start + dt.timedelta(hours=1), start + dt.timedelta(hours=9), NOW, why="plan 7"
    )
    assert moved is not None
    zh = render_text(moved, "zh")
    assert "plan" not in zh and "extended" not in zh
    assert (
        "停水时间由2026年11月28日09:00至15:00（星期六）调整为2026年11月28日10:00至18:00（星期六）"
        in zh
    )
    en = render_text(moved, "en")
    assert "plan 7" not in en and "now runs from Sat 28 Nov 2026, 10:00 to 18:00" in en
    cap = render_cap(moved)
    assert "plan 7" not in cap
    longer = update(moved, NOW + dt.timedelta(hours=1), end=start + dt.timedelta(hours=10))
    assert "恢复供水时间由2026年11月28日18:00调整为2026年11月28日19:00" in render_text(longer, "zh")
    called_off = cancel(longer, NOW + dt.timedelta(hours=2), "works postponed", "施工推迟")
    zh = render_text(called_off, "zh")
    assert "取消原因：施工推迟。" in zh and "postponed" not in zh
    assert "Reason: works postponed." in render_text(called_off, "en")


def test_the_notice_says_what_a_real_one_does(street: Isolator) -> None:
    from dataclasses import replace

    from ops.notices import Issuer

    outage = planned(street, "P2", NOW + dt.timedelta(days=2))
    outage = edit_draft(
        outage, replace(outage.content, neighbourhoods=("鼓楼片区", "Jinming 1")), NOW
    )
    issuer = Issuer(name_zh="开封某某供水有限公司", name_en="Kaifeng X Water Co., Ltd.", demo=False)
    zh = render_text(publish(outage, NOW), "zh", issuer)
    assert "（鼓楼片区、Jinming 1片区）" in zh and "片区片区" not in zh
    assert "共计停水约6小时" in zh and "如遇特殊情况，恢复供水时间将顺延。" in zh
    assert "敬请谅解" in zh and "特此通知。" in zh
    assert zh.rstrip().endswith("开封某某供水有限公司\n2026年11月26日 09:00")
    assert "http://127.0.0.1:8000/outages/OUT-P2" in zh and "演示" not in zh
    # 户 counts accounts (households); service points are said to be points
    assert "约3户，分布在3个供水点" in zh and "供水点指用户水表接入管网之处" in zh
    en = render_text(publish(outage, NOW), "en", issuer)
    assert "about 6 hours" in en and "outages/OUT-P2?lang=en" in en
    assert "Kaifeng X Water Co., Ltd." in en
    # the demo issuer says its names and number are invented
    assert "虚构" in render_text(publish(outage, NOW), "zh")


def test_an_emergency_under_way_gives_no_advance_advice(street: Isolator) -> None:
    plan = street.isolate("P2")
    content = notice_content(
        plan,
        NOW - dt.timedelta(minutes=30),
        NOW + dt.timedelta(hours=4),
        "burst main",
        hotline="0371-00000000",
        reason_zh="供水管道爆管抢修",
    )
    outage = publish(create_outage("OUT-E", "emergency", content, NOW), NOW)
    zh = render_text(outage, "zh")
    assert zh.startswith("紧急停水通知") and "提前" not in zh and "正在全力抢修" in zh
    assert _cap_info(outage).findtext("cap:urgency", namespaces=NS) == "Immediate"


def test_a_notice_without_a_hotline_is_not_published(street: Isolator) -> None:
    plan = street.isolate("P2")
    start = NOW + dt.timedelta(days=2)
    content = notice_content(plan, start, start + dt.timedelta(hours=2), "x", hotline=" ")
    with pytest.raises(InvalidRequest, match="hotline"):
        publish(create_outage("OUT-H", "planned", content, NOW), NOW)


def test_a_planned_outage_is_published_only_with_the_authoritys_approval(street: Isolator) -> None:
    from ops.outages import NotApproved, RecordKind, record_authority

    plan = street.isolate("P2")
    start = NOW + dt.timedelta(days=2)
    content = notice_content(
        plan,
        start,
        start + dt.timedelta(hours=4),
        "",
        hotline="0371-00000000",
        reason_zh="管道维修",
    )
    draft = create_outage("OUT-A", "planned", content, NOW)
    with pytest.raises(NotApproved, match="城市供水条例"):
        publish(draft, NOW)
    with pytest.raises(InvalidRequest, match="批准文号"):
        record_authority(draft, RecordKind.APPROVAL, "开封市城市管理局", NOW, "d", NOW)
    with pytest.raises(InvalidRequest, match="future"):
        record_authority(
            draft,
            RecordKind.APPROVAL,
            "开封市城市管理局",
            NOW + dt.timedelta(hours=2),
            "d",
            NOW,
            "1号",
        )
    with pytest.raises(InvalidRequest, match="approval, not a report"):
        record_authority(draft, RecordKind.REPORT, "开封市城市管理局", NOW, "d", NOW)
    ok = approved(draft)
    assert ok.approval is not None and ok.approval.document == "汴城管供〔2026〕12号"
    assert ok.to_dict()["records"][0]["entered_by"] == "dispatcher"
    out = publish(ok, NOW)
    assert "经开封市城市管理局批准（汴城管供〔2026〕12号），因管道维修" in render_text(out, "zh")
    # an emergency is published at once and reported while it is repaired
    emergency = publish(create_outage("OUT-B", "emergency", content, NOW), NOW)
    with pytest.raises(InvalidRequest, match="reported"):
        record_authority(emergency, RecordKind.APPROVAL, "x", NOW, "d", NOW, "1号")
    reported = record_authority(emergency, RecordKind.REPORT, "开封市城市管理局", NOW, "d", NOW)
    assert [r.kind for r in reported.records] == [RecordKind.REPORT]
    assert reported.revisions == emergency.revisions  # a record is not a message to the public


def test_a_repairs_outage_stands_as_a_draft_an_emergency_publishable_at_once(
    street: Isolator,
) -> None:
    """The one rule for a repair's notice (issue 15 point 2, 城市供水条例 §22): it is drafted,
    for both kinds; publishing is the dispatcher's act. An emergency can be published the
    moment it is drafted (no approval, no lead, its report to the authority comes while it is
    repaired); a planned repair waits for its approval."""
    from ops.outages import NotApproved, OutageKind, repair_outage

    def drafted(severity: str, start: dt.datetime) -> Outage:
        end = start + dt.timedelta(hours=4)
        return repair_outage(
            f"OUT-{severity}", severity, "P2", start, end, street, NOW, hotline="0371-00000000"
        )

    burst = drafted("burst", NOW + dt.timedelta(minutes=40))
    leak = drafted("minor_leak", NOW + dt.timedelta(days=2))
    assert (burst.kind, leak.kind) == (OutageKind.EMERGENCY, OutageKind.PLANNED)
    assert burst.state is leak.state is NoticeState.DRAFT
    assert burst.published_at is None and not burst.records
    notified = publish(burst, NOW)  # at once: no approval, no 24 h lead, no report first
    assert notified.state is NoticeState.PUBLISHED and notified.published_at == NOW.replace(
        tzinfo=TZ
    )
    with pytest.raises(NotApproved, match="城市供水条例"):
        publish(leak, NOW)
    assert publish(approved(leak), NOW).state is NoticeState.PUBLISHED
