"""The command line, through ``run(argv)`` (no subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.cli import run

from .conftest import MakeSource

GOOD = "# Doc\n\n| Error | Cause | Resolution |\n| --- | --- | --- |\n| Boom (ID: 34513) | Bad | Fix it |\n"
BAD_JUMP = "# Doc\n\n1. One.\n2. Go to step 9.\n"


def test_build_writes_json(
    make_source: MakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_source({"a.md": GOOD, "sub/b.md": BAD_JUMP})
    out = tmp_path / "out"
    code = run(["build", str(src), "--out", str(out), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 1  # the bad jump is an error; the build still wrote everything
    assert "sub/b.md:4:1: error:" in captured.err
    data = json.loads((out / "runbooks.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in data["documents"]] == ["a", "sub/b"]
    assert data["codes"] == {"34513": ["a#doc"]}


def test_check_exit_codes(make_source: MakeSource, capsys: pytest.CaptureFixture[str]) -> None:
    clean = make_source({"a.md": GOOD})
    assert run(["check", str(clean)]) == 0
    warn = make_source({"a.md": GOOD, "b.md": "# B\n\n[x](#nope)\n"})
    assert run(["check", str(warn)]) == 0
    assert run(["check", str(warn), "--strict"]) == 1
    out = capsys.readouterr().out
    assert (
        "b.md:3:1: warning: link to '#nope': no such anchor in this document [broken-link]" in out
    )


def test_lookup(make_source: MakeSource, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_source({"a.md": GOOD, "b.md": GOOD.replace("Fix it", "Other fix")})
    assert run(["lookup", "34513", "--source", str(src)]) == 0
    out = capsys.readouterr().out
    assert "a.md:5: Doc" in out and "b.md:5: Doc" in out
    assert "  action:  1. Fix it" in out and "  cause:   Bad" in out
    assert run(["lookup", "99999", "--source", str(src)]) == 1
    assert run(["lookup", "34513", "--source", str(src), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["document"] for e in data["entries"]] == ["a", "b"]


def test_unknown_format_and_missing_source(
    make_source: MakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_source({"a.md": GOOD})
    assert run(["build", str(src), "--out", str(tmp_path / "o"), "--format", "nope"]) == 2
    assert "unknown format(s) nope" in capsys.readouterr().err
    assert run(["build", str(tmp_path / "missing")]) == 2


def test_config_error_names_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "runbooks.toml"
    config.write_text('sorce = "docs"\n', encoding="utf-8")
    assert run(["--config", str(config), "check"]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'sorce'" in err and "valid keys are: source, out" in err


def test_config_drives_source_and_vocab(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(
        "# A\n\n| Fehler | Abhilfe |\n| --- | --- |\n| Kaputt (ID: 777) | Neu starten |\n",
        encoding="utf-8",
    )
    config = tmp_path / "runbooks.toml"
    config.write_text(
        'source = "docs"\nout = "site"\n[vocab.de.headers]\nerror = ["Fehler"]\nfix = ["Abhilfe"]\n',
        encoding="utf-8",
    )
    assert run(["--config", str(config), "build"]) == 0
    data = json.loads((tmp_path / "site" / "runbooks.json").read_text(encoding="utf-8"))
    assert data["codes"] == {"777": ["a#a"]}


def test_progress_lines_and_quiet(
    make_source: MakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_source({"a.md": GOOD, "b.md": "# B\n"})
    assert (
        run(["build", str(src), "--out", str(tmp_path / "o"), "--format", "json", "-j", "1"]) == 0
    )
    err = capsys.readouterr().err.splitlines()
    assert err[:3] == ["[1/2] parse a.md", "[2/2] parse b.md", "[1/1] write json"]
    assert run(["build", str(src), "--out", str(tmp_path / "o"), "--format", "json", "-v"]) == 0
    captured = capsys.readouterr()
    assert "[1/2] parse a.md (unchanged)" in captured.err
    assert "a: unchanged\nb: unchanged\n" in captured.out
    assert "time: read, parse, graph, checks: " in captured.out  # where the time went
    assert "time: json: " in captured.out
    assert run(["build", str(src), "--out", str(tmp_path / "o"), "--format", "json", "-q"]) == 0
    assert capsys.readouterr().err == ""
