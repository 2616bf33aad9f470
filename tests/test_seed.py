"""The reference document, checked by hand: tests/golden/seed.json is reviewed output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from compiler.build import build
from compiler.compile import compile_text
from compiler.config import Config

from .conftest import SEED, check_golden


def _build_seed(tmp_path: Path, name: str = "out") -> Path:
    src = tmp_path / "seed"
    src.mkdir(exist_ok=True)
    shutil.copy(SEED, src / SEED.name)
    out = tmp_path / name
    build(src, out, Config(root=tmp_path), formats=["json"])
    return out / "runbooks.json"


def test_seed_golden_json(tmp_path: Path) -> None:
    check_golden("seed.json", _build_seed(tmp_path).read_text(encoding="utf-8"))


def test_seed_facts(tmp_path: Path) -> None:
    data = json.loads(_build_seed(tmp_path).read_text(encoding="utf-8"))
    assert data["schema"] == 1
    (doc,) = data["documents"]
    assert doc["locale"] == "ja-JP"
    assert doc["date"] == "2019-02-18"
    errors = doc["errors"]
    assert len(errors) == 6
    codes = [c for e in errors for c in e["codes"]]
    assert codes == ["34513", "403", "100050", "407", "0x1FC07", "34506"]
    assert len(errors[0]["causes"]) == 5
    (restore,) = doc["procedures"]
    assert len(restore["steps"]) == 9
    step3 = restore["steps"][2]
    assert step3["jumps"] == [
        {"to": 7, "condition": "見つかった場合は", "kind": "forward", "last": None}
    ]
    assert restore["fallback"].startswith("それでも回復が失敗する場合は")
    (schedule,) = doc["checklists"]
    commands = [c["code"] for item in schedule["items"] for c in item["commands"]]
    assert commands == [
        "$PSVersionTable.PSVersion",
        "Get-ExecutionPolicy -List",
        "Set-ExecutionPolicy Unrestricted",
    ]
    assert [n["kind"] for n in doc["notes"]] == ["tip"]
    assert data["codes"]["34513"] == ["000_seed_mars_agent_ja#invalid-vault-credentials-provided"]


def test_seed_actions_keep_nesting(tmp_path: Path) -> None:
    """Unclosed <ul><li> in a cell becomes nested items, never run-on text."""
    data = json.loads(_build_seed(tmp_path).read_text(encoding="utf-8"))
    actions = data["documents"][0]["errors"][0]["actions"]
    antivirus = actions[-1]
    assert [c["text"].split()[0] for c in antivirus["children"]] == [
        "CBengine.exe",
        "CSC.exe",
        "スクラッチ",
        "bin",
    ]
    assert (
        "C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Bin"
        in antivirus["children"][3]["text"]
    )


def test_build_is_deterministic(tmp_path: Path) -> None:
    first = _build_seed(tmp_path, "a").read_bytes()
    second = _build_seed(tmp_path, "b").read_bytes()
    assert first == second


def test_one_line_note_marker_is_left_out_of_text_and_html() -> None:
    doc = compile_text("# T\n\n> [!NOTE] Restart the **agent** first.\n", "n.md")
    (note,) = doc.notes
    assert note.kind == "note"
    assert note.text == "Restart the agent first."
    assert "[!NOTE]" not in note.html and "<strong>agent</strong>" in note.html
