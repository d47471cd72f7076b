"""The outage window as iCalendar (RFC 5545), with the Asia/Shanghai time zone, built with
the icalendar package. The Chinese calendar names the streets in Chinese where the data has
their Chinese names (:meth:`ops.outages.NoticeContent.zh`, as the CAP alert and the feed do),
the English one as the data names them.

The VTIMEZONE covers the calendar's dates only (from the earlier of DTSTAMP and DTSTART to the
day after DTEND): icalendar's default range, 1970–2038, carried China's daylight saving of
1986–91 as a DAYLIGHT rule into every calendar (a client may apply it), and a note that the
zone "only works" until 2038. Since 1992 Asia/Shanghai is +08:00 all year: one STANDARD."""

from __future__ import annotations

import datetime as dt

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
    first = min(outage.latest.at, c.start).date()
    cal.add_missing_timezones(first_date=first, last_date=c.end.date() + dt.timedelta(days=1))
    return str(cal.to_ical().decode("utf-8"))
