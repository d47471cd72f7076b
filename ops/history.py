"""A job's history entry as a key and params, for the console and the field app to word in
their language (issue 18 point 5).

Every entry ops and the store write carries its key and params (:class:`ops.workflow.JobEvent`
``key``, ``params``; stored in ``job_events.key``/``params`` since migration 0020) beside an
English note of a fixed shape ("created", "plan 1, start …", "ticket cancelled: …"); the key
is one of :data:`KEYS`, or :data:`FIELD_REPORT` for a crew's report. A note in someone's own
words (a dispatcher's, an engineer's) has none: it is shown as written.

An entry stored before keys were has its note only: :func:`history_text` reads it back as the
key of its shape and the values in it (:data:`SHAPES`), the same key and params its writer
gives it now; a field report's is :func:`ops.field.history_words` (its kind and the rest).

The pages' templates are ``history:<key>`` of ``api/web/static/js/i18n.js``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ops.field import KIND_WORDS

_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d"
_EXERCISE = re.compile(r"exercise: (?P<result>operable|stuck|leaking|not_found)")
_REPORTS = "|".join(re.escape(w) for w in sorted(KIND_WORDS.values(), key=len, reverse=True))
_KINDS = {words: str(kind) for kind, words in KIND_WORDS.items()}

#: key -> the shape of its note (the writer named beside it); the named groups are the params
SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("created", re.compile(r"created")),  # api.store.add_jobs
    # ops.plans.publication: a job the plan assigns (its lead crew; the other of a two-crew job)
    ("plan_start_with", re.compile(r"plan (?P<plan>\d+), start (?P<start>\S+), with (?P<crew>.+)")),
    ("plan_start", re.compile(r"plan (?P<plan>\d+), start (?P<start>\S+)")),
    # ops.plans.publication: a started job left for an emergency
    (
        "plan_left",
        re.compile(
            r"plan (?P<plan>\d+): left at (?P<leave>\S+) for (?P<why>.+); the rest is (?P<rest>\S+)"
        ),
    ),
    ("ticket_cancelled", re.compile(r"ticket cancelled: (?P<reason>.*)", re.S)),  # ops.workflow
    # ops.job_notes.reschedule ("any time" is an empty param)
    (
        "rescheduled",
        re.compile(
            rf"rescheduled: from (?P<from>any time|{_TIME}) to (?P<to>any time|{_TIME}) — "
            r"(?P<reason>.*)",
            re.S,
        ),
    ),
    ("water_on", re.compile(r"water on")),  # ops.connections
    ("exercise", _EXERCISE),  # ops.valves
    ("valve_widened", re.compile(r"valve (?P<valve>\S+) inoperable: isolation widened")),  # field
    # api.store: a year's calendar entered, the deadlines that counted on it recomputed
    (
        "calendar_recomputed",
        re.compile(
            r"the (?P<year>\d{4}) calendar was entered \((?P<source>.*)\): deadline recomputed"
        ),
    ),
    # ops.field.refusal_entry (the reason is the refusal's message, as written)
    (
        "field_refused",
        re.compile(
            rf"field: refused (?P<report>{_REPORTS}) from crew (?P<crew>\S+), made "
            r"(?P<made>\d\d:\d\d): (?P<reason>.*)",
            re.S,
        ),
    ),
)


#: a notice's revision: (its state, key, the shape of its note) of the notes ops.outages writes
#: (a dispatcher's own note, a cancellation's reason, has no key)
REVISION_SHAPES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("draft", "notice_created", re.compile(r"created")),  # create_outage
    ("draft", "notice_edited", re.compile(r"edited")),  # edit_draft
    ("published", "notice_published", re.compile(r"published")),  # publish
    ("updated", "notice_extended", re.compile(rf"extended to (?P<end>{_TIME})")),  # update
    ("updated", "notice_moved", re.compile(rf"restoration moved to (?P<end>{_TIME})")),
    ("updated", "notice_updated", re.compile(r"updated")),
    # follow_window, for ops.plans.publish_plan ("window of plan N")
    (
        "updated",
        "notice_plan_window",
        re.compile(r"window of plan (?P<plan>\d+): (?P<start>\d\d:\d\d)–(?P<end>\d\d:\d\d)"),
    ),
    ("restored", "notice_restored", re.compile(r"water restored")),  # restore
)

#: a valve's status (valve_statuses.note): key -> the shape of the notes the service writes
VALVE_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("exercise", _EXERCISE),  # ops.valves.record_exercise, the service's note
    # api/routes/field.py: a crew's report of a valve it was to shut
    (
        "valve_found_inoperable",
        re.compile(r"found inoperable by crew (?P<crew>\S+) on job (?P<job>\S+)"),
    ),
)

#: every key a writer gives a job's history entry, a notice's revision or a valve's status ->
#: the names of its params (the values, text); each has its template ``history:<key>`` in both
#: languages of the pages
KEYS: Mapping[str, frozenset[str]] = {
    key: frozenset(shape.groupindex)
    for key, shape in (
        *SHAPES,
        *((key, shape) for _, key, shape in REVISION_SHAPES),
        *VALVE_SHAPES,
    )
}

#: the key of a crew's report (:func:`ops.field.apply_report`), params ``report`` (its kind)
#: and ``detail`` (the rest of the note as written): the API sends them as ``report`` and
#: ``detail``, worded by the report's kind (``field_report_words``), not by a template
FIELD_REPORT = "field_report"


@dataclass(frozen=True)
class HistoryText:
    """A history entry as the key of its shape and the values in it (text, as written)."""

    key: str
    params: dict[str, str]

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "params": dict(self.params)}


def history_text(note: str) -> HistoryText | None:
    """The key and params of a history entry's ``note`` of a known shape, else None."""
    for key, shape in SHAPES:
        m = shape.fullmatch(note)
        if m is None:
            continue
        params = {k: v for k, v in m.groupdict().items()}
        if key == "rescheduled":
            params = {k: "" if v == "any time" else v for k, v in params.items()}
        if key == "field_refused":
            params["report"] = _KINDS[params["report"]]
        return HistoryText(key, params)
    return None


def revision_text(state: str, note: str) -> HistoryText | None:
    """The key and params of the note of a notice's revision in ``state`` (a
    :class:`ops.outages.NoticeState` value) ops wrote, else None (someone's own words)."""
    for in_state, key, shape in REVISION_SHAPES:
        m = shape.fullmatch(note) if in_state == state else None
        if m is not None:
            return HistoryText(key, dict(m.groupdict()))
    return None


def valve_note_text(note: str) -> HistoryText | None:
    """The key and params of the note of a valve's status the service wrote, else None (an
    engineer's or a crew's own words)."""
    for key, shape in VALVE_SHAPES:
        m = shape.fullmatch(note)
        if m is not None:
            return HistoryText(key, dict(m.groupdict()))
    return None
