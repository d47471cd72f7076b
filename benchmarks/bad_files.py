"""The bad-file corpus of issue 12, run through validation and through the upload route.

    .venv/bin/python benchmarks/bad_files.py            # everything (about a minute)
    .venv/bin/python benchmarks/bad_files.py --no-api   # the library and the CLI only

Builds every file of ``tests/gis/bad_corpus.py`` (plus, for the service, the zips of issue 12
item 6: a 1 MB zip holding 1 GiB of padding beside valid layers, symbolic links, duplicate
names, no layers), then for each prints: what the library said (refused, with the first
problem, or accepted), what ``waterops validate`` exited with, what ``POST /api/networks``
answered (on SQLite, through FastAPI's TestClient), and whether anything crashed: a Python
exception out of the library, "internal error" from the CLI, a 5xx from the upload, or a 5xx
from the isolation and map queries on an accepted network, or a server path in an answer.
The peer is the code before issue 12: run this script from an export of that commit
(``git archive 7393274``) with this file and ``tests/gis/bad_corpus.py`` copied in.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import stat
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.gis.bad_corpus import (  # noqa: E402
    CASES,
    Built,
    Case,
    clean_layers,
    write_folder,
)


@dataclass
class Row:
    case: str
    item: str
    expected: str
    library: str = "-"
    cli: str = "-"
    upload: str = "-"
    later: str = "-"
    crashed: bool = False
    note: str = ""

    @property
    def outcome(self) -> str:
        said = self.upload if self.upload != "-" else self.library
        return "accepted" if said.startswith(("accepted", "201")) else "refused"


def _first_problem(report: Any) -> str:
    problems = report.errors or report.warnings
    if not problems:
        return ""
    p = problems[0]
    where = f"{p.layer} {Path(p.id).name if p.layer == 'file' and p.id else p.id or ''}"
    return f"{where.strip()}: {p.message}"


def run_library(c: Case, folder: Path, row: Row) -> Built:
    from gis.errors import ValidationError
    from gis.io import read_layers
    from gis.validate import validate_layers

    built = c.build(folder)
    try:
        try:
            report = validate_layers(read_layers(built.path, valves=built.valves, crs=built.crs))
        except ValidationError as exc:
            report = exc.report
        row.library = "accepted" if report.ok else "refused"
        row.note = _first_problem(report)
    except Exception as exc:  # what must never happen
        row.library = f"EXCEPTION {type(exc).__name__}"
        row.crashed = True
    return built


def run_cli(built: Built, row: Row) -> None:
    from api.cli import main

    argv = ["validate", str(built.path)]
    if built.valves is not None:
        argv += ["--valves", str(built.valves)]
    if built.crs is not None:
        argv += ["--crs", built.crs]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except Exception as exc:
            status = -1
            err.write(f"{type(exc).__name__}: {exc}")
    text = out.getvalue() + err.getvalue()
    row.cli = f"exit {status}"
    if status not in (0, 1) or "internal error" in text:
        row.cli += " INTERNAL ERROR"
        row.crashed = True


# -- the service ----------------------------------------------------------------------------


class Upload:
    """A fresh service on SQLite in a temporary folder, signed in as the demo engineer."""

    def __init__(self, data_dir: Path) -> None:
        from fastapi.testclient import TestClient

        from api.app import create_app
        from api.settings import Settings

        self.data_dir = data_dir
        app = create_app(Settings(data_dir=data_dir, database_url="", seed_demo_users=True))
        self.app = app
        self.client = TestClient(app, raise_server_exceptions=False)
        self.client.__enter__()
        r = self.client.post(
            "/api/auth/token", data={"username": "engineer", "password": "waterops-demo"}
        )
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    def post(self, files: dict[str, Any], data: dict[str, str]) -> Any:
        return self.client.post("/api/networks", headers=self.headers, files=files, data=data)

    def usable(self, network_id: int) -> str:
        """Status codes of the queries an accepted network must answer."""
        codes = [
            self.client.get(
                f"/api/networks/{network_id}/isolation",
                params={"pipe": "P1"},
                headers=self.headers,
            ).status_code
        ]
        for layer in ("pipes", "valves", "customers", "sources", "dmas"):
            codes.append(
                self.client.get(
                    f"/api/networks/{network_id}/map/{layer}", headers=self.headers
                ).status_code
            )
        worst = max(codes)
        return f"{'5xx' if worst >= 500 else 'no 5xx'} ({len(codes)} queries)"


def run_upload(svc: Upload, built: Built, name: str, row: Row) -> None:
    files, data = built.upload_form(name)
    record(svc, svc.post(files, data), row)


def record(svc: Upload, r: Any, row: Row) -> None:
    row.upload = str(r.status_code)
    if r.status_code >= 500:
        row.crashed = True
        return
    body = r.json()
    if str(svc.data_dir) in r.text or "networks/" in r.text:
        row.upload += " SHOWS A SERVER PATH"
        row.crashed = True
    if r.status_code == 201:
        row.upload = f"201 {body['status']}"
        row.later = svc.usable(body["id"])
        row.crashed |= row.later.startswith("5xx")
    elif "detail" in body:
        row.note = str(body["detail"])
    elif "report" in body and body["report"]["problems"]:
        p = body["report"]["problems"][0]
        row.note = f"{p['layer']} {p['id'] or ''}".strip() + f": {p['message']}"


# -- the zips of item 6 (and 5), for the service only ----------------------------------------


def _layers(folder: Path) -> dict[str, bytes]:
    written = write_folder(clean_layers(), folder / "clean")
    return {f.name: f.read_bytes() for f in written.iterdir()}


def _padded(folder: Path, gib: float) -> bytes:
    archive = folder / "padded.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in _layers(folder).items():
            z.writestr(name, data)
        with z.open("padding.bin", "w", force_zip64=True) as pad:
            block = bytes(1 << 20)
            for _ in range(int(gib * 1024)):
                pad.write(block)
    return archive.read_bytes()


def _symlink(folder: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in _layers(folder).items():
            if name != "nodes.geojson":
                z.writestr(name, data)
        link = zipfile.ZipInfo("nodes.geojson")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    return out.getvalue()


def _duplicate(folder: Path) -> bytes:
    files = _layers(folder)
    nodes = files.pop("nodes.geojson")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
        z.writestr("old/nodes.geojson", nodes)
        z.writestr("new/nodes.geojson", nodes)
    return out.getvalue()


def _no_layers(folder: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "the network is in the other mail")
        z.writestr("city.gpkg.bak", b"x" * 100)
    return out.getvalue()


def _mac(folder: Path) -> bytes:
    files = _layers(folder)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(f"城市管网/{name}", data)
            z.writestr(f"__MACOSX/城市管网/._{name}", b"\x00\x05\x16\x07")
    return out.getvalue()


ZIPS: list[tuple[str, str, Callable[[Path], bytes], str]] = [
    ("zip-1gib-padding", "6", lambda f: _padded(f, 1.0), "accepted"),
    ("zip-symlink", "5", _symlink, "refused"),
    ("zip-duplicate-names", "5", _duplicate, "refused"),
    ("zip-without-layers", "5", _no_layers, "refused"),
    ("zip-mac-folders", "ok", _mac, "accepted"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-api", action="store_true", help="library and CLI only")
    parser.add_argument("--padding-gib", type=float, default=1.0, help="padding of the zip")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import logging

    logging.disable(logging.WARNING)  # the reports are the output; the log holds the raw text
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bad-files-") as tmp:
        base = Path(tmp)
        svc = None if args.no_api else Upload(base / "service")
        for i, c in enumerate(CASES):
            folder = base / f"case{i}"
            folder.mkdir()
            row = Row(c.name, c.item, c.outcome)
            built = run_library(c, folder, row)
            run_cli(built, row)
            if svc is not None:
                run_upload(svc, built, c.name, row)
            rows.append(row)
        if svc is not None:
            for name, item, make, expected in ZIPS:
                folder = base / name
                folder.mkdir()
                if name == "zip-1gib-padding":
                    data = _padded(folder, args.padding_gib)
                    name = f"zip-{args.padding_gib:g}gib-padding"
                else:
                    data = make(folder)
                row = Row(name, item, expected)
                before = _disk(svc.data_dir)
                record(svc, svc.post({"file": (f"{name}.zip", data)}, {"name": name}), row)
                if "padding" in name:
                    row.note = (
                        f"zip {len(data) / 2**20:.1f} MB; stored {_disk(svc.data_dir) - before:,}"
                        " bytes (was 1.1 GB)"
                    )
                rows.append(row)
            svc.close()
    _print(rows, time.perf_counter() - started)
    return 1 if any(r.crashed or r.outcome != r.expected for r in rows) else 0


def _disk(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _print(rows: list[Row], seconds: float) -> None:
    head = ("case", "item", "library", "cli", "upload", "accepted net", "5xx/tb/path", "message")
    table = [
        (
            r.case,
            r.item,
            r.library,
            r.cli,
            r.upload,
            r.later,
            "YES" if r.crashed else "no",
            (r.note[:90] + "…") if len(r.note) > 90 else r.note,
        )
        for r in rows
    ]
    widths = [max(len(str(x[i])) for x in [head, *table]) for i in range(len(head) - 1)]
    for line in [head, *table]:
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=False)), line[-1])
    refused = sum(r.outcome == "refused" for r in rows)
    wrong = [r.case for r in rows if r.outcome != r.expected]
    crashed = [r.case for r in rows if r.crashed]
    print(
        f"\n{len(rows)} files: {refused} refused with a message, {len(rows) - refused} accepted; "
        f"outcome as expected: {len(rows) - len(wrong)}/{len(rows)}"
        + (f" (not: {', '.join(wrong)})" if wrong else "")
        + f"; 5xx, traceback or server path: {len(crashed)}"
        + (f" ({', '.join(crashed)})" if crashed else "")
        + f"; {seconds:.0f} s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
