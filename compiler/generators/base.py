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
from typing import Any, ClassVar, Protocol

from compiler.config import Config
from compiler.diagnostics import Diagnostics
from compiler.diff import DocumentDiff
from compiler.graph import RunbookGraph
from compiler.writer import Writer


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
    _export_text: str | None = None

    def export_text(self, graph: RunbookGraph) -> str:
        """``runbooks.json``'s text, made once per build whoever asks first."""
        if self._export_text is None:
            from compiler.generators.json_export import dumps, export

            data = self.graph_export if self.graph_export is not None else export(graph)
            self._export_text = dumps(data)
        return self._export_text

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
    name: ClassVar[str]
    """The ``--format`` name."""

    def generate(self, graph: RunbookGraph, ctx: BuildContext) -> None:
        """Write this format's files for the whole graph."""


_REGISTRY: dict[str, Callable[[], Generator]] = {}


def register(name: str) -> Callable[[Callable[[], Generator]], Callable[[], Generator]]:
    def decorate(factory: Callable[[], Generator]) -> Callable[[], Generator]:
        _REGISTRY[name] = factory
        return factory

    return decorate


def available_formats() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def get_generator(name: str) -> Generator:
    _load_builtin()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise KeyError(
            f"unknown format '{name}'; available: {', '.join(sorted(_REGISTRY))}"
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
