"""The notice as plain text, in Chinese (the notice of record) and English."""

from __future__ import annotations

import datetime as dt
import re

from ops.notices.issuer import DEMO_NOTE_EN, DEMO_NOTE_ZH, Issuer
from ops.notices.pressure import reduced_pressure_en, reduced_pressure_zh
from ops.outages import NoticeContent, NoticeState, Outage, OutageKind, Revision

CATEGORY_ZH = {
    "residential": "居民用户",
    "commercial": "商业用户",
    "industrial": "工业用户",
    "institution": "机关事业单位",
    "critical": "重点用户",
}
ADVICE_ZH = (
    "请停水范围内的用户提前做好储水准备，停水期间请关闭水龙头，以免恢复供水时跑水。",
    "恢复供水初期如出现水质浑浊，请打开水龙头放水片刻至水清。",
    "高层住宅二次供水设施恢复时间可能稍晚，请耐心等待。",
)
# an outage under way (an emergency, as a rule, by the time it is announced): no "store water
# in advance"
UNDER_WAY_ADVICE_ZH = (
    "停水期间请关闭水龙头，以免恢复供水时跑水；请节约用水，需要临时用水请拨打服务热线。",
    *ADVICE_ZH[1:],
)
ADVICE_EN = (
    "Please store enough water before the outage starts, and keep your taps closed while the "
    "water is off so that nothing overflows when it comes back.",
    "If the water is cloudy when supply returns, run the tap for a few minutes until it is clear.",
    "Booster pumps of high-rise buildings may take a little longer to restart.",
)
UNDER_WAY_ADVICE_EN = (
    "Keep your taps closed while the water is off so that nothing overflows when it comes "
    "back; please use water sparingly, and call the hotline if you need water meanwhile.",
    *ADVICE_EN[1:],
)


WEEKDAY_ZH = "一二三四五六日"
CJK = re.compile("[\u3400-\u9fff]")
# what the Chinese notice says when the dispatcher gave no Chinese reason: never the English one
GENERIC_REASON_ZH = {OutageKind.PLANNED: "供水设施施工", OutageKind.EMERGENCY: "供水管道抢修"}
GENERIC_REASON_EN = {
    OutageKind.PLANNED: "works on the water supply network",
    OutageKind.EMERGENCY: "emergency repair of a water main",
}
SERVICE_POINT_ZH = "供水点指用户水表接入管网之处，一个供水点可供多户"
SERVICE_POINT_EN = (
    "a service point is where customers' meters join the mains; one point may serve many households"
)


def _zh_time(t: dt.datetime) -> str:
    return f"{t.year}年{t.month}月{t.day}日{t:%H:%M}"


def _zh_weekday(t: dt.datetime) -> str:
    return f"（星期{WEEKDAY_ZH[t.weekday()]}）"


def _zh_window(start: dt.datetime, end: dt.datetime) -> str:
    """``2026年11月28日09:00至15:00（星期六）``; across midnight each day with its weekday."""
    if end.date() == start.date():
        return f"{_zh_time(start)}至{end:%H:%M}{_zh_weekday(start)}"
    return f"{_zh_time(start)}{_zh_weekday(start)}至{_zh_time(end)}{_zh_weekday(end)}"


def _zh_date(t: dt.datetime) -> str:
    return f"{t.year}年{t.month}月{t.day}日"


def _en_time(t: dt.datetime) -> str:
    return f"{t:%a %d %b %Y, %H:%M}"


def _en_until(start: dt.datetime, end: dt.datetime) -> str:
    return f"{end:%H:%M}" if end.date() == start.date() else _en_time(end)


def _hours(span: dt.timedelta) -> str:
    """Hours as a notice gives them: whole, or to the half hour."""
    half_hours = round(span.total_seconds() / 1800)
    return f"{half_hours / 2:g}" if half_hours else "0.5"


# how many streets, and how many estates or units, a notice names before it says how many more
STREET_LIMIT = 12
ESTATE_LIMIT = 10
SIDES_ZH = {"east": "东至", "west": "西至", "south": "南至", "north": "北至"}
SIDES_EN = {"east": "east", "west": "west", "south": "south", "north": "north"}


def _list(items: tuple[str, ...], limit: int, sep: str, more: str) -> str:
    shown = sep.join(items[:limit])
    if len(items) > limit:
        shown += more.format(n=len(items) - limit, total=len(items))
    return shown


def streets_zh(content: NoticeContent) -> tuple[str, ...]:
    """The streets in Chinese, each as its section between cross streets where known:
    ``纬三路（经十八路—经十九路）``."""
    sections = {s.street: s for s in content.sections}
    out = []
    for street in content.streets:
        s = sections.get(street)
        z = content.zh(street)
        out.append(f"{z}（{content.zh(s.start)}—{content.zh(s.end)}）" if s else z)
    return tuple(out)


def streets_en(content: NoticeContent) -> tuple[str, ...]:
    """The streets as the data names them, with their sections: ``Wei 3 Lu (Jing 18 Lu to
    Jing 19 Lu)``."""
    sections = {s.street: s for s in content.sections}
    return tuple(
        f"{street} ({sections[street].start} to {sections[street].end})"
        if street in sections
        else street
        for street in content.streets
    )


def bounds_zh(content: NoticeContent) -> str:
    """``东至经十九路，西至经十八路，南至郑开大道，北至纬四路`` (the sides found)."""
    return "，".join(f"{SIDES_ZH[k]}{content.zh(v)}" for k, v in content.bounds.items())


def bounds_en(content: NoticeContent) -> str:
    parts = [f"{v} to the {SIDES_EN[k]}" for k, v in content.bounds.items()]
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else ""


def area_zh(neighbourhoods: tuple[str, ...]) -> str:
    """Neighbourhoods as 片区, without doubling a name that already says it (鼓楼片区)."""
    return "、".join(n if n.endswith("区") else f"{n}片区" for n in neighbourhoods)


def reason_zh(outage: Outage, content: NoticeContent) -> str:
    """The reason in Chinese: the dispatcher's, or one in Chinese by kind (never English)."""
    for text in (content.reason_zh, content.reason):
        if text and CJK.search(text):
            return text
    return GENERIC_REASON_ZH[outage.kind]


def reason_en(outage: Outage, content: NoticeContent) -> str:
    """The reason in English as a sentence goes on with it ("because of valve replacement"):
    the dispatcher's with its first letter lower-cased, unless its first word is an acronym
    (PRV, DN300) or begins a name the notice gives (a street, an estate, a unit, an area)."""
    if content.reason and not CJK.search(content.reason):
        return _mid_sentence(content.reason, content)
    return GENERIC_REASON_EN[outage.kind]


def _mid_sentence(reason: str, content: NoticeContent) -> str:
    first = reason.split(maxsplit=1)[0] if reason.split() else ""
    names = (
        *content.streets,
        *content.reduced_pressure_streets,
        *content.neighbourhoods,
        *content.estates,
        *content.units,
        *content.critical,
        *content.names_zh,
    )
    if (
        len(first) < 2
        or not first[0].isupper()
        or any(ch.isupper() or ch.isdigit() for ch in first[1:])  # PRV, DMA, DN300
        or any(reason.startswith(name) for name in names if name)
    ):
        return reason
    return reason[0].lower() + reason[1:]


def authority_en(authority: str, issuer: Issuer | None = None) -> str:
    """The approving authority in English: the English name the issuer's settings give it
    (``WATEROPS_AUTHORITY_NAMES_EN``), else its name as the approval document gives it (in
    Chinese, as a rule) after an English gloss of what it is, so that a reader can tell it and
    quote it to the utility (docs/notices.md)."""
    english = issuer.authority_en(authority) if issuer else ""
    return english or f"the city's water-supply authority, {authority}"


def _before(outage: Outage, revision: Revision) -> NoticeContent | None:
    """What the public was told before ``revision`` (the previous sent revision)."""
    earlier = [r for r in outage.sent_revisions if r.number < revision.number]
    return earlier[-1].content if earlier else None


def change_lines(outage: Outage, revision: Revision, lang: str) -> list[str]:
    """What changed at ``revision`` against what the public was told before, from the two
    contents (codes with a template per language: no note is copied, no internal id shown).

    The new window only: the notice's next line gives the duration (共计停水约N小时) once.
    """
    before, now = _before(outage, revision), revision.content
    if before is None:
        return []
    zh = lang == "zh"
    out = []
    if (before.start, before.end) != (now.start, now.end):
        if before.start == now.start:
            out.append(
                f"恢复供水时间由{_zh_time(before.end)}调整为{_zh_time(now.end)}。"
                if zh
                else f"Supply is now expected back by {_en_time(now.end)} (was "
                f"{_en_time(before.end)})."
            )
        else:
            out.append(
                f"停水时间由{_zh_window(before.start, before.end)}"
                f"调整为{_zh_window(now.start, now.end)}。"
                if zh
                else f"The outage now runs from {_en_time(now.start)} to "
                f"{_en_until(now.start, now.end)} (was {_en_time(before.start)} to "
                f"{_en_until(before.start, before.end)})."
            )
    if (before.reason_zh, before.reason) != (now.reason_zh, now.reason):
        out.append(
            f"停水原因更正为：{reason_zh(outage, now)}。"
            if zh
            else f"The reason is now: {reason_en(outage, now)}."
        )
    if (before.streets, before.customers_total) != (now.streets, now.customers_total):
        out.append(
            "停水范围有调整，以本通知为准。" if zh else "The affected area has changed: see below."
        )
    if zh and revision.note_zh:
        out.append(f"说明：{revision.note_zh}。".replace("。。", "。"))
    if not out:
        out.append("本通知内容有更新，以本通知为准。" if zh else "This notice has been revised.")
    return out


def render_text(outage: Outage, lang: str = "zh", issuer: Issuer | None = None) -> str:
    """The notice's text in ``lang`` (``zh`` or ``en``) as it stands now."""
    issuer = issuer or Issuer()
    if lang == "zh":
        return _zh(outage, issuer)
    if lang == "en":
        return _en(outage, issuer)
    raise ValueError(f"unknown language {lang!r}: use zh or en")


def _under_way(outage: Outage) -> bool:
    """The water is already off when this revision is issued, or it is an emergency (notified
    while the repair goes on, 城市供水条例 §22): no advice to store water in advance."""
    return outage.kind == OutageKind.EMERGENCY or outage.content.start <= outage.latest.at


def _zh(outage: Outage, issuer: Issuer) -> str:
    c = outage.content
    emergency = outage.kind == OutageKind.EMERGENCY
    state = outage.state
    ended = state in (NoticeState.CANCELLED, NoticeState.RESTORED)
    title = {
        NoticeState.CANCELLED: "取消停水通知",
        NoticeState.RESTORED: "恢复供水通知",
        NoticeState.UPDATED: "紧急停水变更通知" if emergency else "停水变更通知",
    }.get(state, "紧急停水通知" if emergency else "停水通知")
    reason = reason_zh(outage, c)
    window = _zh_window(c.start, c.end)
    where = _list(streets_zh(c), STREET_LIMIT, "、", "等{total}条道路") if c.streets else ""
    area = f"（{area_zh(tuple(c.zh(n) for n in c.neighbourhoods))}）" if c.neighbourhoods else ""
    lines = [title, "", "尊敬的用户："]
    if state == NoticeState.CANCELLED:
        place = f"{where}沿线{area}" if where else "相关区域"
        why = outage.latest.note_zh or (
            outage.latest.note if CJK.search(outage.latest.note) else ""
        )
        # called off once the water was to be off already (an emergency, as a rule): no 原定于
        # … 届时, the water is back to normal now
        said = (
            f"{_zh_time(c.start)}{_zh_weekday(c.start)}起在{place}的"
            f"{'紧急' if emergency else ''}停水已取消，现已正常供水。"
            if c.start <= outage.latest.at
            else f"原定于{window}在{place}的停水已取消，届时正常供水。"
        )
        lines.append(said + (f"取消原因：{why}。".replace("。。", "。") if why else ""))
    elif state == NoticeState.RESTORED:
        place = f"{where}沿线{area}" if where else "停水区域"
        lines.append(f"因{reason}停水的{place}已于{_zh_time(c.end)}恢复供水。")
        lines.append("恢复供水初期如出现水质浑浊，请打开水龙头放水片刻至水清。")
    else:
        if state == NoticeState.UPDATED:
            lines.extend(change_lines(outage, outage.latest, "zh"))
        if emergency:
            lines.append(
                f"因{reason}，自{_zh_time(c.start)}{_zh_weekday(c.start)}起紧急停水，我公司正在全力抢修，"
                f"预计于{_zh_time(c.end)}恢复供水，预计停水约{_hours(c.duration)}小时。"
            )
        else:
            approved = outage.approval
            lines.append(
                (f"经{approved.authority}批准（{approved.document}），" if approved else "")
                + f"因{reason}，我公司定于{window}停止供水，共计停水约{_hours(c.duration)}小时。"
            )
        lines.append("如遇特殊情况，恢复供水时间将顺延。")
        lines.append("")
        if where:
            lines.append(f"停水范围：{where}沿线{area}。")
        if c.bounds:
            lines.append(f"区域四至：{bounds_zh(c)}。")
        if c.estates:
            named = tuple(c.zh(e) for e in c.estates)
            lines.append(f"涉及小区：{_list(named, ESTATE_LIMIT, '、', '等{total}个小区')}。")
        if c.units:
            named = tuple(c.zh(u) for u in c.units)
            lines.append(f"涉及单位：{_list(named, ESTATE_LIMIT, '、', '等{total}个单位')}。")
        if c.customers_total:
            parts = [
                f"{CATEGORY_ZH.get(k, k)}{v}处" for k, v in c.customers_by_category.items() if v
            ]
            lines.append(
                f"影响用户：约{c.accounts}户，分布在{c.customers_total}个供水点"
                f"（{'、'.join(parts)}；{SERVICE_POINT_ZH}）。"
            )
        if c.critical:
            lines.append(f"重点用户：{'、'.join(c.zh(n) for n in c.critical)}。")
        if (low := reduced_pressure_zh(c, STREET_LIMIT)) is not None:  # says its basis
            lines.append(low)
        if c.tanker_points:
            lines.append("临时供水点：" + "；".join(t.name for t in c.tanker_points) + "。")
        lines.append("")
        lines.extend(UNDER_WAY_ADVICE_ZH if _under_way(outage) else ADVICE_ZH)
    lines.append("")
    if not ended or state == NoticeState.CANCELLED:
        lines.append(
            "停水给您带来的不便，敬请谅解。" if not ended else "给您带来的不便，敬请谅解。"
        )
    else:
        lines.append("停水给您带来的不便，敬请谅解；感谢您的理解和支持。")
    lines += [
        f"详情请见：{issuer.url(outage.id)}",
        f"服务热线：{c.hotline}",
        "",
        "特此通知。",
        "",
        issuer.name_zh,
        _zh_date(outage.latest.at) + f" {outage.latest.at:%H:%M}",
    ]
    if issuer.demo:
        lines.append(DEMO_NOTE_ZH)
    return "\n".join(lines) + "\n"


def _en(outage: Outage, issuer: Issuer) -> str:
    c = outage.content
    emergency = outage.kind == OutageKind.EMERGENCY
    state = outage.state
    ended = state in (NoticeState.CANCELLED, NoticeState.RESTORED)
    title = {
        NoticeState.CANCELLED: "Water outage cancelled",
        NoticeState.RESTORED: "Water supply restored",
        NoticeState.UPDATED: "Emergency water outage: update"
        if emergency
        else "Water outage: update",
    }.get(state, "Emergency water outage" if emergency else "Planned water outage")
    reason = reason_en(outage, c)
    window = f"{_en_time(c.start)} to {_en_until(c.start, c.end)}"
    where = _list(streets_en(c), STREET_LIMIT, ", ", " and {n} more streets") if c.streets else ""
    area = f" ({', '.join(c.neighbourhoods)})" if c.neighbourhoods else ""
    lines = [title, "", "Dear customers,"]
    if state == NoticeState.CANCELLED:
        place = f" along {where}{area}" if where else ""
        said = (
            f"The {'emergency ' if emergency else ''}outage{place} from {_en_time(c.start)} is "
            "called off; supply is back to normal."
            if c.start <= outage.latest.at
            else f"The outage planned{place} from {window} is cancelled; supply continues as "
            "normal."
        )
        lines.append(f"{said} Reason: {outage.latest.note}.".replace("..", "."))
    elif state == NoticeState.RESTORED:
        place = f" along {where}{area}" if where else ""
        lines.append(f"Supply{place} was restored at {_en_time(c.end)} after the {reason}.")
        lines.append(
            "If the water is cloudy at first, run the tap for a few minutes until it is clear."
        )
    else:
        if state == NoticeState.UPDATED:
            lines.extend(change_lines(outage, outage.latest, "en"))
        if emergency:
            lines.append(
                f"Because of the {reason}, the water is off from {_en_time(c.start)}; our crews "
                f"are repairing it and expect supply back by {_en_time(c.end)} (about "
                f"{_hours(c.duration)} hours)."
            )
        else:
            approved = outage.approval
            lines.append(
                (
                    f"With the approval of {authority_en(approved.authority, issuer)} (approval "
                    f"document {approved.document}), because"
                    if approved
                    else "Because"
                )
                + f" of {reason}, the water will be off from {window}: about "
                f"{_hours(c.duration)} hours in all."
            )
        lines.append("Should the works take longer, supply will return later than stated.")
        lines.append("")
        if where:
            lines.append(f"Affected area: along {where}{area}.")
        if c.bounds:
            lines.append(f"The area is bounded by {bounds_en(c)}.")
        if c.estates:
            more = " and {n} more ({total} estates)"
            lines.append(f"Estates: {_list(c.estates, ESTATE_LIMIT, ', ', more)}.")
        if c.units:
            more = " and {n} more ({total} in all)"
            lines.append(
                f"Businesses and institutions: {_list(c.units, ESTATE_LIMIT, ', ', more)}."
            )
        if c.customers_total:
            parts = [f"{v} {k}" for k, v in c.customers_by_category.items() if v]
            lines.append(
                f"Customers affected: about {c.accounts} households and businesses (accounts) "
                f"at {c.customers_total} service points ({', '.join(parts)}; {SERVICE_POINT_EN})."
            )
        if c.critical:
            lines.append(f"Critical customers: {', '.join(c.critical)}.")
        if (low := reduced_pressure_en(c, STREET_LIMIT)) is not None:  # says its basis
            lines.append(low)
        if c.tanker_points:
            lines.append("Water tankers: " + "; ".join(t.name for t in c.tanker_points) + ".")
        lines.append("")
        lines.extend(UNDER_WAY_ADVICE_EN if _under_way(outage) else ADVICE_EN)
    lines.append("")
    lines.append(
        "We apologise for the inconvenience; thank you for your patience."
        if ended
        else "We apologise for the inconvenience."
    )
    lines += [
        f"Details: {issuer.url(outage.id, 'en')}",
        f"Hotline: {c.hotline}",
        "",
        issuer.name_en,
        _en_time(outage.latest.at),
    ]
    if issuer.demo:
        lines.append(DEMO_NOTE_EN)
    return "\n".join(lines) + "\n"
