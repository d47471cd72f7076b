"""The notice's 降压区域 (reduced-pressure area) line, saying which basis it rests on (issue 17).

Hydraulic (:class:`ops.hydraulic_impact.ReducedPressure`): the streets where customers fall
below the service pressure by EPANET's run at the outage's hour (or its worst hour over the
outage's window, which the basis then names), how many service points, and the service
pressure. Topological: the streets of the segments next to the shut area, whose
pressure *may* drop: the notice says that it is an estimate from the network's connections.
``docs/hydraulics.md`` ("The notice's 降压区域") has the wording and why.
"""

from __future__ import annotations

from ops.outages import NoticeContent


def _hour(hour: float) -> str:
    return f"{int(hour) % 24:02d}:{round((hour % 1) * 60):02d}"


def _mpa(mpa: float) -> str:
    return f"{mpa:.2f}"  # as CJJ 207 writes it: 0.14, 0.20


def _names(items: tuple[str, ...], limit: int, sep: str, more: str) -> str:
    shown = sep.join(items[:limit])
    if len(items) > limit:
        shown += more.format(n=len(items) - limit, total=len(items))
    return shown


def reduced_pressure_zh(c: NoticeContent, limit: int) -> str | None:
    """The Chinese line, or None when there is nothing to say (topological, no street)."""
    low = c.reduced_pressure
    if low is None:
        if not c.reduced_pressure_streets:
            return None
        names = _names(
            tuple(c.zh(n) for n in c.reduced_pressure_streets), limit, "、", "等{total}条道路"
        )
        return (
            f"降压区域：与停水区域相邻的{names}沿线停水期间水压可能偏低"
            "（按管网连通关系估计，未经水力计算）。"
        )
    when = (
        f"按{_hour(low.hour)}用水量"
        if low.end_hour is None
        else f"按{_hour(low.hour)}至{_hour(low.end_hour)}逐时用水量取最不利时段"
    )
    basis = f"经水力计算（{when}，最低服务压力{_mpa(low.service_pressure_mpa)}MPa）"
    if not low.customers:
        return f"降压区域：{basis}，停水期间停水范围以外的用户水压均不低于最低服务压力。"
    where = (
        _names(tuple(c.zh(n) for n in low.streets), limit, "、", "等{total}条道路") + "沿线"
        if low.streets
        else ""
    )
    return (
        f"降压区域：{basis}，停水期间{where}约{low.customers}个供水点（约{low.accounts}户）"
        "水压将低于最低服务压力，用水可能受影响。"
    )


def reduced_pressure_en(c: NoticeContent, limit: int) -> str | None:
    """The English line, or None when there is nothing to say (topological, no street)."""
    low = c.reduced_pressure
    if low is None:
        if not c.reduced_pressure_streets:
            return None
        names = _names(c.reduced_pressure_streets, limit, ", ", " and {n} more streets")
        return (
            f"Reduced pressure possible along {names}, next to the affected area (an estimate "
            "from the network's connections, not a hydraulic calculation)."
        )
    when = (
        f"demand at {_hour(low.hour)}"
        if low.end_hour is None
        else f"the worst hour of {_hour(low.hour)}-{_hour(low.end_hour)}"
    )
    basis = (
        f"by hydraulic calculation ({when}, minimum service pressure "
        f"{_mpa(low.service_pressure_mpa)} MPa)"
    )
    if not low.customers:
        return (
            f"Reduced pressure: {basis}, no customer outside the affected area falls below the "
            "minimum service pressure during the outage."
        )
    where = (
        " along " + _names(low.streets, limit, ", ", " and {n} more streets") if low.streets else ""
    )
    return (
        f"Reduced pressure: {basis}, about {low.customers} service points{where} (about "
        f"{low.accounts} households and businesses) will be below the minimum service pressure "
        "during the outage."
    )


def reduced_pressure_area_desc(c: NoticeContent, lang: str) -> str:
    """The CAP areaDesc of the reduced-pressure polygon (hydraulic basis only)."""
    low = c.reduced_pressure
    streets = low.streets[:20] if low else ()
    if lang == "zh":
        names = "、".join(c.zh(s) for s in streets)
        return "降压区域（经水力计算）" + (f"：{names}" if names else "")
    names = ", ".join(streets)
    return "Reduced pressure (hydraulic calculation)" + (f": {names}" if names else "")
