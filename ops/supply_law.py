"""What 《城市供水条例》 (the State Council's urban water supply regulations) fixes for the code.

§22: a planned stoppage of supply is announced to the users at least 24 hours ahead (with the
water-supply authority's approval); a deployment may ask for more notice, never for less. Both the
outage notices (:mod:`ops.outages`) and the repair chains that plan a planned outage
(:mod:`ops.repairs`) read the lead from here, so a repair never schedules its shut-down sooner
than its notice may be published.
"""

from __future__ import annotations

import datetime as dt

MIN_LEAD = dt.timedelta(hours=24)
DEFAULT_LEAD = MIN_LEAD
