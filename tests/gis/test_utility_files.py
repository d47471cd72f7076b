"""A utility's own files as they come (issue 14): EPANET models with constructs WNTR cannot
parse, text in other encodings, valve CSVs with other separators, WNTR's own warnings, and ids
that are numbers. Each is read, and what was skipped or guessed is in the validation report."""

from __future__ import annotations

from gis.validate import validate_layers
from tests.conftest import make_layers

# -- ids that are numbers ----------------------------------------------------------------------


def test_valves_at_different_pipe_ends_are_not_in_series_whatever_the_ids() -> None:
    # pipe 29 at node 252 and pipe 292 at node 52: a key "29" + "\x00" + "252" lost its NUL
    # with pandas 3 string columns, and both became "29252" (false "valves in series").
    layers = make_layers(
        nodes=[
            ("1", "source", 0, 0),
            ("252", "junction", 100, 0),
            ("52", "junction", 200, 0),
            ("7", "junction", 300, 0),
        ],
        pipes=[("10", "1", "252"), ("29", "252", "52"), ("292", "52", "7")],
        valves=[("0", "29", "252"), ("1", "292", "52"), ("2", "292", "52")],
    )
    report = validate_layers(layers)
    in_series = [p.id for p in report.warnings if "same pipe end" in p.message]
    assert in_series == ["2"], str(report)  # only the real duplicate
