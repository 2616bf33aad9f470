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
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

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
from compiler.parallel import Failure, map_documents

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


@register("svg")
class SvgGenerator:
    name: ClassVar[str] = "svg"

    def generate(self, graph: RunbookGraph, ctx: BuildContext) -> None:
        extra = ctx.config.path(ctx.config.templates) if ctx.config.templates else None
        todo = [
            doc
            for doc in graph.documents()
            if ctx.needs(doc.id) or not self._keep(doc, ctx)  # else its charts are still right
        ]
        procedures = procedure_charts(ctx.shared, graph, extra).draw(todo)
        # The error entries' charts (thousands on a big site) are made and drawn side by
        # side: each worker builds the DOT of a group of documents and runs one dot on it.
        groups = _groups(todo, ctx.jobs)
        drawn_groups = map_documents(partial(_draw_entries, extra=extra), groups, jobs=ctx.jobs)
        seen: set[str] = set()
        for group, entries in zip(groups, drawn_groups, strict=True):
            if isinstance(entries, Failure):
                for doc in group:
                    ctx.diags.internal(
                        doc.source, "draw the error-entry flowcharts of this document", entries
                    )
                entries = [[] for _ in group]
            for doc, doc_entries in zip(group, entries, strict=True):
                found = _procedure_pages(doc, procedures)
                found += [
                    (_Chart(path, doc, line, what), svg) for path, line, what, svg in doc_entries
                ]
                for chart, svg in found:
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
                    self._write(chart, svg, ctx)

    @staticmethod
    def _keep(doc: Document, ctx: BuildContext) -> bool:
        """Keep every chart of the last build for ``doc``; False (redraw) if one is gone."""
        folder = f"{OUTPUT_DIR}/{doc.id}"
        expected = [procedure_svg_path(doc, p) for p in doc.procedures] + [
            entry_svg_path(doc, e) for e in doc.errors if e.causes or e.actions
        ]
        names = [path[len(folder) + 1 :] for path in expected]
        return ctx.writer.keep_folder(folder, ".svg", names)

    @staticmethod
    def _write(chart: _Chart, svg: str | FlowchartError, ctx: BuildContext) -> None:
        if isinstance(svg, FlowchartError):
            ctx.diags.warning(
                chart.doc.source,
                chart.line,
                f"Graphviz could not draw the flowchart of {chart.what}: {svg}",
                "flowchart",
            )
            return
        ctx.writer.write_text(chart.path, svg)


GROUPS_PER_WORKER = 8
"""Groups of documents per worker: each group is one dot run (a dot run costs ~5 ms)."""

EntryChart = tuple[str, int, str, str | FlowchartError]
"""(path, line, what, SVG or why it could not be drawn) of an error entry's chart."""


def _groups(docs: list[Document], jobs: int | None) -> list[list[Document]]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    size = max(1, -(-len(docs) // max(1, workers * GROUPS_PER_WORKER)))
    return [docs[i : i + size] for i in range(0, len(docs), size)]


def _procedure_pages(
    doc: Document, procedures: Mapping[tuple[str, str], Any]
) -> list[tuple[_Chart, str | FlowchartError]]:
    """The pages of each of ``doc``'s procedure charts (drawn once for html and svg),
    their steps linked to the html page."""
    found: list[tuple[_Chart, str | FlowchartError]] = []
    for proc in doc.procedures:
        drawing = procedures[(doc.id, proc.id)]
        if isinstance(drawing, Exception):
            raise drawing  # a bug in the DOT builder: the build reports the format failed

        def href(n: int, proc: Procedure = proc) -> str:
            return html_href(doc, step_anchor_of(proc.id, n))

        for page, svg in enumerate(drawing.pages, 1):
            path = procedure_svg_path(doc, proc, page)
            chart = _Chart(path, doc, proc.line, f"procedure '{proc.id}'")
            found.append((chart, svg if isinstance(svg, FlowchartError) else linked(svg, href)))
    return found


def _draw_entries(group: list[Document], *, extra: Path | None) -> list[list[EntryChart]]:
    """Every error entry chart of each document of ``group`` (one dot run for them all)."""
    charts: list[list[tuple[str, int, str, str]]] = []
    for doc in group:
        words = flowchart_strings(doc.lang, extra)
        charts.append(
            [
                (
                    entry_svg_path(doc, entry),
                    entry.line,
                    f"error entry '{entry.id}'",
                    entry_dot(doc, entry, strings=words),
                )
                for entry in doc.errors
                if entry.causes or entry.actions
            ]
        )
    drawn = iter(render_each([dot for doc_charts in charts for *_, dot in doc_charts], jobs=1))
    return [
        [(path, line, what, next(drawn)) for path, line, what, _ in doc_charts]
        for doc_charts in charts
    ]
