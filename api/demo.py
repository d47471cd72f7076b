"""The demo's sample day: ``waterops serve --demo`` on an empty job list posts
``sample_data/demo_day.json`` to its own API as the demo dispatcher, as soon as it answers.

The work goes through the same routes, checks and services as a dispatcher's requests; deadlines
count from the moment the service starts. Eight weeks of generated DMA meter data are uploaded
too, so that the console's leakage tab has an analysis to show. Failures are logged, never
fatal: a demo without its sample day is still a working service.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from sample_data.leakage import generate

log = logging.getLogger("waterops.demo")

# The demo users (``waterops serve --demo``) and their one password: here, not in api.app, so
# the command line that prints them does not import the service stack.
DEMO_PASSWORD = "waterops-demo"
DEMO_USERS = {
    "admin": "admin",
    "dispatcher": "dispatcher",
    "engineer": "engineer",
    "viewer": "viewer",
}
DEMO_DAY = Path(__file__).resolve().parent.parent / "sample_data" / "demo_day.json"


def demo_crew_user(crew_id: str) -> str:
    """The demo's account of a crew (role crew, the field app /field): ``crew-valve-01`` is
    crew valve-01's; every crew of the roster gets one, with the demo password."""
    return f"crew-{crew_id}"


def claim(data_dir: Path) -> bool:
    """True for the one process that is to post the sample day into this data directory: the
    first to create its marker file (server processes start together; a restart finds it)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(data_dir / "demo-day.claimed", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def seed_in_background(base_url: str, password: str, path: Path = DEMO_DAY) -> threading.Thread:
    thread = threading.Thread(
        target=_seed, args=(base_url.rstrip("/"), password, path), name="demo-day", daemon=True
    )
    thread.start()
    return thread


def _call(url: str, body: Any = None, token: str | None = None, form: bool = False) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if form:
        data = urllib.parse.urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read() or b"null")


def _seed(base: str, password: str, path: Path) -> None:
    for _ in range(240):  # the server binds its port after start-up
        try:
            _call(f"{base}/healthz")
            break
        except OSError:
            time.sleep(0.25)
    else:
        log.warning("demo day: the service did not answer at %s; no sample work", base)
        return
    try:
        token = _call(
            f"{base}/api/auth/token", {"username": "dispatcher", "password": password}, form=True
        )["access_token"]
        if _call(f"{base}/api/jobs?limit=1", token=token):
            return  # work is there already: never add the sample day twice
        requests = json.loads(path.read_text(encoding="utf-8"))["requests"]
    except (OSError, KeyError, ValueError) as exc:
        log.warning("demo day: sample work not loaded (%s)", _detail(exc))
        return
    posted = 0
    for route, body in requests:
        try:
            _call(f"{base}{route}", body, token=token)
            posted += 1
        except (OSError, ValueError) as exc:  # one bad request does not lose the others
            log.warning("demo day: %s refused (%s)", route, _detail(exc))
    log.info("demo day: %d of %d requests of sample work posted", posted, len(requests))
    try:
        _leakage(base, token)
    except (OSError, ValueError) as exc:
        log.warning("demo day: sample meter data not analysed (%s)", _detail(exc))


def _leakage(base: str, token: str) -> None:
    """Eight weeks of generated DMA meter data (sample_data/leakage.py), analysed by the
    service like an upload of the engineers'."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder)
        boundary = uuid.uuid4().hex
        parts = []
        # the plants' output too: CJJ 92's Q_s, as an engineer's upload gives it
        for name in ("meters", "flows", "billing", "pressure", "usage", "plant_output"):
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{name}.csv"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                + (folder / f"{name}.csv").read_bytes()
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{base}/api/leakage/analyses",
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        answer.read()


def _detail(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.read().decode(errors="replace")
    return str(exc)
