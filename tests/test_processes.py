"""A build leaves nothing running, and one bad document never stops the others (issue 19).

Builds run as a CI job runs them: ``runbooks`` in a session of its own, its output read
through pipes. A build returns once every process that holds its output has ended, so a
pipe read to its end is the test that nothing was left behind (the timeout is the
failure); the session is then checked for any process left, through /proc.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

import compiler.compile
import compiler.generators.markdown as markdown_format
import compiler.pdf.render as render_module
from compiler import parallel, processes
from compiler.build import build
from compiler.config import Config
from compiler.manifest import load_manifest

from .conftest import ROOT, SEED, SOURCE_DOCS, MakeSource
from .test_pdf import SMALL

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds processes through Linux's /proc"
)

TIMEOUT = 240
"""Seconds a build's output may take to end: far more than any build here needs."""
GONE_WITHIN = 15
"""Seconds a killed build's workers have to notice it and leave (they take under one)."""

BROKEN = "broken.md"
INJECT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from tests.test_processes import break_parse_of
break_parse_of({BROKEN!r})
from compiler.cli import main
main()
"""
"""``runbooks`` whose parser raises StopIteration for BROKEN (in the forked workers too)."""

DIAGNOSTIC = re.compile(r"^.+:\d+:\d+: (error|warning|info): .+ \[[a-z0-9-]+\]$")
PROGRESS = re.compile(r"^\[\s*\d+/\d+\] \S+ .+$")


def break_parse_of(name: str) -> None:
    """Make the parse of the source ``name`` raise, as a parser bug would."""
    real = compiler.compile.parse_document

    def parse(text: str, *, path: str, **kwargs: object) -> object:
        if path == name:
            raise StopIteration
        return real(text, path=path, **kwargs)  # type: ignore[arg-type]

    compiler.compile.parse_document = parse  # type: ignore[assignment]


def _source(make_source: MakeSource, *, broken: bool = False) -> Path:
    """The seed and two small runbooks (three PDFs to lay out, Japanese and English)."""
    files: dict[str, str | bytes] = {
        SEED.name: SEED.read_text(encoding="utf-8"),
        "spooler.md": SMALL,
        "queue.md": SMALL.replace("spooler", "queue").replace("Printer", "Queue"),
    }
    if broken:
        files[BROKEN] = SMALL.replace("spooler", "broken")
    return make_source(files)


# -- finding a build's processes -------------------------------------------------------------


def _stat(pid: str) -> tuple[str, int, int, str] | None:
    """(state, parent, session, command line) of a process, None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    cmdline = command.replace(b"\0", b" ").decode("utf-8", "replace").strip()
    return fields[0], int(fields[1]), int(fields[3]), cmdline


def _living(match: Callable[[int, int, int], bool]) -> list[str]:
    """Command lines of the processes (not zombies) for which ``match(pid, ppid, sid)``."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and (stat := _stat(pid)) is not None:
            state, ppid, sid, cmdline = stat
            if state != "Z" and match(int(pid), ppid, sid):
                found.append(f"{pid}: {cmdline}")
    return found


def _in_session(sid: int) -> list[str]:
    return _living(lambda pid, ppid, session: session == sid)


def _left_in_session(sid: int, within: float = 5.0) -> list[str]:
    """What is still running in session ``sid`` after ``within`` seconds (a process that
    has closed its pipes may take a moment more to be gone)."""
    deadline = time.monotonic() + within
    while (left := _in_session(sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


_SESSIONS: list[int] = []
"""Sessions started by the running test: whatever is left of them is killed after it."""


@pytest.fixture(autouse=True)
def _kill_what_is_left() -> Iterator[None]:
    yield
    while _SESSIONS:
        sid = _SESSIONS.pop()
        if _in_session(sid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(sid, signal.SIGKILL)


def _start(
    args: Sequence[str], *, inject: bool = False, command: Sequence[str] = ()
) -> subprocess.Popen[str]:
    """``runbooks ARGS`` in a session of its own, stdout and stderr piped (unbuffered, so
    a line is read when it is printed)."""
    if not command:
        command = [sys.executable, "-c", INJECT] if inject else [sys.executable, "-m", "compiler"]
    process = subprocess.Popen(
        [*command, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    _SESSIONS.append(process.pid)
    return process


def _finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Read the output to its end (every process holding it has ended), then check that
    nothing of the session is left."""
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        left = _in_session(process.pid)
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"the build's output did not end; still running: {left}")
    assert _left_in_session(process.pid) == []
    return out, err


def _run(args: Sequence[str], *, inject: bool = False) -> tuple[int, str, str]:
    process = _start(args, inject=inject)
    out, err = _finish(process)
    return process.returncode, out, err


def _noise(stderr: str) -> list[str]:
    """Lines of stderr that are neither a diagnostic nor progress."""
    return [
        line
        for line in stderr.splitlines()
        if not DIAGNOSTIC.match(line) and not PROGRESS.match(line)
    ]


# -- a build that ends -----------------------------------------------------------------------


@pytest.mark.parametrize("formats", [[], ["pdf"], ["html,svg"]], ids=["every", "pdf", "html+svg"])
def test_piped_builds_end_and_leave_nothing(
    make_source: MakeSource, tmp_path: Path, formats: list[str]
) -> None:
    """A clean build, the rebuild after it (which lays out nothing, though the WeasyPrint
    workers were started for it: the one that was left waiting forever, holding the
    pipes), and a build with nothing to do. No warning on stderr either (the resource
    tracker's "leaked semaphore objects")."""
    src = _source(make_source)
    out = tmp_path / "out"
    args = ["build", str(src), "--out", str(out), *(f"--format={f}" for f in formats)]
    for what in ("clean", "no-op", "up to date"):
        status, stdout, stderr = _run(args)
        assert status == 0, (what, stderr)
        assert _noise(stderr) == [], what
        assert ("(up to date)" in stdout) == (what == "up to date"), stdout
    assert (out / "runbooks.json").is_file() == (not formats)
    assert (out / "pdf" / "spooler.pdf").is_file() == (formats in ([], ["pdf"]))


def test_the_corpus_builds_with_nothing_on_stderr_but_diagnostics_and_progress(
    tmp_path: Path,
) -> None:
    status, stdout, stderr = _run(["build", str(SOURCE_DOCS), "--out", str(tmp_path / "out")])
    assert status == 0, stderr
    assert _noise(stderr) == []
    assert "21 documents" in stdout or "documents:" in stdout


# -- a document that cannot be parsed ----------------------------------------------------------


def test_a_document_the_parser_fails_on_is_one_line_and_the_others_are_built(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = _source(make_source, broken=True)
    out = tmp_path / "out"
    status, _, stderr = _run(["build", str(src), "--out", str(out)], inject=True)
    assert status == 1
    assert _noise(stderr) == []  # no traceback
    [line] = [line for line in stderr.splitlines() if "[internal]" in line]
    assert line.startswith(f"{BROKEN}:1:1: error: could not parse this document (StopIteration in ")
    assert line.endswith("); this is a bug, please report it [internal]")
    for doc in ("spooler", "queue", SEED.stem):
        assert (out / "html" / f"{doc}.html").is_file()
        assert (out / "pdf" / f"{doc}.pdf").is_file()
    assert not (out / "html" / "broken.html").exists()
    # -v shows where: the traceback, below its line.
    status, _, verbose = _run(["build", str(src), "--out", str(out), "-v"], inject=True)
    assert status == 1
    assert "    Traceback (most recent call last):" in verbose
    assert "    StopIteration" in verbose


def _parse_failures(monkeypatch: pytest.MonkeyPatch, pids: Path) -> None:
    """The parse of BROKEN raises, wherever it runs; ``pids`` records where."""
    real = compiler.compile.parse_document

    def parse(text: str, *, path: str, **kwargs: object) -> object:
        if path == BROKEN:
            with pids.open("a", encoding="utf-8") as log:
                log.write(f"{os.getpid()}\n")
            raise StopIteration
        return real(text, path=path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compiler.compile, "parse_document", parse)


@pytest.mark.parametrize("jobs", [1, 2], ids=["in-process", "forked-workers"])
def test_a_parse_that_raises_keeps_the_previous_outputs_and_builds_the_rest(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    src = _source(make_source, broken=True)
    out = tmp_path / "out"
    formats = ["html", "json", "md"]
    build(src, out, Config(root=src), formats=formats, jobs=jobs)
    page, edited = out / "html" / "broken.html", out / "md" / "spooler.md"
    before, edited_before = page.read_bytes(), edited.read_bytes()
    (src / "spooler.md").write_text(SMALL + "\nEdited.\n", encoding="utf-8")
    (src / BROKEN).write_text(SMALL.replace("spooler", "broken") + "\nEdited.\n", "utf-8")
    pids = tmp_path / "pids"
    _parse_failures(monkeypatch, pids)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)  # four documents are enough to fork
    result = build(src, out, Config(root=src), formats=formats, jobs=jobs)
    [internal] = [d for d in result.diagnostics if d.rule == "internal"]
    assert (internal.path, internal.line, internal.severity.value) == (BROKEN, 1, "error")
    assert internal.message.startswith("could not parse this document (StopIteration in ")
    assert "Traceback" in result.diagnostics.details[internal]
    assert result.diagnostics.failed()
    ran_in = {int(pid) for pid in pids.read_text(encoding="utf-8").split()}
    assert (ran_in == {os.getpid()}) == (jobs == 1)
    # The others are built; the broken one keeps what the last build wrote for it.
    assert edited.read_bytes() != edited_before  # its new hash, in the front matter
    assert page.read_bytes() == before
    assert (out / "md" / "broken.md").is_file()
    manifest = load_manifest(out)
    assert manifest is not None and not manifest.settled  # the next build tries it again
    assert "html/broken.html" in manifest.outputs


def test_a_generator_that_raises_on_one_document_is_one_line_and_the_rest_are_written(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _source(make_source)
    real = markdown_format.render_markdown

    def render(graph: object, doc: object, *args: object) -> str:
        if getattr(doc, "id", "") == "queue":
            raise KeyError("no such step")
        return real(graph, doc, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(markdown_format, "render_markdown", render)
    out = tmp_path / "out"
    result = build(src, out, Config(root=src), formats=["md"], jobs=1)
    [internal] = [d for d in result.diagnostics if d.rule == "internal"]
    assert re.fullmatch(
        r"queue\.md:1:1: error: could not write the Markdown checklist of this document "
        r"\(KeyError: 'no such step' in compiler/generators/markdown\.py:\d+\); "
        r"this is a bug, please report it \[internal\]",
        str(internal),
    )
    assert (out / "md" / "spooler.md").is_file() and not (out / "md" / "queue.md").exists()


def _fail_layouts_of_queue() -> None:
    """A PDF worker's initializer (imported by the spawned worker from here): its
    layouts of the runbook that mentions "queue" raise."""
    real = render_module.render

    def render(job: render_module.Job) -> render_module.Rendered:
        if "Queue queue troubleshooting" in job.html:
            raise ValueError("layout bug")
        return real(job)

    render_module.render = render  # type: ignore[assignment]
    render_module._quick_exit_at_end()


def test_a_layout_that_raises_in_a_spawned_pdf_worker_is_one_line(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render_module, "_quick_exit_at_end", _fail_layouts_of_queue)
    src = _source(make_source)
    out = tmp_path / "out"
    result = build(src, out, Config(root=src), formats=["pdf"], jobs=2)
    [internal] = [d for d in result.diagnostics if d.rule == "internal"]
    assert internal.path == "queue.md"
    assert internal.message.startswith(
        "could not make the PDF of this runbook (ValueError: layout bug in "
    )
    assert "it is left out of pdf/ and of the handbook" in internal.message
    assert (out / "pdf" / "spooler.pdf").is_file() and not (out / "pdf" / "queue.pdf").exists()
    assert (out / "pdf" / "handbook.pdf").is_file()
    assert _children() == []


# -- a build that raises or is stopped -------------------------------------------------------


def _children() -> list[str]:
    """This process's children but for multiprocessing's resource tracker (which it
    started with the first spawned worker and keeps until it ends)."""
    me = os.getpid()
    return [
        line
        for line in _living(lambda pid, ppid, session: ppid == me)
        if "resource_tracker" not in line
    ]


def test_a_build_that_raises_ends_its_workers_and_tools(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The WeasyPrint workers and Pagefind (with the Japanese dictionary, for the edited
    seed) are started before the parse: a bug after it must not leave them running."""

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("graph bug")

    src = _source(make_source)
    monkeypatch.setattr(compiler.compile, "build_graph", broken)
    with pytest.raises(RuntimeError, match="graph bug"):
        build(src, tmp_path / "out", Config(root=src), formats=["html", "pdf"], jobs=2)
    assert _children() == []
    assert multiprocessing.active_children() == []


def _wait_for(what: Callable[[], list[str]], within: float = TIMEOUT) -> list[str]:
    deadline = time.monotonic() + within
    while not (found := what()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _workers_of(sid: int) -> list[str]:
    return [line for line in _in_session(sid) if "spawn_main" in line]


@pytest.mark.parametrize(
    ("signum", "group", "status"),
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143), (signal.SIGTERM, True, 143)],
    ids=["ctrl-c", "sigterm", "sigterm-to-the-group"],
)
def test_a_stopped_build_says_so_in_a_line_and_leaves_nothing(
    make_source: MakeSource, tmp_path: Path, signum: int, group: bool, status: int
) -> None:
    """Ctrl-C reaches the whole foreground process group (the workers too); a CI runner's
    SIGTERM reaches the build alone, or the group."""
    src = _source(make_source)
    out = tmp_path / "out"
    assert _run(["build", str(src), "--out", str(out), "--format", "pdf,json"])[0] == 0
    outputs = load_manifest(out).outputs  # type: ignore[union-attr]
    for name in ("spooler.md", "queue.md"):
        path = src / name
        path.write_text(path.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    process = _start(["build", str(src), "--out", str(out), "--format", "pdf,json"])
    assert _wait_for(lambda: _workers_of(process.pid)), "the PDF workers never started"
    if group:
        os.killpg(process.pid, signum)
    else:
        os.kill(process.pid, signum)
    _, stderr = _finish(process)
    assert process.returncode == status
    assert "Traceback" not in stderr
    name = signal.Signals(signum).name
    stopped = [line for line in stderr.splitlines() if line.startswith("runbooks: stopped")]
    assert stopped == [
        f"runbooks: stopped by {name}; every output is whole (as the last build or this one "
        "wrote it), and the next build completes them"
    ]
    assert all((out / path).is_file() for path in outputs)
    assert _run(["build", str(src), "--out", str(out), "--format", "pdf,json"])[0] == 0


def test_the_workers_of_a_killed_build_leave(make_source: MakeSource, tmp_path: Path) -> None:
    src = _source(make_source)
    process = _start(["build", str(src), "--out", str(tmp_path / "out"), "--format", "pdf"])
    assert _wait_for(lambda: _workers_of(process.pid)), "the PDF workers never started"
    process.kill()
    process.communicate(timeout=TIMEOUT)
    assert _left_in_session(process.pid, within=GONE_WITHIN) == []


_ORPHANED_POOL = f"""
import multiprocessing, sys, time
sys.path.insert(0, {str(ROOT)!r})
from compiler import processes
pool = processes.pool(1, multiprocessing.get_context("fork"), tools=True)
with processes.starting():
    pool.submit(time.sleep, 600)
print(*[p.pid for p in multiprocessing.active_children()], flush=True)
time.sleep(600)
"""


def test_a_forked_worker_leaves_when_its_parent_is_killed() -> None:
    """The workers of :mod:`compiler.parallel` (parse, html pages, flowcharts) are forked."""
    process = _start([], command=[sys.executable, "-c", _ORPHANED_POOL])
    assert process.stdout is not None
    [worker] = process.stdout.readline().split()
    process.kill()
    process.wait(timeout=TIMEOUT)
    deadline = time.monotonic() + GONE_WITHIN
    while (stat := _stat(worker)) is not None and stat[0] != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stat is None or stat[0] == "Z", f"worker {worker} still runs"


def test_serve_watch_stopped_with_ctrl_c_leaves_nothing(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = _source(make_source)
    out = tmp_path / "out"
    process = _start(["serve", str(src), "--out", str(out), "--watch", "--port", "0"])
    assert process.stdout is not None
    assert process.stdout.readline().startswith("serving ")  # the first build is done
    # An edit: the rebuild starts the WeasyPrint workers; Ctrl-C while they run. (Edited
    # again until it does: the watcher may not be watching yet.)
    for edit in range(20):
        (src / "spooler.md").write_text(SMALL + f"\nEdit {edit}.\n", encoding="utf-8")
        if _wait_for(lambda: _workers_of(process.pid), within=3):
            break
    else:
        pytest.fail("no rebuild started")
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = _finish(process)
    assert process.returncode == 0
    assert "Traceback" not in stderr


def test_stopped_is_a_keyboard_interrupt_with_the_exit_status() -> None:
    stopped = processes.Stopped(signal.SIGTERM)
    assert isinstance(stopped, KeyboardInterrupt)
    assert stopped.status == 143
    assert processes.Stopped(signal.SIGINT).status == 130
