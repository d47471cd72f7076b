"""schemathesis against the running service's own OpenAPI schema, for every role.

A real ``waterops serve`` (SQLite, fresh data directory) is started; every operation of
``/openapi.json`` gets generated requests, valid and invalid, as each role (``viewer``,
``engineer``, ``dispatcher``, ``admin``) and as nobody: no response may be a 5xx, every answer
must be one the schema declares (status code, content type, headers, body), and every 4xx must
say what to fix (a JSON ``detail`` with words in it). The dispatcher's run is the long one (at
least 2,000 cases); the others are shorter (their answers are mostly 401/403 and reads).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import LiveServer
from tests.api.fuzzing import ROLES, fuzz_role

pytest.importorskip("schemathesis")

pytestmark = pytest.mark.slow

# examples per operation and generation mode (~70 operations, 2 modes)
EXAMPLES = {"dispatcher": 40, "anonymous": 5}
OTHERS = 8


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[LiveServer, dict[str, str]]]:
    data = Path(tempfile.mkdtemp(prefix="waterops-fuzz-"))
    srv = LiveServer(data, env={"WATEROPS_SOLVER_SECONDS": "1", "WATEROPS_MAX_UPLOAD_MB": "5"})
    srv.start()
    try:
        # every token first: the fuzzed sign-ins soon meet the address's limit (429)
        yield srv, {role: srv.token(role) for role in ROLES if role != "anonymous"}
    finally:
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.parametrize("role", ROLES)  # admin last: it may change users
def test_every_answer_is_one_the_schema_declares(
    server: tuple[LiveServer, dict[str, str]], role: str
) -> None:
    srv, tokens = server
    run = fuzz_role(srv.url, role, tokens.get(role), EXAMPLES.get(role, OTHERS))
    print(f"{role}: {run.cases} cases in {run.seconds:.0f} s: {dict(sorted(run.statuses.items()))}")
    assert run.cases >= (2000 if role == "dispatcher" else 300), run.statuses
    assert not run.server_errors, run.report()
    assert not run.failures, run.report()
