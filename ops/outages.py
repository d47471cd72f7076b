"""Outages and their public notices (停水公告): content, lifecycle, overlap check.

An outage is made from an isolation plan and a time window, for planned works or an emergency
repair. Its notice goes through a lifecycle::

    draft ──publish──▶ published ──update──▶ updated ──update──▶ updated
      │                   │  │                  │  │
      └──cancel──▶ cancelled ◀──cancel──────────┘  └──restore──▶ restored
                              └──restore──▶ restored

Every step is kept as a :class:`Revision` (what the notice said, when, and why), and each step
after publishing is a CAP message of its own (Alert, then Update or Cancel that references the
earlier ones). A planned outage may not be published less than ``lead`` (default 24 h, after the
城市供水条例) before it starts; an emergency one can be published at once. Two planned outages that
overlap in time and in the network are flagged before publishing, with the customers that only
their combination cuts off.

Values are immutable: each lifecycle function returns a new :class:`Outage`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from gis.isolation import (
    IsolationPlan,
    Isolator,
    Surroundings,
    combined_shutdown,
)
from gis.isolation import surroundings as surroundings_of  # a parameter is `surroundings`
from ops.calendar import local_time
from ops.errors import InvalidRequest, LeadTimeTooShort, NoticeStateError
from ops.hydraulic_impact import (
    HYDRAULIC,
    TOPOLOGICAL,
    HydraulicFallback,
    PressureOf,
    ReducedPressure,
    reduced_pressure_of,
)
from ops.places import RoadSection, places
from ops.repairs import DEFAULT_TARGETS, RepairCase, Severity, TankerPoint
from ops.supply_law import DEFAULT_LEAD as DEFAULT_LEAD  # 城市供水条例 §22, re-exported
from ops.supply_law import MIN_LEAD as MIN_LEAD


class OutageKind(StrEnum):
    PLANNED = "planned"  # 计划停水
    EMERGENCY = "emergency"  # 抢修停水


class NoticeState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UPDATED = "updated"
    RESTORED = "restored"
    CANCELLED = "cancelled"


LIVE = (NoticeState.PUBLISHED, NoticeState.UPDATED)  # the public sees them now
NOT_ENDED = (NoticeState.DRAFT, *LIVE)  # a window that still matters (overlaps)
ENDED = (NoticeState.RESTORED, NoticeState.CANCELLED)
PUBLIC = (*LIVE, *ENDED)  # every state the public has been told of


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry (control codes from a terminal, say):
    every rendering of a notice must stay valid."""
    return _NOT_XML.sub("", str(text))


@dataclass(frozen=True)
class NoticeContent:
    """What a notice says: the facts the public needs, in both languages' renderers."""

    reason: str
    start: dt.datetime
    end: dt.datetime  # expected restoration
    streets: tuple[str, ...]
    neighbourhoods: tuple[str, ...] = ()
    customers_by_category: dict[str, int] = field(default_factory=dict)
    customers_total: int = 0
    accounts: int = 0
    critical: tuple[str, ...] = ()  # names of critical customers cut off
    reduced_pressure_streets: tuple[str, ...] = ()
    tanker_points: tuple[TankerPoint, ...] = ()
    area: dict[str, Any] | None = None  # GeoJSON geometry, WGS84
    hotline: str = ""  # the utility's service line (a required setting); publishing needs it
    breaks: tuple[str, ...] = ()  # pipe ids (for the overlap check; not shown to the public)
    failed_valves: tuple[str, ...] = ()
    reason_zh: str | None = None  # the reason in Chinese, when the dispatcher wrote one
    # the places by name (ops.places): estates (小区) and units cut off, most accounts first;
    # the streets as sections between cross streets; the roads bounding the area by side
    # (east, west, south, north); the Chinese name of every place named (name_zh columns)
    estates: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    sections: tuple[RoadSection, ...] = ()
    bounds: dict[str, str] = field(default_factory=dict)
    names_zh: dict[str, str] = field(default_factory=dict)
    # the 降压区域 by hydraulics (issue 17, ops.hydraulic_impact); None: by topology, the streets
    # of the segments next to the shut area (reduced_pressure_streets either way)
    reduced_pressure: ReducedPressure | None = None
    # the hydraulic basis was to be used when available and could not be: why (the dispatcher's
    # to read, by its code in the console's language; the notice's text says its topological
    # basis as always)
    reduced_pressure_fallback: HydraulicFallback | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", local_time(self.start))
        object.__setattr__(self, "end", local_time(self.end))
        for name in ("reason", "reason_zh", "hotline"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, xml_safe(value))
        for name in (
            "streets",
            "neighbourhoods",
            "critical",
            "reduced_pressure_streets",
            "estates",
            "units",
        ):
            object.__setattr__(self, name, tuple(xml_safe(v) for v in getattr(self, name)))
        object.__setattr__(
            self,
            "sections",
            tuple(
                RoadSection(*(xml_safe(v) for v in (s.street, s.start, s.end)))
                for s in self.sections
            ),
        )
        object.__setattr__(self, "bounds", {k: xml_safe(v) for k, v in self.bounds.items()})
        object.__setattr__(
            self, "names_zh", {xml_safe(k): xml_safe(v) for k, v in self.names_zh.items()}
        )
        if self.end <= self.start:
            raise InvalidRequest(
                f"the outage must end after it starts (start {self.start:%Y-%m-%d %H:%M}, "
                f"end {self.end:%Y-%m-%d %H:%M})",
                code="outage_reversed",
                start=f"{self.start:%Y-%m-%dT%H:%M}",
                end=f"{self.end:%Y-%m-%dT%H:%M}",
            )

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start

    @property
    def reduced_pressure_basis(self) -> str:
        """``hydraulic`` (EPANET, customers below the service pressure) or ``topological``
        (the segments next to the shut area): what the notice's 降压区域 rests on."""
        return HYDRAULIC if self.reduced_pressure is not None else TOPOLOGICAL

    def zh(self, name: str) -> str:
        """The Chinese name of a place the notice names, or the name as the data has it."""
        return self.names_zh.get(name, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "reason_zh": self.reason_zh,
            "start": self.start.isoformat(timespec="minutes"),
            "end": self.end.isoformat(timespec="minutes"),
            "streets": list(self.streets),
            "neighbourhoods": list(self.neighbourhoods),
            "customers": {
                "total": self.customers_total,
                "accounts": self.accounts,
                "by_category": dict(self.customers_by_category),
                "critical": list(self.critical),
            },
            "reduced_pressure_streets": list(self.reduced_pressure_streets),
            "tanker_points": [t.to_dict() for t in self.tanker_points],
            "hotline": self.hotline,
            "area": self.area,
            "breaks": list(self.breaks),
            "failed_valves": list(self.failed_valves),
            "estates": list(self.estates),
            "units": list(self.units),
            "sections": [s.to_dict() for s in self.sections],
            "bounds": dict(self.bounds),
            "names_zh": dict(self.names_zh),
            "reduced_pressure_basis": self.reduced_pressure_basis,
            "reduced_pressure": self.reduced_pressure.to_dict() if self.reduced_pressure else None,
            **_fallback_dict(self.reduced_pressure_fallback),
        }


def _fallback_dict(why: HydraulicFallback | None) -> dict[str, Any]:
    """The content's ``reduced_pressure_fallback`` (the English, a string as it always was) and
    beside it its ``_code`` and ``_params`` (ops.hydraulic_impact.FALLBACKS)."""
    return {
        "reduced_pressure_fallback": why.detail if why else None,
        "reduced_pressure_fallback_code": why.code if why else None,
        "reduced_pressure_fallback_params": dict(why.params) if why else {},
    }


def _fallback_of(data: dict[str, Any]) -> HydraulicFallback | None:
    detail = data.get("reduced_pressure_fallback")
    if not detail:
        return None
    params = data.get("reduced_pressure_fallback_params") or {}
    # a draft stored before the codes has the English only (code None)
    code = data.get("reduced_pressure_fallback_code")
    return HydraulicFallback(code, {str(k): str(v) for k, v in params.items()}, str(detail))


def notice_content(
    plan: IsolationPlan,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    *,
    surroundings: Surroundings | None = None,
    tankers: Sequence[TankerPoint] = (),
    hotline: str,
    failed_valves: Sequence[str] = (),
    reason_zh: str | None = None,
    isolator: Isolator | None = None,
    reduced_pressure: ReducedPressure | None = None,
    reduced_pressure_fallback: HydraulicFallback | None = None,
) -> NoticeContent:
    """The content of a notice for an isolation plan and a window.

    With the ``isolator`` the plan was made by, the notice also names the estates and units
    cut off, the streets' sections, the roads bounding the area and the Chinese names of all
    its places (:func:`ops.places.places`); without it, the streets and the counts only.
    With ``reduced_pressure`` (:mod:`ops.hydraulic_impact`) the 降压区域 is the hydraulic one;
    ``reduced_pressure_fallback`` says why it is not when it was to be used if available.
    """
    c = plan.customers
    critical = tuple(x.name or x.id for x in c.critical)
    neighbourhoods = surroundings.neighbourhoods if surroundings else ()
    reduced = surroundings.reduced_pressure_streets if surroundings else ()
    if reduced_pressure is not None:
        reduced = reduced_pressure.streets
    where = places(isolator, plan, (*neighbourhoods, *reduced, *critical)) if isolator else None
    return NoticeContent(
        reason=reason,
        reason_zh=reason_zh,
        start=start,
        end=end,
        streets=plan.streets,
        neighbourhoods=neighbourhoods,
        customers_by_category={k: v for k, v in c.by_category.items() if v},
        customers_total=c.total,
        accounts=c.accounts,
        critical=critical,
        reduced_pressure_streets=reduced,
        tanker_points=tuple(tankers),
        area=plan.area,
        hotline=hotline,
        breaks=plan.breaks,
        failed_valves=tuple(failed_valves),
        estates=where.estates if where else (),
        units=where.units if where else (),
        sections=where.sections if where else (),
        bounds=where.bounds if where else {},
        names_zh=where.names_zh if where else {},
        reduced_pressure=reduced_pressure,
        reduced_pressure_fallback=reduced_pressure_fallback,
    )


def content_from_dict(data: dict[str, Any]) -> NoticeContent:
    """The inverse of :meth:`NoticeContent.to_dict`."""
    customers = data.get("customers", {})
    return NoticeContent(
        reason=str(data["reason"]),
        reason_zh=data.get("reason_zh"),
        start=dt.datetime.fromisoformat(data["start"]),
        end=dt.datetime.fromisoformat(data["end"]),
        streets=tuple(data.get("streets", ())),
        neighbourhoods=tuple(data.get("neighbourhoods", ())),
        customers_by_category=dict(customers.get("by_category", {})),
        customers_total=int(customers.get("total", 0)),
        accounts=int(customers.get("accounts", 0)),
        critical=tuple(customers.get("critical", ())),
        reduced_pressure_streets=tuple(data.get("reduced_pressure_streets", ())),
        tanker_points=tuple(TankerPoint.from_dict(t) for t in data.get("tanker_points", ())),
        area=data.get("area"),
        hotline=str(data.get("hotline", "")),
        breaks=tuple(data.get("breaks", ())),
        failed_valves=tuple(data.get("failed_valves", ())),
        estates=tuple(data.get("estates", ())),
        units=tuple(data.get("units", ())),
        sections=tuple(RoadSection.from_dict(s) for s in data.get("sections", ())),
        bounds={str(k): str(v) for k, v in data.get("bounds", {}).items()},
        names_zh={str(k): str(v) for k, v in data.get("names_zh", {}).items()},
        reduced_pressure=ReducedPressure.from_dict(data.get("reduced_pressure")),
        reduced_pressure_fallback=_fallback_of(data),
    )


@dataclass(frozen=True)
class Revision:
    """One step of a notice's life: what it said from ``at`` on, and why it changed."""

    number: int
    state: NoticeState
    at: dt.datetime
    content: NoticeContent
    note: str = ""  # the history's note (who moved it and why: may name a plan); not public
    note_zh: str = ""  # a remark in Chinese the dispatcher wrote for the public notice

    @property
    def msg_type(self) -> str | None:
        """The CAP msgType of this step (None for drafts, which are never sent)."""
        if self.state == NoticeState.DRAFT:
            return None
        if self.state == NoticeState.PUBLISHED:
            return "Alert"
        if self.state == NoticeState.CANCELLED:
            return "Cancel"
        return "Update"

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "state": self.state.value,
            "at": self.at.isoformat(timespec="seconds"),
            "msg_type": self.msg_type,
            "note": self.note,
            "note_zh": self.note_zh,
            "content": self.content.to_dict(),
        }


class RecordKind(StrEnum):
    APPROVAL = "approval"  # 城市供水条例 §22: the authority approved a planned stoppage
    REPORT = "report"  # an emergency stoppage was reported to the authority


@dataclass(frozen=True)
class AuthorityRecord:
    """The water-supply authority's approval of a planned stoppage, or the report of an
    emergency one to it (城市供水条例 §22), as a dispatcher entered it.

    Parameters
    ----------
    authority
        The city's water-supply authority (城市供水行政主管部门), by name.
    document
        The approval's document number (批准文号); for a report, its reference if any.
    at
        When the authority approved it, or when it was reported.
    entered_by, entered_at
        Who entered it, and when.
    """

    kind: RecordKind
    authority: str
    document: str
    at: dt.datetime
    entered_by: str
    entered_at: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", RecordKind(self.kind))
        object.__setattr__(self, "at", local_time(self.at))
        object.__setattr__(self, "entered_at", local_time(self.entered_at))
        for name in ("authority", "document", "entered_by"):
            object.__setattr__(self, name, xml_safe(getattr(self, name)).strip())

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "authority": self.authority,
            "document": self.document,
            "at": self.at.isoformat(timespec="minutes"),
            "entered_by": self.entered_by,
            "entered_at": self.entered_at.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class Outage:
    """An outage and its notice, with every revision, and the authority's approval or the
    report to it."""

    id: str
    kind: OutageKind
    revisions: tuple[Revision, ...]
    source: str | None = None  # the repair ticket or works order behind it
    records: tuple[AuthorityRecord, ...] = ()

    @property
    def approval(self) -> AuthorityRecord | None:
        """The latest approval of the authority (a planned outage is published only with one)."""
        found = [r for r in self.records if r.kind == RecordKind.APPROVAL]
        return found[-1] if found else None

    @property
    def latest(self) -> Revision:
        return self.revisions[-1]

    @property
    def state(self) -> NoticeState:
        return self.latest.state

    @property
    def content(self) -> NoticeContent:
        return self.latest.content

    @property
    def sent_revisions(self) -> tuple[Revision, ...]:
        """The revisions that went out to the public: everything after the first publication
        (a draft cancelled before it was ever published went nowhere)."""
        sent: list[Revision] = []
        for r in self.revisions:
            if r.msg_type is None:
                continue
            if r.msg_type != "Alert" and not sent:
                continue  # a cancel of a draft: never public
            sent.append(r)
        return tuple(sent)

    @property
    def published_at(self) -> dt.datetime | None:
        sent = self.sent_revisions
        return sent[0].at if sent else None

    def is_live(self) -> bool:
        return self.state in LIVE

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "state": self.state.value,
            "source": self.source,
            "content": self.content.to_dict(),
            "revisions": [r.to_dict() for r in self.revisions],
            "records": [r.to_dict() for r in self.records],
        }


def create_outage(
    outage_id: str,
    kind: OutageKind | str,
    content: NoticeContent,
    now: dt.datetime,
    *,
    source: str | None = None,
) -> Outage:
    """A new outage, its notice in draft."""
    kind = OutageKind(kind)
    return Outage(
        outage_id,
        kind,
        (Revision(1, NoticeState.DRAFT, local_time(now), content, "created"),),
        source,
    )


def shutdown_outage(
    outage_id: str,
    kind: OutageKind | str,
    pipes: Sequence[str],
    isolator: Isolator,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    *,
    reason: str = "",
    reason_zh: str | None = None,
    failed_valves: Iterable[str] = (),
    hotline: str,
    source: str | None = None,
    hydraulic: PressureOf | None = None,
) -> Outage:
    """The outage of a shutdown of ``pipes``, its notice in draft: the one way from pipes and a
    window to an outage.

    The pipes isolated with the valves known not to close, the notice of that isolation, its
    surroundings and its places for the window ``start``–``end``. The CLI (``waterops notice``)
    and the service (``POST /api/outages``) both make it here, so that the same shutdown gives
    the same notice; what to store is the returned outage (its first revision).

    Parameters
    ----------
    start, end
        The window; naive times are Kaifeng's.
    reason, reason_zh
        Why, in English and in Chinese (the notice of record); at least one is needed. Both
        are stripped; an empty Chinese reason is none.
    failed_valves
        Valves found not to close, in any order and with repeats: the notice lists each once,
        sorted.
    hydraulic
        The plan's reduced pressure by hydraulics (:mod:`ops.hydraulic_impact`): the notice's
        降压区域 is then the hydraulic one, and says so; without it, the topological one. One
        asked "when available" that raises ``HydraulicUnavailable`` gives the topological one
        and the reason (``reduced_pressure_fallback``).

    Raises
    ------
    InvalidRequest
        Neither reason given.
    """
    reason, zh = reason.strip(), (reason_zh or "").strip()
    if not reason and not zh:
        raise InvalidRequest(
            "give the reason of the outage: reason_zh (Chinese, the notice of record), and "
            "reason in English if you can",
            code="outage_needs_reason",
        )
    failed = sorted(set(failed_valves))
    plan = isolator.isolate(list(pipes), failed)
    low, fallback = reduced_pressure_of(hydraulic, plan)
    content = notice_content(
        plan,
        local_time(start),  # a window in Kaifeng time whoever gives it (naive is local)
        local_time(end),
        reason,
        surroundings=surroundings_of(isolator, plan),
        hotline=hotline,
        failed_valves=failed,
        reason_zh=zh or None,
        isolator=isolator,
        reduced_pressure=low,
        reduced_pressure_fallback=fallback,
    )
    return create_outage(outage_id, kind, content, now, source=source)


def _step(
    outage: Outage,
    state: NoticeState,
    now: dt.datetime,
    content: NoticeContent,
    note: str,
    note_zh: str = "",
) -> Outage:
    now = local_time(now)
    if now < outage.latest.at:
        raise InvalidRequest(
            f"outage {outage.id}: {now:%Y-%m-%d %H:%M} is before its last change "
            f"({outage.latest.at:%Y-%m-%d %H:%M}); changes are kept in time order",
            code="outage_change_before_last",
            outage=outage.id,
            at=f"{now:%Y-%m-%dT%H:%M}",
            last=f"{outage.latest.at:%Y-%m-%dT%H:%M}",
        )
    revision = Revision(
        len(outage.revisions) + 1, state, now, content, xml_safe(note), xml_safe(note_zh).strip()
    )
    return replace(outage, revisions=(*outage.revisions, revision))


#: the steps of a notice by their words in :func:`_require`'s messages, to the codes the console
#: says them by (``notice_step:<code>`` of ``js/i18n.js``)
NOTICE_STEPS = {
    "edited as a draft": "edit",
    "published": "publish",
    "approved": "approve",
    "updated": "update",
    "moved to a plan's window": "move",
    "restored": "restore",
    "cancelled": "cancel",
}


def _require(outage: Outage, action: str, allowed: Sequence[NoticeState]) -> None:
    if outage.state not in allowed:
        names = " or ".join(s.value for s in allowed)
        raise NoticeStateError(
            f"outage {outage.id} is {outage.state.value}: it can be {action} only when {names}",
            code="notice_state",
            outage=outage.id,
            state=outage.state.value,
            step=NOTICE_STEPS[action],
            states=[s.value for s in allowed],
        )


def edit_draft(
    outage: Outage, content: NoticeContent, now: dt.datetime, note: str = "edited"
) -> Outage:
    """Change a notice that has not been published yet."""
    _require(outage, "edited as a draft", (NoticeState.DRAFT,))
    return _step(outage, NoticeState.DRAFT, now, content, note)


def publish(
    outage: Outage,
    now: dt.datetime,
    *,
    lead: dt.timedelta = DEFAULT_LEAD,
    overlaps: Sequence[OverlapWarning] = (),
    acknowledge_overlaps: bool = False,
) -> Outage:
    """Publish the draft.

    Raises :class:`LeadTimeTooShort` for a planned outage that starts less than ``lead`` from
    ``now``, and :class:`OverlapNotAcknowledged` when ``overlaps`` (from :func:`check_overlaps`)
    are given and not acknowledged.
    """
    _require(outage, "published", (NoticeState.DRAFT,))
    now = local_time(now)
    content = outage.content
    if not content.hotline.strip():
        raise InvalidRequest(
            f"outage {outage.id} has no service hotline: set the utility's hotline "
            "(WATEROPS_HOTLINE) and create the notice again",
            code="outage_no_hotline",
            outage=outage.id,
        )
    if content.end <= now:
        raise InvalidRequest(
            f"outage {outage.id} ended at {content.end:%Y-%m-%d %H:%M}, before now: "
            "correct the window before publishing",
            code="outage_ended",
            outage=outage.id,
            end=f"{content.end:%Y-%m-%dT%H:%M}",
        )
    if outage.kind == OutageKind.PLANNED:
        _check_lead(outage.id, content.start, now, lead)
        if outage.approval is None:
            raise NotApproved(
                f"planned outage {outage.id} has no approval of the water-supply authority "
                "(城市供水条例 §22): record it (authority, document number, time of approval) "
                "before publishing",
                code="not_approved",
                outage=outage.id,
            )
    if overlaps and not acknowledge_overlaps:
        raise OverlapNotAcknowledged(outage.id, overlaps)
    return _step(outage, NoticeState.PUBLISHED, now, content, "published")


def check_lead_setting(lead: dt.timedelta) -> dt.timedelta:
    """``lead`` if the law allows it (at least :data:`MIN_LEAD`), else :class:`InvalidRequest`."""
    if lead < MIN_LEAD:
        raise InvalidRequest(
            f"a notice lead of {lead.total_seconds() / 3600:g} h is shorter than the 24 h the "
            "城市供水条例 (§22) requires for a planned stoppage: set it to 24 h or more",
            code="notice_lead_setting",
            hours=f"{lead.total_seconds() / 3600:g}",
        )
    return lead


def _check_lead(outage_id: str, start: dt.datetime, now: dt.datetime, lead: dt.timedelta) -> None:
    check_lead_setting(lead)
    if start - now < lead:
        hours = lead.total_seconds() / 3600
        raise LeadTimeTooShort(
            f"planned outage {outage_id} starts {start:%Y-%m-%d %H:%M}, "
            f"{max(0.0, (start - now).total_seconds() / 3600):.1f} h from now; planned outages "
            f"must be published at least {hours:g} h ahead: move the start to "
            f"{now + lead:%Y-%m-%d %H:%M} or later",
            code="lead_time_too_short",
            outage=outage_id,
            start=f"{start:%Y-%m-%dT%H:%M}",
            hours=f"{hours:g}",
            earliest=f"{now + lead:%Y-%m-%dT%H:%M}",
        )


class NotApproved(InvalidRequest):
    """A planned outage published without the authority's approval on record."""


def record_authority(
    outage: Outage,
    kind: RecordKind | str,
    authority: str,
    at: dt.datetime,
    entered_by: str,
    now: dt.datetime,
    document: str = "",
) -> Outage:
    """The outage with the authority's approval (a planned one: before it is published) or
    the report of an emergency to it (any time after it is created) on record.

    An approval needs the authority, its document number and a time not in the future; a
    report the authority and a time not in the future.
    """
    kind = RecordKind(kind)
    now = local_time(now)
    if kind == RecordKind.APPROVAL:
        if outage.kind != OutageKind.PLANNED:
            raise InvalidRequest(
                f"outage {outage.id} is an emergency: it is reported to the authority, not "
                "approved ahead (城市供水条例 §22)",
                code="emergency_not_approved",
                outage=outage.id,
            )
        _require(outage, "approved", (NoticeState.DRAFT, *LIVE))
        if not document.strip():
            raise InvalidRequest(
                f"outage {outage.id}: give the approval's document number (批准文号)",
                code="approval_needs_document",
                outage=outage.id,
            )
    elif outage.kind != OutageKind.EMERGENCY:
        raise InvalidRequest(
            f"outage {outage.id} is planned: it needs the authority's approval, not a report",
            code="planned_not_reported",
            outage=outage.id,
        )
    if not authority.strip():
        raise InvalidRequest(
            f"outage {outage.id}: name the water-supply authority",
            code="record_needs_authority",
            outage=outage.id,
        )
    if local_time(at) > now + dt.timedelta(minutes=1):
        raise InvalidRequest(
            f"outage {outage.id}: the {kind.value} is dated {local_time(at):%Y-%m-%d %H:%M}, "
            "in the future: enter it once it has happened",
            code="record_in_future",
            outage=outage.id,
            at=f"{local_time(at):%Y-%m-%dT%H:%M}",
        )
    record = AuthorityRecord(kind, authority, document, at, entered_by, now)
    return replace(outage, records=(*outage.records, record))


def update(
    outage: Outage,
    now: dt.datetime,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    content: NoticeContent | None = None,
    note: str = "",
    note_zh: str = "",
    lead: dt.timedelta = DEFAULT_LEAD,
) -> Outage:
    """Change a published notice: restoration moved or extended, or new content.

    A planned outage's start may be moved earlier only while it keeps the lead time. ``note``
    goes into the history; the public text says what changed from the two revisions
    (:func:`ops.notices.text.change_lines`), with ``note_zh``, a remark for the public, in
    the Chinese notice.
    """
    _require(outage, "updated", LIVE)
    now = local_time(now)
    new = content or outage.content
    # both at once: NoticeContent checks the new window
    new = replace(new, start=start or new.start, end=end or new.end)
    if (
        outage.kind == OutageKind.PLANNED
        and new.start < outage.content.start
        and outage.content.start > now  # not started yet: moving it earlier keeps the lead
    ):
        _check_lead(outage.id, new.start, now, lead)
    if not note:
        if new.end > outage.content.end:
            note = f"extended to {new.end:%Y-%m-%d %H:%M}"
        elif new.end < outage.content.end:
            note = f"restoration moved to {new.end:%Y-%m-%d %H:%M}"
        else:
            note = "updated"
    return _step(outage, NoticeState.UPDATED, now, new, note, note_zh)


def follow_window(
    outage: Outage,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    *,
    why: str,
    lead: dt.timedelta = DEFAULT_LEAD,
) -> Outage | None:
    """A live notice moved to the window a new plan schedules (None: nothing to change).

    A start already past is left as it is (the water went off when it went off); a planned
    outage is never moved earlier than its notice lead allows.
    """
    _require(outage, "moved to a plan's window", LIVE)
    start, end, now = local_time(start), local_time(end), max(local_time(now), outage.latest.at)
    current = outage.content
    new_start = current.start if start <= now or current.start <= now else start
    if outage.kind == OutageKind.PLANNED and new_start < current.start and new_start - now < lead:
        new_start = current.start
    if new_start == current.start and end == current.end:
        return None
    return update(
        outage,
        now,
        start=new_start,
        end=end,
        note=f"{why}: {new_start:%H:%M}–{end:%H:%M}",
        lead=lead,
    )


def restore(
    outage: Outage,
    at: dt.datetime,
    note: str = "water restored",
    *,
    now: dt.datetime | None = None,
) -> Outage:
    """Water is back on: the notice ends (an all-clear).

    With ``now`` (the service always gives it), ``at`` may not be still to come: an all-clear
    is published when the water is back, not announced ahead (an early end of a window is an
    update, :func:`update`).
    """
    _require(outage, "restored", LIVE)
    at = local_time(at)
    if now is not None and at > local_time(now):
        raise InvalidRequest(
            f"outage {outage.id}: {at:%Y-%m-%d %H:%M} is still to come; record the restoration "
            "when the water is back on, or update the window's end",
            code="restore_in_future",
            outage=outage.id,
            at=f"{at:%Y-%m-%dT%H:%M}",
        )
    content = outage.content
    if at <= content.start:
        raise NoticeStateError(
            f"outage {outage.id} has not started (it starts {content.start:%Y-%m-%d %H:%M}): "
            "water cannot be restored before it goes off; cancel the outage instead",
            code="restore_before_start",
            outage=outage.id,
            start=f"{content.start:%Y-%m-%dT%H:%M}",
        )
    return _step(outage, NoticeState.RESTORED, at, replace(content, end=at), note)


def cancel(outage: Outage, now: dt.datetime, reason: str, reason_zh: str = "") -> Outage:
    """Call the outage off (a draft, or a published notice that has not been restored).

    ``reason_zh`` is the reason the Chinese notice gives (without it, it gives none: an
    English reason is not put into the Chinese notice of record).
    """
    _require(outage, "cancelled", (NoticeState.DRAFT, *LIVE))
    if not reason.strip() and not reason_zh.strip():
        raise InvalidRequest(
            f"outage {outage.id}: say why it is cancelled",
            code="cancel_needs_reason",
            outage=outage.id,
        )
    return _step(
        outage, NoticeState.CANCELLED, now, outage.content, reason.strip() or reason_zh, reason_zh
    )


def current_notices(
    outages: Sequence[Outage], now: dt.datetime, *, ended_within: dt.timedelta = dt.timedelta(0)
) -> list[Outage]:
    """Live notices whose outage has not ended (the current and the planned ones), and, with
    ``ended_within``, the notices restored or cancelled that recently (so that feed readers
    see the all-clear or the cancellation)."""
    now = local_time(now)
    out = []
    for o in outages:
        if (o.is_live() and o.content.end > now) or (
            o.state in (NoticeState.RESTORED, NoticeState.CANCELLED)
            and o.sent_revisions
            and dt.timedelta(0) <= now - o.latest.at <= ended_within
        ):
            out.append(o)
    return sorted(out, key=lambda o: (o.content.start, o.id))


# -- overlaps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OverlapWarning:
    """Another planned outage at the same time whose shutdown interacts with this one."""

    other: str
    start: dt.datetime
    end: dt.datetime
    extra_customers: int
    extra_accounts: int
    extra_critical: tuple[str, ...]
    shared_pipes: int

    def __str__(self) -> str:
        return (
            f"overlaps {self.other} from {self.start:%Y-%m-%d %H:%M} to {self.end:%H:%M}: "
            f"together they cut off {self.extra_customers} more customers "
            f"({self.extra_accounts} accounts)"
            + (f", critical: {', '.join(self.extra_critical)}" if self.extra_critical else "")
            + (f"; {self.shared_pipes} pipes are in both" if self.shared_pipes else "")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "other": self.other,
            "start": self.start.isoformat(timespec="minutes"),
            "end": self.end.isoformat(timespec="minutes"),
            "extra_customers": self.extra_customers,
            "extra_accounts": self.extra_accounts,
            "extra_critical": list(self.extra_critical),
            "shared_pipes": self.shared_pipes,
            "message": str(self),
        }


class OverlapNotAcknowledged(InvalidRequest):
    """Publishing a planned outage that overlaps others, without acknowledging it."""

    def __init__(self, outage_id: str, overlaps: Sequence[OverlapWarning]) -> None:
        self.overlaps = tuple(overlaps)
        super().__init__(
            f"outage {outage_id} "
            + "; ".join(str(o) for o in overlaps)
            + ". Re-plan one of them, or publish acknowledging the overlap",
            code="overlap_not_acknowledged",
            outage=outage_id,
            count=len(self.overlaps),
        )


def check_overlaps(
    outage: Outage, others: Sequence[Outage], isolator: Isolator
) -> list[OverlapWarning]:
    """Planned outages (live or draft) that overlap ``outage`` in time and in the network.

    For each one whose window overlaps, both shutdowns are isolated together
    (:func:`gis.isolation.combined_shutdown`); it is flagged when the combination cuts off
    customers that neither cuts alone, or when the two shut the same pipes.
    """
    mine = outage.content
    warnings = []
    for other in others:
        if other.id == outage.id or other.kind != OutageKind.PLANNED:
            continue
        if other.state not in (NoticeState.DRAFT, *LIVE):
            continue
        theirs = other.content
        start, end = max(mine.start, theirs.start), min(mine.end, theirs.end)
        if start >= end or not mine.breaks or not theirs.breaks:
            continue
        failed = sorted({*mine.failed_valves, *theirs.failed_valves})
        result = combined_shutdown(
            isolator, [list(mine.breaks), list(theirs.breaks)], failed, with_area=False
        )
        a, b = result.separate
        shared = len(
            (set(a.isolated_pipes) | set(a.unintended_pipes))
            & (set(b.isolated_pipes) | set(b.unintended_pipes))
        )
        extra = result.extra_customers
        if extra.total == 0 and shared == 0 and not result.extra_pipes:
            continue
        warnings.append(
            OverlapWarning(
                other.id,
                start,
                end,
                extra.total,
                extra.accounts,
                tuple(c.name or c.id for c in extra.critical),
                shared,
            )
        )
    return warnings


REPAIR_REASONS = {  # severity -> the reason a notice gives, in English and Chinese
    "burst": ("emergency repair of a burst water main", "供水管道爆管抢修"),
    "major_leak": ("emergency repair of a leaking water main", "供水管道漏水抢修"),
    "minor_leak": ("repair of a leaking water main", "供水管道漏水维修"),
}


def repair_outage_kind(severity: str) -> OutageKind:
    """The kind of a repair's outage, by its target (:data:`ops.repairs.DEFAULT_TARGETS`).

    A repair that is planned (a minor leak: its chain may not start before the notice lead,
    24 h) is a planned outage, published ahead once approved; a burst or a major leak is an
    emergency, notified while it is repaired (城市供水条例 §22). See ``docs/decisions.md``.
    """
    return (
        OutageKind.PLANNED if DEFAULT_TARGETS[Severity(severity)].planned else OutageKind.EMERGENCY
    )


def notice_for_repair(
    severity: str,
    isolation: IsolationPlan,
    start: dt.datetime,
    end: dt.datetime,
    isolator: Isolator,
    *,
    tankers: Sequence[TankerPoint] = (),
    failed_valves: Sequence[str] = (),
    hotline: str,
    hydraulic: PressureOf | None = None,
) -> NoticeContent:
    """The notice of a repair of ``severity`` with its isolation plan, for a window; with
    ``hydraulic``, its 降压区域 by hydraulics (as :func:`shutdown_outage`'s)."""
    reason, reason_zh = REPAIR_REASONS[severity]
    low, fallback = reduced_pressure_of(hydraulic, isolation)
    return notice_content(
        isolation,
        start,
        end,
        reason,
        surroundings=surroundings_of(isolator, isolation),
        tankers=tankers,
        hotline=hotline,
        failed_valves=failed_valves,
        reason_zh=reason_zh,
        isolator=isolator,
        reduced_pressure=low,
        reduced_pressure_fallback=fallback,
    )


def repair_notice_content(
    case: RepairCase,
    start: dt.datetime,
    end: dt.datetime,
    isolator: Isolator,
    *,
    hotline: str,
) -> NoticeContent:
    """The notice of a repair (:class:`ops.repairs.RepairCase`) for the window a plan gives."""
    return notice_for_repair(
        case.report.severity.value,
        case.isolation,
        start,
        end,
        isolator,
        tankers=case.tankers,
        failed_valves=case.report.inoperable_valves,
        hotline=hotline,
    )


def repair_outage(
    outage_id: str,
    severity: str,
    pipe_id: str,
    start: dt.datetime,
    end: dt.datetime,
    isolator: Isolator,
    now: dt.datetime,
    *,
    failed_valves: Sequence[str] = (),
    tankers: Sequence[TankerPoint] = (),
    hotline: str,
    source: str | None = None,
    hydraulic: PressureOf | None = None,
) -> Outage:
    """The outage of a repair, its notice in draft: the one way from a break to an outage.

    The broken pipe isolated with the valves known not to close, the notice of that isolation
    and its surroundings for the window ``start``–``end``, and an outage of the kind the
    repair's target gives (:func:`repair_outage_kind`). The CLI (``waterops repair
    --roster``) and the service (``POST /api/outages/from-repair/{ticket}``) both make it here,
    and both leave it as it stands here: a draft, of either kind. Publishing is the
    dispatcher's act (:func:`publish`: the console's Publish, ``waterops repair --publish``),
    where the window is confirmed and the overlaps acknowledged. An emergency's draft can be
    published the moment it is made (城市供水条例 §22: notified while it is repaired; no
    approval, no lead, its report to the authority recorded while it is repaired, not first);
    a planned repair's waits for its approval. See ``docs/decisions.md``.
    ``hydraulic`` is the plan's reduced pressure by hydraulics, as for :func:`shutdown_outage`
    (the worst hour of the window: :func:`ops.hydraulic_impact.outage_window`); without it the
    降压区域 is the topological one. The notice says which.
    """
    isolation = isolator.isolate(pipe_id, failed_valves)
    content = notice_for_repair(
        severity,
        isolation,
        start,
        end,
        isolator,
        tankers=tankers,
        failed_valves=failed_valves,
        hotline=hotline,
        hydraulic=hydraulic,
    )
    return create_outage(outage_id, repair_outage_kind(severity), content, now, source=source)
