"""The notice as plain text, in Chinese (the notice of record) and English."""

from __future__ import annotations

import datetime as dt

from ops.notices.issuer import Issuer
from ops.outages import NoticeState, Outage, OutageKind

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
# an emergency outage has begun by the time it is announced: no "store water in advance"
EMERGENCY_ADVICE_ZH = (
    "停水期间请关闭水龙头，以免恢复供水时跑水；请节约用水，需要临时用水请拨打服务热线。",
    *ADVICE_ZH[1:],
)
ADVICE_EN = (
    "Please store enough water before the outage starts, and keep your taps closed while the "
    "water is off so that nothing overflows when it comes back.",
    "If the water is cloudy when supply returns, run the tap for a few minutes until it is clear.",
    "Booster pumps of high-rise buildings may take a little longer to restart.",
)
EMERGENCY_ADVICE_EN = (
    "Keep your taps closed while the water is off so that nothing overflows when it comes "
    "back; please use water sparingly, and call the hotline if you need water meanwhile.",
    *ADVICE_EN[1:],
)


def _zh_time(t: dt.datetime) -> str:
    return f"{t.year}年{t.month}月{t.day}日{t:%H:%M}"


def _en_time(t: dt.datetime) -> str:
    return f"{t:%a %d %b %Y, %H:%M}"


def _list(items: tuple[str, ...], limit: int, sep: str, more: str) -> str:
    shown = sep.join(items[:limit])
    if len(items) > limit:
        shown += more.format(n=len(items) - limit)
    return shown


def render_text(outage: Outage, lang: str = "zh", issuer: Issuer | None = None) -> str:
    """The notice's text in ``lang`` (``zh`` or ``en``) as it stands now."""
    issuer = issuer or Issuer()
    if lang == "zh":
        return _zh(outage, issuer)
    if lang == "en":
        return _en(outage, issuer)
    raise ValueError(f"unknown language {lang!r}: use zh or en")


def _zh(outage: Outage, issuer: Issuer) -> str:
    c = outage.content
    emergency = outage.kind == OutageKind.EMERGENCY
    state = outage.state
    title = {
        NoticeState.CANCELLED: "取消停水通知",
        NoticeState.RESTORED: "恢复供水通知",
        NoticeState.UPDATED: "停水变更通知",
    }.get(state, "紧急停水通知" if emergency else "停水通知")
    reason = c.reason_zh or c.reason
    lines = [title, ""]
    if state == NoticeState.CANCELLED:
        lines.append(
            f"原定于{_zh_time(c.start)}至{_zh_time(c.end)}的停水已取消，"
            f"届时正常供水。原因：{outage.latest.note}。"
        )
    elif state == NoticeState.RESTORED:
        lines.append(
            f"因{reason}停水的区域已于{_zh_time(c.end)}恢复供水。感谢广大用户的理解和支持。"
        )
    else:
        verb = "需紧急停水" if emergency else "定于"
        if emergency:
            lines.append(
                f"因{reason}，自{_zh_time(c.start)}起{verb}，预计于{_zh_time(c.end)}恢复供水。"
            )
        else:
            lines.append(
                f"因{reason}，我公司{verb}{_zh_time(c.start)}至{_zh_time(c.end)}停止供水。"
            )
        if state == NoticeState.UPDATED and outage.latest.note:
            lines.append(f"变更说明：{outage.latest.note}。")
    lines.append("")
    if c.streets:
        where = _list(c.streets, 12, "、", "等{n}条道路")
        area = f"（{'、'.join(c.neighbourhoods)}片区）" if c.neighbourhoods else ""
        lines.append(f"停水范围：{where}沿线{area}。")
    if c.customers_total:
        parts = [f"{CATEGORY_ZH.get(k, k)}{v}户" for k, v in c.customers_by_category.items() if v]
        lines.append(
            f"影响用户：共{c.customers_total}户（{'，'.join(parts)}），{c.accounts}个账户。"
        )
    if c.critical:
        lines.append(f"重点用户：{'、'.join(c.critical)}。")
    if c.reduced_pressure_streets and state not in (NoticeState.CANCELLED, NoticeState.RESTORED):
        lines.append(
            f"降压区域：{_list(c.reduced_pressure_streets, 12, '、', '等{n}条道路')}"
            "沿线停水期间水压可能偏低。"
        )
    if c.tanker_points and state not in (NoticeState.CANCELLED, NoticeState.RESTORED):
        lines.append("临时供水点：" + "；".join(t.name for t in c.tanker_points) + "。")
    if state not in (NoticeState.CANCELLED, NoticeState.RESTORED):
        lines.append("")
        lines.extend(EMERGENCY_ADVICE_ZH if emergency else ADVICE_ZH)
    lines += ["", f"服务热线：{c.hotline}", issuer.name_zh, f"{_zh_time(outage.latest.at)}"]
    return "\n".join(lines) + "\n"


def _en(outage: Outage, issuer: Issuer) -> str:
    c = outage.content
    emergency = outage.kind == OutageKind.EMERGENCY
    state = outage.state
    title = {
        NoticeState.CANCELLED: "Water outage cancelled",
        NoticeState.RESTORED: "Water supply restored",
        NoticeState.UPDATED: "Water outage: update",
    }.get(state, "Emergency water outage" if emergency else "Planned water outage")
    lines = [title, ""]
    if state == NoticeState.CANCELLED:
        lines.append(
            f"The outage planned from {_en_time(c.start)} to {_en_time(c.end)} is cancelled; "
            f"supply continues as normal. Reason: {outage.latest.note}."
        )
    elif state == NoticeState.RESTORED:
        lines.append(
            f"Supply was restored at {_en_time(c.end)} after the {c.reason}. "
            "Thank you for your patience."
        )
    else:
        if emergency:
            lines.append(
                f"For the {c.reason}, the water is off from {_en_time(c.start)}; supply is "
                f"expected back by {_en_time(c.end)}."
            )
        else:
            lines.append(
                f"For the {c.reason}, the water will be off from {_en_time(c.start)} "
                f"to {_en_time(c.end)}."
            )
        if state == NoticeState.UPDATED and outage.latest.note:
            lines.append(f"Change: {outage.latest.note}.")
    lines.append("")
    if c.streets:
        where = _list(c.streets, 12, ", ", " and {n} more streets")
        area = f" ({', '.join(c.neighbourhoods)})" if c.neighbourhoods else ""
        lines.append(f"Affected area: along {where}{area}.")
    if c.customers_total:
        parts = [f"{v} {k}" for k, v in c.customers_by_category.items() if v]
        lines.append(
            f"Customers affected: {c.customers_total} ({', '.join(parts)}), {c.accounts} accounts."
        )
    if c.critical:
        lines.append(f"Critical customers: {', '.join(c.critical)}.")
    if c.reduced_pressure_streets and state not in (NoticeState.CANCELLED, NoticeState.RESTORED):
        lines.append(
            "Reduced pressure possible along "
            f"{_list(c.reduced_pressure_streets, 12, ', ', ' and {n} more streets')}."
        )
    if c.tanker_points and state not in (NoticeState.CANCELLED, NoticeState.RESTORED):
        lines.append("Water tankers: " + "; ".join(t.name for t in c.tanker_points) + ".")
    if state not in (NoticeState.CANCELLED, NoticeState.RESTORED):
        lines.append("")
        lines.extend(EMERGENCY_ADVICE_EN if emergency else ADVICE_EN)
    lines += ["", f"Hotline: {c.hotline}", issuer.name_en, _en_time(outage.latest.at)]
    return "\n".join(lines) + "\n"
