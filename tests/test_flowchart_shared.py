"""Charts drawn once per build and linked per format; the same bytes wherever a chart
falls in a batch of dot runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import compiler.flowchart.shared as shared
from compiler.build import build
from compiler.compile import compile_text
from compiler.config import Config
from compiler.flowchart import render_svg
from compiler.flowchart.dot import entry_dot, procedure_dot
from compiler.graph import build_graph

from .conftest import SEED, MakeSource

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz dot")


def test_a_chart_is_the_same_first_or_later_in_a_batch() -> None:
    doc = compile_text(SEED.read_text(encoding="utf-8"), "seed.md")
    graph = build_graph([doc])
    proc_dot = procedure_dot(doc, doc.procedures[0], graph)[0]
    entry = entry_dot(doc, doc.errors[0])
    alone = render_svg([proc_dot], jobs=1)[0]
    assert render_svg([entry, proc_dot], jobs=1)[1] == alone


def test_html_and_svg_draw_each_procedure_once(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_source({"seed.md": SEED.read_text(encoding="utf-8")})
    calls: list[str] = []
    real = shared.procedure_dot

    def counting(doc, proc, graph, **kw):  # type: ignore[no-untyped-def]
        calls.append(proc.id)
        return real(doc, proc, graph, **kw)

    monkeypatch.setattr(shared, "procedure_dot", counting)
    build(src, tmp_path / "out", Config(root=src), formats=["html", "svg"], jobs=1)
    doc = compile_text(SEED.read_text(encoding="utf-8"), "seed.md")
    assert sorted(calls) == sorted(p.id for p in doc.procedures)
    svg = next((tmp_path / "out" / "svg" / "seed").glob("*procedure*.svg")).read_text("utf-8")
    page = (tmp_path / "out" / "html" / "seed.html").read_text(encoding="utf-8")
    assert 'xlink:href="../../html/seed.html#' in svg and "rbk-step-" not in svg
    assert 'xlink:href="#' in page and "rbk-step-" not in page
