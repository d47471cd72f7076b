"""Networks: upload and validate, versions, segments, criticality, valves and isolation."""

from __future__ import annotations

import re
import shutil
import stat
import uuid
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel, Field
from pyproj import CRS
from pyproj.exceptions import CRSError
from sqlalchemy import func, select

from api.db.tables import NetworkVersion, ValveStatus
from api.deps import Engineer, NetworkId, Reader, SessionDep, authenticate
from api.hydraulics import first_hour, stored_impact
from api.openapi import answers
from api.registry import (
    INCOMING,
    USABLE,
    NetworkStatus,
    check_network_files,
    remove_orphans,
    valve_position,
)
from api.responses import Refused, geojson_once, json_response, save_upload
from api.schemas import IsolationOut
from api.store import local, record_valve_status, valve_status_words
from gis.hydraulics import (
    HydraulicImpact,
)
from gis.io import (
    OPTIONAL_LAYERS,
    REQUIRED_LAYERS,
    describe_export,
    parse_lonlat,
    plan_to_geojson,
)
from gis.mapping import contract_description, layer_for_name, mapping_from_dict
from gis.mapview import map_layer
from gis.pressure_area import PressureArea, pressure_feature, reduced_pressure_area
from gis.segments import segment_network, segments_summary, segments_table
from ops.errors import InvalidRequest, NotFound

router = APIRouter(prefix="/api/networks", tags=["networks"])

ALLOWED = (".gpkg", ".zip", ".inp", ".dxf")
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def network_dict(row: NetworkVersion) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "version": row.version,
        "filename": row.filename,
        "status": row.status,
        "crs": row.crs,
        "sha256": row.sha256,
        "summary": row.summary,
        "mapping": row.mapping,
        "created_by": row.created_by,
        "created_at": local(row.created_at).isoformat(timespec="seconds"),
    }


def _safe_name(filename: str | None, fallback: str) -> str:
    name = Path(filename or fallback).name
    name = SAFE_NAME.sub("_", name).strip("._") or fallback
    return name[:120]


# What a zip of layers may hold: layers as GeoJSON, GeoPackage or Shapefile (with its side
# files), a DXF drawing, or one ESRI File Geodatabase (a .gdb folder). Nothing else is unpacked.
LAYER_PARTS = (".geojson", ".json", ".gpkg", ".shp", ".shx", ".dbf", ".prj", ".cpg", ".dxf")


def _unzip(archive: Path, folder: Path, limit: int, names: Iterable[str] = ()) -> Path:
    """Unpack the layer files of a zip into ``folder``, flat, and nothing else.

    Only files named after a layer are written — the contract's names (``nodes.geojson``,
    ``pipes.shp`` + ``.shx``/``.dbf``/...), ``names`` (the layers a mapping names), or names a
    utility's export uses (``WaterMains.shp``, ``管线.shp``: :func:`gis.mapping.layer_for_name`)
    — and DXF drawings, and the files of one ``.gdb`` folder (kept in it), so padding and other
    files never reach the disk; together they may unpack to at most ``limit`` bytes (counted as
    written, not as the zip claims). Symbolic links and two files for the same layer file are
    refused; no path leaves ``folder``."""
    layers = {*REQUIRED_LAYERS, *OPTIONAL_LAYERS, *(n.lower() for n in names)}

    def is_layer(stem: str, suffix: str) -> bool:
        if suffix not in LAYER_PARTS:
            return False
        return suffix == ".dxf" or stem.lower() in layers or layer_for_name(stem) is not None

    unreadable = InvalidRequest(
        "the .zip file cannot be read (damaged, encrypted or an unknown compression): zip the "
        "layer files (.shp/.shx/.dbf/.prj or .geojson) of nodes, pipes, valves, customers ... "
        "without a password and upload again",
        code="zip_unreadable",
    )
    too_big = Refused(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"the zip's layer files unpack to more than the upload limit of {limit / 2**20:g} MB "
        "(setting WATEROPS_MAX_UPLOAD_MB): upload fewer or smaller layers",
        code="zip_too_big",
        mb=limit / 2**20,
    )
    try:
        with zipfile.ZipFile(archive) as z:
            wanted: dict[str, zipfile.ZipInfo] = {}
            targets: dict[str, str] = {}  # the name as written, by the name compared
            others: list[str] = []
            databases: set[str] = set()
            for m in z.infolist():
                if m.is_dir():
                    continue
                name = Path(m.filename.replace("\\", "/"))
                hidden = any(part.startswith(".") or part == "__MACOSX" for part in name.parts)
                gdb = next((p for p in name.parts[:-1] if p.lower().endswith(".gdb")), None)
                if gdb is not None:  # a File Geodatabase's own files, kept in their folder
                    place = f"{gdb}/{name.name}"
                    databases.add(gdb.lower())
                else:
                    place = Path(name.name).stem + Path(name.name).suffix.lower()
                target = place.lower()
                if (
                    name.is_absolute()
                    or ".." in name.parts
                    or hidden
                    or (gdb is None and not is_layer(Path(place).stem, Path(place).suffix))
                    or name.name in ("", ".", "..")
                ):
                    if not hidden:
                        others.append(m.filename)
                    continue  # never written: not a layer, hidden, or outside the folder
                if stat.S_ISLNK(m.external_attr >> 16):
                    raise InvalidRequest(
                        f"{m.filename} in the zip is a symbolic link, not a file: zip the layer "
                        "files themselves (without links) and upload again",
                        code="zip_link",
                        file=m.filename,
                    )
                if target in wanted:
                    raise InvalidRequest(
                        f"the zip holds two files for {target}: {wanted[target].filename} and "
                        f"{m.filename} (layers are read side by side, one file each): keep one "
                        "and upload again",
                        code="zip_two_files",
                        layer=target,
                        first=wanted[target].filename,
                        second=m.filename,
                    )
                wanted[target] = m
                targets[target] = place
            if len(databases) > 1:
                listed = ", ".join(sorted(databases))
                raise InvalidRequest(
                    f"the zip holds {len(databases)} File Geodatabases ({listed}): upload one "
                    "network at a time",
                    code="zip_two_databases",
                    count=len(databases),
                    databases=listed,
                )
            if not wanted:
                found = ", ".join(others[:5]) + (" ..." if len(others) > 5 else "")
                layer_names = "nodes, pipes, valves, customers, dmas, roads, depots"
                raise InvalidRequest(
                    f"the zip holds no layer files (it has: {found or 'nothing'}): name them after "
                    f"their layer — {layer_names} — or as your mapping names them, as .geojson, "
                    ".gpkg or .shp with its .shx, .dbf and .prj (or zip a .gdb folder or a .dxf "
                    "drawing)",
                    code="zip_no_layers",
                    found=found,
                    layers=layer_names,
                )
            if sum(m.file_size for m in wanted.values()) > limit:
                raise too_big
            written = 0
            for place in targets.values():
                if "/" in place:  # in its .gdb folder
                    (folder / place).parent.mkdir(exist_ok=True)
            for target, m in wanted.items():
                with z.open(m) as src, (folder / targets[target]).open("wb") as out:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > limit:  # the sizes the zip declares can lie
                            raise too_big
                        out.write(chunk)
    except (Refused, InvalidRequest):
        raise
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, zlib.error):
        raise unreadable from None
    return folder


@dataclass
class _Received:
    """An upload's files, written and checked in their staging folder."""

    staging: Path
    folder_rel: Path
    filename: str
    suffix: str
    sha: str
    stored: Path  # what is read: the file, or the folder of a zip's layers
    read_rel: Path
    valves_rel: str | None
    report: dict[str, Any]
    summary: dict[str, Any]
    details: dict[str, Any]  # the mapping used, the topology report


MappingField = Annotated[
    str | None,
    Form(
        max_length=200_000,
        description="column mapping of a GIS upload (JSON; docs/decisions.md, column mapping). "
        "Without it, the mapping of this network's last valid version is used, and common names "
        "are guessed for what it leaves out",
    ),
]


def _given_mapping(text: str | None) -> Any:
    """The upload's ``mapping`` field as a :class:`gis.mapping.ColumnMapping` (a 422 that says
    what is wrong), or None."""
    if text is None or not text.strip():
        return None
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(
            f"mapping: not JSON ({exc}): send the mapping as JSON, e.g. "
            '{"pipes": {"layer": "WaterMains", "diameter_mm": {"column": "DIAMETER", '
            '"unit": "inch"}}}',
            code="mapping_not_json",
            line=exc.lineno,
            column=exc.colno,
        ) from None
    return mapping_from_dict(data)  # a MappingError is a 422 that api/app.py says


def _remembered_mapping(session: Any, name: str) -> tuple[Any, dict[str, Any] | None]:
    """The mapping of the newest valid version of network ``name`` that has one, and which
    version that is ({"network", "version"}); (None, None) when there is none."""
    row = session.scalars(
        select(NetworkVersion)
        .where(
            NetworkVersion.name == name,
            NetworkVersion.mapping.is_not(None),
            NetworkVersion.status.in_(USABLE),
        )
        .order_by(NetworkVersion.version.desc())
        .limit(1)
    ).first()
    if row is None or not row.mapping:
        return None, None
    return mapping_from_dict(row.mapping), {"network": row.id, "version": row.version}


def _receive(
    request: Request,
    file: UploadFile,
    name: str,
    valves: UploadFile | None,
    crs: str | None,
    mapping: Any,
) -> _Received:
    """Write an upload's files to a staging folder of their own and check them. The caller
    moves the folder into place or removes it."""
    settings = request.app.state.settings
    limit = settings.max_upload_bytes
    filename = _safe_name(file.filename, "network")
    suffix = Path(filename).suffix.lower()
    if suffix not in ALLOWED:
        raise Refused(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"{file.filename!r}: upload a GeoPackage (.gpkg), a zip of Shapefile or GeoJSON "
            "layers or of a File Geodatabase (.zip), a DXF drawing (.dxf), or an EPANET file "
            "(.inp) with a valve CSV",
            code="upload_file_type",
            file=file.filename,
            types=", ".join(ALLOWED),
        )
    if crs is not None:
        _check_crs(crs)
    data_dir: Path = settings.data_dir.resolve()
    with request.app.state.reader_sessions() as session:
        remove_orphans(session, data_dir)  # what uploads killed in flight left behind
    # A folder of its own, never an existing one: nothing else's files are touched. The files
    # are written and checked under networks/.incoming and moved into place only when valid.
    folder_name = f"{_safe_name(name, 'network')[:60]}-{uuid.uuid4().hex[:12]}"
    folder_rel = Path("networks") / folder_name
    staging = data_dir / INCOMING / folder_name
    staging.mkdir(parents=True, exist_ok=False)
    try:
        stored = staging / filename
        sha = save_upload(file, stored, limit)
        valves_rel = None
        if valves is not None:
            vname = _safe_name(valves.filename, "valves.csv")
            save_upload(valves, staging / vname, limit)
            valves_rel = str(folder_rel / vname)
        read_rel = folder_rel / filename
        if suffix == ".zip":
            (staging / "layers").mkdir()
            names = [r.layer for r in mapping.layers.values() if r.layer] if mapping else []
            _unzip(stored, staging / "layers", limit, names)
            stored.unlink()  # the layers are kept, not the archive (nor what else it held)
            stored = staging / "layers"
            read_rel = folder_rel / "layers"
        staged_valves = str(Path(INCOMING) / folder_name / vname) if valves_rel else None
        details: dict[str, Any] = {}
        report, summary = check_network_files(
            stored, staged_valves, crs, data_dir, filename, mapping=mapping, details=details
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return _Received(
        staging,
        folder_rel,
        filename,
        suffix,
        sha,
        stored,
        read_rel,
        valves_rel,
        report,
        summary,
        details,
    )


def _mapping_answer(
    received: _Received, given: Any, remembered: dict[str, Any] | None
) -> dict[str, Any]:
    """How an upload's GIS layers were read: the mapping used (guesses marked), where it came
    from ("given", a previous version, or "guessed" / None), and the topology report."""
    used = received.details.get("mapping")
    if received.suffix == ".inp":
        return {"mapping": None, "mapping_from": None, "topology": None}
    if given is not None:
        source: Any = "given"
    elif remembered is not None:
        source = remembered
    else:
        source = "guessed" if used else None
    return {"mapping": used, "mapping_from": source, "topology": received.details.get("topology")}


@router.post(
    "",
    status_code=201,
    summary="upload a network (new version); validated at once",
    responses=answers(415),  # a file type it does not read
)
def upload_network(
    request: Request,
    user: Engineer,
    file: Annotated[
        UploadFile,
        File(description="GeoPackage, zipped Shapefile/GeoJSON or File Geodatabase, DXF, or .inp"),
    ],
    name: Annotated[str, Form(min_length=1, max_length=128)] = "network",
    valves: Annotated[
        UploadFile | None, File(description="valve-layer CSV (with an .inp file)")
    ] = None,
    crs: Annotated[
        str | None, Form(max_length=64, description="CRS of coordinates that have none")
    ] = None,
    mapping: MappingField = None,
) -> Response:
    # Files first, then the validation, and only then a short write transaction: an upload
    # never holds the database while it reads and checks megabytes.
    given = _given_mapping(mapping)
    remembered = None
    used = given
    if given is None:
        with request.app.state.reader_sessions() as session:
            used, remembered = _remembered_mapping(session, name)
    received = _receive(request, file, name, valves, crs, used)
    data_dir: Path = request.app.state.settings.data_dir.resolve()
    report, summary = received.report, received.summary
    ok = report["ok"]
    try:
        if ok:
            received.staging.rename(data_dir / received.folder_rel)
    except BaseException:
        shutil.rmtree(received.staging, ignore_errors=True)
        raise
    if not ok:
        shutil.rmtree(received.staging, ignore_errors=True)  # keep the report, not the files
    how = _mapping_answer(received, given, remembered)
    # Valid, but nothing feeds it (no source, no tank): kept, usable by its id, and never the
    # default network that requests without a network id use.
    state = (
        NetworkStatus.INVALID
        if not ok
        else NetworkStatus.READY
        if summary.get("sources", 1)
        else NetworkStatus.NO_SOURCE
    )
    with request.app.state.sessions() as session, session.begin():
        version = (
            session.scalar(
                select(func.max(NetworkVersion.version)).where(NetworkVersion.name == name)
            )
            or 0
        ) + 1
        row = NetworkVersion(
            name=name,
            version=version,
            filename=received.filename,
            stored_path=str(received.read_rel),
            valves_path=received.valves_rel,
            crs=crs,
            sha256=received.sha,
            status=state,
            summary=summary,
            report=report,
            created_by=user.username,
            mapping=how["mapping"],
        )
        session.add(row)
        session.flush()
        body = {**network_dict(row), "report": report, **how}
    if state is NetworkStatus.NO_SOURCE:
        body["note"] = (
            "stored, but the network has no source or tank: it is not the default network; "
            f"use it by its id ({row.id}) or upload it with its sources"
        )
    if not ok:
        return json_response(body, status.HTTP_422_UNPROCESSABLE_CONTENT)
    return json_response(body, status.HTTP_201_CREATED, {"Location": f"/api/networks/{row.id}"})


@router.post(
    "/inspect",
    summary="read an upload without storing it: its layers and columns, the mapping, the report",
    responses=answers(415),
)
def inspect_network(
    request: Request,
    _: Engineer,
    file: Annotated[
        UploadFile,
        File(description="GeoPackage, zipped Shapefile/GeoJSON or File Geodatabase, DXF, or .inp"),
    ],
    name: Annotated[str, Form(min_length=1, max_length=128)] = "network",
    valves: Annotated[UploadFile | None, File(description="valve-layer CSV")] = None,
    crs: Annotated[str | None, Form(max_length=64)] = None,
    mapping: MappingField = None,
) -> Response:
    """The console's review step before an upload: the export's layers as they are (columns
    and their values), the mapping the upload would be read with (given, remembered from the
    last version of ``name``, or guessed: each guess marked), the validation report it would
    get and the topology built. Nothing is stored."""
    given = _given_mapping(mapping)
    remembered = None
    used = given
    if given is None:
        with request.app.state.reader_sessions() as session:
            used, remembered = _remembered_mapping(session, name)
    received = _receive(request, file, name, valves, crs, used)
    try:
        layers: dict[str, Any] = {}
        if received.suffix != ".inp":
            try:
                layers = describe_export(received.stored)
            except Exception:  # unreadable: the report already says so
                layers = {}
    finally:
        shutil.rmtree(received.staging, ignore_errors=True)
    body = {
        "name": name,
        "filename": received.filename,
        "layers": layers,
        "report": received.report,
        "summary": received.summary,
        **_mapping_answer(received, given, remembered),
        "contract": contract_description(),
    }
    return json_response(body)


CRS_EXAMPLE = "EPSG:32650"  # a CRS as written (UTM 50N, Kaifeng's)


def _check_crs(crs: str) -> None:
    try:
        CRS.from_user_input(crs)
    except CRSError:
        raise InvalidRequest(
            f"crs {crs!r} is not a coordinate reference system: write e.g. {CRS_EXAMPLE}",
            code="crs_unknown",
            crs=crs,
            example=CRS_EXAMPLE,
        ) from None


@router.get("", summary="every uploaded network version")
def list_networks(_: Reader, session: SessionDep) -> Response:
    rows = session.scalars(select(NetworkVersion).order_by(NetworkVersion.id)).all()
    return json_response([network_dict(r) for r in rows])


def _row(session: Any, network_id: int) -> NetworkVersion:
    row = session.get(NetworkVersion, network_id)
    if row is None:
        raise NotFound(
            f"no network {network_id}: GET /api/networks lists the uploaded ones",
            code="no_network",
            network=network_id,
        )
    return row


@router.get("/{network_id}", summary="one network version")
def get_network(network_id: NetworkId, _: Reader, session: SessionDep) -> Response:
    return json_response(network_dict(_row(session, network_id)))


@router.get("/{network_id}/report", summary="the validation report of an upload")
def get_report(network_id: NetworkId, _: Reader, session: SessionDep) -> Response:
    return json_response(_row(session, network_id).report)


@router.get("/{network_id}/segments", summary="valve segments: summary and the largest")
def get_segments(
    network_id: NetworkId,
    request: Request,
    _: Reader,
    session: SessionDep,
    top: Annotated[int, Query(ge=0, le=1000)] = 20,
    full: Annotated[bool, Query(description="every segment (docs/design.md §4 shape)")] = False,
) -> Response:
    loaded = request.app.state.registry.get(session, network_id)
    seg = loaded.isolator.segmentation
    if seg.hydraulic:  # the isolator's treats closed pipes as shut: the report is topological
        seg = segment_network(loaded.network)
    table = segments_table(loaded.network, seg)
    if full:
        return json_response({"segments": table})
    table.sort(key=lambda s: -len(s["pipes"]))
    return json_response({"summary": segments_summary(seg), "largest": table[:top]})


@router.get("/{network_id}/criticality", summary="valves ranked by the extra loss if they fail")
def get_criticality(
    network_id: NetworkId,
    request: Request,
    _: Reader,
    session: SessionDep,
    top: Annotated[int, Query(ge=1, le=100_000)] = 20,
) -> Response:
    ranked = request.app.state.registry.get(session, network_id).criticality_ranking()
    return json_response({"valves": ranked[:top], "total": len(ranked)})


MapLayer = Literal["pipes", "valves", "dmas", "customers", "sources"]


@router.get(
    "/{network_id}/map/{layer}",
    summary="a map layer of the network (WGS84 GeoJSON)",
    responses=answers(304, media=("application/geo+json",)),
)
def get_map_layer(
    network_id: NetworkId, layer: MapLayer, request: Request, _: Reader, session: SessionDep
) -> Response:
    """Valves carry ``found_inoperable`` from field reports. Sent gzipped with an ETag: the
    console downloads each layer once per network state."""
    loaded = request.app.state.registry.get(session, network_id)

    def build() -> Any:
        data = map_layer(loaded.network, layer)
        if layer == "valves":
            failed = set(loaded.failed)
            for feature in data["features"]:
                feature["properties"]["found_inoperable"] = feature["id"] in failed
        return data

    key = (layer, loaded.failed if layer == "valves" else ())
    return geojson_once(request, loaded, key, build, "private, no-cache")


@router.get("/{network_id}/valves/{valve_id}", summary="a valve and its field status")
def get_valve(
    network_id: NetworkId, valve_id: str, request: Request, _: Reader, session: SessionDep
) -> Response:
    loaded = request.app.state.registry.get(session, network_id)
    data = valve_position(loaded, valve_id)
    history = session.scalars(
        select(ValveStatus)
        .where(ValveStatus.network_id == network_id, ValveStatus.valve_id == valve_id)
        .order_by(ValveStatus.id)
    ).all()
    data["history"] = [
        {
            "operable": h.operable,
            "note": h.note,
            "words": valve_status_words(h.note),
            "by": h.changed_by,
            "at": local(h.changed_at).isoformat(timespec="seconds"),
        }
        for h in history
    ]
    return json_response(data)


class ValveStatusIn(BaseModel):
    operable: bool = Field(description="false: found not to close; true: repaired or working")
    note: str = Field(default="", max_length=2000)


@router.put(
    "/{network_id}/valves/{valve_id}/status", summary="report a valve inoperable or repaired"
)
def set_valve_status(
    network_id: NetworkId,
    valve_id: str,
    body: ValveStatusIn,
    request: Request,
    user: Engineer,
    session: SessionDep,
) -> Response:
    loaded = request.app.state.registry.get(session, network_id)
    record_valve_status(session, loaded, valve_id, body.operable, body.note, user.username)
    session.flush()
    return json_response({"valve": valve_id, "operable": body.operable, "note": body.note})


MAX_BREAK_PIPES = 100  # pipes of one isolation query: a break is one pipe, or a few
INLINE_PIPES = 4  # up to this many, a query is computed on the event loop
MAX_HOUR = 24.0 * 366  # hydraulic=true: an hour within a year of an EPANET file's start


def hydraulic_answer(
    request: Request,
    db: Any,
    loaded: Any,
    plan: Any,
    hour: float,
    service_pressure_mpa: float,
    end: float | None = None,
) -> tuple[HydraulicImpact, PressureArea]:
    """The hydraulic impact of ``plan`` (through the window ``[hour, end)`` with ``end``) and
    its reduced-pressure area, with the model of the stored files: an EPANET file's own, else
    built from the GIS layers (docs/hydraulics.md). A model EPANET cannot build or solve, or a
    window it cannot run, is a gis HydraulicError: a 422 naming what to fix."""
    impact = stored_impact(request.app.state, db, loaded, plan, hour, service_pressure_mpa, end)
    return impact, reduced_pressure_area(loaded.network, impact, plan)


class KeptAnswerFirst(APIRoute):
    """The isolation route: a query asked again (the same path and query string) whose answer
    is kept for the network's state is given before FastAPI parses the route's parameters
    (issue 15). FastAPI inspects each of the twelve declared query parameters again on every
    request, about sixty Python calls each: a third of a kept answer's time. The sign-in is
    checked as :data:`~api.deps.Reader` checks it; whatever else (not asked before, not kept,
    refused) takes the full route, which answers as it always did."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        full = super().get_route_handler()

        async def handler(request: Request) -> Response:
            body = kept_answer(request)
            if body is None:
                return await full(request)
            return Response(body, media_type="application/json")

        return handler


ASKED_KEPT = 16_384  # queries (path and query string) whose answer key is remembered


def kept_answer(request: Request) -> bytes | None:
    """The kept answer of a query asked before as this one is written, if the caller may read
    it; None sends the request through the full route."""
    state = request.app.state
    asked: OrderedDict[tuple[str, bytes], tuple[int, Hashable]] | None = getattr(
        state, "isolation_asked", None
    )
    if not asked or not state.settings.answer_cache:
        return None
    found = asked.get((request.scope["path"], request.scope["query_string"]))
    if found is None:
        return None
    network_id, key = found
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    try:
        user = authenticate(state, token if scheme.lower() == "bearer" else None)
    except HTTPException:
        return None  # the full route gives the refusal
    if user.role == "crew":  # refused by current_user: the full route says so
        return None
    loaded = state.registry.get_fast(state.reader_engine, network_id, load=False)
    body: bytes | None = None if loaded is None else loaded.answers.get(key)
    if body is not None:
        loaded.answers.move_to_end(key)
    return body


def remember_asked(request: Request, network_id: int, key: Hashable) -> None:
    state = request.app.state
    asked = getattr(state, "isolation_asked", None)
    if asked is None:
        asked = state.isolation_asked = OrderedDict()
    asked[(request.scope["path"], request.scope["query_string"])] = (network_id, key)
    asked.move_to_end((request.scope["path"], request.scope["query_string"]))
    while len(asked) > ASKED_KEPT:
        asked.popitem(last=False)


async def isolation(
    network_id: NetworkId,
    request: Request,
    _: Reader,
    pipe: Annotated[
        list[str] | None, Query(description="broken pipe id; repeat for several")
    ] = None,
    at: Annotated[str | None, Query(description="LON,LAT map point (WGS84)", max_length=64)] = None,
    inoperable: Annotated[
        str, Query(description="valves found not to close: V1,V2", max_length=4000)
    ] = "",
    format: Annotated[Literal["json", "geojson"], Query()] = "json",
    area: Annotated[bool, Query(description="include the affected-area polygon")] = True,
    hydraulic: Annotated[
        bool,
        Query(
            description="also the hydraulic impact (EPANET, pressure-driven) with the valves "
            "closed: pressures, demand served, the reduced-pressure area (seconds, not ms)"
        ),
    ] = False,
    hour: Annotated[
        float | None,
        Query(
            ge=0,
            le=MAX_HOUR,
            description="hour of the outage for hydraulic=true: of the day for a GIS upload, "
            "after the file's start for an EPANET file (default: the network's, "
            "gis.hydraulic_model.default_hour: the peak hour of a GIS upload, an EPANET "
            "file's start; the engine warmed at start)",
        ),
    ] = None,
    start: Annotated[
        float | None,
        Query(ge=0, le=MAX_HOUR, description="hydraulic=true: the window's start (= hour)"),
    ] = None,
    end: Annotated[
        float | None,
        Query(
            gt=0,
            le=MAX_HOUR + 72,
            description="hydraulic=true: through the outage window from hour to end "
            "(exclusive, hours; past 24 for the next day): each customer's worst hour, tanks "
            "draining (at most 72 hours; default: the one hour)",
        ),
    ] = None,
    hours: Annotated[
        float | None,
        Query(gt=0, le=72, description="hydraulic=true: the window's length instead of end"),
    ] = None,
    service_pressure_mpa: Annotated[
        float | None,
        Query(
            gt=0,
            le=1.0,
            description="service pressure for hydraulic=true (default: the service's setting)",
        ),
    ] = None,
    customers: Annotated[
        Literal["all", "below", "only"],
        Query(
            description="hydraulic=true: the per-node and per-customer rows of every node with "
            "a demand (all), or only of those cut off or below the service pressure (below: "
            "the compact answer, the totals and the area the same; what the console asks), or "
            "the customers only (only: every customer's pressure and share served, no node "
            "rows, the totals and the area the same; a quarter of all's bytes)"
        ),
    ] = "all",
) -> Response:
    if bool(pipe) == bool(at):
        raise InvalidRequest(
            "give either pipe=ID (repeatable) or at=LON,LAT", code="isolation_pipe_or_point"
        )
    pipes = tuple(p for p in pipe or [] if p)
    if len(pipes) > MAX_BREAK_PIPES:
        raise InvalidRequest(
            f"pipe: at most {MAX_BREAK_PIPES} pipes in one query (this one has {len(pipes)}): "
            "name the broken pipes of one break",
            code="isolation_too_many_pipes",
            limit=MAX_BREAK_PIPES,
            count=len(pipes),
        )
    registry = request.app.state.registry
    engine = request.app.state.reader_engine
    # loading a network (the first query, or after a valve report) takes a second: a thread
    loaded = registry.get_fast(engine, network_id, load=False)
    if loaded is None:
        loaded = await run_in_threadpool(registry.get_fast, engine, network_id)
    isolator = loaded.isolator
    extra = tuple(sorted({v.strip() for v in inoperable.split(",") if v.strip()}))
    failed = [*loaded.failed, *extra]
    where = _point(at) if at else None
    with_area = area or format == "geojson"

    settings = request.app.state.settings
    pressure = service_pressure_mpa or settings.service_pressure_mpa
    if end is not None and hours is not None:
        raise InvalidRequest("give either end or hours of the window", code="window_end_or_hours")
    hour = hour if start is None else start
    if hydraulic and hour is None:  # the model's own (built once, kept): seconds the first time
        hour = await run_in_threadpool(first_hour, request.app.state, engine, loaded)
    hour = hour or 0.0
    until = hour + hours if hours is not None else end

    def serialise(plan: Any) -> bytes:
        impact = low = None
        if hydraulic:
            impact, low = hydraulic_answer(request, engine, loaded, plan, hour, pressure, until)
        if format == "geojson":
            data: Any = plan_to_geojson(loaded.network, plan)
            feature = pressure_feature(low, impact) if low and impact else None
            if feature is not None:
                data["features"].insert(1, feature)
        else:
            data = plan.to_dict()
            data["network"] = network_id
            data["field_inoperable"] = list(loaded.failed)
            if impact is not None and low is not None:
                data["hydraulic"] = {
                    **impact.to_dict(customers),
                    "reduced_pressure": low.to_dict(),
                }
        return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY)

    key = (pipes, where, extra, format, with_area, hydraulic and (hour, until, pressure, customers))
    keep = settings.answer_cache
    if keep and not hydraulic:  # a hydraulic key holds the model's default hour: not by text
        remember_asked(request, network_id, key)
    if keep and (found := loaded.answers.get(key)) is not None:
        loaded.answers.move_to_end(key)
        return Response(found, media_type="application/json")

    def answer() -> bytes:
        broken = [isolator.nearest_pipe(*where)] if where else list(pipes)
        return serialise(isolator.isolate(broken, failed, with_area=with_area))

    # A break of a pipe or a few takes a millisecond or so: inline on the loop, cheaper than a
    # thread hop. Many pipes whose areas merge take up to half a second: in a thread, so that
    # everyone else's requests keep being answered meanwhile.
    if len(pipes) <= INLINE_PIPES and not hydraulic:  # EPANET: a second or more, a thread
        body = answer()
    else:
        body = await run_in_threadpool(answer)
    if keep:
        loaded.remember(key, body, keep, int(settings.answer_cache_mb * 1024 * 1024))
    return Response(body, media_type="application/json")


router.add_api_route(
    "/{network_id}/isolation",
    isolation,
    methods=["GET"],
    summary="valves to close for a break, and who loses water",
    response_model=IsolationOut,
    route_class_override=KeptAnswerFirst,
)


def _point(text: str) -> tuple[float, float]:
    return parse_lonlat(text)  # OutsideNetwork: a 422 that says how to write it
