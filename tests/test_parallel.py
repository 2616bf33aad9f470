"""Per-document work across forked workers: in order, failures per item, same as serial."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from compiler import parallel
from compiler.build import build
from compiler.cache import ParseCache
from compiler.config import Config
from compiler.generators import html as html_generator
from compiler.parallel import FORK_FROM, Failure, map_documents, workers_for
from tests.conftest import ROOT, SOURCE_DOCS


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


def test_light_formats_fork_only_for_many_documents() -> None:
    assert workers_for(FORK_FROM - 1, 3) == 1
    assert workers_for(FORK_FROM, 3) == 3


def test_forked_formats_write_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """md, ps1 and the html pages (runbooks and codes, the flowcharts inlined in them
    checked there too) from workers: the same bytes."""
    formats = ["html", "md", "ps1"]
    serial = tmp_path / "serial"
    build(SOURCE_DOCS, serial, Config(root=ROOT), formats=formats, jobs=1)
    monkeypatch.setattr("compiler.parallel.FORK_FROM", 1)
    pids = tmp_path / "pids"
    real_call = parallel._call

    def call(fn: object, item: object) -> object:
        with pids.open("a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")
        return real_call(fn, item)  # type: ignore[arg-type]

    monkeypatch.setattr("compiler.parallel._call", call)
    checks = tmp_path / "check-pids"
    real_check = html_generator._procedure_figure

    def check(svg: str, id_prefix: str) -> str | None:
        with checks.open("a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")
        return real_check(svg, id_prefix)

    monkeypatch.setattr(html_generator, "_procedure_figure", check)
    out = tmp_path / "forked"
    build(SOURCE_DOCS, out, Config(root=ROOT), formats=formats, jobs=2)
    assert _tree(out) == _tree(serial)
    ran_in = set(pids.read_text(encoding="utf-8").split())
    assert ran_in and str(os.getpid()) not in ran_in  # every page and script in a worker
    checked_in = set(checks.read_text(encoding="utf-8").split())
    assert checked_in and str(os.getpid()) not in checked_in  # and each page's flowcharts


def _tree(out: Path) -> dict[str, bytes]:
    skip = {".cache", "pagefind", "changes.html", "CHANGES.md", "manifest.json"}
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not skip.intersection(p.parts)
    }


def test_the_parse_cache_is_written_by_the_workers_that_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stored one after the other by this process, 300 results took 0.13 s with the
    # workers already done.
    log = tmp_path / "store-pids"
    real_store = ParseCache.store

    def store(self: ParseCache, *args: Any) -> None:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
        real_store(self, *args)

    monkeypatch.setattr(ParseCache, "store", store)
    out = tmp_path / "out"
    build(SOURCE_DOCS, out, Config(root=ROOT), formats=["json"], jobs=2)
    stored_by = log.read_text(encoding="utf-8").split()
    assert len(stored_by) == len(list(SOURCE_DOCS.rglob("*.md"))) - 1  # not NOTICE.md
    assert str(os.getpid()) not in stored_by
