"""The processes a build starts, and their end: none outlives the build.

A build starts worker pools (the forked workers of :mod:`compiler.parallel`, the spawned
WeasyPrint workers of :mod:`compiler.pdf.render`) and tools (Pagefind, Graphviz ``dot``).
Pools are made by :func:`pool` and tools registered with :func:`track` (or run by
:func:`run`), so that none is left running, whatever way the build ends:

- :func:`scope`, around a build: when it ends, every child started inside it that still
  runs is ended. On success these are workers already told to stop (or still loading
  WeasyPrint for layouts that turned out not to be needed): nothing is waiting for them.
  When the build raised or was interrupted, everything. The pools' queues are released
  with them: their semaphores are named, and the resource tracker warns about those left.
- A worker ignores Ctrl-C (its parent ends it), leaves at once on SIGTERM (ending its own
  tools first), and leaves when its parent is gone (``kill -9``): a thread in it checks
  every :data:`PARENT_POLL_SECONDS` that its parent is still the one that started it.
  (Not ``PR_SET_PDEATHSIG``: Linux sends that when the *thread* that started the worker
  ends, and a pool may be started from a thread that ends before the build does.)
- :func:`stop_on_signals`, for the command line: SIGINT and SIGTERM raise :class:`Stopped`
  in the main thread, so a build unwinds through its ``finally`` blocks and its scope.

multiprocessing's resource tracker (one per process, started with the first spawned
worker) is not a build's: it ends when the process that started it does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess

    Tool = subprocess.Popen[Any]

# multiprocessing, concurrent.futures and subprocess are imported where they are used:
# the command line imports this module, and a build with nothing to do uses none of them
# (30 ms of imports).

PARENT_POLL_SECONDS = 0.5
"""How often a worker checks that its parent is alive: it leaves within this long of it."""
GRACE_SECONDS = 1.0
"""How long a worker sent SIGTERM has to leave before it is killed."""
RELEASE_SECONDS = 2.0
"""How long a pool whose workers are gone may take to release its queues."""

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(KeyboardInterrupt):
    """SIGINT (Ctrl-C) or SIGTERM arrived. A KeyboardInterrupt, so that what handles
    Ctrl-C handles SIGTERM alike; :attr:`status` is the exit status it calls for."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def status(self) -> int:
        return 128 + self.signum


class _Scope:
    __slots__ = ("before", "cancels", "managers", "pools", "tools")

    def __init__(self) -> None:
        self.before = {child.pid for child in _workers()}
        """Worker processes that existed when the scope opened: not its own."""
        self.tools: list[Tool] = []
        self.pools: list[ProcessPoolExecutor] = []
        self.managers: list[threading.Thread] = []
        """The threads of pools shut down without waiting (see :func:`shutdown`)."""
        self.cancels: list[Callable[[], None]] = []


_LOCK = threading.Lock()
_SCOPES: list[_Scope] = []
_TOOLS: list[Tool] = []
"""Every tool this process started that may still run (those of a worker, too)."""


def _forget_after_fork() -> None:
    """A forked child has none of its parent's scopes or tools (nor its lock, which
    another thread may have held at the fork)."""
    global _LOCK
    _LOCK = threading.Lock()
    _SCOPES.clear()
    _TOOLS.clear()
    _HELD.clear()
    _PENDING.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _workers() -> list[BaseProcess]:
    """This process's children started by multiprocessing (none if it is not imported)."""
    if "multiprocessing" not in sys.modules:
        return []
    import multiprocessing

    return multiprocessing.active_children()


# -- what a build starts ---------------------------------------------------------------------


def pool(
    workers: int,
    context: BaseContext,
    initializer: Callable[[], None] | None = None,
    *,
    tools: bool = False,
) -> ProcessPoolExecutor:
    """A process pool whose workers behave (see the module's docstring), ended with the
    scopes open now. ``initializer`` runs in each worker after that set-up; ``tools``:
    the workers may start tools, which they end before they leave on SIGTERM. Start the
    workers (the first ``submit`` or ``map``) inside :func:`starting`."""
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_worker_started,
        initargs=(os.getpid(), initializer, tools),
    )
    with _LOCK:
        for open_scope in _SCOPES:
            open_scope.pools.append(executor)
    return executor


@contextlib.contextmanager
def starting() -> Iterator[None]:
    """Around whatever starts workers: SIGINT and SIGTERM are blocked in this thread, so
    a worker starts with them blocked (the mask is inherited across fork and exec) until
    it has set up its own handling. A Ctrl-C at that moment is then not a traceback from
    the worker. This process loses no signal: another of its threads takes it, or it
    waits until the block ends."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def shutdown(executor: ProcessPoolExecutor, *, wait: bool) -> None:
    """``executor.shutdown(wait, cancel_futures=True)``. Without ``wait``, the scopes open
    now wait, when they end, for the pool's thread to finish (after ending its workers if
    they are still there): until it has, it holds the pool's queues and their semaphores."""
    manager = _manager(executor)
    executor.shutdown(wait=wait, cancel_futures=True)
    if not wait and manager is not None:
        with _LOCK:
            for open_scope in _SCOPES:
                open_scope.managers.append(manager)


def _manager(executor: ProcessPoolExecutor) -> threading.Thread | None:
    """The thread that feeds ``executor``'s workers, while it has one: the executor
    forgets it on shutdown, and tells it only in a private attribute."""
    manager = getattr(executor, "_executor_manager_thread", None)
    return manager if isinstance(manager, threading.Thread) else None


def track(tool: Tool) -> None:
    """Register a tool's process (Pagefind, dot): if it still runs when the scopes open
    now end (or its worker leaves), it is killed."""
    with _LOCK:
        _TOOLS[:] = [t for t in _TOOLS if t.returncode is None]
        _TOOLS.append(tool)
        for open_scope in _SCOPES:
            open_scope.tools.append(tool)


def on_abort(cancel: Callable[[], None]) -> None:
    """Call ``cancel`` if the scopes open now end by an exception, before their processes
    are ended: work in other threads that starts processes stops starting them."""
    with _LOCK:
        for open_scope in _SCOPES:
            open_scope.cancels.append(cancel)


def run(args: Sequence[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    """``subprocess.run(args, input=data, capture_output=True)``, the process tracked."""
    import subprocess

    with subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        track(process)
        try:
            out, err = process.communicate(data)
        except BaseException:
            process.kill()
            raise
    return subprocess.CompletedProcess(list(args), process.returncode, out, err)


# -- ending them -----------------------------------------------------------------------------


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Every process started inside has ended when this is left (see the module's
    docstring). Scopes nest: an inner one ends what was started inside it."""
    opened = _Scope()
    with _LOCK:
        _SCOPES.append(opened)
    try:
        yield
    except BaseException:
        _close(opened, aborted=True)
        raise
    _close(opened, aborted=False)


def end_all() -> None:
    """End every child of this process now, and what every open scope started: the
    command is leaving (``serve`` stopped while it rebuilds, in another thread)."""
    with _LOCK:
        scopes = list(_SCOPES)
        tools = list(_TOOLS)
    with _held():
        _cancel([cancel for open_scope in scopes for cancel in open_scope.cancels])
        _end(_workers(), tools)
        _release(
            [executor for open_scope in scopes for executor in open_scope.pools],
            [manager for open_scope in scopes for manager in open_scope.managers],
        )


def stop(executor: ProcessPoolExecutor) -> None:
    """End ``executor``'s workers now, whatever they are doing, and release its queues
    (a build that raised or was interrupted: nothing waits for their results)."""
    with _held():
        # Which processes are its own: the executor knows, and says it only there.
        workers = list((getattr(executor, "_processes", None) or {}).values())
        _end(workers, [])
        _release([executor], [])


def _close(opened: _Scope, *, aborted: bool) -> None:
    with _LOCK:
        _SCOPES.remove(opened)
    with _held():
        if aborted:
            _cancel(opened.cancels)
        workers = [p for p in _workers() if p.pid not in opened.before]
        _end(workers, opened.tools)
        _release(opened.pools, opened.managers)


def _cancel(cancels: Sequence[Callable[[], None]]) -> None:
    for cancel in cancels:
        with contextlib.suppress(Exception):  # ending the processes comes next, regardless
            cancel()


def _end(workers: Sequence[BaseProcess], tools: Sequence[Tool]) -> None:
    """SIGTERM to the workers (SIGKILL to those still there after :data:`GRACE_SECONDS`)
    and SIGKILL to the tools; back when all are gone."""
    tools = [tool for tool in tools if tool.poll() is None]
    if not tools and not workers:
        return
    import subprocess

    for tool in tools:
        with contextlib.suppress(OSError):
            tool.kill()
    alive = _running(workers)
    for worker in alive:
        with contextlib.suppress(OSError, ValueError):
            worker.terminate()
    alive = _wait_gone(alive, GRACE_SECONDS)
    for worker in alive:
        with contextlib.suppress(OSError, ValueError):
            worker.kill()
    _wait_gone(alive, GRACE_SECONDS)
    for worker in workers:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            worker.join(0)  # reaped here if the pool's own thread did not
    for tool in tools:
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            tool.wait(GRACE_SECONDS)


def _running(workers: Sequence[BaseProcess]) -> list[BaseProcess]:
    """Those whose end has not been seen (the sentinel of a process is readable once it
    has ended, whoever reaps it)."""
    return [w for w in workers if w.exitcode is None and not _gone(w, 0)]


def _gone(worker: BaseProcess, timeout: float) -> bool:
    from multiprocessing.connection import wait

    try:
        return bool(wait([worker.sentinel], timeout))
    except (OSError, ValueError):  # closed: long gone
        return True


def _wait_gone(workers: Sequence[BaseProcess], timeout: float) -> list[BaseProcess]:
    """The workers still running after at most ``timeout`` seconds."""
    from multiprocessing.connection import wait

    deadline = time.monotonic() + timeout
    alive = list(workers)
    while alive and (left := deadline - time.monotonic()) > 0:
        sentinels = {}
        for worker in alive:
            with contextlib.suppress(OSError, ValueError):
                sentinels[worker.sentinel] = worker
        ready = set(wait(list(sentinels), left))
        alive = [w for s, w in sentinels.items() if s not in ready]
    return alive


def _release(
    executors: Sequence[ProcessPoolExecutor], managers: Sequence[threading.Thread]
) -> None:
    """Shut the executors down and let their threads (and ``managers``, those of pools
    already shut down) end: their workers are gone, so they end at once. Then nothing
    holds the pools' queues, whose semaphores are unlinked as they are freed."""
    threads = list(managers)
    for executor in executors:
        manager = _manager(executor)
        executor.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            threads.append(manager)
    deadline = time.monotonic() + RELEASE_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


# -- signals ---------------------------------------------------------------------------------

_HELD: list[bool] = []
"""Set while processes are being ended: a signal then waits (see :func:`_held`)."""
_PENDING: list[int] = []
_STOPPING: list[int] = []
"""The signal that stopped this process, once :class:`Stopped` was raised."""


def stop_on_signals() -> None:
    """SIGINT and SIGTERM raise :class:`Stopped` in the main thread (once: further ones
    are ignored, the process is already stopping; while processes are being ended, it
    waits until they are). Call it from the main thread."""
    for signum in _SIGNALS:
        signal.signal(signum, _on_signal)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _STOPPING:
        return
    if _HELD:
        _PENDING.append(signum)
        return
    _STOPPING.append(signum)
    raise Stopped(signum)


@contextlib.contextmanager
def _held() -> Iterator[None]:
    """A signal arriving inside is raised when the block ends, not in the middle of
    ending processes (and not at all if the block raises). Signals are handled in the
    main thread: a block in another (a rebuild of ``serve``) holds none."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _HELD.append(True)
    try:
        yield
    finally:
        _HELD.pop()
    if not _HELD and _PENDING and not _STOPPING:
        signum = _PENDING[0]
        _PENDING.clear()
        _STOPPING.append(signum)
        raise Stopped(signum)


# -- in a worker -----------------------------------------------------------------------------


def _worker_started(parent: int, then: Callable[[], None] | None, tools: bool) -> None:
    """A pool's initializer, first in each worker (see :func:`pool`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _leave_on_signal if tools else signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()
    if then is not None:
        then()


def _leave_on_signal(signum: int, frame: FrameType | None) -> None:
    _kill_tools()
    os._exit(128 + signum)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    _kill_tools()
    os._exit(1)  # the parent was killed: nobody waits for this worker's results


def _kill_tools() -> None:
    for tool in list(_TOOLS):
        with contextlib.suppress(OSError):
            if tool.returncode is None:
                os.kill(tool.pid, signal.SIGKILL)
