"""The one protocol every output format implements, and the registry of formats.

Like Sphinx's builders: a name, an output folder, and one ``generate`` hook that
reads only the graph and writes through the :class:`~compiler.writer.Writer`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import jinja2

from compiler.config import Config
from compiler.diagnostics import Diagnostics
from compiler.writer import Writer

if TYPE_CHECKING:
    from compiler.diff import DocumentDiff, PairChange
    from compiler.graph import RunbookGraph

TEMPLATE_CACHE = ".cache/templates"


@dataclass(slots=True)
class BuildContext:
    config: Config
    writer: Writer
    diags: Diagnostics
    source_root: Path
    """The source folder: images and other files a document references live under it."""
    changed: frozenset[str] | None = None
    """Ids of documents whose outputs must be written again; None means all of them.

    A generator may skip an unchanged document whose outputs exist, and must then
    call ``writer.keep(path)`` for each of them (else the build removes them as stale).
    """

    jobs: int | None = None
    """Worker processes a generator may use (``-j``); None means the CPU count."""
    previous_outputs: frozenset[str] = frozenset()
    """Files the previous build wrote (relative to the output folder), from its manifest."""
    changes: list[DocumentDiff] = field(default_factory=list)
    """What changed since the previous build (a diff of the graph), for change reports."""
    finishers: list[Callable[[], None]] = field(default_factory=list)
    """Work a format started in the background (the search index): the build calls each
    after every format ran, before it removes stale files and writes the manifest."""
    shared: dict[str, object] = field(default_factory=dict)
    """What one format computes and another reuses in the same build (by module name)."""
    graph_export: dict[str, Any] | None = None
    """The graph as ``runbooks.json`` holds it, when the build already made it."""
    translation_changes: list[PairChange] = field(default_factory=list)
    """Pairs of language versions that drifted apart or came back together since the
    previous build (for change reports)."""
    languages: tuple[str, ...] = ()
    """Languages to write a handbook in besides the whole one (``runbooks build --lang``)."""
    _export_bytes: bytes | None = None

    def export_bytes(self, graph: RunbookGraph) -> bytes:
        """``runbooks.json``'s bytes, made once per build whoever asks first."""
        if self._export_bytes is None:
            from compiler.generators.json_export import dump_bytes, export

            data = self.graph_export if self.graph_export is not None else export(graph)
            self._export_bytes = dump_bytes(data)
        return self._export_bytes

    def template_cache(self) -> jinja2.BytecodeCache:
        """Compiled templates kept between builds (``.cache/templates``): compiling the
        templates is a sixth of a one-document rebuild. Jinja keys each by its name and
        checks its source's hash, so an edited template is compiled again."""
        folder = self.writer.root / TEMPLATE_CACHE
        folder.mkdir(parents=True, exist_ok=True)
        return jinja2.FileSystemBytecodeCache(str(folder))

    def needs(self, doc_id: str) -> bool:
        return self.changed is None or doc_id in self.changed

    def keep_all(self, prefix: str, *, but: frozenset[str] = frozenset()) -> bool:
        """Nothing changed: keep every previous output under ``prefix`` (except ``but``,
        which the caller writes again); False (rebuild) when there was none, or when one
        of them is gone."""
        if self.changed is None or self.changed or self.changes:
            return False
        previous = sorted(p for p in self.previous_outputs if p.startswith(prefix) and p not in but)
        if not previous or not all(self.writer.exists(p) for p in previous):
            return False
        for path in previous:
            self.writer.keep(path)
        return True


class Generator(Protocol):
    """A format. It may also have (looked up with ``getattr``, all optional):

    - ``early: bool`` (read after ``prepare``): generated before the others and before
      the change report (it must not read ``ctx.changes``), because it hands its work to
      other processes and collects it in a finisher;
    - ``prepare(config, out, jobs, edited)``: called before the build parses anything,
      to start something slow in another process (WeasyPrint workers, Pagefind);
      ``edited`` is :func:`edited_sources`;
    - ``release()``: called when the build ends, to stop what ``prepare`` started if
      ``generate`` did not take it over.
    """

    name: ClassVar[str]
    """The ``--format`` name."""

    def generate(self, graph: RunbookGraph, ctx: BuildContext) -> None:
        """Write this format's files for the whole graph (or start to: work left in
        ``ctx.finishers`` is done when the caller calls them, which it must)."""


def edited_sources(source: Path, out: Path) -> list[Path]:
    """Markdown files under ``source`` changed since the last build into ``out`` wrote
    its manifest (all of them when there was none): a guess made before parsing, for
    what a ``prepare`` hook starts. Wrong, it costs time, never correctness."""
    from compiler.diagnostics import Diagnostics
    from compiler.manifest import MANIFEST
    from compiler.sources import find_sources

    try:
        last = (out / MANIFEST).stat().st_mtime
    except OSError:
        last = float("-inf")
    try:
        # The build's own listing (no hidden files, no links out), not excludes: a guess.
        paths, _ = find_sources(source, (), Diagnostics())
        return [path for path in paths if path.stat().st_mtime >= last]
    except OSError:
        return []


_REGISTRY: dict[str, Callable[[], Generator]] = {}

BUILTIN: dict[str, str] = {
    "html": "html",
    "json": "json_export",
    "md": "markdown",
    "pdf": "pdf",
    "ps1": "powershell",
    "svg": "flowchart",
}
"""Each format and the module of this package that registers it: a build imports only the
modules of the formats it writes, and the format that starts workers first (a fifth of a
second of imports earlier). ``tests/test_build_overlap.py`` checks it against the modules."""

PREPARE_FIRST = ("pdf", "html")
"""Formats whose ``prepare`` starts slow work elsewhere, in the order a build imports and
prepares them (before every other format's module)."""


def register(name: str) -> Callable[[Callable[[], Generator]], Callable[[], Generator]]:
    def decorate(factory: Callable[[], Generator]) -> Callable[[], Generator]:
        _REGISTRY[name] = factory
        return factory

    return decorate


def available_formats() -> list[str]:
    """Every format: the built-in ones and any registered since (without importing them)."""
    return sorted(BUILTIN.keys() | _REGISTRY.keys())


def get_generator(name: str) -> Generator:
    if name not in _REGISTRY and name in BUILTIN:
        importlib.import_module(f"compiler.generators.{BUILTIN[name]}")
    if name not in _REGISTRY:
        _load_builtin()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise KeyError(
            f"unknown format '{name}'; available: {', '.join(available_formats())}"
        ) from None


def _load_builtin() -> None:
    """Import every module of this package on first use (not at package import).

    Each format is one module that registers itself with :func:`register`; adding a
    format is adding a file. A module that fails to import is a bug: it raises.
    """
    import compiler.generators as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name != "base" and not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")
