"""The notice as plain text, in Chinese (the notice of record) and English."""

from __future__ import annotations

import datetime as dt
import re

from ops.notices.issuer import DEMO_NOTE_EN, DEMO_NOTE_ZH, Issuer
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


def _list(items: tuple[str, ...], limit: int, sep: str, more: str) -> str:
    shown = sep.join(items[:limit])
    if len(items) > limit:
        shown += more.format(n=len(items) - limit)
    return shown


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
    if content.reason and not CJK.search(content.reason):
        return content.reason
    return GENERIC_REASON_EN[outage.kind]


def _before(outage: Outage, revision: Revision) -> NoticeContent | None:
    """What the public was told before ``revision`` (the previous sent revision)."""
    earlier = [r for r in outage.sent_revisions if r.number < revision.number]
    return earlier[-1].content if earlier else None


def change_lines(outage: Outage, revision: Revision, lang: str) -> list[str]:
    """What changed at ``revision`` against what the public was told before, from the two
    contents (codes with a template per language: no note is copied, no internal id shown)."""
    before, now = _before(outage, revision), revision.content
    if before is None:
        return []
    zh = lang == "zh"
    out = []
    if (before.start, before.end) != (now.start, now.end):
        if before.start == now.start:
            out.append(
                f"恢复供水时间由{_zh_time(before.end)}调整为{_zh_time(now.end)}，"
                f"共计停水约{_hours(now.duration)}小时。"
                if zh
                else f"Supply is now expected back by {_en_time(now.end)} (was "
                f"{_en_time(before.end)}): about {_hours(now.duration)} hours in all."
            )
        else:
            out.append(
                f"停水时间由{_zh_window(before.start, before.end)}"
                f"调整为{_zh_window(now.start, now.end)}，"
                f"共计停水约{_hours(now.duration)}小时。"
                if zh
                else f"The outage now runs from {_en_time(now.start)} to "
                f"{_en_until(now.start, now.end)} (was {_en_time(before.start)} to "
                f"{_en_until(before.start, before.end)}): about {_hours(now.duration)} hours."
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
    where = _list(c.streets, 12, "、", "等{n}条道路") if c.streets else ""
    area = f"（{area_zh(c.neighbourhoods)}）" if c.neighbourhoods else ""
    lines = [title, "", "尊敬的用户："]
    if state == NoticeState.CANCELLED:
        place = f"{where}沿线{area}" if where else "相关区域"
        why = outage.latest.note_zh or (
            outage.latest.note if CJK.search(outage.latest.note) else ""
        )
        lines.append(
            f"原定于{window}在{place}的停水已取消，届时正常供水。"
            + (f"取消原因：{why}。".replace("。。", "。") if why else "")
        )
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
        if c.customers_total:
            parts = [
                f"{CATEGORY_ZH.get(k, k)}{v}处" for k, v in c.customers_by_category.items() if v
            ]
            lines.append(
                f"影响用户：约{c.accounts}户，分布在{c.customers_total}个供水点"
                f"（{'、'.join(parts)}；{SERVICE_POINT_ZH}）。"
            )
        if c.critical:
            lines.append(f"重点用户：{'、'.join(c.critical)}。")
        if c.reduced_pressure_streets:
            lines.append(
                f"降压区域：{_list(c.reduced_pressure_streets, 12, '、', '等{n}条道路')}"
                "沿线停水期间水压可能偏低。"
            )
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
    where = _list(c.streets, 12, ", ", " and {n} more streets") if c.streets else ""
    area = f" ({', '.join(c.neighbourhoods)})" if c.neighbourhoods else ""
    lines = [title, "", "Dear customers,"]
    if state == NoticeState.CANCELLED:
        place = f" along {where}{area}" if where else ""
        lines.append(
            f"The outage planned{place} from {window} is cancelled; supply continues as "
            f"normal. Reason: {outage.latest.note}.".replace("..", ".")
        )
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
                    f"With the approval of {approved.authority} ({approved.document}), because"
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
        if c.customers_total:
            parts = [f"{v} {k}" for k, v in c.customers_by_category.items() if v]
            lines.append(
                f"Customers affected: about {c.accounts} households and businesses (accounts) "
                f"at {c.customers_total} service points ({', '.join(parts)}; {SERVICE_POINT_EN})."
            )
        if c.critical:
            lines.append(f"Critical customers: {', '.join(c.critical)}.")
        if c.reduced_pressure_streets:
            lines.append(
                "Reduced pressure possible along "
                f"{_list(c.reduced_pressure_streets, 12, ', ', ' and {n} more streets')}."
            )
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
