"""Progress: a bar on a terminal, one line per document elsewhere (CI logs), or nothing."""

from __future__ import annotations

import sys
from typing import Protocol, TextIO


class Progress(Protocol):
    def start(self, total: int, label: str) -> None: ...

    def advance(self, item: str) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    """``-q``: diagnostics only."""

    def start(self, total: int, label: str) -> None:
        pass

    def advance(self, item: str) -> None:
        pass

    def finish(self) -> None:
        pass


class LineProgress:
    """One line per item: readable in a CI log, greppable, no control characters."""

    __slots__ = ("_count", "_label", "_stream", "_total")

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._total = self._count = 0
        self._label = ""

    def start(self, total: int, label: str) -> None:
        self._total, self._count, self._label = total, 0, label

    def advance(self, item: str) -> None:
        self._count += 1
        width = len(str(self._total))
        print(
            f"[{self._count:>{width}}/{self._total}] {self._label} {item}",
            file=self._stream or sys.stderr,
        )

    def finish(self) -> None:
        pass


class BarProgress:
    """A rich progress bar, for a terminal."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True
        )
        self._task: object = None

    def start(self, total: int, label: str) -> None:
        if self._task is None:
            self._bar.start()
        else:
            self._bar.remove_task(self._task)  # type: ignore[arg-type]
        self._task = self._bar.add_task(label, total=total)

    def advance(self, item: str) -> None:
        self._bar.update(self._task, advance=1, description=item[-60:])  # type: ignore[arg-type]

    def finish(self) -> None:
        if self._task is not None:
            self._bar.stop()
            self._task = None


def progress_for(*, quiet: bool, stream: TextIO | None = None) -> Progress:
    if quiet:
        return NoProgress()
    target = stream or sys.stderr
    return BarProgress() if target.isatty() else LineProgress(target)
