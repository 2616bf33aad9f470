"""The sharded search index in a real browser: one search finds pages of several shards.

The corpus is built with tiny shards (2 pages each), so that its Japanese and English
pages land in many Pagefind bundles; the search page merges them all.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler.build import build
from compiler.config import Config
from compiler.html import search
from tests.conftest import SOURCE_DOCS
from tests.e2e.conftest import CHROMIUM
from tests.e2e.test_browser import SEED, _QuietHandler

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (make venv installs it)"
)
pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.is_file(), reason="/usr/bin/chromium is missing (make deps installs it)"
    ),
    pytest.mark.skipif(search.find_pagefind() is None, reason="pagefind is not installed"),
]
EC2 = "awsdocs/amazon-ec2-user-guide-windows__ec2launchv2-troubleshooting.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL of the site served from /sub/html/, the site's folder)."""
    work = tmp_path_factory.mktemp("e2e-shards")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "PAGES_PER_SHARD", {"seg": 2, "text": 2, "codes": 2})
        build(SOURCE_DOCS, work / "sub", Config(root=SOURCE_DOCS), formats=["html"])
    handler = functools.partial(_QuietHandler, directory=str(work))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sub/html/", work / "sub" / "html"
    server.shutdown()
    server.server_close()


def shard_of(folder: Path) -> dict[str, str]:
    """Page -> the bundle that indexes it, from the index's own shards.json."""
    state = json.loads((folder / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    return {
        page: shard["bundle"]
        for shard in state["shards"].values()
        if shard["bundle"]
        for page in shard["pages"]
    }


def results(page: Any, base: str, query: str) -> list[str]:
    """Site-relative pages of the results for ``query``."""
    page.goto(base + "search.html?q=" + query)
    page.wait_for_selector(".pagefind-ui__result-link")
    hrefs = page.eval_on_selector_all(
        ".pagefind-ui__result-link", "links => links.map(a => a.getAttribute('href'))"
    )
    return [href.split("#")[0].removeprefix("/sub/html/") for href in hrefs]


def test_the_corpus_is_indexed_in_many_shards(site: tuple[str, Path]) -> None:
    _, folder = site
    bundles = set(shard_of(folder).values())
    assert len(bundles) >= 6, bundles
    script = (folder / "pagefind" / "shards.js").read_text(encoding="utf-8")
    assert all(f'"shards/{bundle}/"' in script for bundle in bundles)


@pytest.mark.parametrize(("query", "expected"), [("資格情報", SEED), ("EC2Launch", EC2)])
def test_search_finds_words_of_two_different_shards(
    site: tuple[str, Path], page: Any, query: str, expected: str
) -> None:
    base, folder = site
    shards = shard_of(folder)
    assert shards[SEED] != shards[EC2]  # the two pages live in different bundles
    assert expected in results(page, base, query)


def test_one_search_merges_results_from_several_shards(site: tuple[str, Path], page: Any) -> None:
    base, folder = site
    shards = shard_of(folder)
    found = results(page, base, "backup")
    assert len({shards[path] for path in found}) >= 2, found
