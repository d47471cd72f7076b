"""Who publishes the notices (settings; the defaults are placeholders a deployment replaces)."""

from __future__ import annotations

from dataclasses import dataclass


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
        Base URL of the public notice pages (links in the Atom feed and CAP ``web``).
    """

    sender: str = "notices@waterops.example"
    name_zh: str = "开封市城市水务集团"
    name_en: str = "Kaifeng Water Group"
    web: str = "http://127.0.0.1:8000/public/notices"

    def identifier(self, outage_id: str, revision: int) -> str:
        """The CAP identifier of one revision of a notice."""
        return f"{outage_id}-r{revision}"

    def url(self, outage_id: str) -> str:
        return f"{self.web.rstrip('/')}/{outage_id}"
