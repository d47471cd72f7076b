"""The code and the docs cite only documents that are in the repository (issue 15).

The design contract and the style guide the code follows are `docs/design.md` and
`docs/style.md`; a citation of a document outside the repository (the design note the project
started from) or of a `docs/` file that does not exist fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("gis", "routing", "ops", "api", "sample_data", "tests", "benchmarks", "docs")
SUFFIXES = {".py", ".md", ".js", ".html", ".toml"}
SKIP = {ROOT / "api" / "web" / "static" / "vendor"}

CITED = re.compile(r"(?<![\w/.])((?:docs|benchmarks|sample_data)/[\w./-]+\.md)")
OUTSIDE = re.compile(r"\bDESIGN(?:\.md| §)|\bSTYLE\.md|\.\./shared/")


def project_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "Makefile", ROOT / "pyproject.toml"]
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in SUFFIXES and not any(skip in path.parents for skip in SKIP):
                files.append(path)
    return files


def test_the_project_cites_no_document_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in project_files()
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, "cite docs/design.md or docs/style.md instead:\n" + "\n".join(found)


def test_every_cited_document_exists() -> None:
    missing = [
        f"{path.relative_to(ROOT)}: {cited}"
        for path in project_files()
        for cited in CITED.findall(path.read_text(encoding="utf-8"))
        if not (ROOT / cited).is_file()
    ]
    assert not missing, "cited but not in the repository:\n" + "\n".join(missing)


def test_the_readme_links_the_design_documents() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in ("architecture.md", "design.md", "style.md", "decisions.md"):
        assert f"(docs/{doc})" in readme, f"README.md does not link docs/{doc}"
