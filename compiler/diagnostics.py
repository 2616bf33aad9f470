"""Diagnostics: ``path:line:col: severity: message [rule]``, collected, never raised."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.parallel import Failure

INTERNAL = "internal"
"""The rule of an exception the compiler raised on a document: a bug, never the document's."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(slots=True, frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    severity: Severity
    message: str
    rule: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        return f"{where}: {self.severity.value}: {self.message} [{self.rule}]"


@dataclass(slots=True)
class Diagnostics:
    """A collector. Rules report into it; the build decides what the severities mean."""

    items: list[Diagnostic] = field(default_factory=list)
    details: dict[Diagnostic, str] = field(default_factory=dict)
    """More about some diagnostics, printed with ``-v`` only (an internal error's traceback)."""

    def report(
        self,
        path: str,
        line: int,
        severity: Severity,
        message: str,
        rule: str,
        col: int = 1,
    ) -> None:
        self.items.append(Diagnostic(path, max(line, 1), max(col, 1), severity, message, rule))

    def error(self, path: str, line: int, message: str, rule: str, col: int = 1) -> None:
        self.report(path, line, Severity.ERROR, message, rule, col)

    def warning(self, path: str, line: int, message: str, rule: str, col: int = 1) -> None:
        self.report(path, line, Severity.WARNING, message, rule, col)

    def internal(
        self, path: str, what: str, failure: Failure, *, then: str = "", line: int = 1
    ) -> None:
        """An exception raised while working on ``path``: one line that names the document,
        what could not be done and where it raised; the traceback is kept for ``-v``.
        ``what`` follows "could not" ("parse this document"); ``then`` says what follows
        for the outputs."""
        message = f"could not {what} ({failure.brief()})"
        if then:
            message += f"; {then}"
        self.error(path, line, f"{message}; this is a bug, please report it", INTERNAL)
        if failure.trace:
            self.details[self.items[-1]] = failure.trace

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Diagnostic]:
        """Unique diagnostics in path/line order: stable output for humans and tests."""
        return sorted(set(self.items))

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.items if d.severity is severity)

    def failed(self, *, strict: bool = False) -> bool:
        """True when the run should exit 1: errors, or with ``strict`` also warnings."""
        bad = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        return any(d.severity in bad for d in self.items)
