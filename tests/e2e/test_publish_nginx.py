"""A published site behind Debian's nginx, in Chromium, while it is published again.

nginx (``make deps`` installs it; this test starts its own, on a free loopback port, with
the ``location`` block ``runbooks publish`` wrote) serves the corpus under ``/runbooks/``.
Chromium opens the index, looks up 34513, follows a permalink, searches Japanese and
English, and reads the response headers of a shard and of a page. Then a second build is
published, and rolled back, while clients fetch pages and search files in a loop: every
request succeeds, every file is whole and of one build, and the search files a shard
list names are of that list's build.

The two builds are those of an admin's day: ``make runbooks``, publish, a document
edited, ``make runbooks`` again (into the same folder, whose files the first release
shares by hard links), publish.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from compiler.build import build
from compiler.cli import run
from compiler.config import Config
from compiler.html import search
from compiler.publish import Target, publish
from tests.conftest import SOURCE_DOCS
from tests.e2e.conftest import CHROMIUM

NGINX = Path("/usr/sbin/nginx")
PREFIX = "/runbooks/"
SEED = "000_seed_mars_agent_ja.html"
EDITED = "awsdocs/amazon-ec2-user-guide-windows__ec2launchv2-troubleshooting"
ADDED_SECTION = """

## Quokka calibration

| Error | Cause | Fix |
| --- | --- | --- |
| 99173 | The quokka sensor is not calibrated | Calibrate the quokka sensor again |
"""
PAGES = ("index.html", "codes/index.html", "codes/34513.html", f"{EDITED}.html", SEED)
"""Pages the clients fetch: some differ between the two builds, some do not."""

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (make venv installs it)"
)
pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.is_file(), reason="/usr/bin/chromium is missing (make deps installs it)"
    ),
    pytest.mark.skipif(not NGINX.is_file(), reason="/usr/sbin/nginx is missing (make deps)"),
    pytest.mark.skipif(search.find_pagefind() is None, reason="pagefind is not installed"),
]


# -- nginx -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def nginx(work: Path, location_block: Path) -> Iterator[int]:
    """Debian's nginx on 127.0.0.1, in the foreground, including the generated block."""
    port = free_port()
    work.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the test's folders
    temporaries = "".join(
        f"    {name}_temp_path {work / name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = work / "nginx.conf"
    conf.write_text(
        f"{user}daemon off;\nworker_processes 2;\npid {work / 'nginx.pid'};\n"
        f"error_log {work / 'error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        f"    access_log {work / 'access.log'};\n{temporaries}"
        f"    server {{\n        listen 127.0.0.1:{port};\n        server_name localhost;\n"
        f"        include {location_block};\n    }}\n"
        "}\n",
        encoding="utf-8",
    )
    command = [str(NGINX), "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, encoding="utf-8")
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()


# -- the two builds --------------------------------------------------------------------------
def hashes(site: Path) -> dict[str, str]:
    return {
        path.relative_to(site).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in site.rglob("*")
        if path.is_file()
    }


@dataclass(slots=True)
class Site:
    source: Path
    out: Path
    target: Target
    base: str
    """``http://127.0.0.1:<port>/runbooks/``."""
    port: int
    builds: dict[str, dict[str, str]] = field(default_factory=dict)
    """Build name (``A``, ``B``) -> its files' sha256, as published (release.json too)."""
    releases: dict[str, str] = field(default_factory=dict)
    """Build name -> its release id."""

    def snapshot(self, name: str, release: str) -> None:
        files = hashes(self.target.destination / "releases" / release)
        self.builds[name] = files
        self.releases[name] = release


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("e2e-publish")
    source = work / "docs"
    shutil.copytree(SOURCE_DOCS, source)
    out = work / "build"
    build(source, out, Config(root=source), formats=["html"])
    config = Config(root=work, base_path=PREFIX)
    where = Target.of(config, to=work / "www" / "runbooks")
    first = publish(out, where)
    assert first.nginx is not None
    with nginx(work / "nginx", first.nginx) as port:
        published = Site(source, out, where, f"http://127.0.0.1:{port}{PREFIX}", port)
        published.snapshot("A", first.release)
        yield published


# -- in the browser --------------------------------------------------------------------------
def test_the_index_and_the_footer_show_the_release(site: Site, page: Any) -> None:
    page.goto(site.base)
    assert page.locator("h1").first.inner_text()
    footer = page.locator("#rb-release")
    footer.wait_for(state="visible")
    text = footer.inner_text()
    assert site.releases["A"] in text and "UTC" in text
    info = json.loads((site.target.destination / "current" / "release.json").read_text("utf-8"))
    assert f"{info['counts']['documents']} runbooks" in text


def test_lookup_then_a_permalink(site: Site, page: Any) -> None:
    page.goto(site.base + "index.html")
    page.fill("#rb-lookup-input", "34513")
    page.press("#rb-lookup-input", "Enter")
    page.wait_for_url(f"**{PREFIX}codes/34513.html")
    page.locator(f'a[href^="../{SEED}#"]').first.click()
    page.wait_for_url(f"**{PREFIX}{SEED}#*")
    anchor = page.evaluate("decodeURIComponent(location.hash.slice(1))")
    assert page.locator(f'[id="{anchor}"]').is_visible()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("資格情報", SEED),
        ("remote desktop", "awsdocs/amazon-ec2-user-guide-windows__troubleshoot-connect-windows"),
    ],
)
def test_search_through_nginx(site: Site, page: Any, query: str, expected: str) -> None:
    page.goto(site.base + "search.html?q=" + query)
    page.wait_for_selector(".pagefind-ui__result-link")
    hrefs = page.eval_on_selector_all(
        ".pagefind-ui__result-link", "links => links.map(a => a.getAttribute('href'))"
    )
    assert any(href.startswith(PREFIX + expected) for href in hrefs), hrefs


def test_response_headers_of_shards_and_pages(site: Site, page: Any) -> None:
    seen: dict[str, dict[str, str]] = {}
    page.on("response", lambda response: seen.setdefault(response.url, response.headers))
    page.goto(site.base + "search.html?q=34513")
    page.wait_for_selector(".pagefind-ui__result-link")

    def headers(suffix: str) -> dict[str, str]:
        found = [h for url, h in seen.items() if url.split("?")[0].endswith(suffix)]
        assert found, f"no response for *{suffix} among {sorted(seen)}"
        return found[0]

    html = headers("/search.html")
    assert html["content-type"] == "text/html; charset=utf-8"
    assert html["cache-control"] == "no-cache"
    assert headers("/pagefind/shards.js")["cache-control"] == "no-cache"
    immutable = "public, max-age=31536000, immutable"
    for suffix, kind in (
        (".pf_meta", "application/octet-stream"),
        (".pf_fragment", "application/octet-stream"),
        (".pagefind", "application/octet-stream"),  # the engine's wasm
        ("/pagefind.js", "text/javascript"),
        ("/pagefind-entry.json", "application/json"),
    ):
        shard = headers(suffix)
        assert shard["content-type"].split(";")[0] == kind, (suffix, shard)
        assert shard["cache-control"] == immutable, (suffix, shard)
        assert shard["x-content-type-options"] == "nosniff"
    # A page asked for again is revalidated: 304 when unchanged.
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    connection.request("GET", PREFIX + "index.html")
    first = connection.getresponse()
    first.read()
    connection.request(
        "GET", PREFIX + "index.html", headers={"If-None-Match": first.headers["ETag"]}
    )
    again = connection.getresponse()
    again.read()
    connection.close()
    assert again.status == 304
    # The folder's own settings are not served; the bare prefix is sent to the folder.
    for path, status in ((PREFIX + "web.config", 404), (PREFIX.rstrip("/"), 301)):
        connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
        connection.request("GET", path)
        assert connection.getresponse().status == status, path
        connection.close()


# -- publishing while clients read -----------------------------------------------------------
@dataclass(slots=True)
class Fetched:
    path: str
    status: int
    sha256: str
    shard_list: str | None = None
    """For a search file: the sha256 of the shard list that named it."""


class Reader(threading.Thread):
    """Fetches pages and search files over and over until told to stop, as a reader's
    browser would: the shard list, then the files of every bundle it names."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.fetched: list[Fetched] = []
        self.failures: list[str] = []
        self.rounds = 0
        self.stop = threading.Event()

    def get(self, connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
        connection.request("GET", PREFIX + path)
        response = connection.getresponse()
        return response.status, response.read()

    def run(self) -> None:
        while not self.stop.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                self.round(connection)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}")
            finally:
                connection.close()
            self.rounds += 1

    def record(self, path: str, status: int, body: bytes, shard_list: str | None = None) -> None:
        digest = hashlib.sha256(body).hexdigest()
        self.fetched.append(Fetched(path, status, digest, shard_list))
        if status != 200:
            self.failures.append(f"{path}: HTTP {status}")

    def round(self, connection: http.client.HTTPConnection) -> None:
        status, body = self.get(connection, "pagefind/shards.js")
        self.record("pagefind/shards.js", status, body)
        listed = hashlib.sha256(body).hexdigest()
        bundles = re.findall(r'"(shards/[^"]+/)"', body.decode("utf-8"))
        if not bundles:
            self.failures.append(f"the shard list names no bundle: {body[:200]!r}")
        for n, bundle in enumerate(bundles):
            folder = f"pagefind/{bundle}"
            status, entry = self.get(connection, folder + "pagefind-entry.json")
            self.record(folder + "pagefind-entry.json", status, entry, listed)
            for language in json.loads(entry)["languages"].values():
                meta = f"{folder}pagefind.{language['hash']}.pf_meta"
                self.record(meta, *self.get(connection, meta), listed)
            if n == 0:
                engine = folder + "pagefind.js"
                self.record(engine, *self.get(connection, engine), listed)
        for path in (*PAGES, "release.json"):
            self.record(path, *self.get(connection, path))


def rounds_on(readers: list[Reader], count: int) -> None:
    """Let every reader do ``count`` more rounds."""
    goal = [reader.rounds + count for reader in readers]
    deadline = time.monotonic() + 120
    while any(r.rounds < g for r, g in zip(readers, goal, strict=True)):
        assert time.monotonic() < deadline, "the readers stalled"
        assert all(r.is_alive() for r in readers)
        time.sleep(0.02)


def test_publishing_and_rolling_back_under_load_never_fails_or_mixes_builds(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    # The admin edits a document and builds again, into the same folder.
    edited = site.source / f"{EDITED}.md"
    edited.write_text(edited.read_text(encoding="utf-8") + ADDED_SECTION, encoding="utf-8")
    build(site.source, site.out, Config(root=site.source), formats=["html"])

    readers = [Reader(site.port) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        rounds_on(readers, 5)
        # A page of the first build whose search starts only after the switch.
        connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
        connection.request("GET", PREFIX + "pagefind/shards.js")
        old_list = connection.getresponse().read().decode("utf-8")
        second = publish(site.out, site.target)
        site.snapshot("B", second.release)
        assert second.carried > 0
        for bundle in re.findall(r'"(shards/[^"]+/)"', old_list):
            folder = f"pagefind/{bundle}"
            for path in (p for p in site.builds["A"] if p.startswith(folder)):
                connection.request("GET", PREFIX + path)
                response = connection.getresponse()
                body = response.read()
                assert response.status == 200, (path, response.status)
                assert hashlib.sha256(body).hexdigest() == site.builds["A"][path], path
        connection.close()
        rounds_on(readers, 5)
        rollback_status = run(["publish", "--to", str(site.target.destination), "--rollback"])
        rounds_on(readers, 5)
    finally:
        for reader in readers:
            reader.stop.set()
        for reader in readers:
            reader.join(30)
    assert rollback_status == 0, capsys.readouterr().err
    assert "rolled back to release " + site.releases["A"] in capsys.readouterr().out

    a, b = site.builds["A"], site.builds["B"]
    assert a[f"{EDITED}.html"] != b[f"{EDITED}.html"]
    assert a["pagefind/shards.js"] != b["pagefind/shards.js"]  # a shard was indexed again
    assert "codes/99173.html" in b and "codes/99173.html" not in a
    lists = {a["pagefind/shards.js"]: a, b["pagefind/shards.js"]: b}

    failures = [failure for reader in readers for failure in reader.failures]
    assert not failures, failures[:10]
    for reader in readers:
        served: list[str] = []
        for fetched in reader.fetched:
            if fetched.shard_list is not None:
                # A search file is the one of the build whose shard list named it.
                assert lists[fetched.shard_list][fetched.path] == fetched.sha256, fetched
                continue
            matches = [
                name
                for name, files in site.builds.items()
                if files.get(fetched.path) == fetched.sha256
            ]
            assert matches, f"{fetched.path} is not whole, or not of one build: {fetched}"
            if fetched.path == "release.json" and matches != served[-1:]:
                served.extend(matches)
        # The first build, the second once it is published, the first again once rolled
        # back: never one, then the other, then the one again around a switch.
        assert served == ["A", "B", "A"], served

    # After the rollback the first build is what is served.
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    for path in ("release.json", f"{EDITED}.html", "pagefind/shards.js"):
        connection.request("GET", PREFIX + path)
        body = connection.getresponse().read()
        assert hashlib.sha256(body).hexdigest() == a[path], path
    connection.close()
