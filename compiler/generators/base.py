"""The one protocol every output format implements, and the registry of formats.

Like Sphinx's builders: a name, an output folder, and one ``generate`` hook that
reads only the graph and writes through the :class:`~compiler.writer.Writer`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from compiler.config import Config
from compiler.diagnostics import Diagnostics
from compiler.graph import RunbookGraph
from compiler.writer import Writer


@dataclass(slots=True)
class BuildContext:
    config: Config
    writer: Writer
    diags: Diagnostics


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
    """Import the built-in generator modules on first use (not at package import)."""
    from compiler.generators import json_export  # noqa: F401
