"""Routers share helpers through api.responses, api.deps and api.store, never through each other
(issue 15: a router imported json_response from the networks router, issuer from outages)."""

from __future__ import annotations

import ast
from pathlib import Path

ROUTES = Path(__file__).resolve().parents[2] / "api" / "routes"


def test_no_router_imports_another_router() -> None:
    found = []
    for path in sorted(ROUTES.glob("*.py")):
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("api.routes"):
                found.append(f"{path.name}: from {node.module} import ...")
    assert found == []
