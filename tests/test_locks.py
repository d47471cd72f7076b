"""The locks in requirements/ against pyproject.toml and against the environment the tests run in.

`make run` installs requirements/run.txt and `make test` requirements/dev.txt (docs/decisions.md,
"Locked dependencies"). A dependency added to pyproject.toml without `make lock`, a dev tool in
the service's set, or a package installed at another version than the lock says all fail here.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "requirements"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# `name==version ; marker \` opens each entry of a lock; its hashes follow on indented lines.
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def read_lock(name: str) -> dict[NormalizedName, tuple[str, Marker | None, int]]:
    """The pins of a lock: name -> (version, marker, number of hashes)."""
    pins: dict[NormalizedName, tuple[str, Marker | None, int]] = {}
    current: NormalizedName | None = None
    for line in (LOCKS / name).read_text(encoding="utf-8").splitlines():
        if (m := PIN.match(line)) is not None:
            current = canonicalize_name(m.group(1))
            assert current not in pins, f"{name}: {current} is pinned twice"
            pins[current] = (m.group(2), Marker(m.group(3)) if m.group(3) else None, 0)
        elif current is not None and line.strip().startswith("--hash=sha256:"):
            version, marker, hashes = pins[current]
            pins[current] = (version, marker, hashes + 1)
        elif line and not line.startswith((" ", "#")):
            pytest.fail(f"{name}: a line that is not a pin: {line!r}")
    return pins


def requirements(*extras: str) -> list[Requirement]:
    """The project's requirements with the given extras, and its build backend."""
    listed = list(PYPROJECT["project"]["dependencies"])
    for extra in extras:
        listed += PYPROJECT["project"]["optional-dependencies"][extra]
    listed += PYPROJECT["build-system"]["requires"]
    return [Requirement(r) for r in listed]


RUNTIME_EXTRAS = ("inp",)  # the service reads EPANET uploads (POST /api/networks with an .inp)
DEV_EXTRAS = ("inp", "dev")


@pytest.mark.parametrize(("lock", "extras"), [("run.txt", RUNTIME_EXTRAS), ("dev.txt", DEV_EXTRAS)])
def test_every_requirement_is_pinned_within_its_range(lock: str, extras: tuple[str, ...]) -> None:
    pins = read_lock(lock)
    for req in requirements(*extras):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} is not in requirements/{lock}: run `make lock`"
        version = pins[name][0]
        assert req.specifier.contains(version, prereleases=True), (
            f"requirements/{lock} pins {name}=={version}, outside {req}: run `make lock`"
        )
        for extra in req.extras:  # e.g. uvicorn[standard], psycopg[binary]: their deps too
            for dep in metadata.requires(req.name) or []:
                dep_req = Requirement(dep)
                if dep_req.marker is not None and dep_req.marker.evaluate({"extra": extra}):
                    if dep_req.marker.evaluate({"extra": ""}):
                        continue  # not the extra's own: a marker for another platform
                    assert canonicalize_name(dep_req.name) in pins, (
                        f"{req.name}[{extra}] needs {dep_req.name}, not in requirements/{lock}"
                    )


@pytest.mark.parametrize("lock", ["run.txt", "dev.txt"])
def test_every_pin_carries_hashes(lock: str) -> None:
    unhashed = [name for name, (_, _, hashes) in read_lock(lock).items() if hashes == 0]
    assert not unhashed, f"requirements/{lock}: no hash for {unhashed} (pip --require-hashes)"


def test_the_service_set_has_no_development_tools() -> None:
    run = read_lock("run.txt")
    runtime = {canonicalize_name(r.name) for r in requirements(*RUNTIME_EXTRAS)}
    tools = {canonicalize_name(r.name) for r in requirements("dev")} - runtime
    assert {"pytest", "ruff", "mypy", "playwright"} <= tools
    assert not tools & set(run), f"development tools in requirements/run.txt: {tools & set(run)}"


def test_the_development_set_is_the_service_set_and_more_at_the_same_versions() -> None:
    run, dev = read_lock("run.txt"), read_lock("dev.txt")
    differ = {n: (v[0], dev.get(n, ("missing",))[0]) for n, v in run.items() if dev.get(n) != v}
    assert not differ, f"run.txt and dev.txt disagree (run, dev): {differ}"
    assert len(dev) > len(run)


def test_ortools_has_a_tested_upper_bound() -> None:
    (ortools,) = [r for r in requirements() if canonicalize_name(r.name) == "ortools"]
    upper = [s for s in ortools.specifier if s.operator in ("<", "<=", "~=", "==")]
    assert upper, f"{ortools}: the solver's OR-Tools workarounds need an upper bound"
    assert read_lock("run.txt")["ortools"][0] == metadata.version("ortools")


def test_the_tests_run_on_the_locked_versions() -> None:
    """Every package of the development lock is installed here at the version it pins.

    setuptools is left out: it is the build backend of the editable install, not imported by the
    code or the tests (a venv made before the locks has Python's own).
    """
    build = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["build-system"]["requires"]}
    wrong = {}
    for name, (version, marker, _) in read_lock("dev.txt").items():
        if name in build or (marker is not None and not marker.evaluate()):
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            wrong[name] = (version, installed)
    assert not wrong, f"installed versions differ from requirements/dev.txt (lock, here): {wrong}"
