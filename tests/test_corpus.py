"""Every corpus document compiles; the corpus as a whole has no errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.build import build
from compiler.compile import compile_sources, compile_text
from compiler.config import Config
from compiler.diagnostics import Diagnostics, Severity

from .conftest import SOURCE_DOCS

CORPUS = sorted(p for p in SOURCE_DOCS.rglob("*.md") if p.name != "NOTICE.md")


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.relative_to(SOURCE_DOCS).as_posix())
def test_document_compiles(path: Path) -> None:
    diags = Diagnostics()
    doc = compile_text(path.read_text(encoding="utf-8"), path.name, diags=diags)
    assert doc.title
    for d in diags:
        assert str(d).startswith(f"{path.name}:"), d


def test_corpus_has_no_errors_and_every_document() -> None:
    compilation = compile_sources(SOURCE_DOCS, Config(root=SOURCE_DOCS.parent))
    errors = [str(d) for d in compilation.diagnostics if d.severity is Severity.ERROR]
    assert errors == []
    ids = {d.id for d in compilation.graph.documents()}
    assert len(ids) == len(CORPUS)


def test_corpus_structure_found(tmp_path: Path) -> None:
    """Coarse floor on what the rules find across the corpus (catches a rule silently dying)."""
    result = build(SOURCE_DOCS, tmp_path, Config(root=SOURCE_DOCS.parent), formats=["json"])
    data = json.loads((tmp_path / "runbooks.json").read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in data["documents"]}
    assert sum(len(d["errors"]) for d in docs.values()) >= 150
    assert sum(len(d["procedures"]) for d in docs.values()) >= 50
    ios = docs["intunedocs-en/enroll-your-device-in-intune-ios"]
    branches = {
        (s["number"], j["to"], j["condition"])
        for p in ios["procedures"]
        for s in p["steps"]
        for j in s["jumps"]
    }
    assert (2, 3, "iOS 12.2 and later") in branches
    assert (2, 4, "iOS 12.1 and earlier") in branches
    repl = docs["windowsserverdocs-ja/Troubleshooting-Active-Directory-Replication-Problems"]
    repeats = [j for p in repl["procedures"] for s in p["steps"] for j in s["jumps"]]
    assert any(j["kind"] in ("back", "repeat") and j["to"] == 11 for j in repeats)
    mars_en = docs["azure-docs-en/backup-azure-mars-troubleshoot"]
    assert "34513" in {c for e in mars_en["errors"] for c in e["codes"]}
    # One code node for the same code in two documents: the lookup finds both.
    assert len(data["codes"]["34513"]) == 2
    assert result.compilation.graph.entries_for_code("0x1fc07")


def test_parallel_output_equals_serial(tmp_path: Path) -> None:
    config = Config(root=SOURCE_DOCS.parent)
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"j{jobs}"
        result = build(SOURCE_DOCS, out, config, formats=["json"], jobs=jobs)
        outputs.append(
            (
                (out / "runbooks.json").read_bytes(),
                [str(d) for d in result.compilation.diagnostics.sorted()],
            )
        )
    assert outputs[0] == outputs[1]
