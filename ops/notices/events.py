"""The events of a notice's life that go out to other systems (webhooks: ``docs/webhooks.md``).

A notice sends an event each time it changes for the public: it is published, updated (a new
window, a new reason, a remark), restored (the all-clear) or cancelled. Drafts and a draft's
cancellation never went out and send nothing; the authority's approval or report is part of the
notice's history, not an event. What an event carries is the notice as the public sees it at
that revision (the fields of the public feed, its page and its text in Chinese and English),
never internal ids of pipes or valves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from ops.notices.issuer import Issuer
from ops.notices.text import render_text
from ops.outages import NoticeState, Outage, Revision


class NoticeEventType(StrEnum):
    PUBLISHED = "notice.published"
    UPDATED = "notice.updated"
    RESTORED = "notice.restored"
    CANCELLED = "notice.cancelled"


EVENT_OF_STATE = {
    NoticeState.PUBLISHED: NoticeEventType.PUBLISHED,
    NoticeState.UPDATED: NoticeEventType.UPDATED,
    NoticeState.RESTORED: NoticeEventType.RESTORED,
    NoticeState.CANCELLED: NoticeEventType.CANCELLED,
}

# internal to the utility: the pipes broken and the valves that failed are not for the public
PRIVATE_FIELDS = ("breaks", "failed_valves")


@dataclass(frozen=True)
class NoticeEvent:
    """One change of a notice for the public, and what the event says about it."""

    type: NoticeEventType
    outage_id: str
    revision: int
    at: dt.datetime
    data: dict[str, Any]


def notice_events(outage: Outage, first_new: int, issuer: Issuer) -> list[NoticeEvent]:
    """The events of the revisions of ``outage`` from number ``first_new`` on (those one change
    added), in order; revisions that never went out to the public send none."""
    sent = {r.number for r in outage.sent_revisions}
    return [
        NoticeEvent(
            EVENT_OF_STATE[r.state], outage.id, r.number, r.at, event_data(outage, r, issuer)
        )
        for r in outage.revisions[first_new - 1 :]
        if r.number in sent
    ]


def event_data(outage: Outage, revision: Revision, issuer: Issuer) -> dict[str, Any]:
    """The notice as the public saw it from ``revision`` on: its public fields, the remark in
    Chinese, its pages and its text in Chinese (the notice of record) and English."""
    then = replace(outage, revisions=outage.revisions[: revision.number])
    content = revision.content.to_dict()
    for name in PRIVATE_FIELDS:
        content.pop(name, None)
    published = then.published_at
    return {
        "outage_id": outage.id,
        "kind": outage.kind.value,
        "state": revision.state.value,
        "revision": revision.number,
        "at": revision.at.isoformat(timespec="seconds"),
        "published_at": published.isoformat(timespec="seconds") if published else None,
        "note_zh": revision.note_zh,
        **content,
        "page": {"zh": issuer.url(outage.id), "en": issuer.url(outage.id, "en")},
        "cap": issuer.cap_url(outage.id),
        "text": {lang: render_text(then, lang, issuer) for lang in ("zh", "en")},
    }
