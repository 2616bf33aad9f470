"""Per-document work across forked worker processes, for the generators.

The workers are forked after the graph is built, so they inherit it (and the function
to run) instead of receiving it pickled: only item indexes go out and results come
back. Results are in item order, so the output does not depend on the number of
workers. A function that raises yields a :class:`Failure` for that item; the other
items are unaffected.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from compiler import processes

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 8
"""Below this, forking workers costs more than it saves."""

CHUNKS_PER_WORKER = 8
"""Items go out in this many chunks per worker: the last chunk may run alone, so a small
one leaves the other workers idle for less (a chunk costs ~1 ms to hand over)."""


FORK_FROM = 64
"""Documents from which a generator whose work is a few ms a document forks workers:
below, forking costs more than it saves; above, this process is left free for the
threads that feed helpers (the search index, which waits for it otherwise)."""


def workers_for(items: int, jobs: int | None) -> int | None:
    """``jobs`` for :func:`map_documents` of ``items`` light documents (see FORK_FROM)."""
    return jobs if items >= FORK_FROM else 1


@dataclass(slots=True, frozen=True)
class Failure:
    """What an item's function raised, as text (exceptions may not pickle)."""

    kind: str
    message: str
    where: str = field(default="", compare=False)
    """The file and line that raised, innermost in this package (``compiler/parse/x.py:12``)."""
    trace: str = field(default="", compare=False)
    """The whole traceback, for ``-v``."""

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"

    @classmethod
    def of(cls, exc: BaseException) -> Failure:
        return cls(
            type(exc).__name__,
            str(exc),
            _where(exc),
            "".join(traceback.format_exception(exc)).rstrip("\n"),
        )

    def brief(self) -> str:
        """One line: ``KeyError: 'x' in compiler/html/pages.py:88``."""
        first = self.message.strip().splitlines()[0] if self.message.strip() else ""
        if len(first) > 200:
            first = first[:199] + "…"
        what = f"{self.kind}: {first}" if first else self.kind
        return f"{what} in {self.where}" if self.where else what


_PACKAGE = Path(__file__).resolve().parent


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    for frame in reversed(frames):
        path = Path(frame.filename)
        if path.is_relative_to(_PACKAGE):
            return f"{path.relative_to(_PACKAGE.parent).as_posix()}:{frame.lineno}"
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}"


_TASK: list[tuple[Callable[[Any], Any], Sequence[Any]]] = []
"""The function and items of the running map, inherited by the forked workers."""


def map_documents(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    jobs: int | None = None,
    done: Callable[[T], object] | None = None,
) -> list[R | Failure]:
    """``fn(item)`` for every item, in order, across ``jobs`` processes (default: CPUs).

    ``done(item)`` is called in this process, in order, as each result comes back (a
    progress bar)."""
    workers = min(jobs if jobs is not None else (os.cpu_count() or 1), len(items))
    results: list[R | Failure] = []
    if workers <= 1 or len(items) < MIN_ITEMS or _TASK or not _can_fork():
        for item in items:
            results.append(_call(fn, item))
            if done is not None:
                done(item)
        return results
    size = max(1, len(items) // (workers * CHUNKS_PER_WORKER))
    chunks = [range(i, min(i + size, len(items))) for i in range(0, len(items), size)]
    _TASK.append((fn, items))
    try:
        # The workers may run dot (the error-entry flowcharts): they end it if ended.
        pool = processes.pool(workers, multiprocessing.get_context("fork"), tools=True)
        try:
            with processes.starting():  # the first submit forks the workers
                # Not pool.map: left by an exception, it cancels the chunks not begun, and
                # Python 3.11's pool thread fails on those with a traceback when the workers
                # are ended (InvalidStateError, cpython gh-107219, fixed in 3.12).
                parts = [pool.submit(_run_chunk, chunk) for chunk in chunks]
            for indexes, part in zip(chunks, parts, strict=True):
                results.extend(part.result())
                if done is not None:
                    for i in indexes:
                        done(items[i])
            pool.shutdown(wait=True)
        except BaseException:  # interrupted, or a worker lost: nothing waits for the others
            processes.stop(pool)
            raise
        return results
    finally:
        _TASK.clear()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _run_chunk(indexes: range) -> list[Any]:
    fn, items = _TASK[0]
    return [_call(fn, items[i]) for i in indexes]


def _call(fn: Callable[[T], R], item: T) -> R | Failure:
    try:
        return fn(item)
    except Exception as exc:  # reported by the caller, per item
        return Failure.of(exc)
