"""Orchestration: compile everything, then let each generator write (collect, then write)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from compiler.compile import Compilation, compile_sources
from compiler.config import Config
from compiler.diagnostics import Severity
from compiler.diff import diff_exports, render_markdown
from compiler.generators.base import BuildContext, available_formats, get_generator
from compiler.generators.json_export import OUTPUT, SCHEMA, export
from compiler.writer import Writer


@dataclass(slots=True)
class BuildResult:
    compilation: Compilation
    formats: list[str]
    written: list[Path] = field(default_factory=list)


def build(
    source: Path,
    out: Path,
    config: Config,
    *,
    formats: list[str] | None = None,
    jobs: int | None = None,
) -> BuildResult:
    """Compile ``source`` and write every requested format under ``out``.

    A generator that fails is reported as an error diagnostic; the other formats
    are still written, and files from earlier builds are left as they were.
    """
    compilation = compile_sources(source, config, jobs=jobs)
    wanted = formats or list(config.formats) or available_formats()
    writer = Writer(out)
    previous = _previous_export(out)
    ctx = BuildContext(
        config=config, writer=writer, diags=compilation.diagnostics, source_root=source.resolve()
    )
    for name in wanted:
        generator = get_generator(name)
        try:
            generator.generate(compilation.graph, ctx)
        except Exception as exc:  # a bug in one format must not lose the others
            compilation.diagnostics.error(
                str(out / name),
                1,
                f"the {name} generator failed: {type(exc).__name__}: {exc}",
                "generator",
            )
    current = export(compilation.graph)
    writer.write_text(CHANGES, render_markdown(diff_exports(previous, current)))
    return BuildResult(compilation, wanted, writer.written)


CHANGES = "CHANGES.md"
"""The change report of the last build: a diff of the graph against the previous build."""


def _previous_export(out: Path) -> dict[str, Any]:
    """The last build's JSON export, or an empty graph (first build, or JSON not built)."""
    try:
        data = json.loads((out / OUTPUT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"schema": SCHEMA, "documents": [], "codes": {}}
    return data if isinstance(data, dict) else {"documents": []}


def print_diagnostics(compilation: Compilation, stream: TextIO | None = None) -> None:
    for diag in compilation.diagnostics.sorted():
        print(diag, file=stream or sys.stderr)


def summary(compilation: Compilation) -> str:
    docs = compilation.graph.documents()
    diags = compilation.diagnostics
    return (
        f"{len(docs)} documents: {sum(len(d.errors) for d in docs)} error entries, "
        f"{len(compilation.graph.codes())} codes, "
        f"{sum(len(d.procedures) for d in docs)} procedures, "
        f"{sum(len(d.checklists) for d in docs)} checklists; "
        f"{diags.count(Severity.ERROR)} errors, {diags.count(Severity.WARNING)} warnings"
    )
