"""DOT -> SVG through as few ``dot`` processes as possible, then print-ready touches.

``dot -Tsvg`` reads any number of graphs from one input and writes their SVGs one
after the other, so a whole build costs one process start per CPU instead of one
per graph. Each SVG then gets a ``<title>`` and ``<desc>`` as the root's first
children and a size that fits A4 and Letter (portrait, or landscape when that
prints it larger).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from compiler import processes
from compiler.flowchart.dot import FONT, META_PREFIX

PAGE_SHORT = 540.0
"""Printable width of a portrait page in points (7.5 in: A4 and Letter with margins)."""
PAGE_LONG = 720.0
"""Printable height of a portrait page in points (10 in)."""
FONT_STACK = f"{FONT},Noto Sans JP,sans-serif"
GRAPHS_PER_PROCESS = 16
"""Below this many graphs per CPU, fewer processes are started."""

_XML_START = "<?xml"
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"')
_GRAPH_TITLE = re.compile(r'<g id="graph0" class="graph"[^>]*>\s*<title>(.*?)</title>', re.S)


class FlowchartError(RuntimeError):
    """Graphviz is missing or could not draw a graph."""


@dataclass(slots=True, frozen=True)
class PageFit:
    orientation: str
    """``portrait`` or ``landscape``."""
    scale: float
    """At most 1: a small chart is not blown up."""


def fit_page(width: float, height: float) -> PageFit:
    """How a ``width`` x ``height`` pt drawing fits the printable area, the larger way."""
    if width <= 0 or height <= 0:
        return PageFit("portrait", 1.0)
    portrait = min(1.0, PAGE_SHORT / width, PAGE_LONG / height)
    landscape = min(1.0, PAGE_LONG / width, PAGE_SHORT / height)
    if landscape > portrait or (landscape == portrait and width > height):
        return PageFit("landscape", landscape)
    return PageFit("portrait", portrait)


def dot_command() -> str:
    path = shutil.which("dot")
    if path is None:
        raise FlowchartError(
            "Graphviz 'dot' was not found on PATH; install Graphviz "
            "(Debian/Ubuntu: apt-get install graphviz, or run `make deps`)"
        )
    return path


PRIMER = "digraph primer {}\n"
"""Drawn first by every dot process and thrown away: dot writes the first graph of a run
differently from the others (ids ``graph0`` instead of ``page0,1_graph0``, ``-`` instead
of ``&#45;``), so without it a chart's bytes would depend on where it fell in a batch,
and the batches depend on ``-j`` and on which documents changed."""


def _run_dot(dot: str, sources: Sequence[str]) -> list[str]:
    try:
        done = processes.run([dot, "-Tsvg"], (PRIMER + "".join(sources)).encode("utf-8"))
    except OSError as exc:
        raise FlowchartError(f"cannot run Graphviz '{dot}': {exc.strerror or exc}") from exc
    out = done.stdout.decode("utf-8", errors="replace")
    svgs = [_XML_START + part for part in out.split(_XML_START)[2:]]
    if done.returncode != 0 or len(svgs) != len(sources):
        err = done.stderr.decode("utf-8", errors="replace").strip()
        raise FlowchartError(
            f"Graphviz dot failed (exit {done.returncode}, {len(svgs)} of {len(sources)} "
            f"graphs drawn): {err[:2000] or 'no message'}"
        )
    return svgs


def render_svg(dots: Sequence[str], *, jobs: int | None = None) -> list[str]:
    """SVG for each DOT source, in order, drawn by a few batched ``dot -Tsvg`` runs.

    Each SVG is finished with :func:`finish_svg`. Raises :class:`FlowchartError` with
    Graphviz's message when ``dot`` is missing or rejects a graph.
    """
    if not dots:
        return []
    dot = dot_command()
    sources = [d if d.endswith("\n") else d + "\n" for d in dots]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(sources) // GRAPHS_PER_PROCESS or 1))
    size = -(-len(sources) // workers)
    batches = [sources[i : i + size] for i in range(0, len(sources), size)]
    if len(batches) == 1:
        raw = _run_dot(dot, batches[0])
    else:
        # Left by an exception (Ctrl-C), the scope kills the dot processes before the
        # pool waits for its threads, which wait for them.
        with ThreadPoolExecutor(len(batches)) as pool, processes.scope():
            raw = [svg for part in pool.map(lambda b: _run_dot(dot, b), batches) for svg in part]
    return [finish_svg(svg, source) for svg, source in zip(raw, sources, strict=True)]


def render_each(dots: Sequence[str], *, jobs: int | None = None) -> list[str | FlowchartError]:
    """Like :func:`render_svg`, but a graph Graphviz rejects yields its error instead."""
    try:
        return list(render_svg(dots, jobs=jobs))
    except FlowchartError:
        dot_command()  # a missing dot is everyone's problem: raise it
    out: list[str | FlowchartError] = []
    for source in dots:
        try:
            out.extend(render_svg([source], jobs=1))
        except FlowchartError as exc:
            out.append(exc)
    return out


def read_meta(source: str) -> dict[str, str]:
    """The title and description :mod:`compiler.flowchart.dot` puts on a DOT's first line."""
    first = source.split("\n", 1)[0]
    if not first.startswith(META_PREFIX):
        return {}
    try:
        data = json.loads(first[len(META_PREFIX) :])
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: str(v) for k, v in data.items() if isinstance(k, str)}


def finish_svg(svg: str, source: str = "") -> str:
    """Root ``<title>``/``<desc>`` first, a printable size, a font fallback, no comments
    that name the Graphviz version (so builds differ less between machines)."""
    meta = read_meta(source)
    svg = re.sub(r"<!-- Generated by graphviz version [^>]*-->\n", "", svg, count=1)
    svg = re.sub(r"<!-- Title: .*? Pages: \d+ -->\n", "", svg, count=1, flags=re.S)
    found = _GRAPH_TITLE.search(svg)
    title = meta.get("title") or (html.unescape(found.group(1)) if found else "")
    desc = meta.get("desc", "")
    if found and meta.get("title"):  # DOT keeps backslashes doubled in a graph's name
        svg = svg[: found.start(1)] + _xml(title) + svg[found.end(1) :]
    svg = svg.replace(f'font-family="{FONT}"', f'font-family="{FONT_STACK}"')
    size = _SIZE.search(svg)
    if size:
        width, height = float(size.group(1)), float(size.group(2))
        fit = fit_page(width, height)
        svg = (
            svg[: size.start()]
            + f'<svg width="{width * fit.scale:.2f}pt" height="{height * fit.scale:.2f}pt"'
            + f' data-orientation="{fit.orientation}"'
            + svg[size.end() :]
        )
    opening = _SVG_OPEN.search(svg)
    if opening is None:
        return svg
    head = f"\n<title>{_xml(title)}</title>\n<desc>{_xml(desc)}</desc>"
    return svg[: opening.end()] + head + svg[opening.end() :]


def _xml(text: str) -> str:
    return html.escape(text, quote=False)


def svg_size(svg: str) -> tuple[float, float]:
    """(width, height) in points of an SVG from :func:`render_svg`."""
    size = _SIZE.search(svg)
    return (float(size.group(1)), float(size.group(2))) if size else (0.0, 0.0)
