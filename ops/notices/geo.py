"""The notice as a GeoJSON Feature: the affected-area polygon with the notice's facts."""

from __future__ import annotations

from typing import Any

from ops.notices.issuer import Issuer
from ops.outages import Outage


def notice_feature(outage: Outage, issuer: Issuer | None = None) -> dict[str, Any]:
    """One Feature (WGS84): geometry the affected area, properties what the notice says."""
    issuer = issuer or Issuer()
    c = outage.content
    return {
        "type": "Feature",
        "id": outage.id,
        "geometry": c.area,
        "properties": {
            "id": outage.id,
            "kind": outage.kind.value,
            "state": outage.state.value,
            "revision": outage.latest.number,
            "updated": outage.latest.at.isoformat(timespec="seconds"),
            "reason": c.reason,
            "reason_zh": c.reason_zh,
            "start": c.start.isoformat(timespec="minutes"),
            "end": c.end.isoformat(timespec="minutes"),
            "streets": list(c.streets),
            "neighbourhoods": list(c.neighbourhoods),
            "customers": c.customers_total,
            "accounts": c.accounts,
            "customers_by_category": dict(c.customers_by_category),
            "critical": list(c.critical),
            "reduced_pressure_streets": list(c.reduced_pressure_streets),
            "reduced_pressure_basis": c.reduced_pressure_basis,
            "hotline": c.hotline,
            "url": issuer.url(outage.id),
        },
    }


def render_geojson(outages: Outage | list[Outage], issuer: Issuer | None = None) -> dict[str, Any]:
    """A FeatureCollection of one notice or several, with tanker points as Point features."""
    items = [outages] if isinstance(outages, Outage) else list(outages)
    features: list[dict[str, Any]] = []
    for outage in items:
        features.append(notice_feature(outage, issuer))
        for t in outage.content.tanker_points:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": list(t.location)},
                    "properties": {
                        "outage": outage.id,
                        "kind": "tanker_point",
                        "name": t.name,
                        "critical": t.critical,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}
