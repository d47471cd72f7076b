"""The ``waterops`` command line (docs/design.md §4).

A thin layer: parse arguments, call :mod:`gis`, :mod:`ops` and :mod:`routing`, print a human
table or JSON. Data problems are reported with what to fix and exit with status 1; never a
traceback. One module per group of commands: :mod:`api.cli.network` (validate, segments,
isolate, criticality), :mod:`api.cli.plan`, :mod:`api.cli.connections` (deadline),
:mod:`api.cli.outages` (notice, repair), :mod:`api.cli.programmes` (leakage, valves),
:mod:`api.cli.crews` (crews absence add, list, remove),
:mod:`api.cli.service` (serve, adduser, demo); what they share is :mod:`api.cli.common`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from api.cli import connections, crews, network, outages, plan, programmes, service
from api.cli.common import err, print_report
from gis.errors import NetworkError, NoMap, ValidationError
from ops.errors import OpsError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = make_parser()
    args = parser.parse_args(_points_west_of_greenwich(sys.argv[1:] if argv is None else argv))
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        result: int = args.run(args)
        return result
    except ValidationError as exc:
        print_report(exc.report, as_json=getattr(args, "json", False))
        return 1
    except NoMap as exc:
        err.print(f"[red]error:[/red] {exc}: pass --crs EPSG:XXXX, the CRS of its coordinates")
        return 1
    except (NetworkError, OpsError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except OSError as exc:
        err.print(f"[red]error:[/red] {exc}")
        return 1
    except Exception as exc:
        # A bug of ours, not bad input: say so plainly; WATEROPS_DEBUG=1 shows the traceback.
        if os.environ.get("WATEROPS_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {exc}\n"
            "This is a bug in waterops, not in your data; rerun with WATEROPS_DEBUG=1 "
            "and report the traceback."
        )
        return 3


# A LON,LAT whose longitude is negative (west of Greenwich: -86.23,37.12) starts with "-":
# argparse takes it for an option, and "--at -86.23,37.12" fails with "expected one argument".
POINT_OPTIONS = frozenset({"--at"})
_NEGATIVE = re.compile(r"^-[\d.]")  # a number, not an option (those start with a letter)


def _points_west_of_greenwich(argv: Sequence[str]) -> list[str]:
    """``--at -86.23,37.12`` as ``--at=-86.23,37.12``, which argparse reads as a value."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] in POINT_OPTIONS and _NEGATIVE.match(arg):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def make_parser() -> argparse.ArgumentParser:
    """The parser of every command, in the order ``waterops --help`` lists them."""
    parser = argparse.ArgumentParser(
        prog="waterops",
        description="Water-utility operations: network validation, valve segments, "
        "isolation of breaks, valve criticality, crew planning.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in (network, plan, connections, outages, programmes, crews, service):
        group.add_parsers(sub)
    return parser
