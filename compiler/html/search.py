"""Full-text search: Pagefind's *extended* build indexes the written site, in shards.

Only the extended binary (PyPI ``pagefind[extended]`` -> ``pagefind_bin_extended``)
segments Japanese; the plain one finds ``34513`` but not ``資格情報``. Everything lands
in ``<site>/pagefind/``: no server code, no CDN.

The index is split into shards (:mod:`compiler.html.search_shards` says which pages each
holds and how they are published), so a build that changed one page indexes the few
dozen pages of that page's shard again, not the whole site.

One ``pagefind --service`` process (:mod:`compiler.html.pagefind_service`) indexes every
shard that needs it, so the dictionary loads once per build; :func:`start_index` drives
it from a thread, and the caller renders other formats meanwhile and collects the result
with :meth:`IndexHandle.wait`.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import re
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from compiler import processes
from compiler.html.pagefind_service import Service, ServiceError
from compiler.html.paths import SEARCH_BUNDLE
from compiler.html.search_shards import (
    MAX_SHARDS_PER_GROUP,
    PAGES_PER_SHARD,
    SEGMENTED_LANGUAGES,
    SHARDS_DIR,
    SHARDS_STATE,
    IndexState,
    ShardState,
    assign_shards,
    bucket,
    bundle_files,
    is_data_file,
    is_runtime_file,
    page_group,
    publish,
    read_state,
    runtime_folders,
    shard_count,
    store_bundle,
    write_if_changed,
)

__all__ = [
    "FLOWCHART_FIGURE",
    "MAX_SHARDS_PER_GROUP",
    "PAGES_PER_SHARD",
    "SEGMENTED_LANGUAGES",
    "TIMEOUT_SECONDS",
    "IndexHandle",
    "IndexResult",
    "Pagefind",
    "assign_shards",
    "bucket",
    "build_index",
    "find_pagefind",
    "index_language",
    "page_group",
    "searchable",
    "shard_count",
    "start_index",
]

TIMEOUT_SECONDS = 600
FLOWCHART_FIGURE = '<figure class="flowchart" data-pagefind-ignore>'
"""How ``templates/html/_macros.html`` opens a procedure's flowchart (inline SVG, about
40% of a runbook page's bytes); :func:`searchable` drops it."""
_FIGURE_END = "</figure>"
_CUSTOM_BODY = re.compile(r"<[A-Za-z][^>]*\sdata-pagefind-body[\s=/>]")
_HEAD_BYTES = 2048


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


def searchable(html: str) -> str:
    """``html`` as Pagefind is given it: without the flowchart figures, which it ignores
    (``data-pagefind-ignore``) but would still parse, a tenth of its time. The index is
    the same, byte for byte. An inline SVG cannot hold ``</figure>``: its text is escaped."""
    start = html.find(FLOWCHART_FIGURE)
    if start < 0:
        return html
    parts: list[str] = []
    done = 0
    while start >= 0:
        end = html.find(_FIGURE_END, start)
        if end < 0:
            break
        parts.append(html[done:start])
        done = end + len(_FIGURE_END)
        start = html.find(FLOWCHART_FIGURE, done)
    parts.append(html[done:])
    return "".join(parts)


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
                bundle_files(self._job.site),
            )
        return result


_WARM_PAGE = (
    '<!DOCTYPE html><html lang="{lang}"><head><title>{text}</title></head>'
    "<body><main data-pagefind-body><p>{text}</p></main></body></html>"
)
_WARM_TEXT = {"ja": "検索の準備", "zh": "搜索准备", "ko": "검색 준비", "th": "เตรียมการค้นหา"}


class WarmService:
    """A Pagefind process started before the build parses, which indexes a one-line page
    in a segmented language (in a thread) and throws it away: that loads the language's
    dictionary (1.1 s and 340 MB for Japanese), kept for the real index. A one-document
    rebuild would otherwise wait for it after writing its pages."""

    __slots__ = ("_service", "_taken", "_thread", "failed")

    def __init__(self, service: Service, language: str) -> None:
        self._service = service
        self._taken = False
        self.failed = False
        self._thread = threading.Thread(
            target=self._warm, args=(language,), name="pagefind-warm", daemon=True
        )
        self._thread.start()

    def _warm(self, language: str) -> None:
        page = _WARM_PAGE.format(lang=language, text=_WARM_TEXT.get(language, "search"))
        try:
            self._service.index({"warm.html": page}, language)
        except ServiceError:
            self.failed = True  # the real index starts its own process, and says why

    def take(self) -> Service | None:
        """The process, once warm (None if it failed): the caller closes it."""
        self._thread.join()
        if self._taken or self.failed:
            return None
        self._taken = True
        return self._service

    def close(self) -> None:
        """Stop the process unless :meth:`take` handed it over: at once, even while it
        loads the dictionary, which nothing will use (the build raised, or its site did
        not change)."""
        if not self._taken:
            self._taken = True
            self._service.kill()
            self._thread.join()
            self._service.close()
        self._thread.join()


def prestart(site: Path, language: str) -> WarmService | None:
    """Start Pagefind for ``site`` now and load ``language``'s dictionary (see
    :class:`WarmService`); None when there is no extended Pagefind to start."""
    pagefind = find_pagefind()
    if pagefind is None or not pagefind.extended or language not in SEGMENTED_LANGUAGES:
        return None
    try:
        site.mkdir(parents=True, exist_ok=True)
        return WarmService(Service(pagefind.executable, site), language)
    except (OSError, ServiceError):
        return None


def start_index(
    site: Path,
    pages: Sequence[str],
    changed: Collection[str] | None,
    *,
    force_language: str | None,
    warm: WarmService | None = None,
) -> IndexHandle:
    """Start indexing ``pages`` (site-relative html paths, every page to be searchable).

    ``changed`` are the pages written by this build (None: all of them); shards holding
    one of them, or that gained or lost a page, are indexed again, the others kept. The
    pages must be on disk; the caller must not delete files under ``pagefind/`` before
    :meth:`IndexHandle.wait` returns. ``warm``: a Pagefind process :func:`prestart`
    started (the index uses it, and closes it either way).
    """
    job = _Job(site, tuple(dict.fromkeys(pages)), changed, force_language, find_pagefind())
    job.warm = warm
    handle = IndexHandle(job)
    if job.pagefind is None:
        job.result = IndexResult(
            False,
            "Pagefind is not installed, so the site has no search index; "
            "install it with `pip install 'pagefind[extended]'` (make venv does)",
            bundle_files(site),
        )
    else:
        # A build that stops before it waits for the index: Pagefind is killed (it is
        # tracked), and the job must not start another.
        processes.on_abort(partial(job.cancel, "the build stopped"))
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
        "warm",
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
        self._service: Service | None = None
        self._failure = ""
        """Why Pagefind is of no more use this build; the shards left keep their index."""
        self._ui_taken = False
        self._runtime: dict[str, bytes] = {}
        """The engine's files, as Pagefind gave them with a bundle this build."""
        self.warm: WarmService | None = None

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
                bundle_files(self.site),
            )
        finally:
            if self._service is not None:
                self._service.close()
            if self.warm is not None:
                self.warm.close()

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
        groups = {page: page_group(page, head) for page, head in heads.items()}
        # search.PAGES_PER_SHARD, looked up as the build runs: tests shrink shards by setting it.
        plan = assign_shards(groups, PAGES_PER_SHARD)

        old = read_state(bundle)
        if old is None or old.engine != self.pagefind.engine or old.language != self.force_language:
            old = IndexState(self.pagefind.engine, self.force_language, False, {})
        dirty = {key for key, pages in plan.items() if self._is_dirty(bundle, old, key, pages)}
        indexed = [key for key, shard in old.shards.items() if key in plan and shard.bundle]
        if not (bundle / "pagefind-ui.js").is_file() or not runtime_folders(bundle):
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
        publish(bundle, state, self._runtime)

        if self._failure:
            problems.insert(0, self._failure)
        result_files = bundle_files(self.site)
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
            page: searchable(text)
            for page in pages
            if page in bodies and (bodies[page] or not custom_body)
            if (text := self._read(page, problems)) is not None
        }
        unread = any(page not in bodies for page in pages) or bool(problems)
        if not contents:
            return ShardState(pages, None, marked, stale=unread)
        assert self.pagefind is not None
        try:
            if self._service is None and self.warm is not None:
                self._service = self.warm.take()
            if self._service is None:
                self._service = Service(self.pagefind.executable, self.site)
            files = self._service.index(contents, self.force_language)
        except ServiceError as exc:
            self._failure = self._failure or str(exc)  # cancel() gave the first reason
            return ShardState(pages, before.bundle if before else None, marked, stale=True)
        data = {path: content for path, content in files.items() if is_data_file(path)}
        for path, content in files.items():
            if is_runtime_file(path):
                self._runtime.setdefault(path, content)
            elif path not in data and "/" not in path and not self._ui_taken:
                write_if_changed(bundle / path, content)
        self._ui_taken = True
        name = store_bundle(bundle, key, data)
        return ShardState(pages, name, marked, stale=unread)
