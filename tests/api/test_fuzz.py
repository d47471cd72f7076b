"""schemathesis against the running service's own OpenAPI schema.

A real ``waterops serve`` (SQLite, fresh data directory) is started; every operation of
``/openapi.json`` gets generated requests, valid and invalid, with a dispatcher's token: at least
2,000 cases in all, no response may be a 5xx, and every 4xx must say what to fix (a JSON
``detail`` with words in it).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import LiveServer

schemathesis = pytest.importorskip("schemathesis")

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 40  # x 2 modes x ~50 operations: well over 2,000 cases


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    data = Path(tempfile.mkdtemp(prefix="waterops-fuzz-"))
    srv = LiveServer(data, env={"WATEROPS_SOLVER_SECONDS": "1", "WATEROPS_MAX_UPLOAD_MB": "5"})
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)


def test_no_generated_request_breaks_the_service(server: LiveServer) -> None:
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    headers = {"Authorization": f"Bearer {server.token('dispatcher')}"}
    seen: Counter[int] = Counter()
    failures: list[str] = []

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: object) -> None:
                response = case.call(base_url=server.url, headers=headers, timeout=30)  # type: ignore[attr-defined]
                code = response.status_code
                seen[code] += 1
                label = f"{case.method} {case.formatted_path}"  # type: ignore[attr-defined]
                if code >= 500:
                    failures.append(f"{label} -> {code}: {response.text[:300]}")
                elif 400 <= code < 500:
                    try:
                        detail = response.json().get("detail")
                    except (ValueError, AttributeError):
                        detail = None
                    if not isinstance(detail, str) or len(detail.split()) < 2:
                        failures.append(
                            f"{label} -> {code} without a message: {response.text[:200]}"
                        )

            try:
                run()
            except Exception as exc:  # hypothesis gave up on a strategy: note it, go on
                if "Unsatisfiable" not in type(exc).__name__:
                    raise
    total = sum(seen.values())
    print(f"{total} cases: {dict(sorted(seen.items()))}")
    assert total >= 2000, seen
    assert not failures, "\n".join(failures[:20])
