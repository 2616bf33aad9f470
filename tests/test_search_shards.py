"""The sharded Pagefind index: stable shards, only changed shards indexed again, safe swaps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from compiler.html import pagefind_service, search
from compiler.html.search import (
    IndexResult,
    assign_shards,
    bucket,
    page_group,
    shard_count,
    start_index,
)

needs_pagefind = pytest.mark.skipif(
    search.find_pagefind() is None,
    reason="pagefind is not installed (make venv installs pagefind[extended])",
)


def page_html(word: str, *, lang: str = "en", body: bool = True) -> str:
    marker = " data-pagefind-body" if body else ""
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head><title>{word}</title></head>\n'
        f"<body><nav>Navigation</nav><article{marker}><h1>{word}</h1>"
        f"<p>Runbook about {word}.</p></article></body>\n</html>\n"
    )


def make_site(root: Path, count: int = 100) -> tuple[Path, list[str]]:
    """``count`` English runbooks in two folders plus three code pages without a body."""
    site = root / "html"
    pages = []
    for n in range(count):
        path = f"{'alpha' if n % 2 else 'beta'}/doc{n:03d}.html"
        write(site, path, page_html(f"word{n:03d}"))
        pages.append(path)
    for code in ("4711", "0x80070005", "34513"):
        path = f"codes/{code}.html"
        write(site, path, page_html(f"code{code}", body=False))
        pages.append(path)
    return site, pages


def write(site: Path, path: str, text: str) -> None:
    target = site / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def index(site: Path, pages: list[str], changed: set[str] | None = None) -> IndexResult:
    result = start_index(site, pages, changed, force_language="en").wait()
    assert result.ok, result.message
    return result


def state(site: Path) -> dict:
    return json.loads((site / "pagefind" / "shards.json").read_text(encoding="utf-8"))


def bundles(site: Path) -> dict[str, str]:
    """Shard key -> its bundle folder (shards with an index only)."""
    return {key: s["bundle"] for key, s in state(site)["shards"].items() if s["bundle"]}


def key_of(site: Path, page: str) -> str:
    return next(key for key, s in state(site)["shards"].items() if page in s["pages"])


def engine_folders(site: Path) -> list[str]:
    """Bundles that hold Pagefind's engine: the first of shards.js only."""
    shards = site / "pagefind" / "shards"
    names = sorted(p.parent.name for p in shards.glob("*/pagefind.js"))
    for name in names:
        assert (shards / name / "pagefind-worker.js").is_file()
        assert list((shards / name).glob("wasm.*.pagefind"))
    script = (site / "pagefind" / "shards.js").read_text(encoding="utf-8")
    assert script.split('"shards/')[1].split("/")[0] == names[0]
    return names


def snapshot(site: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of the search bundle: (mtime, bytes)."""
    folder = site / "pagefind"
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# -- shard assignment (no Pagefind needed) -------------------------------------------
def test_searchable_drops_only_the_flowchart_figures() -> None:
    figure = search.FLOWCHART_FIGURE + "<svg><text>1. a &lt;/figure&gt;</text></svg></figure>"
    page = f"<main><h1>T</h1>{figure}<p>one</p>{figure}<figure>photo</figure></main>"
    assert search.searchable(page) == "<main><h1>T</h1><p>one</p><figure>photo</figure></main>"
    plain = "<main><figure>photo</figure></main>"
    assert search.searchable(plain) is plain
    unclosed = f"<p>a</p>{search.FLOWCHART_FIGURE}<svg>"  # kept as it is: never cut blind
    assert search.searchable(unclosed) == unclosed


@needs_pagefind
def test_pagefind_is_given_pages_without_their_flowcharts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "html"
    chart = search.FLOWCHART_FIGURE + "<svg><text>chart</text></svg></figure>"
    write(site, "a.html", page_html("alpha").replace("<p>", chart + "<p>"))
    given: list[str] = []
    original = pagefind_service.Service.index

    def spy(self: Any, contents: dict[str, str], language: str | None) -> dict[str, bytes]:
        given.extend(contents.values())
        return original(self, contents, language)

    monkeypatch.setattr(pagefind_service.Service, "index", spy)
    index(site, ["a.html"])
    assert given and all(search.FLOWCHART_FIGURE not in html for html in given)
    assert "Runbook about alpha." in given[0]


def test_shard_count_is_a_power_of_two_that_grows_with_the_pages() -> None:
    assert [shard_count(n, 40) for n in (0, 1, 40, 41, 80, 81, 300)] == [1, 1, 1, 2, 2, 4, 8]
    assert shard_count(10**6, 40) == search.MAX_SHARDS_PER_GROUP


def test_bucket_is_stable_across_processes_and_runs() -> None:
    # sha256, not hash(): these values must never change, or every site re-indexes.
    assert [bucket("a.html", 8), bucket("codes/4711.html", 8), bucket("x/y.html", 64)] == [
        bucket("a.html", 8),
        bucket("codes/4711.html", 8),
        bucket("x/y.html", 64),
    ]
    assert bucket("a.html", 1) == 0
    assert {bucket(f"p{n}.html", 4) for n in range(100)} == {0, 1, 2, 3}


def test_pages_are_grouped_by_path_and_language() -> None:
    assert page_group("codes/4711.html", b'<html lang="ja-JP">') == "codes"
    assert page_group("a.html", b'<!doctype html>\n<html lang="ja-JP">') == "seg"
    assert page_group("a.html", b"<html class='x' lang='zh'>") == "seg"
    assert page_group("a.html", b'<html lang="en-US">') == "text"
    assert page_group("a.html", b"<html>") == "text"


def test_assignment_depends_only_on_the_pages() -> None:
    groups = {f"d/{n}.html": ("seg" if n % 3 == 0 else "text") for n in range(500)}
    groups |= {f"codes/{n}.html": "codes" for n in range(50)}
    first = assign_shards(groups)
    again = assign_shards(dict(reversed(list(groups.items()))))
    assert first == again
    assert list(first) == sorted(first)
    assert sorted(p for pages in first.values() for p in pages) == sorted(groups)
    assert {key.rsplit("-", 2)[0] for key in first} == {"codes", "seg", "text"}
    # Each shard holds pages of one group only.
    for key, pages in first.items():
        assert {groups[p] for p in pages} == {key.split("-")[0]}
    # Adding a page moves no other page (same bucket count).
    grown = assign_shards(groups | {"d/new.html": "text"})
    moved = {p for key, pages in first.items() for p in pages if p not in grown.get(key, ())}
    assert not moved


# -- indexing with Pagefind ----------------------------------------------------------
@needs_pagefind
def test_full_index_writes_one_bundle_per_shard(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    result = index(site, pages)
    folder = site / "pagefind"
    found = bundles(site)
    assert set(found) == {f"text-4-{n}" for n in range(4)}  # 100 pages / 40 per shard
    assert set(result.reindexed) == set(state(site)["shards"])
    script = (folder / "shards.js").read_text(encoding="utf-8")
    assert script.count('"shards/') == len(found)
    assert engine_folders(site) == [found["text-4-0"]]  # the first bundle of shards.js
    total = 0
    for key, name in found.items():
        assert name.startswith(f"{key}-")
        bundle = folder / "shards" / name
        assert not (bundle / "pagefind-ui.js").exists()  # the UI lives once, in pagefind/
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        count = entry["languages"]["en"]["page_count"]
        assert count == len(state(site)["shards"][key]["pages"])
        total += count
    assert total == 100  # the code pages have no data-pagefind-body, like Pagefind's own rule
    assert (folder / "pagefind-ui.js").is_file() and (folder / "pagefind-ui.css").is_file()
    assert result.files == tuple(
        sorted(p.relative_to(site).as_posix() for p in folder.rglob("*") if p.is_file())
    )


@needs_pagefind
def test_a_changed_page_indexes_only_its_shard(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    before = snapshot(site)
    target = pages[7]
    write(site, target, page_html("zanzibar"))
    result = index(site, pages, changed={target})
    key = key_of(site, target)
    assert result.reindexed == (key,)
    after = snapshot(site)
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    assert changed, "the shard's bundle was not rewritten"
    assert all(
        name.startswith(f"shards/{key}-") or name in ("shards.js", "shards.json")
        for name in changed
    ), sorted(changed)
    # The old bundle of the shard is gone; every other shard's files are untouched.
    assert len(bundles(site)) == 4


@needs_pagefind
def test_nothing_changed_indexes_nothing(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    before = snapshot(site)
    result = index(site, pages, changed=set())
    assert result.reindexed == ()
    assert snapshot(site) == before


@needs_pagefind
def test_removed_and_added_pages_index_their_shards_again(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    gone = pages[3]
    removed_key = key_of(site, gone)
    (site / gone).unlink()
    remaining = [p for p in pages if p != gone]
    result = index(site, remaining, changed=set())
    assert result.reindexed == (removed_key,)
    assert gone not in state(site)["shards"][removed_key]["pages"]

    write(site, "alpha/new.html", page_html("newcomer"))
    result = index(site, [*remaining, "alpha/new.html"], changed={"alpha/new.html"})
    assert result.reindexed == (key_of(site, "alpha/new.html"),)


@needs_pagefind
def test_shards_that_no_longer_exist_are_removed(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    few = pages[:10]  # 10 pages: one shard instead of four
    index(site, few, changed=set())
    assert list(bundles(site)) == ["text-1-0"]
    assert [p.name for p in (site / "pagefind" / "shards").iterdir()] == [bundles(site)["text-1-0"]]


@needs_pagefind
def test_the_engine_moves_to_the_new_first_bundle(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    first = bundles(site)["text-4-0"]
    emptied = state(site)["shards"]["text-4-0"]["pages"]
    for page in emptied:  # no data-pagefind-body any more: the shard indexes nothing
        write(site, page, page_html("plain", body=False))
    result = index(site, pages, changed=set(emptied))
    assert result.reindexed == ("text-4-0",)
    assert "text-4-0" not in bundles(site)
    assert not (site / "pagefind" / "shards" / first).exists()
    assert engine_folders(site) == [bundles(site)["text-4-1"]]
    # Nothing changed, the engine stays where it is; lost, it comes back.
    assert index(site, pages, changed=set()).reindexed == ()
    (site / "pagefind" / "shards" / bundles(site)["text-4-1"] / "pagefind.js").unlink()
    assert len(index(site, pages, changed=set()).reindexed) == 1
    assert engine_folders(site) == [bundles(site)["text-4-1"]]


@needs_pagefind
def test_bundles_are_byte_identical_across_runs(tmp_path: Path) -> None:
    one, pages = make_site(tmp_path / "one")
    two, _ = make_site(tmp_path / "two")
    index(one, pages)
    index(two, pages)
    first = {k: v[1] for k, v in snapshot(one).items()}
    assert first == {k: v[1] for k, v in snapshot(two).items()}


@needs_pagefind
def test_code_pages_are_indexed_once_they_mark_a_body(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    assert not any(key.startswith("codes-") for key in bundles(site))
    write(site, "codes/4711.html", page_html("code4711"))
    result = index(site, pages, changed={"codes/4711.html"})
    assert result.reindexed == ("codes-1-0",)
    entry = site / "pagefind" / "shards" / bundles(site)["codes-1-0"] / "pagefind-entry.json"
    assert json.loads(entry.read_text(encoding="utf-8"))["languages"]["en"]["page_count"] == 1


@needs_pagefind
def test_a_failed_shard_keeps_its_old_bundle_and_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    before = bundles(site)
    write(site, pages[0], page_html("first"))
    write(site, pages[1], page_html("second"))
    changed = {pages[0], pages[1]}
    keys = {key_of(site, p) for p in changed}

    real = pagefind_service.Service.index
    calls: list[int] = []

    def crash_on_second(
        self: pagefind_service.Service, *args: Any, **kwargs: Any
    ) -> dict[str, bytes]:
        calls.append(1)
        if len(calls) == 2:
            self.kill()  # as if Pagefind died in the middle of the shard
            raise pagefind_service.ServiceError("Pagefind stopped")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pagefind_service.Service, "index", crash_on_second)
    result = start_index(site, pages, changed, force_language="en").wait()
    assert not result.ok and "Pagefind stopped" in result.message
    stale = [key for key, s in state(site)["shards"].items() if s.get("stale")]
    assert len(stale) == 1 and stale[0] in keys
    assert bundles(site)[stale[0]] == before[stale[0]]  # the previous index still serves
    for name in bundles(site).values():
        assert (site / "pagefind" / "shards" / name / "pagefind-entry.json").is_file()

    monkeypatch.setattr(pagefind_service.Service, "index", real)
    result = index(site, pages, changed=set())
    assert result.reindexed == (stale[0],)
    assert not any(s.get("stale") for s in state(site)["shards"].values())


@needs_pagefind
def test_a_killed_build_leaves_a_working_index(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    folder = site / "pagefind"
    script = (folder / "shards.js").read_text(encoding="utf-8")
    # A build killed while Pagefind wrote a shard leaves its temporary folder behind.
    leftover = folder / "shards" / ".tmp-text-4-0"
    leftover.mkdir()
    (leftover / "pagefind-entry.json").write_text("{", encoding="utf-8")
    assert (folder / "shards.js").read_text(encoding="utf-8") == script
    result = index(site, pages, changed=set())
    assert not leftover.exists()
    assert not any(name.startswith("pagefind/shards/.") for name in result.files)


@needs_pagefind
def test_an_older_single_bundle_is_replaced(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    folder = site / "pagefind"
    (folder / "index").mkdir(parents=True)
    (folder / "index" / "en_1.pf_index").write_bytes(b"old")
    (folder / "pagefind-entry.json").write_text("{}", encoding="utf-8")
    (folder / "pagefind.en_1.pf_meta").write_bytes(b"old")
    index(site, pages, changed=set())
    assert not (folder / "index").exists()
    assert not (folder / "pagefind-entry.json").exists()
    assert not (folder / "pagefind.en_1.pf_meta").exists()
    assert (folder / "shards.js").is_file() and (folder / "pagefind-ui.js").is_file()


@needs_pagefind
def test_another_language_indexes_every_shard(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    result = start_index(site, pages, set(), force_language="de").wait()
    assert result.ok and set(result.reindexed) == set(state(site)["shards"])


@needs_pagefind
def test_lost_ui_files_come_back(tmp_path: Path) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    (site / "pagefind" / "pagefind-ui.js").unlink()
    result = index(site, pages, changed=set())
    assert len(result.reindexed) == 1
    assert (site / "pagefind" / "pagefind-ui.js").is_file()


@needs_pagefind
def test_build_index_indexes_every_page_of_the_site(tmp_path: Path) -> None:
    site, _ = make_site(tmp_path, count=5)
    result = search.build_index(site, force_language="en")
    assert result.ok, result.message
    assert sorted(state(site)["shards"]) == ["codes-1-0", "text-1-0"]


# -- never raises ----------------------------------------------------------------------
def test_no_pagefind_is_a_warning_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, pages = make_site(tmp_path, count=3)
    monkeypatch.setattr(search, "find_pagefind", lambda: None)
    result = start_index(site, pages, None, force_language="en").wait()
    assert not result.ok and "pip install 'pagefind[extended]'" in result.message


def test_an_unexpected_error_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, pages = make_site(tmp_path, count=3)
    fake = search.Pagefind(Path(shutil.which("false") or "/bin/false"), True, "0")
    monkeypatch.setattr(search, "find_pagefind", lambda: fake)

    def boom(self: object) -> IndexResult:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(search._Job, "_index", boom)
    result = start_index(site, pages, None, force_language="en").wait()
    assert not result.ok and "disk on fire" in result.message


def test_a_pagefind_that_dies_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, pages = make_site(tmp_path, count=3)
    fake = search.Pagefind(Path(shutil.which("false") or "/bin/false"), True, "0")
    monkeypatch.setattr(search, "find_pagefind", lambda: fake)
    result = start_index(site, pages, None, force_language="en").wait()
    assert not result.ok and "Pagefind stopped" in result.message
    assert state(site)["shards"]["text-1-0"]["stale"] is True
    assert "window.RUNBOOKS_SEARCH_SHARDS = [\n];" in (site / "pagefind" / "shards.js").read_text(
        encoding="utf-8"
    )


def test_a_pagefind_that_hangs_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, pages = make_site(tmp_path, count=3)
    hang = tmp_path / "pagefind-hangs"
    hang.write_text("#!/bin/sh\nexec sleep 60\n", encoding="utf-8")
    hang.chmod(0o755)
    monkeypatch.setattr(search, "find_pagefind", lambda: search.Pagefind(hang, True, "0"))
    result = start_index(site, pages, None, force_language="en").wait(timeout=0.5)
    assert not result.ok and "stopped after 0.5 s" in result.message
    assert state(site)["shards"]["text-1-0"]["stale"] is True


@needs_pagefind
def test_after_an_unexpected_error_the_next_build_indexes_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, pages = make_site(tmp_path)
    index(site, pages)
    write(site, pages[0], page_html("changed"))

    def boom(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(search, "publish", boom)
    result = start_index(site, pages, {pages[0]}, force_language="en").wait()
    assert not result.ok and "disk full" in result.message
    assert not (site / "pagefind" / "shards.json").exists()
    assert (site / "pagefind" / "shards.js").is_file()  # the previous index still serves
    monkeypatch.undo()
    result = index(site, pages, changed=set())
    assert set(result.reindexed) == set(state(site)["shards"])


def test_a_finished_handle_stands_in_for_an_index() -> None:
    done = IndexResult(True, "", ("pagefind/shards.js",))
    handle = search.IndexHandle.finished(done)
    assert handle.done() and handle.wait() is done
