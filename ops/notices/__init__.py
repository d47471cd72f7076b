"""Renderers of outage notices: Chinese and English text, GeoJSON, CAP 1.2, Atom, iCalendar.

Each takes an :class:`ops.outages.Outage` (and an :class:`Issuer`, who publishes it) and returns a
string or a dict; none of them changes the outage.
"""

from ops.notices.cap import render_cap
from ops.notices.feed import render_atom
from ops.notices.geo import render_geojson
from ops.notices.ical import render_ical
from ops.notices.issuer import Issuer
from ops.notices.text import render_text

__all__ = ["Issuer", "render_atom", "render_cap", "render_geojson", "render_ical", "render_text"]
