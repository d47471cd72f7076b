"""The published notices as an Atom feed (RFC 4287), built with feedgen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from feedgen.feed import FeedGenerator
from lxml import etree

from ops.calendar import local_time
from ops.notices.issuer import Issuer
from ops.notices.text import render_text
from ops.outages import Outage


def render_atom(
    outages: Sequence[Outage],
    now: dt.datetime,
    issuer: Issuer | None = None,
    *,
    lang: str = "zh",
    feed_url: str | None = None,
) -> str:
    """An Atom feed of the given notices (callers pass the current and planned ones), newest
    change first; each entry links to the notice page and its CAP message."""
    issuer = issuer or Issuer()
    fg = FeedGenerator()
    fg.id(f"tag:{issuer.sender.split('@')[-1]},2026:notices")
    fg.title(f"{issuer.name_zh} 停水公告" if lang == "zh" else f"{issuer.name_en}: water outages")
    fg.author({"name": issuer.name_zh if lang == "zh" else issuer.name_en})
    fg.link(href=issuer.pages if lang == "zh" else f"{issuer.pages}?lang={lang}", rel="alternate")
    fg.link(href=feed_url or f"{issuer.web.rstrip('/')}/feed.atom", rel="self")
    fg.language("zh-CN" if lang == "zh" else "en")
    latest = max((o.latest.at for o in outages), default=local_time(now))
    fg.updated(latest)
    # feedgen puts the entry added last first; add the oldest change first
    for outage in sorted(outages, key=lambda o: (o.latest.at, o.id)):
        text = render_text(outage, lang, issuer)
        headline = text.partition("\n")[0]
        c = outage.content
        entry = fg.add_entry()
        entry.id(f"tag:{issuer.sender.split('@')[-1]},2026:notices/{outage.id}")
        entry.title(
            f"{headline}: {c.start:%m-%d %H:%M}–{c.end:%m-%d %H:%M} "
            + (
                "、".join(c.zh(s) for s in c.streets[:3])
                if lang == "zh"
                else ", ".join(c.streets[:3])
            )
        )
        entry.updated(outage.latest.at)
        published = outage.published_at
        if published is not None:
            entry.published(published)
        entry.link(href=issuer.url(outage.id, lang), rel="alternate")
        entry.link(
            href=issuer.cap_url(outage.id),
            rel="alternate",
            type="application/cap+xml",
        )
        entry.content(text, type="text")
        entry.category(term=outage.kind.value)
    return _fix_links(fg.atom_str(pretty=True), issuer)


def _fix_links(xml: bytes, issuer: Issuer) -> str:
    """feedgen 1.0 drops rel and type of an entry's second link (lkiesow/python-feedgen#135):
    set them again, so readers open the notice page and know the CAP link for what it is."""
    atom = "{http://www.w3.org/2005/Atom}"
    root = etree.fromstring(xml)
    for entry in root.iter(f"{atom}entry"):
        for link in entry.findall(f"{atom}link"):
            href = link.get("href", "")
            link.set("rel", "alternate")
            link.set("type", "application/cap+xml" if href.endswith(".cap") else "text/html")
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return out.decode("utf-8")
