"""What the service answers for jobs, outages and plans, declared so that ``/docs`` shows it.

The routes answer with the domain values' own ``to_dict`` (``ops.jobs.FieldJob``,
``ops.outages.Outage``) plus what the service adds (status, version, who changed it); these
models describe those bodies for the OpenAPI schema — they do not build them — and
``tests/api/test_fuzz.py`` checks every answer against them. Extra keys are allowed: an answer
may carry more than is declared here, never less. Times are ISO 8601 strings with the offset
(``2026-11-26T09:40+08:00``: outage windows to the minute, everything else to the second).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ops.connections import ApplicationStatus
from ops.jobs import FieldJob, JobKind, RepairStep
from ops.outages import NoticeState, OutageKind
from ops.workflow import JobStatus, PlanStatus, TicketStatus

Time = str  # ISO 8601 with the offset; see the module
LonLat = list[float]


# -- jobs ----------------------------------------------------------------------------------


class YearBasisOut(BaseModel):
    status: Literal["official", "provisional"]
    source: str = Field(description="the calendar that decided the year")


class CalendarBasisOut(BaseModel):
    """The calendars a deadline was counted on (ops.calendar.CalendarBasis)."""

    status: Literal["official", "provisional"] = Field(
        description="provisional when any year counted on was"
    )
    provisional_years: list[int]
    years: dict[str, YearBasisOut] = Field(description="by year (as text)")


class JobTextOut(BaseModel):
    """What a job is as a key and params (ops.jobs.JobText): the pages say it in their
    language from the template ``job:<key>``; ``description`` says the same in English."""

    key: str = Field(description="e.g. close_valve, repair_pipe, exercise_valve_area")
    params: dict[str, str] = Field(description="the values its template names, as text")


class FieldJobOut(BaseModel):
    """A field job: what it is, where and when (``ops.jobs.FieldJob``); a new leak survey."""

    # the defaults are ops.jobs.FieldJob's, read from it

    id: str
    kind: JobKind
    source: str = Field(description="the application, ticket or programme it comes from")
    location: LonLat = Field(description="[lon, lat], WGS84")
    duration_min: float
    skills: list[str] = Field(description="skills a crew needs for it")
    earliest: Time | None = None
    latest_start: Time | None = None
    deadline: Time | None = Field(default=None, description="hard: finished by then")
    due: Time | None = Field(default=None, description="soft: later costs")
    priority: int = Field(default=FieldJob.priority, description="1 (low) to 5")
    mandatory: bool = FieldJob.mandatory
    crews_required: int = FieldJob.crews_required
    emergency: bool = FieldJob.emergency
    description: str = FieldJob.description
    describe: JobTextOut | None = Field(
        default=None,
        description="the description as a key and params, for a page to say in its language; "
        "null for a job stored before jobs had one",
    )
    ticket: str | None = Field(
        default=None, description="the repair ticket whose chain it belongs to"
    )
    valve: str | None = Field(default=None, description="the valve it works on")
    step: RepairStep | None = Field(default=None, description="its step in the repair's chain")
    dma: str | None = Field(default=None, description="the district metered area it surveys")
    rest_of: str | None = Field(
        default=None, description="the job whose work it finishes (left for an emergency)"
    )
    part: int = Field(default=FieldJob.part, description="1, or 2, 3 ... for the rests of a job")
    suspended: str | None = Field(
        default=None, description="the part left for an emergency that it continues"
    )
    application: str | None = Field(
        default=None, description="the connection application whose step (or follow-up) it is"
    )
    water_on: Time | None = Field(
        default=None, description="a follow-up visit: when the water came on"
    )
    calendar: CalendarBasisOut | None = Field(
        default=None, description="the calendars its deadline was counted on in working days"
    )


class JobOut(FieldJobOut):
    """A field job as stored, and where it stands."""

    status: JobStatus
    crew: str | None = Field(description="the crew it is given to")
    version: int = Field(description="the ETag: send it as If-Match to change the job")
    updated_at: Time
    updated_by: str


REPORT_DOC = "the field report the entry records (its kind: arrived, done ...) for a client to word"
WORDS_DOC = (
    "a note of a known shape (created, plan_start ...) as a key and params, for a client to "
    "word from its template history:<key>; null for a field report or a note in someone's words"
)


class HistoryTextOut(BaseModel):
    """A history entry as the key and params it is worded by (stored with a job's entry since
    0020; read back from the note of an older one, a notice's revision, a valve's status)."""

    key: str = Field(
        description="one of ops.history.KEYS: created, plan_start, plan_start_with, plan_left, "
        "ticket_cancelled, rescheduled, water_on, exercise, valve_widened, calendar_recomputed, "
        "field_refused; a notice's notice_created ... notice_restored; valve_found_inoperable"
    )
    params: dict[str, str] = Field(description="the values in the note, as text")


class JobEventOut(BaseModel):
    """One entry of a job's history."""

    status: JobStatus
    crew: str | None
    note: str
    by: str
    at: Time
    report: str | None = Field(None, description=REPORT_DOC)
    detail: str = Field("", description="with report: the rest of the note as written")
    words: HistoryTextOut | None = Field(None, description=WORDS_DOC)


class JobWithHistoryOut(JobOut):
    history: list[JobEventOut] = Field(description="every status change, oldest first")


class CrewJobEventOut(BaseModel):
    """A status change of a crew's job as the field app shows it (no crew: it is theirs)."""

    status: JobStatus
    note: str
    by: str
    at: Time
    report: str | None = Field(None, description=REPORT_DOC)
    detail: str = Field("", description="with report: the rest of the note as written")
    words: HistoryTextOut | None = Field(None, description=WORDS_DOC)


class ValveDetailOut(BaseModel):
    """A valve as a crew needs it (``valve_detail`` of api/routes/field.py)."""

    id: str
    pipe: str
    node: str
    operable_in_data: bool
    normally_closed: bool
    found_inoperable: bool
    location: LonLat | None = Field(default=None, description="[lon, lat]; none without a map")
    dn_mm: int = Field(description="the bore of the valve's pipe")
    turns_estimate: int = Field(description="about how many turns to shut it")


class CrewRepairValveOut(BaseModel):
    id: str
    pipe: str | None
    location: LonLat | None
    job: str | None = Field(description="its closing job")
    crew: str | None = Field(description="the crew that closes it")
    status: JobStatus | None = Field(description="where its closing job stands")
    mine: bool = Field(description="the asking crew closes it")


class CrewRepairOut(BaseModel):
    """The repair a crew's job belongs to: each valve to close, who closes it and where that
    stands."""

    ticket: str
    pipe: str | None
    severity: str
    status: TicketStatus
    valves_to_close: list[CrewRepairValveOut]
    inoperable: list[str] = Field(description="valves found inoperable on site")
    customers: int | None = Field(description="customers cut off")
    widened: list[Any] = Field(description="how the isolation was widened, each time")


class CrewJobOut(JobOut):
    """One of a crew's jobs in the field app (``GET /api/field/jobs/{job_id}``)."""

    history: list[CrewJobEventOut] = Field(description="every status change, oldest first")
    valve_detail: ValveDetailOut | None = Field(default=None, description="a valve's job")
    repair: CrewRepairOut | None = Field(default=None, description="a repair's job")


# -- repairs and connections (api/routes/work.py) -------------------------------------------


class RepairCaseBase(BaseModel):
    """A repair ticket's case (``ops.repairs.RepairCase.to_dict`` and the isolation) and its
    network."""

    ticket: str
    severity: str
    pipe: str | None
    reported_at: Time
    planned_outage: bool
    expected_window: list[Time] = Field(description="[start, end] of the expected outage")
    expected_outage_h: float
    expected_basis: Literal["roster", "roster_estimated_drive", "nominal"] = Field(
        default="nominal",
        description="roster: the window starts when a crew with the skill can be there (on "
        "shift, called out, or its next shift), its drive by the planner's travel model from "
        "its depot or its last shared position; roster_estimated_drive: by the roster, the "
        "drive an estimate (a crew at work whose position is not known: 30 min); nominal: an "
        "estimate (no roster known)",
    )
    jobs: list[dict[str, Any]] = Field(description="its chain's jobs as created")
    links: list[dict[str, Any]] = Field(description="which job follows which")
    tankers: list[TankerPointOut]
    valves_to_close: list[str]
    customers_cut_off: int
    critical_customers: list[str]
    notes: list[str]
    isolation: dict[str, Any] = Field(description="gis.isolation.IsolationPlan.to_dict")
    network: int | None


class RepairCaseOut(RepairCaseBase):
    """What POST /api/repairs answers when it opens the ticket: its case and the notice it
    drafted."""

    notice: dict[str, Any] | None = Field(
        default=None,
        description="an emergency's outage notice, drafted with the ticket over its expected "
        "window (id, kind, state, start, end; ops.notices.drafting); none for a planned repair",
    )


class RepairOut(RepairCaseBase):
    """A repair ticket: its case, where it stands and, once cancelled, who cancelled it."""

    status: TicketStatus
    cancelled: dict[str, Any] | None = Field(default=None, description="by, at, why")


class RepairLinkedOut(RepairOut):
    """A report of a break an open ticket has already: that ticket, the report linked to it."""

    linked: bool = Field(description="true: no new ticket was opened")
    message: str = Field(description="which ticket, and how to report a second break")
    reports: int = Field(description="how many reports the ticket has now")


class RepairCancelledOut(RepairOut):
    """A ticket just cancelled, and which of its jobs that cancelled."""

    cancelled_jobs: list[str] = Field(description="the ids of the open jobs cancelled with it")
    cancelled_notices: list[str] = Field(
        default_factory=list,
        description="the ids of its outage notices cancelled with it (drafts only: a published "
        "one is the dispatcher's to call off)",
    )


class DeadlineOut(BaseModel):
    due: Time
    days: float
    unit: str
    basis: str = Field(description="the Table 1 row")
    calendar: dict[str, Any] | None


class IntakeOut(BaseModel):
    channel: str
    received_at: Time
    acceptance_due: Time
    status: str
    back_entered: bool


class ConnectionOut(BaseModel):
    """A connection application; once accepted, its case (``ops.connections.ConnectionCase``)."""

    application: str
    type: str
    customer: str
    representative: str | None
    papers_missing: bool
    accepted_at: Time | None
    deadline: DeadlineOut | None = Field(description="none until accepted")
    status: ApplicationStatus
    intake: IntakeOut
    papers_completed_at: Time | None
    created_by: str
    type_chinese: str | None = Field(default=None, description="once accepted")
    filing_only: bool | None = Field(default=None, description="once accepted: 备案制")
    free_external_connection: bool | None = Field(default=None, description="once accepted")
    papers: dict[str, Any] | None = Field(default=None, description="the papers' follow-up")
    jobs: list[dict[str, Any]] | None = Field(default=None, description="once accepted")
    links: list[dict[str, Any]] | None = Field(default=None, description="once accepted")
    notes: list[str] | None = Field(default=None, description="once accepted")


class ConnectionCompletedOut(ConnectionOut):
    """An application whose water is on, and the follow-up visit that made."""

    follow_up: dict[str, Any] = Field(description="the visit's job as created (FieldJob.to_dict)")


class ConnectionDetailOut(ConnectionOut):
    deadline_history: list[dict[str, Any]] = Field(description="every change of its deadline")


class IntakeListOut(BaseModel):
    waiting: list[ConnectionOut] = Field(description="within their acceptance time")
    late: list[ConnectionOut] = Field(description="past it")


# -- outages -------------------------------------------------------------------------------


class CustomersOut(BaseModel):
    total: int
    accounts: int
    by_category: dict[str, int]
    critical: list[str] = Field(description="the critical customers cut off, by name")


class TankerPointOut(BaseModel):
    name: str
    location: LonLat
    customer: str | None = None
    critical: bool = False


class RoadSectionOut(BaseModel):
    """A stretch of a street between two cross streets (ops.places.RoadSection)."""

    model_config = ConfigDict(populate_by_name=True)

    street: str
    start: str = Field(alias="from", description="the cross street it starts at")
    end: str = Field(alias="to", description="the cross street it ends at")


class NoticeReducedPressureOut(BaseModel):
    """A notice's 降压区域 by hydraulics (ops.hydraulic_impact.ReducedPressure)."""

    basis: Literal["hydraulic"]
    hour: float = Field(description="hour of the run (of the day for a GIS upload)")
    end_hour: float | None = Field(
        default=None,
        description="the outage window's end (exclusive; past 24 the next day's): each "
        "customer at its worst hour from hour to before it; null: the one hour",
    )
    service_pressure_mpa: float
    streets: list[str] = Field(description="streets of the pipes serving those customers")
    customers: int = Field(description="service points the closure brings below it")
    accounts: int
    not_served_m3h: float = Field(description="demand lost to low pressure, m³/h")
    area: dict[str, Any] | None = Field(description="the polygon, GeoJSON geometry (WGS84)")


class NoticeOut(BaseModel):
    """What a notice says."""

    reason: str
    reason_zh: str | None = None
    start: Time
    end: Time = Field(description="expected restoration")
    streets: list[str]
    neighbourhoods: list[str]
    customers: CustomersOut
    reduced_pressure_streets: list[str]
    tanker_points: list[TankerPointOut]
    hotline: str
    area: dict[str, Any] | None = Field(description="the affected area, GeoJSON geometry (WGS84)")
    breaks: list[str] = Field(description="the broken or worked-on pipes")
    failed_valves: list[str]
    estates: list[str] = Field(
        default_factory=list, description="the estates (小区) cut off, most accounts first"
    )
    units: list[str] = Field(default_factory=list, description="the named units cut off")
    sections: list[RoadSectionOut] = Field(
        default_factory=list, description="the streets as sections between cross streets"
    )
    bounds: dict[Literal["east", "west", "south", "north"], str] = Field(
        default_factory=dict, description="the road bounding the area on each side (东至 …)"
    )
    names_zh: dict[str, str] = Field(
        default_factory=dict, description="the Chinese name of every place named (name_zh)"
    )
    reduced_pressure_basis: Literal["hydraulic", "topological"] = Field(
        default="topological",
        description="what the 降压区域 rests on: EPANET (hydraulic=true) or the segments next "
        "to the shut area",
    )
    reduced_pressure: NoticeReducedPressureOut | None = Field(
        default=None, description="the 降压区域 by hydraulics; null: topological"
    )
    reduced_pressure_fallback: str | None = Field(
        default=None,
        description="drafted with the hydraulic basis when available (hydraulic not given) "
        "and topological: why (the calculation failed or did not answer in time), in English",
    )
    reduced_pressure_fallback_code: (
        Literal["hydraulic_no_model", "hydraulic_late", "hydraulic_failed"] | None
    ) = Field(
        default=None,
        description="the fallback's code (ops.hydraulic_impact.FALLBACKS), for words in the "
        "reader's language; null with a fallback: a draft made before the codes",
    )
    reduced_pressure_fallback_params: dict[str, str] = Field(
        default_factory=dict, description="the values its words name, as text"
    )


class RevisionOut(BaseModel):
    number: int
    state: NoticeState
    at: Time
    msg_type: str | None = Field(description="CAP msgType: Alert, Update, Cancel; none for a draft")
    note: str = Field(description="the history's note (may name a plan or crew; not public)")
    note_zh: str = Field(default="", description="the dispatcher's Chinese remark, public")
    content: NoticeOut
    words: HistoryTextOut | None = Field(
        None,
        description="a note ops wrote (notice_created, notice_extended ...) as a key and params "
        "(ops.history.revision_text), for a client to word from history:<key>; null for a "
        "dispatcher's own note",
    )


class AuthorityRecordOut(BaseModel):
    """The water-supply authority's approval of a planned outage, or the report of an
    emergency one to it (城市供水条例 §22)."""

    kind: Literal["approval", "report"]
    authority: str
    document: str = Field(description="the approval's document number; a report's reference")
    at: Time
    entered_by: str
    entered_at: Time


class OutageOut(BaseModel):
    """An outage, its notice as it stands and every revision."""

    id: str
    kind: OutageKind
    state: NoticeState
    source: str | None = Field(description="the repair ticket or works order behind it")
    content: NoticeOut
    revisions: list[RevisionOut]
    records: list[AuthorityRecordOut] = Field(
        default_factory=list, description="the authority's approval, or the report to it"
    )
    version: int = Field(description="the ETag: send it as If-Match for the next step")
    network: int | None
    created_by: str


class DefaultWindowOut(BaseModel):
    """The window a draft notice of this kind is offered now
    (``ops.notices.drafting.default_window``)."""

    kind: Literal["planned", "emergency"]
    start: str = Field(description="local time, to the minute (2026-12-08T03:15)")
    end: str = Field(description="local time, to the minute")
    basis: Literal["ticket", "now", "lead"] = Field(
        description="ticket: the repair ticket's expected window; now: an emergency from now, "
        "rounded up; lead: a planned outage the first hour the notice lead allows"
    )


class OverlapOut(BaseModel):
    """Another planned outage at the same time whose shutdown interacts with this one
    (``ops.outages.OverlapWarning``)."""

    other: str = Field(description="the other outage's id")
    start: Time
    end: Time
    extra_customers: int = Field(description="customers cut off only by the two together")
    extra_accounts: int
    extra_critical: list[str]
    shared_pipes: int = Field(description="pipes in both shutdowns")
    message: str


# -- plans ---------------------------------------------------------------------------------


class PlanStopOut(BaseModel):
    """A crew's visit to a job (ops.dispatch.DayPlan.to_dict, from routing.model.Stop)."""

    job: str
    slot: int = Field(description="1, or 2 for the second crew of a two-crew job")
    arrival: Time
    start: Time
    end: Time
    travel: int = Field(description="seconds of travel to it")
    deadline_status: str | None = Field(description="on_time, late, or none without a deadline")
    kind: str | None
    source: str | None
    ticket: str | None
    valve: str | None
    step: str | None


class PlanBreakOut(BaseModel):
    start: Time
    end: Time


class PlanRouteOut(BaseModel):
    """One shift of one crew."""

    crew: str
    shift: int = Field(description="which of the crew's shifts (a week view: several)")
    day: str | None
    depart: Time
    arrive: Time
    stops: list[PlanStopOut]
    breaks: list[PlanBreakOut]
    travel_time: int = Field(description="seconds")
    work_time: int = Field(description="seconds")
    distance_m: float
    geometry: dict[str, Any] | None = Field(
        default=None, description="the road path, a GeoJSON LineString (WGS84)"
    )


class UnassignedOut(BaseModel):
    """A job the plan could not place, and why (routing.model.Unassigned)."""

    job: str
    reason: str
    detail: str = Field(description="the English of the reason")
    detail_key: str = Field(description="the reason's key, for clients in other languages")
    params: dict[str, Any]
    mandatory: bool


class PlanSummaryOut(BaseModel):
    jobs_planned: int
    jobs_unassigned: int
    mandatory_unassigned: int
    late: int
    routes_used: int
    travel_time: int = Field(description="seconds")
    work_time: int = Field(description="seconds")
    distance_km: float
    utilisation: float = Field(description="work over shift time of the crews used, 0..1")
    status: str = Field(description="the solver's status")
    solve_seconds: float


class AtRiskOut(BaseModel):
    job: str
    source: str
    deadline: Time | None
    reason: str
    detail: str
    detail_key: str
    params: dict[str, Any]


class PlanResultOut(BaseModel):
    """What a solved plan holds (ops.dispatch.DayPlan.to_dict)."""

    summary: PlanSummaryOut
    routes: list[PlanRouteOut]
    unassigned: list[UnassignedOut]
    moved: list[dict[str, Any]] = Field(
        description="a re-plan: published jobs given another crew or time"
    )
    day: str
    days: list[str] = Field(description="the dates planned (a week view: several)")
    at_risk: list[AtRiskOut] = Field(description="jobs whose deadline or due is at risk")
    outage_windows: dict[str, dict[str, Any]] = Field(description="by repair ticket")
    not_yet_startable: list[str] = Field(description="open jobs that may not start in the plan")
    calendar: dict[str, Any] | None = Field(description="the holiday calendars counted on")
    suspended: list[dict[str, Any]] = Field(
        description="a re-plan: started jobs left for an emergency, with the job for the rest"
    )


class PlanWarningOut(BaseModel):
    """What a dispatcher must know before trusting a plan (ops.plan_warnings)."""

    code: str = Field(description="planned_from_now, shifts_over, roster_absent, roster_shift")
    params: dict[str, str]
    text: str = Field(description="the English; clients word the code (i18n planwarn:CODE)")


class PlanOut(BaseModel):
    """A plan: where it stands, and its result once solved (``result`` in a plan's own answer,
    ``summary`` in a listing)."""

    id: int
    day: str
    status: PlanStatus
    parent: int | None = Field(description="the plan this one re-plans")
    network: int | None
    seconds: float = Field(description="the solver's time limit")
    progress: dict[str, Any] = Field(description="while solving: elapsed, solutions, best cost")
    error: str | None = Field(description="why it failed")
    created_by: str
    created_at: Time
    published_at: Time | None
    published_by: str | None
    version: int = Field(description="the ETag: send it as If-Match to publish")
    jobs: int = Field(description="jobs in its problem")
    crews: int = Field(description="crews in its problem")
    result: PlanResultOut | None = Field(
        default=None, description="the plan's own answer: none until solved"
    )
    summary: PlanSummaryOut | None = Field(default=None, description="a listing: once solved")
    warnings: list[PlanWarningOut] | None = Field(
        default=None,
        description="GET /plans/{id}: made late in its day, the roster changed under it since "
        "(ops.plan_warnings); null in the other answers",
    )


class PublishedPlanOut(PlanOut):
    """A published plan and what publishing it did."""

    jobs_assigned: int
    jobs_suspended: list[str] = Field(description="started jobs left for an emergency")
    notices_updated: list[str] = Field(description="the outages whose notices moved with it")


class NodeServiceOut(BaseModel):
    """A junction with a demand at the hour: pressure (m) and demand (m³/h), normally and with
    the valves closed."""

    node: str
    pressure_before_m: float
    pressure_m: float
    expected_m3h: float
    served_m3h: float
    share_served: float = Field(description="served over asked, 0 to 1")
    cut_off: bool = Field(description="no path of open links to a source, the valves closed")
    below_service: bool = Field(description="below the service pressure, not cut off")
    pressure_hour: float | None = Field(
        default=None, description="over a window: the hour of the lowest pressure"
    )
    share_hour: float | None = Field(
        default=None, description="over a window: the hour of the lowest share served"
    )


class CustomerServiceOut(NodeServiceOut):
    customer: str


class CustomerShareOut(BaseModel):
    """A customer of the customers-only answer (``customers=only``): its pressure and share
    served with the valves closed (cut off: both 0)."""

    customer: str
    pressure_m: float
    share_served: float = Field(description="served over asked, 0 to 1")
    pressure_hour: float | None = Field(
        default=None, description="over a window: the hour of the lowest pressure"
    )
    share_hour: float | None = Field(
        default=None, description="over a window: the hour of the lowest share served"
    )


class ReducedPressureOut(BaseModel):
    """Where customers keep a path to a source but fall below the service pressure."""

    pipes: list[str]
    nodes: int
    customers: int
    area: dict[str, Any] | None = Field(description="WGS84 GeoJSON (Multi)Polygon; None: none")


class LowPressureOut(BaseModel):
    """The customers below the service pressure beyond those cut off, named as the plan's
    cut-off customers are (gis.hydraulics.LowPressure)."""

    total: int
    accounts: int
    by_category: dict[str, int]
    critical: list[dict[str, Any]] = Field(description="id, name, kind, pipe of each")
    streets: list[str] = Field(description="of the pipes serving them, longest first")
    neighbourhoods: list[str] = Field(description="their DMAs' names, longest first")


class HydraulicImpactOut(BaseModel):
    """What closing the plan's valves does in EPANET (pressure-driven) at the hour, or through
    the outage window (``end_hour``: each node at its worst hour, demands the mean rate)."""

    hour: float
    end_hour: float | None = Field(default=None, description="the window's end (exclusive)")
    hours: list[float] | None = Field(default=None, description="the window's hours solved")
    not_served_m3: float | None = Field(
        default=None, description="over a window: the volume not served in it"
    )
    listed: Literal["all", "below", "only"] = Field(
        default="all",
        description="rows of every node with a demand, of those below only, or only every "
        "customer's pressure and share served (no node rows)",
    )
    service_pressure_m: float
    closed_links: list[str]
    left_open: list[str]
    cut_off_nodes: list[str]
    below_service: list[str] = Field(description="nodes below it beyond those cut off")
    newly_below_service: list[str] = Field(description="… of them, at or above it normally")
    customers_below_service: list[str]
    expected_m3h: float
    served_before_m3h: float
    served_m3h: float
    not_served_m3h: float
    not_served_cut_off_m3h: float
    not_served_low_pressure_m3h: float
    low_pressure: LowPressureOut | None = Field(
        default=None, description="who is below the service pressure: by category, named"
    )
    nodes: list[NodeServiceOut] | None = Field(
        default=None, description="absent in the customers-only answer (customers=only)"
    )
    customers: list[CustomerServiceOut | CustomerShareOut]
    warnings: list[str]
    reduced_pressure: ReducedPressureOut


class IsolationOut(BaseModel):
    """An isolation plan (gis.isolation.IsolationPlan.to_dict) and, with hydraulic=true, its
    hydraulic impact. With format=geojson: a FeatureCollection instead."""

    breaks: list[str]
    valves_to_close: list[dict[str, Any]]
    bypassed_valves: list[dict[str, Any]]
    valves_not_needed: list[dict[str, Any]]
    closed_on_boundary: list[dict[str, Any]]
    isolated_pipes: list[str]
    isolated_nodes: list[str]
    unintended_pipes: list[str]
    unintended_nodes: list[str]
    customers: dict[str, Any]
    length_m: float
    isolated_length_m: float
    unintended_length_m: float
    streets: list[str]
    area: dict[str, Any] | None
    isolated_from_sources: bool
    warnings: list[str]
    warning_keys: list[Any]
    network: int
    field_inoperable: list[str]
    hydraulic: HydraulicImpactOut | None = None


# -- plan steering (issue 18: ops.steering, api/routes/plans.py) ------------------------------


class SteeringOut(BaseModel):
    """What dispatchers fixed in a plan (ops.steering.Steering) and every edit, with who, when
    and why."""

    plan: int
    version: int = Field(description="the plan's version: send it with the next edit")
    steered_from: int | None = Field(description="the plan this one solved again")
    pending: int = Field(description="edits made since this plan was solved (re-solve them)")
    pins: dict[str, dict[str, Any]] = Field(description="job -> crew, and start when pinned")
    locks: dict[str, list[str]] = Field(description="crew -> its route's jobs, in order")
    out: dict[str, dict[str, Any]] = Field(description="jobs taken out -> by, why")
    history: list[dict[str, Any]] = Field(
        description="each edit: action, by, at, why, version, job, crew, start, jobs"
    )


class PlanDiffOut(BaseModel):
    """Two plans of a day compared (ops.dispatch.plan_diff)."""

    from_: int = Field(alias="from")
    to: int
    changed: list[dict[str, Any]] = Field(description="job, from and to crew, start, end")
    removed: list[dict[str, Any]] = Field(description="jobs the second plan no longer has")
    added: list[dict[str, Any]] = Field(description="jobs only the second plan has")
