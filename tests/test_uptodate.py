"""A build with nothing to do: answered from the manifest, without parsing, same report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.build import build
from compiler.cli import run
from compiler.config import Config
from compiler.manifest import MANIFEST
from compiler.uptodate import IN_PROGRESS

from .conftest import MakeSource

BROKEN = "# Runbook\n\nSee [the guide](missing.md).\n"
"""One warning (a broken link), to see diagnostics replayed."""
FORMATS = ["json", "md"]
ENTRY = "# A\n\n| Error | Cause | Action |\n| --- | --- | --- |\n| 34513 | Proxy. | Fix it. |\n"


def _settle(root: Path, out: Path) -> None:
    """Build until a build has nothing to do: at most three (one that reports changes,
    one that reports none, one that is up to date)."""
    for _ in range(3):
        if build(root, out, Config(root=root), formats=FORMATS, jobs=1).up_to_date:
            return
    raise AssertionError("three builds of the same sources never settled")


def _up_to_date(root: Path, out: Path, config: Config | None = None, **kw: object) -> bool:
    config = config or Config(root=root)
    result = build(root, out, config, formats=kw.pop("formats", FORMATS), jobs=1, **kw)  # type: ignore[arg-type]
    return result.up_to_date


def test_settled_build_is_up_to_date_and_reports_the_same(
    make_source: MakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_source({"a.md": BROKEN, "b.md": "# B\n"})
    out = tmp_path / "out"
    args = ["build", str(src), "--out", str(out), "--format", "json,md", "-q", "-j", "1"]
    assert run(args) == 0
    capsys.readouterr()
    assert run(args) == 0
    full = capsys.readouterr().err
    assert "[broken-link]" in full
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert run(args) == 0
    assert capsys.readouterr().err == full  # the same diagnostics, from the manifest
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    assert run([*args, "--strict"]) == 1  # and the same exit status
    assert run([*args[:-3], "-v"]) == 0
    said = capsys.readouterr().out
    assert "a: unchanged\nb: unchanged\n" in said
    assert said.rstrip().endswith("(up to date)")


def test_up_to_date_build_imports_no_parser(make_source: MakeSource, tmp_path: Path) -> None:
    src = make_source({"a.md": "# A\n\nError 34513.\n"})
    out = tmp_path / "out"
    _settle(src, out)
    script = (
        "import sys; from compiler.cli import run;"
        f"code = run(['build', {str(src)!r}, '--out', {str(out)!r}, '--format', 'json,md']);"
        "heavy = sorted(m for m in ('networkx', 'markdown_it', 'jinja2', 'mdformat',"
        " 'compiler.parse.document', 'compiler.graph') if m in sys.modules);"
        "print(code, heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # not the checkout: its runbooks.toml is another configuration
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "0 []"


def test_any_change_needs_a_real_build(make_source: MakeSource, tmp_path: Path) -> None:
    src = make_source({"a.md": "# A\n", "b.md": "# B\n"})
    out = tmp_path / "out"
    _settle(src, out)
    assert _up_to_date(src, out)
    # a source edited, then the build after it reports the change: neither is a no-op
    (src / "a.md").write_text(ENTRY, encoding="utf-8")
    assert not _up_to_date(src, out)
    assert "34513" in (out / "CHANGES.md").read_text(encoding="utf-8")
    assert not _up_to_date(src, out)  # CHANGES.md must now say that nothing changed
    assert "34513" not in (out / "CHANGES.md").read_text(encoding="utf-8")
    assert _up_to_date(src, out)
    # an output deleted by hand
    (out / "md" / "b.md").unlink()
    assert not _up_to_date(src, out)
    assert (out / "md" / "b.md").is_file()
    assert _up_to_date(src, out)
    # other formats asked for, other settings, --force
    assert not _up_to_date(src, out, formats=["json"])
    _settle(src, out)
    assert not _up_to_date(src, out, Config(root=src, site_title="Other"))
    _settle(src, out)
    assert not _up_to_date(src, out, force=True)
    assert _up_to_date(src, out)
    # a document added, then removed
    (src / "c.md").write_text("# C\n", encoding="utf-8")
    assert not _up_to_date(src, out)
    (src / "c.md").unlink()
    assert not _up_to_date(src, out)
    assert not (out / "md" / "c.md").exists()


def test_killed_build_is_never_taken_as_settled(make_source: MakeSource, tmp_path: Path) -> None:
    src = make_source({"a.md": "# A\n"})
    out = tmp_path / "out"
    _settle(src, out)
    (out / IN_PROGRESS).touch()  # what a build killed before its manifest leaves
    assert not _up_to_date(src, out)
    assert not (out / IN_PROGRESS).exists()
    assert _up_to_date(src, out)


def test_tools_and_compiler_are_part_of_settled(make_source: MakeSource, tmp_path: Path) -> None:
    src = make_source({"a.md": "# A\n"})
    out = tmp_path / "out"
    _settle(src, out)
    manifest = out / MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    assert "weasyprint=" in data["tools"] and data["settled"] is True
    for key, why in (
        ("tools", "a library or tool the outputs depend on changed"),
        ("compiler", "the compiler changed"),
        ("templates", "templates changed"),
    ):
        edited = {**data, key: "something else"}
        manifest.write_text(json.dumps(edited), encoding="utf-8")
        result = build(src, out, Config(root=src), formats=FORMATS, jobs=1)
        assert not result.up_to_date and result.plan.reasons == {"a": why}, key
        _settle(src, out)


def test_a_build_reads_each_source_once(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The up-to-date check reads every source to compare hashes; a build that finds work
    # to do parses those same texts rather than reading the folder again.
    src = make_source({"a.md": ENTRY, "b.md": BROKEN, "c.md": "# C\n"})
    out = tmp_path / "out"
    _settle(src, out)
    (src / "a.md").write_text(ENTRY + "\nEdited.\n", encoding="utf-8")
    reads: list[str] = []
    original = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.suffix == ".md" and src in path.parents:
            reads.append(path.name)
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = build(src, out, Config(root=src), formats=FORMATS, jobs=1)
    assert not result.up_to_date
    assert sorted(reads) == ["a.md", "b.md", "c.md"]
