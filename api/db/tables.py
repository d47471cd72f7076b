"""The service's tables (SQLAlchemy 2). Schema changes go through Alembic migrations
(``api/db/migrations``); the domain values live in JSON columns where their shape is the core's.

Rows that clients update (plans, outages, jobs, crews) carry a ``version``: SQLAlchemy bumps it
on every update and refuses an update from a stale read (``version_id_col``), and the API asks
for it in ``If-Match``, so a write based on an old version gets 412, never a lost update.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false

from api.clock import now_utc
from ops.calendar import TZ
from ops.dispatch import CrewShift


def utcnow() -> dt.datetime:
    return now_utc()  # the app's clock: a history agrees with the times the service decides on


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment stored as UTC and read back aware, on every database: SQLite's DateTime drops
    the offset, so an aware Kaifeng time would come back eight hours off. Naive values are
    taken as Kaifeng time (the service's convention)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=TZ)
        return (
            value.astimezone(dt.UTC).replace(tzinfo=None)
            if dialect.name == "sqlite"
            else value.astimezone(dt.UTC)
        )

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # carried in every token ("gen"); a password change or disabling raises it, and the
    # tokens issued before stop working at once
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # a crew's account (role crew): the crew it stands for (docs/field-app.md)
    crew_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class NetworkVersion(Base):
    """One uploaded network; a new upload is a new row, so older plans keep theirs."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(512))  # relative to the data directory
    valves_path: Mapped[str | None] = mapped_column(String(512), nullable=True)
    crs: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # ready, invalid
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the column mapping a GIS upload was read with (gis.mapping, JSON form): the next version
    # of the same network is read with it unless the upload gives another
    mapping: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (UniqueConstraint("name", "version"),)


class ValveStatus(Base):
    """A valve found inoperable or repaired in the field; the latest row per valve counts."""

    __tablename__ = "valve_status"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), index=True)
    valve_id: Mapped[str] = mapped_column(String(64))
    operable: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # an exercise of the valve programme: what was found (ops.valves.ExerciseResult), when
    result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    exercised_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class LeakageAnalysis(Base):
    """An uploaded set of DMA meter data and what ops.leakage found in it."""

    __tablename__ = "leakage_analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    folder: Mapped[str] = mapped_column(String(255))  # under the data directory
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Crew(Base):
    __tablename__ = "crews"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    depot_lon: Mapped[float] = mapped_column(Float)
    depot_lat: Mapped[float] = mapped_column(Float)
    shift_start: Mapped[str] = mapped_column(String(5))
    shift_end: Mapped[str] = mapped_column(String(5))
    lunch_start: Mapped[str | None] = mapped_column(String(5), nullable=True)
    lunch_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    lunch_minutes: Mapped[int] = mapped_column(Integer, default=CrewShift.lunch_minutes)
    on_call: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it)


class CrewAbsence(Base):
    """A crew away for a date or a range of dates (ops.crews.Absence): leave, sickness, its
    vehicle out of service; with ``start_time`` and ``end_time`` (HH:MM), those hours of one
    date."""

    __tablename__ = "crew_absences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"), index=True)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    start_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    end_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CrewShiftChange(Base):
    """Another shift for one date of a crew (ops.crews.ShiftChange): hours, on-call duty."""

    __tablename__ = "crew_shift_changes"
    __table_args__ = (UniqueConstraint("crew_id", "day", name="uq_crew_shift_changes_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[str | None] = mapped_column(String(5), nullable=True)
    end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    on_call: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Application(Base):
    """A connection application (用水报装) and its Table 1 deadline."""

    __tablename__ = "applications"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    customer: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(255), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    dn_mm: Mapped[float | None] = mapped_column(Float, nullable=True)
    line_length_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    residential: Mapped[bool] = mapped_column(Boolean, default=True)
    papers_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    papers_completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # received, open, completed
    case: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # when the application reached the utility and how (an online one must be accepted within
    # 0.25 working day of it); back_entered: a counter application entered afterwards
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    channel: Mapped[str] = mapped_column(String(16), default="counter")
    back_entered: Mapped[bool] = mapped_column(Boolean, default=False)


class RepairTicket(Base):
    __tablename__ = "repairs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    severity: Mapped[str] = mapped_column(String(16))
    pipe_id: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the RepairReport
    case: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Job(Base):
    """A field job (:class:`ops.jobs.FieldJob` in ``spec``) and where it stands."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(96), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    crew_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # what the job belongs to (FieldJob.ticket, .valve, .step, .dma), to find jobs without
    # their ids
    ticket: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    valve: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    step: Mapped[str | None] = mapped_column(String(16), nullable=True)
    dma: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    # the rest of a job left for an emergency (FieldJob.rest_of, .part, .suspended)
    rest_of: Mapped[str | None] = mapped_column(String(96), nullable=True, index=True)
    part: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    suspended: Mapped[str | None] = mapped_column(String(96), nullable=True)
    # a connection's job (FieldJob.application, .water_on, .calendar): its application, when
    # the water came on (a follow-up visit) and the calendars its deadline was counted on
    application: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    water_on: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    calendar: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it)


class JobLink(Base):
    __tablename__ = "job_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    before: Mapped[str] = mapped_column(String(96), index=True)
    after: Mapped[str] = mapped_column(String(96), index=True)
    gap_s: Mapped[int] = mapped_column(Integer, default=0)
    max_gap_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class JobEvent(Base):
    """Every status change of a job: who, when, what.

    ``note`` is the entry in English; ``key`` and ``params`` are what the pages word it by
    (:class:`ops.workflow.JobEvent`), written with it since 0020: ``key`` NULL for someone's
    own words (``params`` ``{}``); both NULL for an entry stored before, read back from its
    note (:func:`ops.history.history_text`)."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(96), index=True)
    status: Mapped[str] = mapped_column(String(16))
    crew_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    key: Mapped[str | None] = mapped_column(String(48), nullable=True)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class JobNoteRow(Base):
    """A note on a job (:class:`ops.job_notes.JobNote`): who wrote what, when; never edited."""

    __tablename__ = "job_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(96), index=True)
    text: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Plan(Base):
    """A day's plan: solving in the background, then ready, then published."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # re-plans
    status: Mapped[str] = mapped_column(String(16))
    seconds: Mapped[float] = mapped_column(Float)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    problem: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what was planned
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # routing.Plan
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it)


class Outage(Base):
    __tablename__ = "outages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"))
    source: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it)


class OutageRevision(Base):
    __tablename__ = "outage_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outage_id: Mapped[str] = mapped_column(ForeignKey("outages.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    note_zh: Mapped[str] = mapped_column(Text, default="", server_default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("outage_id", "number"),)


class OutageRecord(Base):
    """The authority's approval of a planned outage, or the report of an emergency one to it
    (城市供水条例 §22; ``ops.outages.AuthorityRecord``)."""

    __tablename__ = "outage_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outage_id: Mapped[str] = mapped_column(ForeignKey("outages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    authority: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class IdempotencyKey(Base):
    """The response to a POST that carried an ``Idempotency-Key``: a repeat gets it again."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Counter(Base):
    """Sequences for human-readable ids (APP-000001, T-000001, OUT-000001)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class CalendarYear(Base):
    """A year's holidays and make-up working days as the utility entered them from the State
    Council's notice; it overrides the library and the TOML file for that year."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    days_off: Mapped[list[Any]] = mapped_column(JSON)  # ISO dates
    workdays: Mapped[list[Any]] = mapped_column(JSON)  # make-up working days, ISO dates
    document: Mapped[str] = mapped_column(String(128))  # e.g. 国办发明电〔2026〕X号
    published_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it)


class DeadlineChange(Base):
    """A deadline that moved because a year's calendar changed (kept as history)."""

    __tablename__ = "deadline_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    application_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    job_id: Mapped[str | None] = mapped_column(String(96), nullable=True, index=True)
    field: Mapped[str] = mapped_column(String(16))  # deadline, due, papers_due
    old: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    new: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookSubscription(Base):
    """A receiver of notice events: its URL, the secret the deliveries are signed with and the
    events it wants (``docs/webhooks.md``). Deleting one deactivates it (its deliveries stay)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """The outbox: one event for one subscription, written in the transaction of the notice's
    change, sent by the delivery worker until the receiver takes it or the attempts run out."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(32))
    outage_id: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)  # the exact bytes sent (UTF-8), signed each attempt
    status: Mapped[str] = mapped_column(String(16))  # pending, delivered, dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )


# -- the crews' field app (docs/field-app.md) --------------------------------------------------


class FieldReport(Base):
    """A crew's report from the street, by the id its phone gave it: applied once, and a replay
    of the same id gets the first answer (``status_code``, ``answer``)."""

    __tablename__ = "field_reports"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    crew_id: Mapped[str] = mapped_column(String(64), index=True)
    job_id: Mapped[str] = mapped_column(String(96), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # on the phone
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    valve: Mapped[str | None] = mapped_column(String(64), nullable=True)
    photo: Mapped[str | None] = mapped_column(String(255), nullable=True)  # under the data dir
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    by: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)


class LiveEvent(Base):
    """What the dispatcher's console receives live (GET /api/live): crews' reports, positions
    and widened isolations, in the order written (the id is the stream's Last-Event-ID)."""

    __tablename__ = "live_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # report, position, isolation_widened
    crew_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


# -- background hydraulic work (issue 17; api/jobs.py, docs/hydraulics.md) ---------------------


class HydraulicJob(Base):
    """A long hydraulic run of the service (the valve table of a network, the pressure
    management of a leakage analysis): its inputs, progress and result, kept across restarts.
    ``owner`` is the server process running it (host:pid:token) and ``heartbeat_at`` its last
    sign of life: a job queued or running whose process is gone is ``interrupted``."""

    __tablename__ = "hydraulic_jobs"
    __table_args__ = (Index("ix_hydraulic_jobs_kind_subject", "kind", "subject"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # valve_table, pressure_management
    subject: Mapped[int] = mapped_column(Integer)  # the network version or the analysis
    inputs_key: Mapped[str] = mapped_column(Text)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    # queued, running, done, failed, stopped, interrupted
    state: Mapped[str] = mapped_column(String(16))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    current: Mapped[str | None] = mapped_column(String(200), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # the stopped or interrupted job of the same inputs this one resumed, and how many of its
    # scenarios it took over (their rows in hydraulic_job_rows, not run again)
    resumed_from: Mapped[str | None] = mapped_column(String(32), nullable=True)
    resumed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class HydraulicJobRow(Base):
    """A scenario a hydraulic job has finished (a valve of a valve table), kept while the job
    is unfinished so a stopped or interrupted job is resumed where it left off (the rows pass
    to the job resuming it); removed when the job is done or failed."""

    __tablename__ = "hydraulic_job_rows"

    job_id: Mapped[str] = mapped_column(ForeignKey("hydraulic_jobs.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # the scenario's id
    row: Mapped[dict[str, Any]] = mapped_column(JSON)
