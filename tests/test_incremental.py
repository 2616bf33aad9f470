"""Incremental, atomic builds: the manifest, reasons, stale outputs, kill -9 mid-build."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import ClassVar

from compiler.build import build
from compiler.config import Config
from compiler.generators.base import BuildContext, register
from compiler.graph import RunbookGraph

from .conftest import ROOT, MakeSource


@register("test-perdoc")
class PerDocumentGenerator:
    """One file per document, skipping unchanged documents like a real generator may."""

    name: ClassVar[str] = "test-perdoc"

    def generate(self, graph: RunbookGraph, ctx: BuildContext) -> None:
        for doc in graph.documents():
            path = f"md/{doc.id}.txt"
            if ctx.needs(doc.id) or not ctx.writer.keep(path):
                ctx.writer.write_text(path, f"{doc.title}\n")


FORMATS = ["json", "test-perdoc"]


def _build(root: Path, out: Path, **kwargs: object) -> dict[str, str]:
    result = build(root, out, Config(root=root), formats=FORMATS, jobs=1, **kwargs)  # type: ignore[arg-type]
    return result.plan.reasons


def test_reasons_for_rebuilding(make_source: MakeSource, tmp_path: Path) -> None:
    root = make_source({"a.md": "# A\n", "b.md": "# B\n"})
    out = tmp_path / "out"
    assert _build(root, out) == {"a": "no previous build", "b": "no previous build"}
    assert _build(root, out) == {"a": "unchanged", "b": "unchanged"}
    (root / "a.md").write_text("# A2\n", encoding="utf-8")
    (root / "c.md").write_text("# C\n", encoding="utf-8")
    assert _build(root, out) == {"a": "source changed", "b": "unchanged", "c": "new document"}
    assert (out / "md/a.txt").read_text(encoding="utf-8") == "A2\n"
    assert _build(root, out, force=True) == {"a": "--force", "b": "--force", "c": "--force"}
    other = Config(root=root, site_title="Other")
    result = build(root, out, other, formats=FORMATS, jobs=1)
    assert set(result.plan.reasons.values()) == {"runbooks.toml changed"}


def test_deleted_document_loses_its_outputs(make_source: MakeSource, tmp_path: Path) -> None:
    root = make_source({"a.md": "# A\n", "sub/b.md": "# B\n"})
    out = tmp_path / "out"
    _build(root, out)
    assert (out / "md/sub/b.txt").exists()
    (root / "sub/b.md").unlink()
    _build(root, out)
    assert not (out / "md/sub/b.txt").exists()
    assert (out / "md/a.txt").exists()


def test_unreadable_document_keeps_previous_outputs(
    make_source: MakeSource, tmp_path: Path
) -> None:
    root = make_source({"a.md": "# A\n", "b.md": "# B\n"})
    out = tmp_path / "out"
    _build(root, out)
    (root / "b.md").write_bytes(b"# B\n\xff broken\n")
    result = build(root, out, Config(root=root), formats=FORMATS, jobs=1)
    assert result.compilation.diagnostics.failed()
    assert (out / "md/b.txt").read_text(encoding="utf-8") == "B\n"
    # …and it stays kept on the next build too, until the file is fixed or deleted.
    build(root, out, Config(root=root), formats=FORMATS, jobs=1)
    assert (out / "md/b.txt").exists()


def test_outputs_are_world_readable(make_source: MakeSource, tmp_path: Path) -> None:
    root = make_source({"a.md": "# A\n"})
    out = tmp_path / "out"
    _build(root, out)
    mode = stat.S_IMODE((out / "md/a.txt").stat().st_mode)
    assert mode & 0o044 == 0o044 or os.umask(os.umask(0)) & 0o044


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    import compiler.writer as writer
    original = writer.Writer.write_bytes
    count = 0
    def write_then_die(self, relative, data):
        global count
        count += 1
        if count == {kill_at}:
            # Half-written temporary file, then kill -9: the worst moment.
            tmp = self.target(relative).with_name("." + Path(relative).name + ".x.tmp")
            tmp.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, relative, data)
    writer.Writer.write_bytes = write_then_die
    from compiler.cli import run
    sys.exit(run(["build", {src!r}, "--out", {out!r}, "--format", "json", "-j", "1", "-q"]))
    """
)


def _snapshot(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".cache" not in p.parts
    }


def test_kill_minus_nine_mid_build(make_source: MakeSource, tmp_path: Path) -> None:
    """Killed while writing: earlier outputs intact, and the next build completes them,
    identical to a clean build (CHANGES.md aside: it reports against the last build)."""
    files = {
        f"d{i}.md": f"# D{i}\n\n| Error | Resolution |\n|---|---|\n| E (ID: {100 + i}) | Fix. |\n"
        for i in range(5)
    }
    root = make_source(files)
    for kill_at in (1, 2):
        out = tmp_path / f"killed-{kill_at}"
        build(root, out, Config(root=root), formats=["json"], jobs=1)
        earlier = _snapshot(out)
        (root / "d0.md").write_text(
            files["d0.md"].replace("Fix.", f"Fix {kill_at}."), encoding="utf-8"
        )
        script = KILLER.format(root=str(ROOT), kill_at=kill_at, src=str(root), out=str(out))
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        clean = tmp_path / f"clean-{kill_at}"
        build(root, clean, Config(root=root), formats=["json"], jobs=1)
        reference = _snapshot(clean)
        survived = {n: d for n, d in _snapshot(out).items() if not n.endswith(".tmp")}
        assert survived.keys() == earlier.keys()
        for name, data in survived.items():  # each file whole: the old version or the new one
            assert data in (earlier[name], reference.get(name)), name
        assert survived[".runbooks-manifest.json"] == earlier[".runbooks-manifest.json"]
        build(root, out, Config(root=root), formats=["json"], jobs=1)
        finished = _snapshot(out)
        assert not [n for n in finished if n.endswith(".tmp")]
        finished.pop("CHANGES.md")
        reference.pop("CHANGES.md")
        assert finished == reference


def test_generators_skip_unchanged_documents(make_source: MakeSource, tmp_path: Path) -> None:
    doc = "# {t}\n\n| Error | Resolution |\n|---|---|\n| Boom (ID: 4711) | Restart. |\n\n## Fix\n\n1. One.\n2. Two.\n"
    root = make_source({"a.md": doc.format(t="A"), "b.md": doc.format(t="B")})
    out = tmp_path / "out"
    formats = ["svg", "ps1", "md"]
    build(root, out, Config(root=root), formats=formats, jobs=1)
    (root / "a.md").write_text(doc.format(t="A2"), encoding="utf-8")
    (out / "svg/b/fix-procedure.svg").unlink()  # a lost output is drawn again
    result = build(root, out, Config(root=root), formats=formats, jobs=1)
    written = {p.relative_to(out).as_posix() for p in result.written}
    assert {"ps1/a.ps1", "md/a.md", "svg/a/fix-procedure.svg", "svg/b/fix-procedure.svg"} <= written
    assert not {"ps1/b.ps1", "md/b.md"} & written
    assert (out / "ps1/b.ps1").exists() and (out / "md/b.md").exists()


def test_noop_build_keeps_the_site(make_source: MakeSource, tmp_path: Path) -> None:
    root = make_source(
        {"a.md": "# A\n\n| Error | Resolution |\n|---|---|\n| Boom (ID: 4711) | Restart. |\n"}
    )
    out = tmp_path / "out"
    build(root, out, Config(root=root), formats=["html"], jobs=1)
    result = build(root, out, Config(root=root), formats=["html"], jobs=1)
    html = [
        p.relative_to(out).as_posix() for p in result.written if "html" in p.relative_to(out).parts
    ]
    assert html == ["html/changes.html"]  # only the change report: "nothing changed"
    assert (out / "html/a.html").exists() and (out / "html/codes/4711.html").exists()
    assert any(
        "pagefind" in p
        for p in json.loads((out / ".runbooks-manifest.json").read_text(encoding="utf-8"))[
            "outputs"
        ]
    )
    (out / "html/a.html").unlink()  # a lost page: the site is written again
    result = build(root, out, Config(root=root), formats=["html"], jobs=1)
    assert (out / "html/a.html").exists()


def test_the_graph_kept_for_the_change_report_is_the_export_linked(
    make_source: MakeSource, tmp_path: Path
) -> None:
    root = make_source({"a.md": "# A\n"})
    out = tmp_path / "out"
    _build(root, out)
    export, kept = out / "runbooks.json", out / ".cache/last-build.json"
    assert export.stat().st_ino == kept.stat().st_ino
    before = kept.read_bytes()
    (root / "a.md").write_text("# A2\n", encoding="utf-8")
    _build(root, out)
    assert export.stat().st_ino == kept.stat().st_ino
    assert kept.read_bytes() != before
    # Without the json format (whose export goes) the graph is still kept, on its own.
    (root / "a.md").write_text("# A3\n", encoding="utf-8")
    build(root, out, Config(root=root), formats=["test-perdoc"], jobs=1)
    assert b"A3" in kept.read_bytes() and not export.exists()
