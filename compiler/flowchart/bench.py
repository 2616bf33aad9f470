"""Timing for ``make bench``: batched rendering against one bare ``dot`` per graph.

Target (reported, never asserted): per procedure within 1.2x of one bare
``dot -Tsvg`` call on the same DOT.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

from compiler.flowchart.dot import procedure_dot
from compiler.flowchart.render import dot_command, render_svg
from compiler.graph import RunbookGraph


def _best(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_flowcharts(
    graph: RunbookGraph, *, runs: int = 3, limit: int | None = None
) -> dict[str, float]:
    """Seconds per procedure page: ``bare`` (one ``dot -Tsvg`` process per DOT, as
    ``graphviz.Source.pipe`` would), ``batched`` (:func:`render_svg`, all CPUs),
    ``batched_1cpu`` (one process), the DOT building time and the ratios to ``bare``."""
    dot = dot_command()
    start = time.perf_counter()
    dots = [
        d
        for doc in graph.documents()
        for proc in doc.procedures
        for d in procedure_dot(doc, proc, graph)
    ]
    build = time.perf_counter() - start
    if limit is not None:
        build *= min(1.0, limit / max(1, len(dots)))
        dots = dots[:limit]
    if not dots:
        return {"graphs": 0.0}

    def bare() -> None:
        for source in dots:
            subprocess.run([dot, "-Tsvg"], input=source.encode(), capture_output=True, check=True)

    n = len(dots)
    bare_s = _best(runs, bare) / n
    batched = _best(runs, lambda: render_svg(dots)) / n
    single = _best(runs, lambda: render_svg(dots, jobs=1)) / n
    return {
        "graphs": float(n),
        "dot_build_s": build / n,
        "bare_s": bare_s,
        "batched_s": batched,
        "batched_1cpu_s": single,
        "ratio": batched / bare_s,
        "ratio_1cpu": single / bare_s,
        "ratio_with_dot_build": (batched + build / n) / bare_s,
    }
