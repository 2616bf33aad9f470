"""``svg``: a flowchart per procedure and a decision tree per error entry.

Writes ``svg/<document id>/<procedure id>.svg`` (``-p2.svg`` … for the further pages
of a long procedure) and ``svg/<document id>/error-<entry id>.svg``. The DOT is made by
:mod:`compiler.flowchart`; every graph of the build is drawn by a few batched
``dot -Tsvg`` processes.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from typing import ClassVar

from compiler.flowchart import (
    FlowchartError,
    entry_dot,
)
from compiler.flowchart.bench import bench_flowcharts
from compiler.flowchart.dot import flowchart_strings, html_href, step_anchor_of
from compiler.flowchart.render import render_each
from compiler.flowchart.shared import linked, procedure_charts
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
        drawn: list[tuple[_Chart, str | FlowchartError]] = []
        seen: set[str] = set()
        todo = [
            doc
            for doc in graph.documents()
            if ctx.needs(doc.id) or not self._keep(doc, ctx)  # else its charts are still right
        ]
        # Procedures are drawn once for every format that shows them (the html pages too).
        procedures = procedure_charts(ctx.shared, graph, extra).draw(todo)
        for doc in todo:
            words = flowchart_strings(doc.lang, extra)
            found: list[tuple[_Chart, str | FlowchartError | None]] = []
            for proc in doc.procedures:
                drawing = procedures[(doc.id, proc.id)]
                if isinstance(drawing, Exception):
                    raise drawing  # a bug in the DOT builder: the build reports the format failed

                def href(n: int, doc: Document = doc, proc: Procedure = proc) -> str:
                    return html_href(doc, step_anchor_of(proc.id, n))

                for page, svg in enumerate(drawing.pages, 1):
                    path = procedure_svg_path(doc, proc, page)
                    what = f"procedure '{proc.id}'"
                    done = svg if isinstance(svg, FlowchartError) else linked(svg, href)
                    found.append((_Chart(path, doc, proc.line, what, ""), done))
            for entry in doc.errors:
                if entry.causes or entry.actions:
                    path = entry_svg_path(doc, entry)
                    dot = entry_dot(doc, entry, strings=words)
                    found.append(
                        (_Chart(path, doc, entry.line, f"error entry '{entry.id}'", dot), None)
                    )
            for chart, drawn_svg in found:
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
                if drawn_svg is None:
                    charts.append(chart)
                else:
                    drawn.append((chart, drawn_svg))
        results = render_each([c.dot for c in charts])
        self._render([*charts, *(c for c, _ in drawn)], [*results, *(d for _, d in drawn)], ctx)

    @staticmethod
    def _keep(doc: Document, ctx: BuildContext) -> bool:
        """Keep every chart of the last build for ``doc``; False (redraw) if one is gone."""
        folder = f"{OUTPUT_DIR}/{doc.id}"
        expected = [procedure_svg_path(doc, p) for p in doc.procedures] + [
            entry_svg_path(doc, e) for e in doc.errors if e.causes or e.actions
        ]
        if not all(ctx.writer.exists(path) for path in expected):
            return False
        try:
            previous = sorted(os.listdir(ctx.writer.root / folder))
        except OSError:
            previous = []
        for name in previous:
            if name.endswith(".svg"):
                ctx.writer.keep(f"{folder}/{name}")
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
