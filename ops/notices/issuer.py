"""Who publishes the notices (settings; the defaults are placeholders a deployment replaces)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Issuer:
    """The publisher of the notices.

    Parameters
    ----------
    sender
        CAP ``sender``: a globally unique id of the publisher (a domain or mailbox).
    name_zh, name_en
        The utility's name as it signs its notices.
    web
        Base URL of the public machine-readable notices (``/public/notices``: JSON, the Atom
        feed, CAP, iCalendar).
    pages
        Base URL of the public HTML pages (``/outages``): each notice has one, Chinese and
        English, that the Atom feed, CAP ``web``, the iCalendar ``URL`` and GeoJSON link to.
    """

    sender: str = "notices@waterops.example"
    name_zh: str = "开封市城市水务集团"
    name_en: str = "Kaifeng Water Group"
    web: str = "http://127.0.0.1:8000/public/notices"
    pages: str = "http://127.0.0.1:8000/outages"

    def identifier(self, outage_id: str, revision: int) -> str:
        """The CAP identifier of one revision of a notice."""
        return f"{outage_id}-r{revision}"

    def url(self, outage_id: str, lang: str = "zh") -> str:
        """The notice's public HTML page (Chinese; ``lang="en"`` the English one)."""
        page = f"{self.pages.rstrip('/')}/{quote(outage_id, safe='')}"
        return page if lang == "zh" else f"{page}?lang={lang}"

    def cap_url(self, outage_id: str) -> str:
        """The notice's CAP 1.2 message."""
        return f"{self.web.rstrip('/')}/{quote(outage_id, safe='')}.cap"
