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
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

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

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


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
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for indexes, part in zip(chunks, pool.map(_run_chunk, chunks), strict=True):
                results.extend(part)
                if done is not None:
                    for i in indexes:
                        done(items[i])
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
        return Failure(type(exc).__name__, str(exc))
