"""The CPU the clean build spends in the tools it must run: markdown-it-py, Graphviz, Pagefind.

``make bench`` compares the clean build's wall time with ``mkdocs build``, which runs on
one core. Our build spreads over every core, but the work of the three tools alone sets a
floor no code of ours can go under: their CPU seconds divided by the cores. Printed beside
the target, it says how much of the gap is ours to close.
"""

from __future__ import annotations

import resource
import subprocess
from collections.abc import Callable
from pathlib import Path

from compiler.flowchart import entry_dot, procedure_dot
from compiler.flowchart.render import PRIMER, dot_command
from compiler.graph import RunbookGraph
from compiler.html import search


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def children_system_cpu() -> float:
    """The system (kernel) part of :func:`children_cpu`: on these machines mostly the file
    system making the build's thousands of files."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_of(fn: Callable[[], object], clock: Callable[[], float]) -> float:
    start = clock()
    fn()
    return clock() - start


def graphviz_cpu(graph: RunbookGraph) -> float:
    """CPU seconds of ``dot -Tsvg`` drawing every chart the svg and html formats draw
    (every procedure's pages and every error entry's tree), in one process."""
    dots = [
        d
        for doc in graph.documents()
        for proc in doc.procedures
        for d in procedure_dot(doc, proc, graph)
    ]
    dots += [
        entry_dot(doc, entry)
        for doc in graph.documents()
        for entry in doc.errors
        if entry.causes or entry.actions
    ]
    text = PRIMER + "".join(d if d.endswith("\n") else d + "\n" for d in dots)
    command = [dot_command(), "-Tsvg"]
    return cpu_of(
        lambda: subprocess.run(
            command, input=text.encode("utf-8"), capture_output=True, check=True
        ),
        children_cpu,
    )


def pagefind_cpu(site: Path, language: str | None) -> float:
    """CPU seconds of Pagefind indexing every page of the built ``site`` again, shards and
    all, as a clean build does (the index under ``site`` is rewritten)."""
    result: list[search.IndexResult] = []
    seconds = cpu_of(
        lambda: result.append(search.build_index(site, force_language=language)), children_cpu
    )
    if not result[0].ok:
        raise RuntimeError(result[0].message)
    return seconds
