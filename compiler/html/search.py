"""Full-text search: Pagefind's *extended* build indexes the written site, in shards.

Only the extended binary (PyPI ``pagefind[extended]`` -> ``pagefind_bin_extended``)
segments Japanese; the plain one finds ``34513`` but not ``資格情報``. Everything lands
in ``<site>/pagefind/``: no server code, no CDN.

The index is split into shards, so a build that changed one page indexes the few dozen
pages of that page's shard again, not the whole site:

``pagefind/pagefind-ui.js``, ``pagefind-ui.css``, ...
    Pagefind's UI, where it always was.
``pagefind/shards/<key>-<digest>/``
    One Pagefind bundle per shard; the first listed also holds the engine
    (``pagefind.js``, its worker and wasm) that the search page imports. ``<key>`` is
    ``<group>-<count>-<bucket>``: pages are grouped (``codes/`` pages; ``seg`` pages,
    in a language written without spaces, whose indexing loads Pagefind's segmentation
    dictionary, ~1 s and 340 MB, so an English edit never pays for it; ``text``, the
    rest), then spread over a power-of-two count of buckets by a hash of their path.
    ``<digest>`` hashes the bundle's index files: a new bundle gets a new folder, and
    the old one serves searches until ``shards.js`` names the new one (a build killed
    mid-index leaves a working search).
``pagefind/shards.js``
    ``window.RUNBOOKS_SEARCH_SHARDS``: the bundles the search page merges; a script, not
    JSON, so that it loads from ``file://`` too.
``pagefind/shards.json``
    What each shard holds: the next build compares it with the pages it is given.

One ``pagefind --service`` process indexes every shard that needs it, so the dictionary
loads once per build; :func:`start_index` drives it from a thread, and the caller
renders other formats meanwhile and collects the result with :meth:`IndexHandle.wait`.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import hashlib
import importlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

from compiler.html.paths import CODES, SEARCH_BUNDLE

SEGMENTED_LANGUAGES = ("ja", "zh", "ko", "th")
"""Languages written without spaces between words: only the extended build splits them."""
TIMEOUT_SECONDS = 600
PAGES_PER_SHARD = {"seg": 16, "text": 40, "codes": 40}
"""About this many pages per shard, by group. Pagefind indexes an English page in ~6 ms,
a Japanese one in ~25 ms after a 1.1 s dictionary load, and writes a bundle in ~30 ms:
one edit re-indexes in ~0.3 s (English) or ~1.3 s (Japanese) at 300 runbooks, and a
search fetches from about 16 bundles."""
MAX_SHARDS_PER_GROUP = 64
"""A search fetches a few small files from every shard: beyond this, shards grow instead."""
SHARDS_DIR = "shards"
SHARDS_SCRIPT = "shards.js"
SHARDS_STATE = "shards.json"
SCRIPT_VARIABLE = "RUNBOOKS_SEARCH_SHARDS"
STATE_FORMAT = 1
"""Bumped when shards.json or the shard layout changes: an older index is rebuilt whole."""

_DATA_FILES = re.compile(r"pagefind-entry\.json|pagefind\..+\.pf_meta|index|fragment|filter")
"""Top-level names in a Pagefind bundle that hold its index: every shard has its own."""
_RUNTIME_FILES = re.compile(r"pagefind\.js|pagefind-worker\.js|wasm\..+\.pagefind")
"""The search engine: only the first bundle of ``shards.js`` needs it (the search page
imports it from there; merged bundles run in the same engine). Pagefind's other files
are its UI, which the site keeps once, in ``pagefind/``."""
_HTML_LANG = re.compile(rb"<html\b[^>]*?\slang\s*=\s*[\"']?([A-Za-z]+)", re.IGNORECASE)
_CUSTOM_BODY = re.compile(r"<[A-Za-z][^>]*\sdata-pagefind-body[\s=/>]")
_HEAD_BYTES = 2048
_TEMPORARY = ".tmp-"


@dataclass(slots=True, frozen=True)
class Pagefind:
    executable: Path
    extended: bool
    version: str = "unknown"

    @property
    def engine(self) -> str:
        """Names the binary in shards.json: another one indexes every shard again."""
        return f"pagefind {self.version} {'extended' if self.extended else 'plain'}"


@dataclass(slots=True, frozen=True)
class IndexResult:
    ok: bool
    message: str
    """What went wrong and how to fix it (empty when ``ok``)."""
    files: tuple[str, ...] = ()
    """Every file of the search bundle now, site-relative (``pagefind/...``), sorted:
    written or kept, they are this build's outputs."""
    reindexed: tuple[str, ...] = ()
    """Keys of the shards this build indexed (``text-8-3``), for logs and tests."""


@dataclass(slots=True, frozen=True)
class ShardState:
    pages: tuple[str, ...]
    """Site-relative pages assigned to the shard, sorted."""
    bundle: str | None
    """Its folder under ``pagefind/shards/``; None when none of its pages is indexed."""
    bodies: int
    """How many of its pages mark their text with ``data-pagefind-body``."""
    stale: bool = False
    """Indexing it failed: ``bundle`` is older than ``pages``; the next build retries."""


@dataclass(slots=True, frozen=True)
class IndexState:
    engine: str
    language: str | None
    custom_body: bool
    """Some page has ``data-pagefind-body``: pages without it are not indexed (Pagefind's
    own rule, applied to the whole site rather than to each shard)."""
    shards: Mapping[str, ShardState]


def find_pagefind() -> Pagefind | None:
    """The extended Pagefind binary if installed, else the plain one, else None."""
    for module, extended in (("pagefind_bin_extended", True), ("pagefind_bin", False)):
        try:
            found = importlib.import_module(module).get_executable()
        except (ImportError, AttributeError, OSError):
            continue
        if found is not None and Path(found).is_file():
            try:
                version = importlib.metadata.version(module)
            except importlib.metadata.PackageNotFoundError:
                version = "unknown"
            return Pagefind(Path(found), extended, version)
    return None


def index_language(languages: Iterable[str]) -> str | None:
    """The one language the whole site is indexed in (None for an empty site).

    Pagefind keeps one index per ``<html lang>`` and a search page searches its own
    language first. A runbook site with Japanese and English pages must find both from
    its (English) search page, so the whole site becomes one index, in the language
    that needs word segmentation when there is one (Latin-script words are still split
    at spaces and found by prefix).
    """
    found = sorted({lang.lower() for lang in languages if lang})
    if not found:
        return None
    for lang in SEGMENTED_LANGUAGES:
        if lang in found:
            return lang
    return "en" if "en" in found else found[0]


# -- shard assignment ----------------------------------------------------------------
def page_group(page: str, head: bytes) -> str:
    """``codes``, ``seg`` or ``text`` for a page, from its path and its first bytes."""
    if page.startswith(f"{CODES}/"):
        return "codes"
    match = _HTML_LANG.search(head)
    if match and match.group(1).decode("ascii").lower() in SEGMENTED_LANGUAGES:
        return "seg"
    return "text"


def shard_count(pages: int, per_shard: int) -> int:
    """Buckets for a group of ``pages``: a power of two, so that it changes rarely."""
    count = 1
    while count * per_shard < pages and count < MAX_SHARDS_PER_GROUP:
        count *= 2
    return count


def bucket(page: str, count: int) -> int:
    """A stable bucket of ``page`` among ``count`` (sha256: no per-process hash seed)."""
    return int.from_bytes(hashlib.sha256(page.encode("utf-8")).digest()[:8], "big") % count


def assign_shards(groups: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Shard key -> its sorted pages, from page -> group; sorted by key.

    A pure function of the pages and their groups: the same site gives the same shards.
    """
    by_group: dict[str, list[str]] = {}
    for page, group in groups.items():
        by_group.setdefault(group, []).append(page)
    shards: dict[str, list[str]] = {}
    for group, pages in by_group.items():
        count = shard_count(len(pages), PAGES_PER_SHARD.get(group, PAGES_PER_SHARD["text"]))
        for page in pages:
            shards.setdefault(f"{group}-{count}-{bucket(page, count)}", []).append(page)
    return {key: tuple(sorted(shards[key])) for key in sorted(shards)}


# -- the public API ------------------------------------------------------------------
class IndexHandle:
    """A search index being built in a thread; :meth:`wait` collects it."""

    __slots__ = ("_job", "_thread")

    def __init__(self, job: _Job) -> None:
        self._job = job
        self._thread = threading.Thread(target=job.run, name="pagefind-index")

    @classmethod
    def finished(cls, result: IndexResult) -> IndexHandle:
        """A handle whose work is done: what a test's stand-in for :func:`start_index` returns."""
        job = _Job(Path(), (), None, None, None)
        job.result = result
        return cls(job)

    def _start(self) -> None:
        try:
            self._thread.start()
        except RuntimeError:  # no thread to be had: index now, in this one
            self._job.run()

    def done(self) -> bool:
        return self._job.result is not None

    def wait(self, timeout: float | None = TIMEOUT_SECONDS) -> IndexResult:
        """The result once Pagefind has finished (stopped after ``timeout`` s); never raises."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._job.cancel(f"Pagefind was stopped after {timeout} s")
                self._thread.join(30)
        result = self._job.result
        if result is None:
            with contextlib.suppress(OSError):
                # Which shards are current is unknown: the next build indexes them all.
                (self._job.site / SEARCH_BUNDLE / SHARDS_STATE).unlink(missing_ok=True)
            return IndexResult(
                False,
                f"Pagefind did not finish within {timeout} s and could not be stopped; the "
                "search keeps its previous index, and the next build indexes every page",
                _bundle_files(self._job.site),
            )
        return result


def start_index(
    site: Path,
    pages: Sequence[str],
    changed: Collection[str] | None,
    *,
    force_language: str | None,
) -> IndexHandle:
    """Start indexing ``pages`` (site-relative html paths, every page to be searchable).

    ``changed`` are the pages written by this build (None: all of them); shards holding
    one of them, or that gained or lost a page, are indexed again, the others kept. The
    pages must be on disk; the caller must not delete files under ``pagefind/`` before
    :meth:`IndexHandle.wait` returns.
    """
    job = _Job(site, tuple(dict.fromkeys(pages)), changed, force_language, find_pagefind())
    handle = IndexHandle(job)
    if job.pagefind is None:
        job.result = IndexResult(
            False,
            "Pagefind is not installed, so the site has no search index; "
            "install it with `pip install 'pagefind[extended]'` (make venv does)",
            _bundle_files(site),
        )
    else:
        handle._start()
    return handle


def build_index(site: Path, *, force_language: str | None) -> IndexResult:
    """Index every page of ``site`` again, and wait; never raises."""
    bundle = site / SEARCH_BUNDLE
    pages = sorted(
        path.relative_to(site).as_posix()
        for path in site.rglob("*.html")
        if bundle not in path.parents and path.is_file()
    )
    return start_index(site, pages, None, force_language=force_language).wait()


# -- the job -------------------------------------------------------------------------
class _Job:
    __slots__ = (
        "_failure",
        "_runtime",
        "_service",
        "_ui_taken",
        "changed",
        "force_language",
        "pagefind",
        "pages",
        "result",
        "site",
    )

    def __init__(
        self,
        site: Path,
        pages: tuple[str, ...],
        changed: Collection[str] | None,
        force_language: str | None,
        pagefind: Pagefind | None,
    ) -> None:
        self.site = site
        self.pages = pages
        self.changed = None if changed is None else frozenset(changed)
        self.force_language = force_language
        self.pagefind = pagefind
        self.result: IndexResult | None = None
        self._service: _Service | None = None
        self._failure = ""
        """Why Pagefind is of no more use this build; the shards left keep their index."""
        self._ui_taken = False
        self._runtime: dict[str, bytes] = {}
        """The engine's files, as Pagefind gave them with a bundle this build."""

    def run(self) -> None:
        try:
            self.result = self._index()
        except Exception as exc:  # wait() never raises: a search index must not lose the build
            with contextlib.suppress(OSError):
                # Some shards may be new, the record of them not: the next build does all.
                (self.site / SEARCH_BUNDLE / SHARDS_STATE).unlink(missing_ok=True)
            self.result = IndexResult(
                False,
                f"the search index could not be updated ({type(exc).__name__}: {exc}); "
                "the search keeps its previous index, and the next build tries again",
                _bundle_files(self.site),
            )
        finally:
            if self._service is not None:
                self._service.close()

    def cancel(self, reason: str) -> None:
        self._failure = self._failure or reason
        if self._service is not None:
            self._service.kill()

    def _index(self) -> IndexResult:
        assert self.pagefind is not None
        bundle = self.site / SEARCH_BUNDLE
        problems: list[str] = []
        heads: dict[str, bytes] = {}
        for page in self.pages:
            try:
                with (self.site / page).open("rb") as handle:
                    heads[page] = handle.read(_HEAD_BYTES)
            except OSError as exc:
                problems.append(f"{page} is not indexed: {exc.strerror or exc}")
        plan = assign_shards({page: page_group(page, head) for page, head in heads.items()})

        old = read_state(bundle)
        if old is None or old.engine != self.pagefind.engine or old.language != self.force_language:
            old = IndexState(self.pagefind.engine, self.force_language, False, {})
        dirty = {key for key, pages in plan.items() if self._is_dirty(bundle, old, key, pages)}
        indexed = [key for key, shard in old.shards.items() if key in plan and shard.bundle]
        if not (bundle / "pagefind-ui.js").is_file() or not _runtime_folders(bundle):
            # Lost UI or engine files come with a fresh bundle: index a shard that has one.
            dirty.update(indexed[:1])

        bodies: dict[str, bool] = {}
        for key in sorted(dirty):
            self._scan(plan[key], bodies, problems)
        custom_body = any(bodies.values()) or any(
            old.shards[key].bodies for key in plan if key not in dirty
        )
        if old.shards and custom_body != old.custom_body and len(dirty) < len(plan):
            # Which pages Pagefind indexes changed for the whole site: every shard again.
            dirty = set(plan)
            for pages in plan.values():
                self._scan(pages, bodies, problems)
            custom_body = any(bodies.values())

        shards: dict[str, ShardState] = {}
        for key, pages in plan.items():
            if key in dirty:
                shards[key] = self._index_shard(bundle, key, pages, bodies, custom_body, old)
                if shards[key].stale:
                    problems.append(f"shard {key} keeps its previous index")
            else:
                shards[key] = old.shards[key]
        state = IndexState(self.pagefind.engine, self.force_language, custom_body, shards)
        _publish(bundle, state, self._runtime)

        if self._failure:
            problems.insert(0, self._failure)
        result_files = _bundle_files(self.site)
        reindexed = tuple(sorted(dirty))
        if problems:
            return IndexResult(
                False,
                "search index: " + "; ".join(problems) + "; the next build tries again",
                result_files,
                reindexed,
            )
        if not self.pagefind.extended:
            return IndexResult(
                False,
                "Pagefind's plain build indexed the site: Japanese words will not be found; "
                "install the extended build with `pip install 'pagefind[extended]'`",
                result_files,
                reindexed,
            )
        return IndexResult(True, "", result_files, reindexed)

    def _is_dirty(self, bundle: Path, old: IndexState, key: str, pages: tuple[str, ...]) -> bool:
        before = old.shards.get(key)
        if before is None or before.stale or before.pages != pages:
            return True
        if before.bundle is not None and not (bundle / SHARDS_DIR / before.bundle).is_dir():
            return True
        return self.changed is None or not self.changed.isdisjoint(pages)

    def _scan(self, pages: Iterable[str], bodies: dict[str, bool], problems: list[str]) -> None:
        """Which ``pages`` mark their text with ``data-pagefind-body`` (unreadable: absent)."""
        for page in pages:
            if page not in bodies and (text := self._read(page, problems)) is not None:
                bodies[page] = "data-pagefind-body" in text and bool(_CUSTOM_BODY.search(text))

    def _read(self, page: str, problems: list[str]) -> str | None:
        try:
            return (self.site / page).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{page} is not indexed: {exc}")
            return None

    def _index_shard(
        self,
        bundle: Path,
        key: str,
        pages: tuple[str, ...],
        bodies: Mapping[str, bool],
        custom_body: bool,
        old: IndexState,
    ) -> ShardState:
        marked = sum(bodies.get(page, False) for page in pages)
        before = old.shards.get(key)
        if self._failure:
            return ShardState(pages, before.bundle if before else None, marked, stale=True)
        # Read again, one shard at a time: a big site's pages do not all sit in memory.
        problems: list[str] = []
        contents = {
            page: text
            for page in pages
            if page in bodies and (bodies[page] or not custom_body)
            if (text := self._read(page, problems)) is not None
        }
        unread = any(page not in bodies for page in pages) or bool(problems)
        if not contents:
            return ShardState(pages, None, marked, stale=unread)
        assert self.pagefind is not None
        try:
            if self._service is None:
                self._service = _Service(self.pagefind.executable, self.site)
            files = self._service.index(contents, self.force_language)
        except _ServiceError as exc:
            self._failure = self._failure or str(exc)  # cancel() gave the first reason
            return ShardState(pages, before.bundle if before else None, marked, stale=True)
        data = {path: content for path, content in files.items() if _is_data_file(path)}
        for path, content in files.items():
            if _RUNTIME_FILES.fullmatch(path):
                self._runtime.setdefault(path, content)
            elif path not in data and "/" not in path and not self._ui_taken:
                _write_if_changed(bundle / path, content)
        self._ui_taken = True
        name = f"{key}-{_digest(data)}"
        final = bundle / SHARDS_DIR / name
        if not final.is_dir():  # else: the same bundle, byte for byte, is there already
            # Written aside, then renamed: the folder a search may load is always whole.
            temporary = bundle / SHARDS_DIR / f"{_TEMPORARY}{key}"
            if temporary.exists():
                shutil.rmtree(temporary)
            for path, content in sorted(data.items()):
                target = temporary / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            temporary.rename(final)
        return ShardState(pages, name, marked, stale=unread)


# -- pagefind --service --------------------------------------------------------------
class _ServiceError(Exception):
    pass


class _Service:
    """One ``pagefind --service`` process: base64 JSON messages, each ended by a comma.

    The ``pagefind`` Python package speaks the same protocol, but waits 0.1 s before each
    response it reads and needs an event loop; this blocks in the index thread instead.
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
            raise _ServiceError(f"Pagefind could not run ({exc})") from exc

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
        raise _ServiceError(f"{reason}: {lines[-1]}" if lines else reason)


# -- files ---------------------------------------------------------------------------
def read_state(bundle: Path) -> IndexState | None:
    """The shards of the previous build (None when there are none or the file is odd)."""
    try:
        data = json.loads((bundle / SHARDS_STATE).read_text(encoding="utf-8"))
        if data.get("format") != STATE_FORMAT:
            return None
        shards = {
            str(key): ShardState(
                tuple(str(page) for page in shard["pages"]),
                None if shard["bundle"] is None else str(shard["bundle"]),
                int(shard["bodies"]),
                bool(shard.get("stale", False)),
            )
            for key, shard in data["shards"].items()
        }
        language = data["language"]
        return IndexState(
            str(data["engine"]),
            None if language is None else str(language),
            bool(data["custom_body"]),
            shards,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def state_json(state: IndexState) -> str:
    shards: dict[str, Any] = {}
    for key, shard in state.shards.items():
        shards[key] = {"bundle": shard.bundle, "bodies": shard.bodies, "pages": list(shard.pages)}
        if shard.stale:
            shards[key]["stale"] = True
    data = {
        "format": STATE_FORMAT,
        "engine": state.engine,
        "language": state.language,
        "custom_body": state.custom_body,
        "shards": shards,
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def shards_script(state: IndexState) -> str:
    bundles = [f"{SHARDS_DIR}/{shard.bundle}/" for shard in state.shards.values() if shard.bundle]
    listed = "".join(f"\n  {json.dumps(path)}," for path in bundles)
    return (
        "/* The Pagefind bundles of this site's search index, relative to this folder:\n"
        " * the search page merges them (written by the runbook compiler). */\n"
        f"window.{SCRIPT_VARIABLE} = [{listed}\n];\n"
    )


def _publish(bundle: Path, state: IndexState, runtime: Mapping[str, bytes]) -> None:
    """Point the search page at the new bundles, then delete what nothing uses any more.

    The engine goes into the first bundle before ``shards.js`` names it first; ``runtime``
    is the engine Pagefind gave this build, else the one an older first bundle has.
    """
    bundle.mkdir(parents=True, exist_ok=True)
    shards = bundle / SHARDS_DIR
    used = [shard.bundle for shard in state.shards.values() if shard.bundle]
    if used and (runtime or used[0] not in _runtime_folders(bundle)):
        for name, content in sorted((runtime or _find_runtime(bundle)).items()):
            _write_if_changed(shards / used[0] / name, content)
    _write_if_changed(bundle / SHARDS_SCRIPT, shards_script(state))
    _write_if_changed(bundle / SHARDS_STATE, state_json(state))
    for path in sorted(shards.iterdir()) if shards.is_dir() else []:
        if path.name not in used:
            _remove(path)
        elif path.name != used[0]:
            for file in sorted(path.iterdir()):
                if _RUNTIME_FILES.fullmatch(file.name):
                    file.unlink()  # the first bundle of an older build
    for path in sorted(bundle.iterdir()):
        if _DATA_FILES.fullmatch(path.name) or _RUNTIME_FILES.fullmatch(path.name):
            _remove(path)  # the single bundle of a build before shards


def _runtime_folders(bundle: Path) -> list[str]:
    """Bundles under ``shards/`` that hold the engine (normally one, the first)."""
    shards = bundle / SHARDS_DIR
    return [
        folder.name
        for folder in (sorted(shards.iterdir()) if shards.is_dir() else [])
        if not folder.name.startswith(".") and (folder / "pagefind.js").is_file()
    ]


def _find_runtime(bundle: Path) -> dict[str, bytes]:
    """The engine files of a bundle that has them (empty when none has)."""
    for name in _runtime_folders(bundle)[:1]:
        folder = bundle / SHARDS_DIR / name
        return {
            file.name: file.read_bytes()
            for file in sorted(folder.iterdir())
            if _RUNTIME_FILES.fullmatch(file.name) and file.is_file()
        }
    return {}


def _is_data_file(path: str) -> bool:
    return _DATA_FILES.fullmatch(path.split("/")[0]) is not None


def _write_if_changed(path: Path, content: str | bytes) -> None:
    """Replace ``path`` atomically, and only when its bytes change."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")  # swept by Writer.clean_temporaries
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _digest(files: Mapping[str, bytes]) -> str:
    """A hash of every file's path and bytes: the name of a bundle's folder."""
    digest = hashlib.sha256()
    for path, data in sorted(files.items()):
        digest.update(path.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:12]


def _bundle_files(site: Path) -> tuple[str, ...]:
    """Every file under ``pagefind/`` but temporaries, site-relative and sorted."""
    bundle = site / SEARCH_BUNDLE
    try:
        return tuple(
            sorted(
                path.relative_to(site).as_posix()
                for path in bundle.rglob("*")
                if path.is_file()
                and not any(part.startswith(".") for part in path.relative_to(bundle).parts)
            )
        )
    except OSError:
        return ()
