"""The change report: a diff of graphs, tried on the 2018 version of the seed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compiler.build import build
from compiler.cli import run
from compiler.config import Config

from .conftest import ROOT, SEED, MakeSource

OLD_SEED = (
    ROOT.parent / "shared" / "corpus-versions" / "backup-azure-mars-troubleshoot.ja.2018-07-25.md"
)


def _export(tmp_path: Path, source: Path, name: str) -> Path:
    src = tmp_path / f"src-{name}"
    src.mkdir()
    shutil.copy(source, src / source.name)
    out = tmp_path / f"out-{name}"
    build(src, out, Config(root=tmp_path), formats=["json"], jobs=1)
    return out / "runbooks.json"


@pytest.mark.skipif(
    not OLD_SEED.exists(), reason=f"{OLD_SEED} is not here (shared/ beside the checkout)"
)
def test_diff_of_seed_versions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _export(tmp_path, OLD_SEED, "2018")
    new = _export(tmp_path, SEED, "2019")
    assert run(["diff", str(old), str(new)]) == 0
    report = capsys.readouterr().out
    assert "- codes added:\n  - 403\n" in report
    assert (
        "- entries added:\n  - 403 (コンテナー資格情報ファイルをダウンロードできませんでした。"
        in report
    )
    assert (
        "  - 34513 (無効なコンテナーの資格情報が指定されました。" in report
        and "actions +6 -5" in report
    )
    # The restore procedure moved to a renamed section; it is matched by its steps, and its
    # jump (step 3 -> 7 if found) is unchanged, so no jump line is reported.
    assert "procedure '復元の問題のトラブルシューティング': steps" in report
    assert "jump" not in report


def test_build_writes_change_report(make_source: MakeSource, tmp_path: Path) -> None:
    doc = "# A\n\n| Error | Resolution |\n| --- | --- |\n| Boom (ID: 11) | Restart. |\n\n## Fix\n\n1. One.\n2. If it fails, go to step 4.\n3. Three.\n4. Four.\n"
    root = make_source({"a.md": doc})
    out = tmp_path / "out"
    build(root, out, Config(root=root), formats=["json"], jobs=1)
    first = (out / "CHANGES.md").read_text(encoding="utf-8")
    assert "## a — added" in first and "- codes added:\n  - 11\n" in first
    build(root, out, Config(root=root), formats=["json"], jobs=1)
    assert (out / "CHANGES.md").read_text(encoding="utf-8") == "# Changes\n\nNo runbook changed.\n"
    changed = (
        doc.replace("(ID: 11)", "(ID: 12)")
        .replace("go to step 4", "go to step 3")
        .replace("Restart.", "Reboot.")
    )
    (root / "a.md").write_text(changed + "5. Five.\n", encoding="utf-8")
    (root / "b.md").write_text("# B\n", encoding="utf-8")
    build(root, out, Config(root=root), formats=["json"], jobs=1)
    report = (out / "CHANGES.md").read_text(encoding="utf-8")
    assert "- codes added:\n  - 12\n- codes removed:\n  - 11\n" in report
    assert "procedure 'Fix': steps +2 -1 (4 → 5)" in report
    assert "procedure 'Fix': jump added: step 2 → step 3 (If it fails)" in report
    assert "procedure 'Fix': jump removed: step 2 → step 4 (If it fails)" in report
    assert "## b — added" in report
    data = json.loads((out / "runbooks.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in data["documents"]] == ["a", "b"]


def test_site_has_the_change_report(make_source: MakeSource, tmp_path: Path) -> None:
    root = make_source(
        {"a.md": "# A\n\n| Error | Resolution |\n| --- | --- |\n| Boom (ID: 4711) | Restart. |\n"}
    )
    out = tmp_path / "out"
    build(root, out, Config(root=root), formats=["html"], jobs=1)
    page = (out / "html" / "changes.html").read_text(encoding="utf-8")
    assert "Error codes added" in page and 'href="codes/4711.html">4711</a>' in page
    build(root, out, Config(root=root), formats=["html"], jobs=1)
    page = (out / "html" / "changes.html").read_text(encoding="utf-8")
    assert "No runbook changed since the previous build." in page
