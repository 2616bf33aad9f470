"""``svg``: a flowchart per procedure and a decision tree per error entry.

Writes ``svg/<document id>/<procedure id>.svg`` (``-p2.svg`` … for the further pages
of a long procedure) and ``svg/<document id>/error-<entry id>.svg``. The DOT is made by
:mod:`compiler.flowchart`; every graph of the build is drawn by a few batched
``dot -Tsvg`` processes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import ClassVar

from compiler.flowchart import (
    FlowchartError,
    entry_dot,
    procedure_dot,
)
from compiler.flowchart.bench import bench_flowcharts
from compiler.flowchart.dot import flowchart_strings
from compiler.flowchart.render import render_each
from compiler.generators.base import BuildContext, register
from compiler.graph import RunbookGraph
from compiler.model import Document, ErrorEntry, Procedure

__all__ = ["SvgGenerator", "bench_flowcharts", "entry_svg_path", "procedure_svg_path"]

OUTPUT_DIR = "svg"
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|\s]+')
_MAX_NAME = 80


def file_stem(text: str) -> str:
    """A file name part from an anchor: no separators or reserved characters, not
    hidden, not too long (a cut name ends with a short hash of the whole)."""
    stem = _UNSAFE_NAME.sub("-", text).strip("-. ") or "chart"
    if len(stem) > _MAX_NAME:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem = f"{stem[:_MAX_NAME]}-{digest}"
    return stem


def procedure_svg_path(doc: Document, proc: Procedure, page: int = 1) -> str:
    """Where page ``page`` of a procedure's flowchart is written, relative to the output."""
    suffix = "" if page == 1 else f"-p{page}"
    return f"{OUTPUT_DIR}/{doc.id}/{file_stem(proc.id)}{suffix}.svg"


def entry_svg_path(doc: Document, entry: ErrorEntry) -> str:
    """Where an error entry's decision tree is written, relative to the output."""
    return f"{OUTPUT_DIR}/{doc.id}/error-{file_stem(entry.id)}.svg"


@dataclass(slots=True, frozen=True)
class _Chart:
    path: str
    doc: Document
    line: int
    what: str
    dot: str


@register("svg")
class SvgGenerator:
    name: ClassVar[str] = "svg"

    def generate(self, graph: RunbookGraph, ctx: BuildContext) -> None:
        extra = ctx.config.path(ctx.config.templates) if ctx.config.templates else None
        charts: list[_Chart] = []
        seen: set[str] = set()
        for doc in graph.documents():
            if not ctx.needs(doc.id) and self._keep(doc, ctx):
                continue  # unchanged since the last build: its charts are still right
            words = flowchart_strings(doc.lang, extra)
            found: list[_Chart] = []
            for proc in doc.procedures:
                for page, dot in enumerate(procedure_dot(doc, proc, graph, strings=words), 1):
                    path = procedure_svg_path(doc, proc, page)
                    found.append(_Chart(path, doc, proc.line, f"procedure '{proc.id}'", dot))
            for entry in doc.errors:
                if entry.causes or entry.actions:
                    path = entry_svg_path(doc, entry)
                    dot = entry_dot(doc, entry, strings=words)
                    found.append(_Chart(path, doc, entry.line, f"error entry '{entry.id}'", dot))
            for chart in found:
                if chart.path.casefold() in seen:
                    ctx.diags.warning(
                        doc.source,
                        chart.line,
                        f"the flowchart of {chart.what} would overwrite {chart.path}; "
                        "give the heading or procedure a different anchor",
                        "flowchart-name",
                    )
                    continue
                seen.add(chart.path.casefold())
                charts.append(chart)
        results = render_each([c.dot for c in charts])
        self._render(charts, results, ctx)

    @staticmethod
    def _keep(doc: Document, ctx: BuildContext) -> bool:
        """Keep every chart of the last build for ``doc``; False (redraw) if one is gone."""
        folder = ctx.writer.root / OUTPUT_DIR / doc.id
        previous = sorted(folder.glob("*.svg")) if folder.is_dir() else []
        expected = [procedure_svg_path(doc, p) for p in doc.procedures] + [
            entry_svg_path(doc, e) for e in doc.errors if e.causes or e.actions
        ]
        if not all(ctx.writer.exists(path) for path in expected):
            return False
        for path in previous:
            ctx.writer.keep(ctx.writer.relative(path))
        return True

    @staticmethod
    def _render(
        charts: list[_Chart], results: list[str | FlowchartError], ctx: BuildContext
    ) -> None:
        for chart, svg in zip(charts, results, strict=True):
            if isinstance(svg, FlowchartError):
                ctx.diags.warning(
                    chart.doc.source,
                    chart.line,
                    f"Graphviz could not draw the flowchart of {chart.what}: {svg}",
                    "flowchart",
                )
                continue
            ctx.writer.write_text(chart.path, svg)
