"""The tree of another git revision, for benchmarks that measure it beside this one."""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peer_tree(rev: str) -> Path:
    """``git archive REV`` unpacked into a new temporary folder; returns the tree's root (its
    parent is the folder to remove afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="waterops-peer-"))
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev], cwd=ROOT, capture_output=True, check=True
    ).stdout
    archive_path = folder / "tree.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(folder / "tree", filter="data")
    return folder / "tree"
