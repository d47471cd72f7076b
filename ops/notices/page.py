"""The notice as a public HTML page, Chinese or English: the page a reader opens from the
feed, the calendar event or the public map, and the sheet a crew posts at an estate's gate.

Rendered on the server (no script needed to read it; the map is drawn by
``/static/js/notice.js``); every value from the notice is escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from urllib.parse import quote

from ops.notices.issuer import Issuer
from ops.notices.pressure import reduced_pressure_en, reduced_pressure_zh
from ops.notices.text import render_text, streets_en, streets_zh
from ops.outages import NoticeState, Outage, OutageKind

WEEKDAY_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
KIND = {
    "zh": {OutageKind.PLANNED: "计划停水", OutageKind.EMERGENCY: "紧急停水"},
    "en": {OutageKind.PLANNED: "Planned outage", OutageKind.EMERGENCY: "Emergency outage"},
}
STATE = {
    "zh": {
        NoticeState.DRAFT: "草稿",
        NoticeState.PUBLISHED: "已发布",
        NoticeState.UPDATED: "已变更",
        NoticeState.RESTORED: "已恢复供水",
        NoticeState.CANCELLED: "已取消",
    },
    "en": {
        NoticeState.DRAFT: "draft",
        NoticeState.PUBLISHED: "published",
        NoticeState.UPDATED: "changed",
        NoticeState.RESTORED: "water restored",
        NoticeState.CANCELLED: "cancelled",
    },
}
LABELS = {
    "zh": {
        "window": "停水时间",
        "duration": "预计时长",
        "hours": "约{h}小时",
        "area": "停水范围",
        "low": "降压区域",
        "hotline": "服务热线",
        "map": "停水区域图",
        "text": "通知全文",
        "all": "全部停水公告",
        "other": "English",
        "print": "打印",
        "printable": "打印版（A4）",
        "formats": "其他格式",
        "updated": "更新于",
        "legend": "橙色：计划停水区域；红色：紧急停水区域",
    },
    "en": {
        "window": "When",
        "duration": "Duration",
        "hours": "about {h} h",
        "area": "Where",
        "low": "Reduced pressure",
        "hotline": "Hotline",
        "map": "Map of the area",
        "text": "Full notice",
        "all": "All outage notices",
        "other": "中文",
        "print": "Print",
        "printable": "Printable (A4)",
        "formats": "Other formats",
        "updated": "Updated",
        "legend": "orange: planned outage area; red: emergency outage area",
    },
}


def day_zh(t: dt.datetime) -> str:
    """``2026年11月27日（星期五）``."""
    return f"{t.year}年{t.month}月{t.day}日（{WEEKDAY_ZH[t.weekday()]}）"


def day_en(t: dt.datetime) -> str:
    """``Friday 27 November 2026``."""
    return f"{t:%A} {t.day} {t:%B %Y}"


def window_text(start: dt.datetime, end: dt.datetime, lang: str) -> str:
    """The window with year and weekday; the end's date only when it is another day."""
    day = day_zh if lang == "zh" else day_en
    sep = " 至 " if lang == "zh" else " – "
    glue = "" if lang == "zh" else ", "
    first = f"{day(start)}{glue}{start:%H:%M}"
    last = f"{end:%H:%M}" if end.date() == start.date() else f"{day(end)}{glue}{end:%H:%M}"
    return f"{first}{sep}{last}"


def tel_href(hotline: str) -> str:
    """A ``tel:`` URI of the hotline (digits and a leading +; spaces and dashes dropped)."""
    number = re.sub(r"[^0-9+]", "", hotline)
    return f"tel:{number}"


def render_page(
    outage: Outage, issuer: Issuer | None = None, lang: str = "zh", *, printable: bool = False
) -> str:
    """The notice's public page in ``lang`` (``zh`` or ``en``) as it stands now.

    ``printable`` gives the A4 sheet (the notice's text and the map of its area, no navigation)
    that a crew posts at the gate of an estate.
    """
    if lang not in LABELS:
        raise ValueError(f"unknown language {lang!r}: use zh or en")
    issuer = issuer or Issuer()
    words = LABELS[lang]
    c = outage.content
    text = render_text(outage, lang, issuer)
    headline = text.partition("\n")[0]
    oid = quote(outage.id, safe="")
    other = "en" if lang == "zh" else "zh"
    here = f"/outages/{oid}"
    suffix = "" if lang == "zh" else f"?lang={lang}"
    hours = (c.end - c.start).total_seconds() / 3600
    duration = words["hours"].format(h=f"{hours:.1f}".rstrip("0").rstrip("."))
    sep = "、" if lang == "zh" else ", "
    streets = streets_zh(c) if lang == "zh" else streets_en(c)
    name = issuer.name_zh if lang == "zh" else issuer.name_en
    kind = outage.kind
    state = outage.state
    map_title = escape(words["map"])
    body_class = f"notice-page kind-{kind.value} state-{state.value}" + (
        " printable" if printable else ""
    )
    other_href = f"{here}?lang=en" if other == "en" else here
    other_tag = "zh-CN" if other == "zh" else "en"
    tag = "zh-CN" if lang == "zh" else "en"
    when = escape(window_text(c.start, c.end, lang))
    updated = f"{escape(words['updated'])} {outage.latest.at:%Y-%m-%d %H:%M} · {escape(name)}"
    nav = (
        ""
        if printable
        else f"""
<header class="bar">
  <a href="/outages{suffix}">← {escape(words["all"])}</a>
  <span class="spacer"></span>
  <a href="{other_href}" hreflang="{other_tag}" lang="{other_tag}">{escape(words["other"])}</a>
  <a href="{here}/print{suffix}">{escape(words["printable"])}</a>
</header>"""
    )
    formats = (
        ""
        if printable
        else f"""
  <p class="formats">{escape(words["formats"])}:
    <a href="/public/notices/{oid}.txt{suffix}">TXT</a> ·
    <a href="/public/notices/{oid}.ics">iCalendar</a> ·
    <a href="/public/notices/{oid}.cap">CAP</a> ·
    <a href="/public/notices/feed.atom{suffix}">Atom</a></p>"""
    )
    print_button = (
        f'<p class="no-print"><button type="button" id="print">{escape(words["print"])}</button>'
        f' <a href="{here}{suffix}">{escape(headline)}</a></p>'
        if printable
        else ""
    )
    return f"""<!doctype html>
<html lang="{tag}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <title>{escape(headline)} · {escape(name)}</title>
  <link rel="canonical" href="{escape(issuer.url(outage.id, lang))}">
  <link rel="alternate" hreflang="{other_tag}" href="{other_href}">
  <link rel="alternate" type="application/cap+xml" href="/public/notices/{oid}.cap">
  <link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">
  <link rel="stylesheet" href="/static/css/notice.css">
  <script src="/static/vendor/leaflet/leaflet.js" defer></script>
  <script type="module" src="/static/js/notice.js"></script>
</head>
<body class="{body_class}">{nav}
<main>
<article class="notice" id="notice" data-outage="{escape(outage.id)}" data-kind="{kind.value}">
  {print_button}
  <p class="badges"><span class="badge kind-{kind.value}">{escape(KIND[lang][kind])}</span>
    <span class="badge state-{state.value}">{escape(STATE[lang][state])}</span></p>
  <h1>{escape(headline)}</h1>
  <dl class="facts">
    <dt>{escape(words["window"])}</dt>
    <dd><time datetime="{c.start.isoformat(timespec="minutes")}">{when}</time></dd>
    <dt>{escape(words["duration"])}</dt><dd>{escape(duration)}</dd>
    <dt>{escape(words["area"])}</dt><dd>{escape(sep.join(streets)) or "—"}</dd>
    {"" if printable else _low_fact(outage, lang)}<dt>{escape(words["hotline"])}</dt>
    <dd><a class="hotline" href="{escape(tel_href(c.hotline))}">{escape(c.hotline)}</a></dd>
  </dl>
  <figure class="area">
    <div id="map" class="notice-map" role="img" aria-label="{map_title}"></div>
    <figcaption>{map_title} · {escape(words["legend"])}</figcaption>
  </figure>
  <section class="full-text" aria-label="{escape(words["text"])}">
    <h2>{escape(words["text"])}</h2>
    <div class="text" lang="{tag}">{escape(text)}</div>
  </section>{formats}
  <p class="updated">{updated}</p>
</article>
</main>
</body>
</html>
"""


def _low_fact(outage: Outage, lang: str) -> str:
    """The 降压区域 fact, saying its basis (hydraulic or topological), or nothing (the A4 sheet
    has it in its text only: one page)."""
    c = outage.content
    if outage.state in (NoticeState.RESTORED, NoticeState.CANCELLED):
        return ""
    line = reduced_pressure_zh(c, 12) if lang == "zh" else reduced_pressure_en(c, 12)
    if line is None:
        return ""
    shown = line.partition("：")[2] if lang == "zh" else line.removeprefix("Reduced pressure: ")
    return (
        f"<dt>{escape(LABELS[lang]['low'])}</dt>"
        f'<dd class="reduced-pressure basis-{c.reduced_pressure_basis}">{escape(shown)}</dd>\n    '
    )
