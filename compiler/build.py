"""Orchestration: compile everything, then let each generator write (collect, then write)."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import orjson

from compiler import collector, processes
from compiler.config import Config
from compiler.diagnostics import Diagnostics, Severity
from compiler.manifest import (
    MANIFEST,
    Manifest,
    Plan,
    config_fingerprint,
    load_manifest,
    manifest_json,
    owner,
    plan,
    templates_fingerprint,
)
from compiler.progress import NoProgress, Progress
from compiler.sources import Reading, read_sources
from compiler.uptodate import IN_PROGRESS, diagnostic_records, tools_fingerprint, up_to_date
from compiler.writer import Writer

if TYPE_CHECKING:
    from compiler.compile import Compilation
    from compiler.generators.base import Generator

# The parser, the graph and the generators are imported by the build that needs them:
# a build with nothing to do (compiler.uptodate) runs without them.


@dataclass(slots=True)
class BuildResult:
    diagnostics: Diagnostics
    summary: str
    formats: list[str]
    plan: Plan
    compilation: Compilation | None = None
    """The parsed sources and graph; None when the build had nothing to do."""
    written: list[Path] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step of the build (parse, each format, waiting for the search index)."""

    @property
    def up_to_date(self) -> bool:
        return self.compilation is None


def build(
    source: Path,
    out: Path,
    config: Config,
    *,
    formats: list[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: Progress | None = None,
    languages: Sequence[str] = (),
) -> BuildResult:
    """Compile ``source`` and write every requested format under ``out``.

    ``languages``: a handbook per language besides the whole one (``pdf/handbook-ja.pdf``:
    each runbook once, in that language where it has a version in it).

    Collect, then write: every document is parsed and checked before any generator
    runs. A generator that fails is an error diagnostic and the other formats are
    still written; a document that cannot be read or parsed keeps its previous outputs.
    The manifest is written last, so a build killed at any point is finished by the next.
    No process the build started outlives it.
    """
    request = ",".join(formats or [])
    if languages:  # what the build was asked for: a settled build for other ones is not this
        request += ";lang=" + ",".join(languages)
    try:  # once: the up-to-date check compares these texts, the build parses them
        reading: Reading | None = read_sources(source, config.exclude)
    except OSError:
        reading = None  # the build says why
    if not force:
        settled = up_to_date(reading, out, config, request)
        if settled is not None:
            last = settled.manifest
            same = Plan(
                changed=set(),
                reasons=dict.fromkeys(sorted(last.documents), "unchanged"),
                removed=[],
            )
            return BuildResult(settled.diagnostics, last.summary, last.formats, same)
    # Every process the build starts (workers, Pagefind, dot) has ended when it returns
    # or raises (Ctrl-C: compiler.processes.Stopped).
    with collector.paused(), processes.scope():
        return _full_build(
            source, out, config, request, formats, jobs, force, progress, reading, languages
        )


class UnknownFormatError(ValueError):
    """A requested format that no generator provides."""


def _default_formats(config: Config) -> list[str]:
    from compiler.generators.base import available_formats

    return list(config.formats) or available_formats()


def _full_build(
    source: Path,
    out: Path,
    config: Config,
    request: str,
    formats: list[str] | None,
    jobs: int | None,
    force: bool,
    progress: Progress | None,
    reading: Reading | None,
    languages: Sequence[str] = (),
) -> BuildResult:
    from compiler.generators.base import (
        PREPARE_FIRST,
        available_formats,
        edited_sources,
        get_generator,
    )

    unknown = sorted(set(formats or ()) - set(available_formats()))
    if unknown:
        raise UnknownFormatError(
            f"unknown format(s) {', '.join(unknown)}; available: {', '.join(available_formats())}"
        )
    wanted = formats or _default_formats(config)
    generators: dict[str, Generator] = {}
    try:
        # Formats that load something slow in other processes start it now, while this
        # one parses (the PDF format's WeasyPrint workers).
        first = [name for name in PREPARE_FIRST if name in wanted]
        edited: list[Path] | None = None  # looked for once, by the first hook that needs it
        for name in [*first, *(name for name in wanted if name not in first)]:
            generators[name] = generator = get_generator(name)
            prepare = getattr(generator, "prepare", None)
            if prepare is not None:
                if edited is None:
                    edited = edited_sources(source, out)
                prepare(config, out, jobs, edited)
        generators = {name: generators[name] for name in wanted}
        return _build_with(
            generators, source, out, config, request, jobs, force, progress, reading, languages
        )
    finally:
        for generator in generators.values():
            release = getattr(generator, "release", None)
            if release is not None:
                release()


def _build_with(
    generators: dict[str, Generator],
    source: Path,
    out: Path,
    config: Config,
    request: str,
    jobs: int | None,
    force: bool,
    progress: Progress | None,
    reading: Reading | None,
    languages: Sequence[str] = (),
) -> BuildResult:
    from compiler.cache import ParseCache, compiler_fingerprint
    from compiler.compile import compile_sources
    from compiler.diff import diff_exports, render_markdown, translation_changes
    from compiler.generators.base import BuildContext
    from compiler.generators.json_export import export

    wanted = list(generators)
    out.mkdir(parents=True, exist_ok=True)
    writer = Writer(out)
    previous_manifest = load_manifest(out)
    # Until the manifest is written, the folder is not known to be settled.
    marker = out / IN_PROGRESS
    if previous_manifest is None or marker.exists():
        writer.clean_temporaries()  # the last build was killed: it may have left some
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    cache = ParseCache(out / CACHE_DIR, config)
    report = progress or NoProgress()
    clock = _Clock()
    compilation = compile_sources(
        source, config, jobs=jobs, cache=cache, reuse=not force, progress=report, reading=reading
    )
    clock.lap("read, parse, graph, checks")
    docs = compilation.graph.documents()
    manifest = Manifest(
        compiler=compiler_fingerprint(whole=True),
        config=config_fingerprint(config),
        templates=templates_fingerprint(config),
        documents={d.id: d.sha256 for d in docs},
        request=request,
        tools=tools_fingerprint(),
    )
    the_plan = plan(previous_manifest, manifest, force=force)
    ctx = BuildContext(
        config=config,
        writer=writer,
        diags=compilation.diagnostics,
        source_root=source.resolve(),
        changed=frozenset(the_plan.changed),
        previous_outputs=frozenset(previous_manifest.outputs if previous_manifest else ()),
        jobs=jobs,
        languages=tuple(languages),
    )
    report.start(len(wanted), "write")

    def generate(name: str) -> bool:
        """Run format ``name``; False if it failed (reported; the others still run)."""
        report.advance(name)
        try:
            generators[name].generate(compilation.graph, ctx)
        except Exception as exc:  # a bug in one format must not lose the others
            _generator_failed(compilation.diagnostics, str(out / name), name, exc)
            return False
        finally:
            clock.lap(name)
        return True

    # Formats that hand their work to other processes go first, even before the change
    # report (which they do not read): that work runs beside everything else.
    early = [name for name in wanted if getattr(generators[name], "early", False)]
    failed = not all([generate(name) for name in early])
    current_export = export(compilation.graph)
    previous_export = _previous_export(out)
    changes = diff_exports(previous_export, current_export)
    pair_changes = translation_changes(previous_export, current_export)
    del previous_export
    ctx.changes = changes
    ctx.translation_changes = pair_changes
    ctx.graph_export = current_export
    clock.lap("change report")
    failed = not all([generate(name) for name in wanted if name not in early]) or failed
    for finish in ctx.finishers:  # background work of the formats: wait for it
        try:
            finish()
        except Exception as exc:
            failed = True
            _generator_failed(compilation.diagnostics, str(out), None, exc)
    clock.lap("waiting for background work")
    writer.write_text(CHANGES, render_markdown(changes, pairs=pair_changes))
    # Same sources, compiler and settings: the same graph, already on disk.
    if the_plan.changed or the_plan.removed or not writer.keep(LAST_EXPORT):
        from compiler.generators.json_export import OUTPUT

        writer.write_same(LAST_EXPORT, OUTPUT, ctx.export_bytes(compilation.graph))
    produced = {writer.relative(p) for p in writer.written} | set(writer.kept)
    earlier = previous_manifest.outputs if previous_manifest else []
    unreadable_ids = [_doc_id(path) for path in compilation.unreadable]
    # Outputs of a document that could not be read this time stay as they were; after a
    # failed generator nothing is removed (it may not have rewritten what it owns).
    keep = {o for o in earlier if failed or owner(o, unreadable_ids) is not None}
    removed = writer.remove_stale(sorted(set(earlier) - produced - keep))
    manifest.outputs = sorted(produced | (keep & set(earlier)))
    manifest.formats = wanted
    manifest.settled = not (
        changes or pair_changes or the_plan.removed or failed or compilation.unreadable
    )
    manifest.counts = counts(compilation)
    manifest.summary = summary(compilation, manifest.counts)
    manifest.source = str(source.resolve())
    manifest.diagnostics = diagnostic_records(compilation.diagnostics)
    writer.write_text(MANIFEST, manifest_json(manifest))
    writer.finish()  # before the marker goes: a killed build's leftovers are swept
    marker.unlink(missing_ok=True)
    report.finish()
    clock.lap("stale files, manifest")
    # Freed when the next build in this process ends, or never by a command that ends
    # with os._exit: freeing the graph and its export now (or when the caller drops the
    # result), object by object, is a tenth of a second of a one-document rebuild.
    _RETAINED[:] = [ctx, current_export, changes, pair_changes, compilation]
    return BuildResult(
        compilation.diagnostics,
        manifest.summary,
        wanted,
        the_plan,
        compilation,
        writer.written,
        removed,
        clock.laps,
    )


def _generator_failed(diags: Diagnostics, path: str, name: str | None, exc: Exception) -> None:
    """A format that raised (the others are still written); its traceback for ``-v``."""
    from compiler.parallel import Failure

    which = f"the {name} generator" if name else "a generator"
    diags.error(path, 1, f"{which} failed: {type(exc).__name__}: {exc}", "generator")
    failure = Failure.of(exc)
    if failure.trace:
        diags.details[diags.items[-1]] = failure.trace


_RETAINED: list[object] = []
"""What the last build made and no longer needs (see the end of :func:`_build_with`)."""


class _Clock:
    """Wall time between laps, for ``-v``."""

    __slots__ = ("_last", "laps")

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now


CACHE_DIR = ".cache/parse"


def _doc_id(relative: str) -> str:
    return relative[:-3] if relative.lower().endswith(".md") else relative


CHANGES = "CHANGES.md"
"""The change report of the last build: a diff of the graph against the previous build."""


LAST_EXPORT = ".cache/last-build.json"
"""The graph of the last build, kept whatever the formats, for the next change report."""


def _previous_export(out: Path) -> dict[str, Any]:
    """The last build's graph, or an empty one (first build)."""
    from compiler.generators.json_export import OUTPUT, SCHEMA

    for name in (LAST_EXPORT, OUTPUT):
        try:
            data = orjson.loads((out / name).read_bytes())  # 12 MB at 300 runbooks: 3x json
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("documents"), list):
            return data
    return {"schema": SCHEMA, "documents": [], "codes": {}}


def print_diagnostics(
    diagnostics: Diagnostics, stream: TextIO | None = None, *, verbose: bool = False
) -> None:
    """One line per diagnostic; with ``verbose``, what more there is about one (an internal
    error's traceback) below it, indented."""
    lines = []
    for diag in diagnostics.sorted():
        lines.append(f"{diag}\n")
        detail = diagnostics.details.get(diag) if verbose else None
        if detail:
            lines.extend(f"    {line}\n" for line in detail.splitlines())
    # One write: an unbuffered stderr (PYTHONUNBUFFERED) made a system call of each of
    # thousands of lines, a tenth of a second into a pipe.
    (stream or sys.stderr).write("".join(lines))


def counts(compilation: Compilation) -> dict[str, int]:
    """What a build holds, by name (recorded in the manifest; see :func:`summary`)."""
    docs = compilation.graph.documents()
    diags = compilation.diagnostics
    return {
        "documents": len(docs),
        "error_entries": sum(len(d.errors) for d in docs),
        "codes": len(compilation.graph.codes()),
        "procedures": sum(len(d.procedures) for d in docs),
        "checklists": sum(len(d.checklists) for d in docs),
        "errors": diags.count(Severity.ERROR),
        "warnings": diags.count(Severity.WARNING),
    }


def summary(compilation: Compilation, known: dict[str, int] | None = None) -> str:
    c = known if known is not None else counts(compilation)
    return (
        f"{c['documents']} documents: {c['error_entries']} error entries, "
        f"{c['codes']} codes, {c['procedures']} procedures, {c['checklists']} checklists; "
        f"{c['errors']} errors, {c['warnings']} warnings"
    )
