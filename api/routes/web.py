"""The web console and the public outage page: static files served by the service itself.

No CDN: the pages, their scripts, the vendored Leaflet and the Swagger UI of ``/docs``
(``make vendor``) come from ``api/web/static``. The console signs in through
``/api/auth/token`` like any client; the public page reads ``/public/*`` only. See docs/console.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request, status
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.deps import SessionDep, issuer
from api.openapi import answers
from api.responses import geojson_once, json_response
from api.store import public_outage
from gis.mapview import roads_layer
from ops.errors import Conflict, NotFound
from ops.notices.page import render_page

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"

router = APIRouter(tags=["web"])


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def _security_headers(request: Request) -> dict[str, str]:
    """Scripts and data from this origin only; images may also come from the tile server."""
    tiles = request.app.state.settings.map_tiles
    tile_origin = ""
    if tiles:
        parts = urlsplit(tiles.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
        tile_origin = f" {parts.scheme}://{host}"
    return {
        "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
        "style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{tile_origin}; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-cache",
    }


def _page(request: Request, name: str) -> Response:
    return FileResponse(STATIC / name, media_type="text/html", headers=_security_headers(request))


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request) -> Response:
    """Swagger UI from the vendored copy (``make vendor``): /docs works offline."""
    vendor = "/static/vendor/swagger-ui"
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title} — API",
        swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
        swagger_css_url=f"{vendor}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
        oauth2_redirect_url="/docs/oauth2-redirect",
    )
    return _with_inline_scripts(request, page)


@router.get("/docs/oauth2-redirect", include_in_schema=False)
def api_docs_redirect(request: Request) -> Response:
    return _with_inline_scripts(request, get_swagger_ui_oauth2_redirect_html())


def _with_inline_scripts(request: Request, page: Response) -> Response:
    """The page with the console's Content-Security-Policy, its own inline start-up script
    allowed by hash (and nothing else inline)."""
    html = bytes(page.body)
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in re.findall(rb"<script>(.*?)</script>", html, flags=re.S)
    )
    headers = _security_headers(request)
    csp = headers["Content-Security-Policy"]
    headers["Content-Security-Policy"] = csp.replace(
        "script-src 'self';", f"script-src 'self' {hashes};"
    )
    return Response(html, media_type="text/html", headers=headers)


@router.get("/", include_in_schema=False)
def root() -> Response:
    return RedirectResponse("/console", status_code=status.HTTP_307_TEMPORARY_REDIRECT)


@router.get("/console", include_in_schema=False)
def console(request: Request) -> Response:
    return _page(request, "console.html")


@router.get("/field", include_in_schema=False)
def field_app(request: Request) -> Response:
    """The crews' field app (docs/field-app.md)."""
    return _page(request, "field.html")


#: What the field app needs to open without network (its service worker caches it): the page,
#: its scripts, styles, strings and map library, and the map's settings.
FIELD_SHELL = (
    "css/field.css",
    "js/field.js",
    "js/i18n.js",
    "js/map.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "favicon.svg",
)


@router.get("/field-sw.js", include_in_schema=False)
def field_service_worker() -> Response:
    """The field app's service worker (docs/field-app.md). At the root, so its scope may be
    ``/field`` (a worker's scope is at most its own folder), with its version: a hash of itself
    and the shell, so a deploy that changes any of them replaces the phones' caches."""
    script = (STATIC / "js" / "field-sw.js").read_bytes()
    digest = hashlib.sha256(script)
    for name in FIELD_SHELL:
        digest.update((STATIC / name).read_bytes())
    shell = ["/field", "/public/config", *(f"/static/{name}" for name in FIELD_SHELL)]
    body = script.replace(b"__VERSION__", digest.hexdigest()[:16].encode()).replace(
        b"__SHELL__", json.dumps(shell).encode()
    )
    # no-cache: the browser asks for the worker again on each visit (and gets the new version)
    return Response(
        body,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/outages", include_in_schema=False)
def public_page(request: Request) -> Response:
    return _page(request, "outages.html")


@router.get("/outages/{outage_id}", include_in_schema=False)
def notice_page(
    outage_id: str,
    request: Request,
    session: SessionDep,
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    """One published notice as a page of its own, Chinese (the notice of record) or English."""
    return _notice_page(request, session, outage_id, lang, printable=False)


@router.get("/outages/{outage_id}/print", include_in_schema=False)
def notice_sheet(
    outage_id: str,
    request: Request,
    session: SessionDep,
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    """The notice as an A4 sheet (its text and the map of the area) to post at a gate."""
    return _notice_page(request, session, outage_id, lang, printable=True)


def _notice_page(
    request: Request, session: Any, outage_id: str, lang: str, *, printable: bool
) -> Response:
    outage = public_outage(session, outage_id)
    html = render_page(outage, issuer(request), lang, printable=printable)
    return Response(html, media_type="text/html; charset=utf-8", headers=_security_headers(request))


@router.get(
    "/public/map/roads",
    tags=["public"],
    summary="the streets of the newest network",
    # geo+json, or an empty collection as plain JSON before any network is uploaded
    responses=answers(304, media=("application/geo+json", "application/json")),
)
def public_roads(request: Request) -> Response:
    """Street centrelines (WGS84 GeoJSON) for the public outage map; the pipes stay private."""
    registry = request.app.state.registry
    with request.app.state.reader_sessions() as session:
        try:
            network_id = registry.latest_id(session)
        except Conflict:  # no network yet
            return json_response({"type": "FeatureCollection", "features": []})
        loaded = registry.get(session, network_id)
        path = registry.data_dir / registry.row(session, network_id).stored_path
    return geojson_once(
        request, loaded, ("roads", ()), lambda: roads_layer(path), "public, max-age=300"
    )


@router.get("/public/config", tags=["public"], summary="map settings of the web pages")
def public_config(request: Request) -> Response:
    """The background tiles (none by default) and the extent of the newest network."""
    settings = request.app.state.settings
    out: dict[str, Any] = {
        "tiles": settings.map_tiles or None,
        "attribution": settings.map_attribution,
        "hotline": request.app.state.hotline,  # the setting, or the demo's invented one
        "bounds": None,
        "network": None,
    }
    registry = request.app.state.registry
    with request.app.state.reader_sessions() as session:
        try:
            network_id = registry.latest_id(session)
            loaded = registry.get(session, network_id)
        except (Conflict, NotFound):  # no network yet, or none usable
            return json_response(out)
    network = loaded.network
    if network.has_map and len(network.nodes):
        lonlat = network.to_wgs84(network.nodes.xy)
        lo, hi = lonlat.min(axis=0), lonlat.max(axis=0)
        out["bounds"] = [
            [round(float(lo[1]), 6), round(float(lo[0]), 6)],
            [
                round(float(hi[1]), 6),
                round(float(hi[0]), 6),
            ],
        ]
        out["network"] = network_id
    return json_response(out)
