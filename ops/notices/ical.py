"""The outage window as iCalendar (RFC 5545), with the Asia/Shanghai time zone, built with
the icalendar package. The Chinese calendar names the streets in Chinese where the data has
their Chinese names (:meth:`ops.outages.NoticeContent.zh`, as the CAP alert and the feed do),
the English one as the data names them."""

from __future__ import annotations

from icalendar import Calendar, Event, vCalAddress

from ops.notices.issuer import Issuer
from ops.notices.text import render_text
from ops.outages import NoticeState, Outage


def render_ical(outage: Outage, issuer: Issuer | None = None, *, lang: str = "zh") -> str:
    """One VEVENT for the outage window; SEQUENCE follows the revisions, a cancelled outage is
    STATUS:CANCELLED, so calendar clients update the event in place."""
    issuer = issuer or Issuer()
    c = outage.content
    cal = Calendar()
    cal.add("prodid", "-//waterops//outage notices//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if outage.state == NoticeState.CANCELLED else "PUBLISH")
    event = Event()
    event.add("uid", f"{outage.id}@{issuer.sender.split('@')[-1]}")
    event.add("dtstamp", outage.latest.at)
    event.add("dtstart", c.start)
    event.add("dtend", c.end)
    event.add("sequence", max(0, len(outage.sent_revisions) - 1))
    text = render_text(outage, lang, issuer)
    if lang == "zh":
        streets, sep = tuple(c.zh(s) for s in c.streets), "、"
    else:
        streets, sep = c.streets, ", "
    event.add("summary", text.partition("\n")[0] + " " + sep.join(streets[:3]))
    event.add("description", text)
    event.add("location", sep.join(streets[:10]))
    event.add("url", issuer.url(outage.id, lang))
    organizer = vCalAddress(f"mailto:{issuer.sender}")
    organizer.params["cn"] = issuer.name_en
    event.add("organizer", organizer)
    event.add(
        "status",
        "CANCELLED" if outage.state == NoticeState.CANCELLED else "CONFIRMED",
    )
    event.add("categories", ["water outage", outage.kind.value])
    cal.add_component(event)
    cal.add_missing_timezones()
    return str(cal.to_ical().decode("utf-8"))
