"""schemathesis against a running service, one role at a time (``tests/api/test_fuzz.py``,
``benchmarks/fuzz.py``).

Every operation of ``/openapi.json`` gets generated requests, valid (positive) and invalid
(negative), sent with the role's token (none for ``anonymous``); each answer is checked by
schemathesis: no 5xx, the status code is one the schema declares for the operation, the content
type and the declared headers are there, the body matches the schema of that status, and a
request the schema calls invalid is refused (4xx). On top, every 4xx must say what to fix (a
JSON ``detail`` with words in it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "viewer", "engineer", "dispatcher", "admin")


@dataclass
class RoleRun:
    """What one role's fuzz run saw."""

    role: str
    statuses: Counter[int] = field(default_factory=Counter)
    # (what failed, operation and status) -> how many cases, and the first message
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def cases(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for code, n in self.statuses.items() if code >= 500)

    def fail(self, what: str, where: str, message: str) -> None:
        key = f"{what}: {self.role} {where}"
        self.failures[key] += 1
        self.examples.setdefault(key, " ".join(message.split())[:300])

    def by_check(self) -> Counter[str]:
        """Failures per check (or ``4xx without a message``)."""
        out: Counter[str] = Counter()
        for key, n in self.failures.items():
            out[key.split(": ", 1)[0]] += n
        return out

    def report(self, limit: int = 40) -> str:
        """The failures, grouped by check, operation and status, most frequent first."""
        return "\n".join(
            f"{n:4d} x {key} | {self.examples[key]}" for key, n in self.failures.most_common(limit)
        )


def sign_in(url: str, role: str) -> str:
    """A demo user's token (the user is named after its role)."""
    import json
    import urllib.parse
    import urllib.request

    body = urllib.parse.urlencode({"username": role, "password": "waterops-demo"}).encode()
    with urllib.request.urlopen(f"{url}/api/auth/token", body, timeout=30) as r:
        return str(json.load(r)["access_token"])


def checks() -> list[Any]:
    """The schemathesis checks every answer goes through."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        negative_data_rejection,
    ]


def fuzz_role(url: str, role: str, token: str | None, examples: int) -> RoleRun:
    """Fuzz every operation of the service at ``url`` as ``role`` (``examples`` per operation
    and generation mode)."""
    import time

    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.core.failures import FailureGroup
    from schemathesis.core.result import Ok

    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    run_of = RoleRun(role)
    to_check = checks()
    started = time.perf_counter()

    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            raise result.err()  # the schema itself is broken
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                response = case.call(base_url=url, headers=headers, timeout=30)
                code = response.status_code
                run_of.statuses[code] += 1
                where = f"{case.operation.label} -> {code}"
                try:
                    case.validate_response(response, checks=to_check, headers=headers)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        run_of.fail(str(failure.title), where, str(failure.message))
                if 400 <= code < 500:
                    try:
                        detail = response.json().get("detail")
                    except (ValueError, AttributeError):
                        detail = None
                    if not isinstance(detail, str) or len(detail.split()) < 2:
                        run_of.fail("4xx without a message", where, response.text[:200])

            try:
                run()
            except Exception as exc:  # hypothesis gave up on a strategy: note it, go on
                if "Unsatisfiable" not in type(exc).__name__:
                    raise
    run_of.seconds = time.perf_counter() - started
    return run_of
