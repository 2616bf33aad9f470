"""source_docs/ is a copy of ../shared/corpus/: the same documents and manifest, byte for byte.

../shared/corpus/ holds the documents we may redistribute, each from the source its MANIFEST.tsv
names; source_docs/ must not drift from it (issue 20). NOTICE.md exists only here: it restates
the manifest's source, commit and licence columns, and is checked against MANIFEST.tsv.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from .conftest import ROOT, SOURCE_DOCS

SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
NOTICE = SOURCE_DOCS / "NOTICE.md"
MANIFEST = "MANIFEST.tsv"


def _documents(root: Path) -> dict[str, Path]:
    """Every document under ``root`` by its path relative to it (NOTICE.md is not one)."""
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*.md") if p.name != NOTICE.name}


@pytest.fixture
def shared_corpus() -> Path:
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"../shared/corpus is not beside the checkout: no folder {SHARED_CORPUS}")
    return SHARED_CORPUS


def test_documents_equal_shared_corpus(shared_corpus: Path) -> None:
    ours, theirs = _documents(SOURCE_DOCS), _documents(shared_corpus)
    differ = sorted(
        name
        for name in ours.keys() & theirs.keys()
        if ours[name].read_bytes() != theirs[name].read_bytes()
    )
    problems = [
        *(f"differs: {name}" for name in differ),
        *(f"missing in ../shared/corpus: {name}" for name in sorted(ours.keys() - theirs.keys())),
        *(f"missing in source_docs: {name}" for name in sorted(theirs.keys() - ours.keys())),
    ]
    assert not problems, f"{SOURCE_DOCS} is out of step with {shared_corpus}:\n" + "\n".join(
        problems
    )


def test_manifest_equals_shared_manifest(shared_corpus: Path) -> None:
    assert (SOURCE_DOCS / MANIFEST).read_bytes() == (shared_corpus / MANIFEST).read_bytes(), (
        f"source_docs/{MANIFEST} differs from {shared_corpus / MANIFEST}: copy it, then bring "
        f"{NOTICE.name} in step with it"
    )


def _manifest_rows() -> list[tuple[str, ...]]:
    with (SOURCE_DOCS / MANIFEST).open(encoding="utf-8", newline="") as f:
        return [
            (r["local_path"], r["repo"], r["path_in_repo"], r["commit"], r["licence"])
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


def _notice_rows() -> list[tuple[str, ...]]:
    rows = []
    for line in NOTICE.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):  # a document's row, not the header or the delimiter
            cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
            rows.append(tuple(cells))
    return rows


def test_notice_lists_what_the_manifest_lists() -> None:
    """NOTICE.md's source, commit and licence of every document are the manifest's."""
    manifest = _manifest_rows()
    assert _notice_rows() == manifest
    assert {row[0] for row in manifest} == set(_documents(SOURCE_DOCS))
