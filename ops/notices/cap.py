"""The notice as a CAP 1.2 alert (OASIS Common Alerting Protocol), one message per revision.

The first published revision is an ``Alert``; later ones are ``Update`` (changed, restored) or
``Cancel`` and carry ``references`` to every earlier message of the same notice. Each message has
two ``info`` blocks (zh-CN and en-US), category ``Infra``, and the affected area as CAP polygons:
closed rings of ``lat,lon`` pairs (CAP writes latitude first; GeoJSON longitude first), one per
part of a MultiPolygon, outer rings only (CAP polygons have no holes), simplified to stay small.
The output validates against the OASIS schema (tests/ops/data/CAP-v1.2.xsd).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import shapely
from lxml import etree
from shapely.geometry import shape

from ops.errors import NoticeStateError
from ops.notices.issuer import Issuer
from ops.notices.pressure import reduced_pressure_area_desc
from ops.notices.text import area_zh, change_lines, render_text
from ops.outages import NoticeContent, NoticeState, Outage, OutageKind, Revision

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
POLYGON_TOLERANCE_DEG = 0.0001  # about 10 m: keeps a city-block polygon to a few dozen points


def _cap_time(t: dt.datetime) -> str:
    """CAP dateTime: ``YYYY-MM-DDThh:mm:ss+08:00`` (no fractions, no ``Z``)."""
    return t.replace(microsecond=0).isoformat()


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def cap_polygons(area: dict[str, Any] | None) -> list[str]:
    """CAP ``polygon`` strings for a GeoJSON Polygon or MultiPolygon (WGS84)."""
    if not area:
        return []
    geometry = shape(area).simplify(POLYGON_TOLERANCE_DEG, preserve_topology=True)
    parts = list(getattr(geometry, "geoms", [geometry]))
    out = []
    for part in parts:
        if part.is_empty or part.geom_type != "Polygon":
            continue
        ring = shapely.get_coordinates(part.exterior)
        if len(ring) < 4:
            continue
        pairs = [f"{lat:.6f},{lon:.6f}" for lon, lat in ring]
        pairs[-1] = pairs[0]  # closed exactly, after rounding
        out.append(" ".join(pairs))
    return out


def cap_urgency(start: dt.datetime, at: dt.datetime, ended: bool = False) -> str:
    """CAP ``urgency`` at ``at`` of an outage starting ``start``: Immediate when it is under way,
    Expected when it starts within the hour (CAP: "responsive action should be taken soon
    (within next hour)"), Future further ahead, Past once it is over."""
    if ended:
        return "Past"
    if start <= at:
        return "Immediate"
    return "Expected" if start - at <= dt.timedelta(hours=1) else "Future"


def _instruction(under_way: bool, lang: str) -> str:
    if lang == "zh":
        return (
            "停水期间请关闭水龙头，节约用水。" if under_way else "请提前储水，停水期间关闭水龙头。"
        )
    if under_way:
        return "Keep taps closed while the water is off; use water sparingly."
    return "Store water before the outage; keep taps closed while it is off."


def cap_headline(outage: Outage, content: NoticeContent, state: NoticeState, lang: str) -> str:
    """Place and time, as a headline: ``鼓楼片区 12月3日 09:00–17:00 停水``; into another day
    the end has its date, written as the start's (``12月3日 22:00–12月4日 06:00``)."""
    start, end = content.start, content.end
    if lang == "zh":
        place = area_zh(tuple(content.zh(n) for n in content.neighbourhoods[:1])) or (
            content.zh(content.streets[0]) if content.streets else ""
        )
        day = f"{end.month}月{end.day}日 "
        until = f"{end:%H:%M}" if end.date() == start.date() else f"{day}{end:%H:%M}"
        when = f"{start.month}月{start.day}日 {start:%H:%M}–{until}"
        what = {
            NoticeState.RESTORED: "停水已恢复供水",
            NoticeState.CANCELLED: "停水取消",
            NoticeState.UPDATED: "停水（变更）",
        }.get(state, "紧急停水" if outage.kind == OutageKind.EMERGENCY else "停水")
        return " ".join(x for x in (place, when, what) if x)
    place = (content.neighbourhoods[:1] or content.streets[:1] or ("",))[0]
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %d %b %H:%M}"
    when = f"{start:%a %d %b} {start:%H:%M}–{until}"
    what = {
        NoticeState.RESTORED: "water restored after outage",
        NoticeState.CANCELLED: "water outage cancelled",
        NoticeState.UPDATED: "water outage (changed)",
    }.get(
        state, "emergency water outage" if outage.kind == OutageKind.EMERGENCY else "water outage"
    )
    return f"{place}: {what} {when}" if place else f"{what} {when}"


def render_cap(
    outage: Outage, issuer: Issuer | None = None, revision: Revision | None = None
) -> str:
    """The CAP 1.2 XML of one sent revision (default: the latest); a draft has none
    (:class:`ops.errors.NoticeStateError`)."""
    issuer = issuer or Issuer()
    sent = outage.sent_revisions
    if not sent:
        raise NoticeStateError(
            f"outage {outage.id} is a draft: only published notices have CAP messages",
            code="notice_draft_no_cap",
            outage=outage.id,
        )
    revision = revision or sent[-1]
    if revision.msg_type is None:
        raise NoticeStateError(
            f"revision {revision.number} of {outage.id} is a draft",
            code="notice_revision_draft",
            outage=outage.id,
            revision=revision.number,
        )
    earlier = [r for r in sent if r.number < revision.number]

    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(alert, "identifier", issuer.identifier(outage.id, revision.number))
    _sub(alert, "sender", issuer.sender)
    _sub(alert, "sent", _cap_time(revision.at))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", revision.msg_type)
    _sub(alert, "scope", "Public")
    # the history's note may name a plan or a crew: the public note says what changed
    if revision.msg_type == "Cancel" and revision.note:
        _sub(alert, "note", f"cancelled: {revision.note}")
    elif revision.state == NoticeState.RESTORED:
        _sub(alert, "note", "water supply restored")
    elif revision.msg_type == "Update":
        _sub(alert, "note", " ".join(change_lines(outage, revision, "en")))
    if earlier:
        _sub(
            alert,
            "references",
            " ".join(
                f"{issuer.sender},{issuer.identifier(outage.id, r.number)},{_cap_time(r.at)}"
                for r in earlier
            ),
        )

    # a snapshot of the outage as it stood at this revision, for the texts
    snapshot = replace(
        outage, revisions=tuple(r for r in outage.revisions if r.number <= revision.number)
    )
    content = revision.content
    state = revision.state
    emergency = outage.kind == OutageKind.EMERGENCY
    ended = state in (NoticeState.RESTORED, NoticeState.CANCELLED)
    # an emergency is notified while it is repaired: respond now
    urgency = (
        "Immediate" if emergency and not ended else cap_urgency(content.start, revision.at, ended)
    )
    certainty = "Observed" if ended or emergency else "Likely"
    severity = "Moderate" if content.critical or content.customers_total >= 1000 else "Minor"
    response = "AllClear" if ended else "Prepare"
    for lang, cap_lang in (("zh", "zh-CN"), ("en", "en-US")):
        text = render_text(snapshot, lang, issuer)
        _, _, body = text.partition("\n")
        headline = cap_headline(outage, content, state, lang)
        info = _sub(alert, "info")
        _sub(info, "language", cap_lang)
        _sub(info, "category", "Infra")
        _sub(info, "event", "停水" if lang == "zh" else "Water supply interruption")
        _sub(info, "responseType", response)
        _sub(info, "urgency", urgency)
        _sub(info, "severity", severity)
        _sub(info, "certainty", certainty)
        _sub(info, "onset", _cap_time(content.start))
        _sub(info, "expires", _cap_time(max(content.end, revision.at) + dt.timedelta(hours=1)))
        _sub(info, "senderName", issuer.name_zh if lang == "zh" else issuer.name_en)
        _sub(info, "headline", headline.strip())
        _sub(info, "description", body.strip())
        if not ended:
            _sub(
                info,
                "instruction",
                _instruction(emergency or content.start <= revision.at, lang),
            )
        _sub(info, "web", issuer.url(outage.id, lang))
        _sub(info, "contact", content.hotline)
        for name, value in (
            ("outage_kind", outage.kind.value),
            ("customers_affected", str(content.customers_total)),
            ("accounts_affected", str(content.accounts)),
            ("expected_restoration", _cap_time(content.end)),
        ):
            parameter = _sub(info, "parameter")
            _sub(parameter, "valueName", name)
            _sub(parameter, "value", value)
        area = _sub(info, "area")
        streets = content.streets[:20]
        if lang == "zh":
            desc = "、".join(content.zh(s) for s in streets) or outage.id
            if content.neighbourhoods:
                desc += f"（{area_zh(tuple(content.zh(n) for n in content.neighbourhoods))}）"
        else:
            desc = ", ".join(streets) or outage.id
            if content.neighbourhoods:
                desc += f" ({', '.join(content.neighbourhoods)})"
        _sub(area, "areaDesc", desc)
        for polygon in cap_polygons(content.area):
            _sub(area, "polygon", polygon)
        low = content.reduced_pressure  # hydraulic basis: its polygon is an area of its own
        if low is not None and low.area and not ended:
            low_area = _sub(info, "area")
            _sub(low_area, "areaDesc", reduced_pressure_area_desc(content, lang))
            for polygon in cap_polygons(low.area):
                _sub(low_area, "polygon", polygon)
    xml: bytes = etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml.decode("utf-8")
