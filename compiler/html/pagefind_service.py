"""A client for one ``pagefind --service`` process: it indexes pages into bundles in memory.

The ``pagefind`` Python package speaks the same protocol, but waits 0.1 s before each
response it reads and needs an event loop; this client blocks in the calling thread instead.
"""

from __future__ import annotations

import base64
import collections
import json
import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, NoReturn

from compiler import processes


class ServiceError(Exception):
    """Pagefind could not run, stopped, or answered something unexpected; the message says which."""


class Service:
    """One ``pagefind --service`` process: base64 JSON messages, each ended by a comma.

    Requests go out up to ``WINDOW`` ahead of the responses, so Pagefind never waits for
    Python between two pages.
    """

    WINDOW = 16

    __slots__ = ("_buffer", "_last_id", "_pending", "_process", "_stderr")

    def __init__(self, executable: Path, site: Path) -> None:
        # Closed by close(): the process outlives this call.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._buffer = bytearray()
        self._last_id = 0
        self._pending: collections.deque[int] = collections.deque()
        try:
            # cwd: Pagefind makes a page's URL from its path relative to where it runs.
            self._process = subprocess.Popen(
                [str(executable), "--service"],
                cwd=site,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._stderr.close()
            raise ServiceError(f"Pagefind could not run ({exc})") from exc
        processes.track(self._process)  # killed if the build ends before it is closed

    def index(self, contents: Mapping[str, str], language: str | None) -> dict[str, bytes]:
        """One Pagefind bundle of pages (path -> html): its files' relative paths and bytes.

        Not WriteFiles: Pagefind answers it while its last writes may still be under way
        (tokio files are not flushed), so the bytes would be read half-written.
        """
        config = {"force_language": language} if language else {}
        index_id = self._request({"type": "NewIndex", "config": config})["index_id"]
        for page, html in contents.items():
            if len(self._pending) >= self.WINDOW:
                self._receive()
            self._send(
                {
                    "type": "AddFile",
                    "index_id": index_id,
                    "file_path": page,
                    "url": None,
                    "file_contents": html,
                }
            )
        while self._pending:
            self._receive()
        answer = self._request({"type": "GetFiles", "index_id": index_id})
        # Frees the index's memory; only one exists at a time, so ids stay valid.
        self._request({"type": "DeleteIndex", "index_id": index_id})
        files: dict[str, bytes] = {}
        try:
            for file in answer["files"]:
                path = str(file["path"]).replace("\\", "/")
                if path.startswith("/") or ".." in path.split("/") or not path:
                    self._fail(f"Pagefind named a file outside its bundle: {path!r}")
                files[path] = base64.b64decode(file["content"], validate=True)
        except (KeyError, TypeError, ValueError):
            self._fail("Pagefind's list of files is not in the expected form")
        return files

    def close(self) -> None:
        """End the process (it exits when its input ends)."""
        process = getattr(self, "_process", None)
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        finally:
            if process.stdout is not None:
                process.stdout.close()
            self._stderr.close()

    def kill(self) -> None:
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            process.kill()

    def _request(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._send(payload)
        return self._receive()

    def _send(self, payload: dict[str, Any]) -> None:
        self._last_id += 1
        message = json.dumps({"message_id": self._last_id, "payload": payload})
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
            self._process.stdin.flush()
        except OSError as exc:
            self._fail(f"Pagefind stopped reading ({exc})")
        self._pending.append(self._last_id)

    def _receive(self) -> dict[str, Any]:
        expected = self._pending.popleft()
        assert self._process.stdout is not None
        searched = 0  # a bundle's files come as one message of megabytes: scan each byte once
        while (end := self._buffer.find(b",", searched)) < 0:
            searched = len(self._buffer)
            chunk = os.read(self._process.stdout.fileno(), 1 << 20)
            if not chunk:
                self._fail("Pagefind stopped")
            self._buffer += chunk
        raw = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        try:
            response = json.loads(base64.b64decode(raw, validate=True))
            payload: dict[str, Any] = response["payload"]
        except (ValueError, KeyError, TypeError):
            self._fail(f"Pagefind answered something unexpected: {raw[:80]!r}")
        if payload.get("type") == "Error":
            self._fail(f"Pagefind failed: {payload.get('message', 'no reason given')}")
        if response.get("message_id") != expected:
            self._fail(f"Pagefind answered message {response.get('message_id')}, not {expected}")
        return payload

    def _fail(self, reason: str) -> NoReturn:
        """Stop the process (of no more use) and raise, with the last line it printed."""
        self.kill()
        self._process.wait()
        self._stderr.seek(0)
        # Pagefind's own message, shown as it is: a stray byte must not hide it.
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        raise ServiceError(f"{reason}: {lines[-1]}" if lines else reason)
