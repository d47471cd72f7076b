"""The leakage package's data error."""

from __future__ import annotations

from ops.errors import OpsError


class LeakageDataError(OpsError):
    """Meter, pressure or billing data that cannot be used; the message says where and why."""
