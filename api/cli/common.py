"""What the ``waterops`` commands share: the consoles, the network loader, JSON and time
arguments, the road model and who signs the notices."""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.settings import MissingSetting, Settings
from gis.io import read_network
from gis.network import Network
from gis.validate import ValidationReport
from ops.calendar import TZ
from ops.errors import InvalidRequest
from ops.notices.issuer import DEMO_HOTLINE, Issuer
from routing import RoadNetwork, Stop
from routing.io import PlanInputError, read_roads

DEFAULT_NETWORK = Path("sample_data/kaifeng.gpkg")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def keyword_default(function: Callable[..., object], name: str) -> Any:
    """The default of ``function``'s argument ``name``: an option's default read from the core,
    not copied (issue 15)."""
    return inspect.signature(function).parameters[name].default


def network_args(p: argparse.ArgumentParser) -> None:
    """The arguments of a command that reads a network."""
    p.add_argument(
        "network",
        type=Path,
        help="GeoPackage, File Geodatabase (.gdb), DXF, folder of GeoJSON/Shapefile layers, "
        "or EPANET .inp",
    )
    p.add_argument("--valves", type=Path, help="valve-layer CSV (link,node[,id,operable,...])")
    p.add_argument(
        "--crs",
        help="CRS of coordinates that have none (an EPANET file, a Shapefile without .prj, "
        "a GeoPackage layer or DXF without a CRS), e.g. EPSG:32650",
    )
    p.add_argument(
        "--mapping",
        type=Path,
        help="TOML or JSON file of the export's layer and column names, units and values "
        "(without it common names are guessed and reported)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


@contextmanager
def status(message: str) -> Iterator[None]:
    """Show what is going on (on stderr, so JSON on stdout stays clean)."""
    start = time.perf_counter()
    with err.status(message):
        yield
    err.print(f"[dim]{message} done in {time.perf_counter() - start:.1f} s[/dim]")


def load_network(args: argparse.Namespace) -> Network:
    """The network of ``args.network`` (with ``--valves``, ``--crs``, ``--mapping``), its
    warnings printed."""
    with status(f"reading {args.network}"):
        # (the programme commands read a network without the mapping options)
        mapping = getattr(args, "mapping", None)
        network = read_network(args.network, valves=args.valves, crs=args.crs, mapping=mapping)
    for warning in network.warnings:  # the report's warnings come as "WARNING layer id: ..."
        err.print(f"[yellow]warning:[/yellow] {escape(warning.removeprefix('WARNING '))}")
    return network


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def print_report(report: ValidationReport, as_json: bool) -> None:
    """A validation report as a table (on stderr when it has errors), or JSON."""
    if as_json:
        print_json(report.to_dict())
        return
    table = Table(title=f"{len(report.errors)} errors, {len(report.warnings)} warnings")
    for column in ("severity", "layer", "id", "problem", "fix"):
        table.add_column(column, overflow="fold")
    for p in report:
        colour = "red" if p.severity == "error" else "yellow"
        # the data's own text is not markup: "[RULES] was not read" keeps its brackets
        row = (p.layer, p.id or "", p.message, p.fix)
        table.add_row(f"[{colour}]{p.severity}[/{colour}]", *(escape(text) for text in row))
    (out if report.ok else err).print(table)


def moment(text: str | None, what: str) -> dt.datetime:
    """A ``"YYYY-MM-DD HH:MM"`` argument (``what`` names it in the error); None: now, in
    Kaifeng."""
    if text is None:  # the utility's wall time (the machine may keep UTC)
        return dt.datetime.now(TZ).replace(tzinfo=None, second=0, microsecond=0)
    try:
        return dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidRequest(
            f'{what} {text!r} is not a time: write "YYYY-MM-DD HH:MM"',
            code="cli_not_time",
            name=what,
            value=text,
        ) from None


def road_model(path: Path) -> RoadNetwork | None:
    """The road graph of ``path`` for travel times; None (the error printed) without one."""
    try:
        with status(f"building the road graph of {path}"):
            return read_roads(path, required=True)
    except PlanInputError as exc:
        err.print(f"[red]error:[/red] {exc}")
        return None


def stop_name(stop: Stop) -> str:
    """A stop's job as the tables print it: the second crew of a two-crew job says so."""
    return stop.job_id if stop.slot == 1 else f"{stop.job_id} (crew {stop.slot})"


def notice_issuer() -> tuple[Issuer, str]:
    """Who signs the notices the CLI renders, and their hotline: the service's settings
    (WATEROPS_HOTLINE, WATEROPS_ISSUER_NAME_ZH, or the TOML file); unset, the demo's invented
    ones, which every notice then says are invented."""

    try:
        return Settings().notice_issuer()
    except MissingSetting as exc:
        err.print(
            f"[yellow]{exc}[/yellow]\n"
            "[dim]the notice is signed by the demo's invented utility[/dim]"
        )
        return Issuer(demo=True), DEMO_HOTLINE
