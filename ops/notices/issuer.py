"""Who publishes the notices: the utility's full legal name, its addresses on the web.

A deployment sets them (``api/settings.py``: ``WATEROPS_ISSUER_NAME_ZH`` …, required); the
defaults here are the demo's, invented and marked so (``demo=True`` adds a line saying so to
every notice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

DEMO_NAME_ZH = "开封示例供水有限责任公司"  # invented: no such company
DEMO_NAME_EN = "Kaifeng Example Water Supply Co., Ltd."
DEMO_HOTLINE = "0371-00000000"  # invented: an obviously unused number
DEMO_NOTE_ZH = "（演示数据：发布单位与服务热线均为虚构，请勿拨打。）"
DEMO_NOTE_EN = "(Demo data: the publisher and the hotline are invented; do not call.)"
# the city's public service lines, which answer for every utility and none: a notice that gives
# one sends the reader to an operator who cannot say when the water is back
PUBLIC_LINES = {
    "12319": "the city-management service line (城市管理服务热线)",
    "12345": "the government service line (政务服务便民热线)",
}
# a public line as a notice may write it: alone, after an area code (0371-), after +86 / 0086
_PUBLIC_LINE = re.compile(r"(?:0\d{2,3})?(" + "|".join(PUBLIC_LINES) + ")")


def check_hotline(number: str) -> str:
    """The hotline as the notices give it (stripped), or :class:`ValueError` when it is one of
    the city's public service lines (12319, 12345) rather than the utility's own.

    Digits only are compared, the country code made a trunk 0: ``+86 371 12319`` and
    ``(0371) 12319`` are 12319; ``0371-12345678`` is not 12345.
    """
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+") and digits.startswith("86"):
        digits = "0" + digits[2:]
    elif digits.startswith("0086"):
        digits = "0" + digits[4:]
    public = _PUBLIC_LINE.fullmatch(digits)
    if public:
        raise ValueError(
            f"hotline {number.strip()!r} is {PUBLIC_LINES[public.group(1)]}, not the water "
            "utility's: every outage notice gives the number customers call about their water; "
            "set WATEROPS_HOTLINE (or hotline in the TOML file) to the utility's own service line"
        )
    return number.strip()


@dataclass(frozen=True)
class Issuer:
    """The publisher of the notices.

    Parameters
    ----------
    sender
        CAP ``sender``: a globally unique id of the publisher (a domain or mailbox).
    name_zh, name_en
        The utility's full legal name as it signs its notices (营业执照上的名称).
    web
        Base URL of the public machine-readable notices (``/public/notices``: JSON, the Atom
        feed, CAP, iCalendar).
    pages
        Base URL of the public HTML pages (``/outages``): each notice has one, Chinese and
        English, that the Atom feed, CAP ``web``, the iCalendar ``URL`` and GeoJSON link to.
    demo
        The names (and the hotline given with them) are the demo's, invented: the notices say so.
    authorities_en
        The approving authorities' English names, by their Chinese names as the approval
        documents write them (开封市城市管理局 → Kaifeng Urban Management Bureau): the English
        notice names an authority so when given, else by its Chinese name (docs/notices.md).
    """

    sender: str = "notices@waterops.example"
    name_zh: str = DEMO_NAME_ZH
    name_en: str = DEMO_NAME_EN
    web: str = "http://127.0.0.1:8000/public/notices"
    pages: str = "http://127.0.0.1:8000/outages"
    demo: bool = True
    authorities_en: tuple[tuple[str, str], ...] = ()

    def authority_en(self, authority: str) -> str:
        """The English name the settings give the authority named ``authority``, or ""."""
        return dict(self.authorities_en).get(authority.strip(), "")

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
