"""The demo's sample day is posted by one server process, once per data directory."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from api.demo import claim


def test_one_process_claims_the_sample_day(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda _: claim(tmp_path / "data"), range(8)))
    assert claims.count(True) == 1
    assert claim(tmp_path / "data") is False  # a restart does not post it again
