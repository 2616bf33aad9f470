"""Print HTML -> PDF bytes with WeasyPrint, fetching nothing it should not.

WeasyPrint would follow any URL a page names (``http:``, ``file:///etc/passwd``). Every
render here goes through :class:`ConfinedFetcher`: ``data:`` URLs and regular files
inside the allowed folders (the source folder) only; everything else is refused and
reported. Besides the PDF, a render returns what the handbook needs to place it:
page count and sizes, the page of every anchor, and the bookmark tree.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import logging
import mimetypes
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from compiler import processes
from compiler.parallel import Failure

PT_PER_PX = 0.75
"""WeasyPrint lays out in CSS pixels; PDF user space is in points."""
JOBS_PER_WORKER = 40
"""Workers are replaced after about this many layouts each: every layout leaves some
memory behind (a worker that made 150 held 450 MB); new ones cost 0.7 s, in parallel.
(Not ``max_tasks_per_child``: it deadlocks on Python 3.11-3.13, cpython#115634.)"""
WORKER_MEMORY_MB = 320
"""A worker whose peak memory passed this is replaced before the next jobs are handed
out. The handbook's front and index of 300 runbooks take ~200 MB each to lay out, which
the worker keeps: a second front pass in the same worker reached 485 MB."""


@dataclass(slots=True)
class Bookmark:
    label: str
    page: int
    """0-based page index in the PDF it was rendered into."""
    x: float
    y: float
    """Destination in PDF points (origin bottom-left)."""
    children: list[Bookmark] = field(default_factory=list)


@dataclass(slots=True)
class Rendered:
    """One laid-out document: plain data, so it can cross processes and be cached."""

    pdf: bytes
    sizes: list[tuple[float, float]]
    """(width, height) in points of every page."""
    anchors: dict[str, int]
    """Anchor id -> 0-based page index (the first page it is on)."""
    bookmarks: list[Bookmark]
    problems: list[str] = field(default_factory=list)
    """What WeasyPrint or the fetcher complained about (refused URLs, bad images)."""
    seconds: float = 0.0
    worker_mb: float = 0.0
    """The peak memory of the worker that made it, after making it (not stored)."""

    @property
    def pages(self) -> int:
        return len(self.sizes)


@dataclass(slots=True, frozen=True)
class Job:
    """One thing to render: HTML, the stylesheet, and the folders it may read files from."""

    html: str
    css: str
    roots: tuple[str, ...] = ()
    css_folder: str | None = None
    """Where the stylesheet came from: its relative URLs (a logo, a font) resolve there,
    and files there may be read."""


# -- fetching --------------------------------------------------------------------------------


def load_weasyprint() -> None:
    """Import WeasyPrint without ``ctypes.util.find_library`` where that is safe (Linux).

    WeasyPrint tries several spellings of each C library it needs (Windows, macOS and
    Linux names). cffi calls ``find_library`` for every spelling that does not load as
    given, and on Linux each call runs ``ldconfig`` and ``gcc``: 22 calls, 0.16 s of the
    0.45 s that every PDF worker takes to start. Every list also holds the Linux file name
    (``libpango-1.0.so.0``), which loads directly. If one does not, the import is done
    again the usual way."""
    if "weasyprint" in sys.modules:
        return
    if sys.platform == "linux":
        import ctypes.util

        find_library = ctypes.util.find_library
        ctypes.util.find_library = lambda name: None
        try:
            # (WeasyPrint prints an installation hint before it gives up on a library.)
            with contextlib.redirect_stdout(io.StringIO()):
                import weasyprint
            return
        except OSError:
            for name in [m for m in sys.modules if m.partition(".")[0] == "weasyprint"]:
                del sys.modules[name]
        finally:
            ctypes.util.find_library = find_library
    import weasyprint  # noqa: F401


def _fetcher_class() -> type[Any]:
    load_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ConfinedFetcher(URLFetcher):  # type: ignore[misc]
        """``data:`` URLs and files inside ``roots``; nothing else, never the network."""

        def __init__(self, roots: Sequence[Path]) -> None:
            super().__init__(timeout=1, allowed_protocols=("data", "file"))
            self.roots = [Path(r).resolve() for r in roots]
            self.refused: list[str] = []

        def fetch(self, url: str, headers: object = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                from urllib.request import url2pathname  # 30 ms to import: not at start-up

                path = Path(url2pathname(urlsplit(url).path))
                try:
                    real = path.resolve()
                except (OSError, RuntimeError):
                    real = path
                if real.is_file() and any(root in real.parents for root in self.roots):
                    kind = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        real.as_uri(), real.read_bytes(), {"Content-Type": kind}
                    )
            self.refused.append(url)
            raise ValueError(f"refused to fetch '{url}': only files inside the source folder")

    return ConfinedFetcher


def confined_fetcher(roots: Sequence[Path]) -> Any:
    """A WeasyPrint URL fetcher that reads only ``data:`` URLs and files under ``roots``."""
    return _fetcher_class()(roots)


# -- rendering -------------------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _collect_warnings() -> Iterator[_Collect]:
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    propagate = logger.propagate
    logger.propagate = False  # collected and reported as diagnostics, not printed
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


@contextmanager
def _collecting() -> Iterator[None]:
    """The cyclic garbage collector on, for one layout, whatever the caller's setting.

    WeasyPrint leaves each laid-out document in reference cycles (5-20 MB each): with
    the collector off (the build turns it off, see ``compiler.build``), a worker that
    lays out 150 runbooks grew to 2.3 GB. What existed before is frozen meanwhile, so
    the collector walks only this layout's objects (and, in a forked worker, never
    touches the parent's pages, which would copy them).
    """
    enabled = gc.isenabled()
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        gc.collect()
        if not enabled:
            gc.disable()
        gc.unfreeze()


_STATE: dict[str, Any] = {}
"""Per-process WeasyPrint state, made on first use: the font configuration and parsed CSS."""


def _font_config() -> Any:
    if "fonts" not in _STATE:
        load_weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        _STATE["fonts"] = FontConfiguration()
    return _STATE["fonts"]


def _stylesheet(css: str, folder: str | None) -> Any:
    sheets: dict[tuple[str, str | None], Any] = _STATE.setdefault("css", {})
    if (css, folder) not in sheets:
        from weasyprint import CSS

        roots = [Path(folder)] if folder else []
        sheets[(css, folder)] = CSS(
            string=css,
            base_url=Path(folder).as_uri() + "/" if folder else None,
            font_config=_font_config(),
            url_fetcher=confined_fetcher(roots),
        )
    return sheets[(css, folder)]


def render(job: Job) -> Rendered:
    """Lay out and write one PDF. Raises only on a WeasyPrint bug; bad URLs are reported."""
    start = time.perf_counter()
    with _collecting():
        rendered = _render(job)  # its document is garbage once this returns: collected
    rendered.seconds = time.perf_counter() - start
    rendered.worker_mb = _peak_memory_mb()
    return rendered


def _peak_memory_mb() -> float:
    """This process's peak resident memory. Not ``ru_maxrss``: Linux keeps that across
    exec, so a spawned worker would start with the peak of the build that forked it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _render(job: Job) -> Rendered:
    from weasyprint import HTML

    fetcher = confined_fetcher([Path(r) for r in job.roots])
    with _collect_warnings() as collected:
        document = HTML(string=job.html, url_fetcher=fetcher, base_url=None).render(
            font_config=_font_config(), stylesheets=[_stylesheet(job.css, job.css_folder)]
        )
        pdf = document.write_pdf()
    sizes = [(p.width * PT_PER_PX, p.height * PT_PER_PX) for p in document.pages]
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    tree = document.make_bookmark_tree(scale=PT_PER_PX, transform_pages=True)
    problems = [f"refused to fetch '{url}'" for url in fetcher.refused]
    problems += [m for m in collected.messages if not any(u in m for u in fetcher.refused)]
    return Rendered(
        pdf=pdf,
        sizes=sizes,
        anchors=anchors,
        bookmarks=[_bookmark(node) for node in tree],
        problems=list(dict.fromkeys(problems)),
    )


def _bookmark(node: Any) -> Bookmark:
    label, (page, x, y), children, _state = node
    return Bookmark(str(label), int(page), float(x), float(y), [_bookmark(c) for c in children])


def _render_safely(job: Job) -> Rendered | Failure:
    try:
        return render(job)
    except Exception as exc:  # one document's failure must not lose the others
        return Failure.of(exc)


WORKER_LOST = (
    "a PDF worker process stopped before it finished its layout: it was killed, ran out of "
    "memory, or, when a script calls compiler.build.build(), the script lacks an "
    '`if __name__ == "__main__":` guard (each worker starts a fresh interpreter that runs '
    "the script's top level again)"
)


class RenderPool:
    """Worker processes that lay out every job of a build: started when the first is
    known, reused, replaced after :data:`JOBS_PER_WORKER` layouts each.

    The build's own process never runs WeasyPrint: it stays small (WeasyPrint, its fonts
    and a layout take 100-300 MB, which a process does not give back), and the workers
    are started before the build needs them, so they load WeasyPrint and the fonts
    (0.7 s) while it prepares the first job.
    """

    method: ClassVar[str] = "spawn"
    """How workers start: a fresh interpreter. A forked one would start with the whole
    build's memory (the graph: 150-300 MB it has no use for, the jobs carry their HTML)
    and count it again in its RSS. Tests that patch the build's process set "fork"."""

    def __init__(self, workers: int, css: str | None = None, css_folder: str | None = None):
        self.workers = max(1, workers)
        """At most this many processes."""
        self.css = css
        self.css_folder = css_folder
        """The stylesheet the workers parse while they wait for their first job."""
        self._pool: ProcessPoolExecutor | None = None
        self._size = 0
        self._grown = False
        """A worker passed :data:`WORKER_MEMORY_MB`: new ones for the next jobs."""

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is None:
            self.close()
        else:
            self.kill()

    def start(self, jobs: int = 1) -> None:
        """Have workers for ``jobs`` jobs at once (at most :attr:`workers`): start them if
        there are fewer (a one-document build starts one; a later batch, the rest)."""
        size = min(self.workers, max(1, jobs))
        if self._pool is not None and self._size >= size:
            return
        self.close()
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context(self.method if self.method in methods else "spawn")
        self._pool = processes.pool(size, context, _quick_exit_at_end)
        self._size = size
        with processes.starting():  # each submit starts a worker
            for _ in range(size):
                self._pool.submit(_warm, self.css, self.css_folder)

    def render(self, jobs: Sequence[Job]) -> Iterator[tuple[int, Rendered | Failure]]:
        """(index in ``jobs``, result) for every job, as soon as each is done in order of
        size: a caller that stores each result and lets it go holds one at a time.

        The first :data:`JOBS_PER_WORKER` jobs per worker are handed to the workers at
        once, before this returns: the caller can do other work while they lay out and
        read the results later."""
        if self._grown:
            self.close(wait=False)
        # Longest first, so one big document does not finish alone at the end.
        order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].html))
        batch = self.workers * JOBS_PER_WORKER
        chunks = [order[at : at + batch] for at in range(0, len(order), batch)]
        first = self._submit(jobs, chunks[0]) if chunks else []
        return self._results(jobs, chunks, first)

    def _submit(
        self, jobs: Sequence[Job], chunk: Sequence[int]
    ) -> list[Future[Rendered | Failure]]:
        self.start(len(chunk))
        assert self._pool is not None
        try:
            with processes.starting():  # a submit may start a worker
                return [self._pool.submit(_render_safely, jobs[i]) for i in chunk]
        except BrokenProcessPool as exc:  # the workers died while they started
            raise BrokenProcessPool(WORKER_LOST) from exc

    def _results(
        self,
        jobs: Sequence[Job],
        chunks: Sequence[Sequence[int]],
        first: list[Future[Rendered | Failure]],
    ) -> Iterator[tuple[int, Rendered | Failure]]:
        futures = first
        for n, chunk in enumerate(chunks):
            if n:
                self.close()  # new workers: see JOBS_PER_WORKER
                futures = self._submit(jobs, chunk)
            for i, future in zip(chunk, futures, strict=True):
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    raise BrokenProcessPool(WORKER_LOST) from exc
                if isinstance(result, Rendered) and result.worker_mb > WORKER_MEMORY_MB:
                    self._grown = True
                yield i, result

    def close(self, *, wait: bool = True) -> None:
        """Stop the workers once they are done with the jobs they have. ``wait=False`` when
        every result is in: the workers then exit (0.1 s of teardown) while the build goes
        on, and the build's :func:`compiler.processes.scope` ends any still there."""
        pool, self._pool = self._pool, None
        self._size = 0
        self._grown = False
        if pool is None:
            return
        if not wait:
            processes.shutdown(pool, wait=False)
            return
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        except BaseException:  # interrupted while waiting
            processes.stop(pool)
            raise

    def kill(self) -> None:
        """Stop the workers now, whatever they are doing (the build raised or was
        interrupted: nothing waits for their layouts)."""
        pool, self._pool = self._pool, None
        self._size = 0
        self._grown = False
        if pool is not None:
            processes.stop(pool)


def _quick_exit_at_end() -> None:
    """In a worker: leave without the interpreter's teardown once the pool is done with
    it. Freeing WeasyPrint's objects one by one took 0.09 s of CPU, beside the handbook
    that the build writes meanwhile. Results are already sent: a worker writes each one
    to its pipe before it takes the next job."""
    atexit.register(_leave)


def _leave() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(0)


def _warm(css: str | None, css_folder: str | None) -> None:
    _font_config()
    if css is not None:
        _stylesheet(css, css_folder)
