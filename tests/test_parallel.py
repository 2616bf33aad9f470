"""Per-document work across forked workers: in order, failures per item, same as serial."""

from __future__ import annotations

import os

from compiler.parallel import Failure, map_documents


def _square_or_fail(n: int) -> tuple[int, int]:
    if n == 13:
        raise ValueError("thirteen")
    return n * n, os.getpid()


def test_results_in_order_with_failures_per_item() -> None:
    items = list(range(40))
    parallel = map_documents(_square_or_fail, items, jobs=2)
    serial = map_documents(_square_or_fail, items, jobs=1)
    assert parallel[13] == serial[13] == Failure("ValueError", "thirteen")
    assert [r[0] for r in parallel if not isinstance(r, Failure)] == [
        n * n for n in items if n != 13
    ]
    pids = {r[1] for r in parallel if not isinstance(r, Failure)}
    assert os.getpid() not in pids  # the work ran in workers
    assert {r[1] for r in serial if not isinstance(r, Failure)} == {os.getpid()}


def test_inherits_state_instead_of_pickling_it() -> None:
    unpicklable = {"fn": lambda x: x + 1}  # a closure over a lambda cannot be pickled

    def work(n: int) -> int:
        return int(unpicklable["fn"](n))

    assert map_documents(work, list(range(20)), jobs=2) == list(range(1, 21))


def test_small_inputs_stay_in_process() -> None:
    assert map_documents(lambda n: os.getpid(), [1, 2], jobs=2) == [os.getpid()] * 2


def test_done_is_called_in_order_in_this_process() -> None:
    seen: list[tuple[int, int]] = []
    map_documents(
        lambda n: n, list(range(30)), jobs=2, done=lambda n: seen.append((n, os.getpid()))
    )
    assert seen == [(n, os.getpid()) for n in range(30)]
