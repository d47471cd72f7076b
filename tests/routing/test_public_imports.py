"""ops/ and api/ use routing through its public API (issue 15, the seam between the packages):
``from routing import ...`` for the value objects, the solver and the travel models, and
``routing.io``, the documented module for reading and writing plans and CSVs. Any other
submodule (``routing.model``, ``routing.solver``, ``routing.errors``, ...) is routing's
implementation, which may change without notice."""

from __future__ import annotations

import ast
from pathlib import Path

import routing
import routing.io

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = {"routing", "routing.io"}
# Not yet through the public API: none left (ops/repairs.py takes haversine_m from routing).
LEFT: set[tuple[str, str]] = set()


def _routing_imports(path: Path) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        found += [(m, node.lineno) for m in modules if m.split(".")[0] == "routing"]
    return found


def test_ops_and_api_import_no_routing_submodule() -> None:
    found = []
    for package in ("ops", "api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for module, line in _routing_imports(path):
                if module not in PUBLIC and (name, module) not in LEFT:
                    found.append(f"{name}:{line}: {module}")
    assert not found, "import these from routing (add to routing.__all__ if public):\n" + "\n".join(
        found
    )


def test_the_scan_sees_every_import_form(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "import routing.model\nfrom routing.solver import solve\nfrom routing import Plan\n"
        "def f():\n    from routing.errors import RoutingError\n",
        encoding="utf-8",
    )
    assert _routing_imports(source) == [
        ("routing.model", 1),
        ("routing.solver", 2),
        ("routing", 3),
        ("routing.errors", 5),
    ]


def test_what_ops_and_api_need_is_public() -> None:
    for name in ("DETAILS", "Location", "RoutingError", "SolverOptions", "Unassigned", "Stop"):
        assert name in routing.__all__, name
    assert routing.io.plan_from_state is not None
