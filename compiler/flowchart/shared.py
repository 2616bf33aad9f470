"""Procedure flowcharts drawn once per build, linked per format.

The svg format links a step's node to the step on the html page
(``../html/<doc>.html#…``); the html pages inline the same chart linking to ``#…``.
Only the URLs differ, and Graphviz's layout does not depend on them: each procedure is
drawn once with a token per step (``rbk-step-<n>``) and every format puts its own URLs
in place of the tokens. Half the ``dot`` work of a build that writes both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compiler.flowchart.dot import flowchart_strings, procedure_dot
from compiler.flowchart.render import FlowchartError, render_each
from compiler.flowchart.text import safe_url
from compiler.graph import RunbookGraph
from compiler.model import Document, Procedure, Step

TOKEN = "rbk-step-"
_TOKEN_HREF = re.compile(r'xlink:href="rbk-step-(\d+)"')

StepHref = Callable[[int], str]
"""A step number -> the URL its node links to in one format (never empty)."""


@dataclass(slots=True)
class Drawn:
    """One procedure's pages, with tokens for URLs (or what Graphviz said)."""

    pages: list[str | FlowchartError]


@dataclass(slots=True)
class ProcedureCharts:
    """The procedure charts of one build, drawn on first request."""

    graph: RunbookGraph
    extra: Path | None
    _drawn: dict[tuple[str, str], Drawn] = field(default_factory=dict)

    def draw(self, docs: Sequence[Document]) -> dict[tuple[str, str], Drawn | Exception]:
        """Every procedure of ``docs``: drawn (one batch of ``dot`` runs for those not
        drawn yet), or the exception that made its DOT fail."""
        out: dict[tuple[str, str], Drawn | Exception] = {}
        keys: list[tuple[str, str]] = []
        dots: list[str] = []
        counts: list[int] = []
        for doc in docs:
            words = flowchart_strings(doc.lang, self.extra)
            for proc in doc.procedures:
                key = (doc.id, proc.id)
                if key in self._drawn:
                    out[key] = self._drawn[key]
                    continue
                try:
                    parts = procedure_dot(doc, proc, self.graph, link=_token, strings=words)
                except Exception as exc:  # the caller says what it means for its format
                    out[key] = exc
                    continue
                keys.append(key)
                counts.append(len(parts))
                dots += parts
        svgs = render_each(dots) if dots else []
        start = 0
        for key, count in zip(keys, counts, strict=True):
            self._drawn[key] = out[key] = Drawn(svgs[start : start + count])
            start += count
        return out


def procedure_charts(
    shared: dict[str, object], graph: RunbookGraph, extra: Path | None
) -> ProcedureCharts:
    """The build's charts, kept in ``shared`` (the build context's memo) for every format."""
    found = shared.get(__name__)
    if not isinstance(found, ProcedureCharts) or found.graph is not graph:
        found = shared[__name__] = ProcedureCharts(graph, extra)
    return found


def linked(svg: str, href: StepHref) -> str:
    """``svg`` with each step token replaced by the format's URL for that step."""
    return _TOKEN_HREF.sub(lambda m: f'xlink:href="{safe_url(href(int(m.group(1))))}"', svg)


def _token(doc: Document, proc: Procedure, step: Step) -> str:
    return f"{TOKEN}{step.number}"
