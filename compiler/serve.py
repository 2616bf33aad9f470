"""``runbooks serve``: the built site on 127.0.0.1, rebuilt and reloaded on change (``--watch``).

Only for previewing: it binds to the loopback address and serves files under the
site folder. With ``--watch`` a small script is added to HTML responses (never to the
built files) that reloads the page after each rebuild.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

RELOAD_PATH = "/__runbooks_reload"
_RELOAD_SCRIPT = (
    "<script>(function(){var seen=null;setInterval(function(){"
    "fetch('" + RELOAD_PATH + "',{cache:'no-store'}).then(function(r){return r.text()})"
    ".then(function(g){if(seen!==null&&g!==seen){location.reload()}seen=g})"
    ".catch(function(){})},1000)})();</script>"
)


class Generation:
    """Counts rebuilds; pages poll it to know when to reload."""

    __slots__ = ("_lock", "value")

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock:
            self.value += 1


class _Handler(http.server.SimpleHTTPRequestHandler):
    generation: Generation | None = None

    def do_GET(self) -> None:
        if self.generation is not None and self.path.split("?", 1)[0] == RELOAD_PATH:
            body = str(self.generation.value).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if self.generation is not None and path.suffix == ".html" and path.is_file():
            html = path.read_bytes()
            marker = html.lower().rfind(b"</body>")
            script = _RELOAD_SCRIPT.encode()
            body = html[:marker] + script + html[marker:] if marker >= 0 else html + script
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the terminal shows build output, not access logs


def make_server(
    site: Path, *, port: int = 8000, generation: Generation | None = None
) -> http.server.ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"generation": generation})
    return http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), partial(handler, directory=str(site))
    )


def watch_and_rebuild(
    paths: list[Path], rebuild: Callable[[], None], generation: Generation, stop: threading.Event
) -> None:
    """Rebuild after each batch of changes under ``paths`` until ``stop`` is set."""
    from watchfiles import watch

    for _changes in watch(*[p for p in paths if p.exists()], stop_event=stop, debounce=300):
        rebuild()
        generation.bump()
