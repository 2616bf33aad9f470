"""``runbooks serve``: loopback only, reload script injected on the fly, rebuild on change."""

from __future__ import annotations

import threading
import time
import urllib.request
from pathlib import Path

from compiler.serve import RELOAD_PATH, Generation, make_server, watch_and_rebuild


def _get(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.read().decode("utf-8")


def test_serves_site_with_reload(tmp_path: Path) -> None:
    site = tmp_path / "html"
    site.mkdir()
    (site / "index.html").write_text("<html><body><p>hi</p></body></html>", encoding="utf-8")
    generation = Generation()
    server = make_server(site, port=0, generation=generation)
    assert server.server_address[0] == "127.0.0.1"
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = _get(port, "/")
        assert page.startswith("<html><body><p>hi</p><script>") and RELOAD_PATH in page
        assert _get(port, RELOAD_PATH) == "0"
        generation.bump()
        assert _get(port, RELOAD_PATH) == "1"
        # The built file itself is untouched.
        assert "script" not in (site / "index.html").read_text(encoding="utf-8")
    finally:
        server.shutdown()
        server.server_close()


def test_watch_rebuilds_on_change(tmp_path: Path) -> None:
    source = tmp_path / "docs"
    source.mkdir()
    (source / "a.md").write_text("# A\n", encoding="utf-8")
    generation, stop, builds = Generation(), threading.Event(), []
    thread = threading.Thread(
        target=watch_and_rebuild,
        args=([source], lambda: builds.append(1), generation, stop),
        daemon=True,
    )
    thread.start()
    try:
        time.sleep(0.5)  # let the watcher start before the change
        (source / "a.md").write_text("# A changed\n", encoding="utf-8")
        deadline = time.monotonic() + 15
        while generation.value == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert generation.value >= 1 and builds
    finally:
        stop.set()
        thread.join(timeout=10)
