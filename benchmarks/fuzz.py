"""schemathesis against a live service, per role: cases, 5xx and schema failures (issue 12).

    .venv/bin/python benchmarks/fuzz.py                  # 8 examples per operation and mode
    .venv/bin/python benchmarks/fuzz.py --examples 40    # as the dispatcher's run in the tests
    .venv/bin/python benchmarks/fuzz.py --url http://127.0.0.1:8000   # a service already up

Starts ``waterops serve --demo`` on a fresh SQLite data directory (unless ``--url``), signs in
as every demo user, then fuzzes every operation of ``/openapi.json`` as ``anonymous``,
``viewer``, ``engineer``, ``dispatcher`` and ``admin`` in turn (positive and negative cases;
``tests/api/fuzzing.py``). For each role it prints the cases sent, the 5xx among them, the answers
that broke one of schemathesis' checks (status code, content type, headers, body schema) or came
without a message, and the status codes seen. The peer is the schema before issue 12 item 16: run
this script from an export of that commit with this file and ``tests/api/fuzzing.py`` copied in.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.api.conftest import LiveServer  # noqa: E402
from tests.api.fuzzing import ROLES, RoleRun, fuzz_role, sign_in  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=8, help="per operation and mode")
    parser.add_argument("--url", help="a running service with the demo users")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--show", type=int, default=10, help="failures listed per role")
    args = parser.parse_args()

    data = None
    server = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        data = Path(tempfile.mkdtemp(prefix="waterops-fuzz-"))
        server = LiveServer(
            data, env={"WATEROPS_SOLVER_SECONDS": "1", "WATEROPS_MAX_UPLOAD_MB": "5"}
        )
        server.start()
        url = server.url
    try:
        roles = [r for r in args.roles.split(",") if r]
        # every token first: the fuzzed sign-ins soon meet the address's limit (429)
        tokens = {r: sign_in(url, r) for r in roles if r != "anonymous"}
        runs: list[RoleRun] = []
        for role in roles:
            run = fuzz_role(url, role, tokens.get(role), args.examples)
            runs.append(run)
            failed = sum(run.failures.values())
            print(
                f"{role:10s} {run.cases:6,d} cases  5xx {run.server_errors}  "
                f"failed checks {failed}  {run.seconds:5.0f} s  "
                f"{dict(sorted(run.statuses.items()))}",
                flush=True,
            )
            if failed:
                print("           by check:", dict(run.by_check().most_common()))
            if failed and args.show:
                print(run.report(args.show))
        total = sum(r.cases for r in runs)
        errors = sum(r.server_errors for r in runs)
        failed = sum(sum(r.failures.values()) for r in runs)
        print(f"{'all':10s} {total:6,d} cases  5xx {errors}  failed checks {failed}")
        return 1 if errors or failed else 0
    finally:
        if server is not None:
            server.stop()
        if data is not None:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
