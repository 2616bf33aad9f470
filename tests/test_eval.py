"""``make eval``: extraction measured on the hand-labelled documents of ../shared/labelled.

The totals may not fall below ``tests/eval_floor.json`` (a ratchet: ``make eval
EVAL_ARGS=--update-floor`` raises it after a change that extracts more). The scoring
itself is tested on a small labelled set made here, so it holds without ../shared too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.evaluate import evaluate, report, totals

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT.parent / "shared" / "labelled"
FLOOR = Path(__file__).resolve().parent / "eval_floor.json"


def test_extraction_keeps_its_floor_on_the_labelled_set() -> None:
    if not (LABELLED / "truth.json").is_file():
        pytest.skip(
            f"no labelled set at {LABELLED}: extraction is NOT measured here "
            "(the shared folder is not beside the checkout)"
        )
    current = totals(evaluate(LABELLED)).as_dict()
    floor = json.loads(FLOOR.read_text("utf-8"))
    assert current["crashed"] <= floor["crashed"], "a labelled document crashes the parser"
    worse = {
        name: f"{current[name]:.1%} < floor {value:.1%}"
        for name, value in floor.items()
        if name != "crashed" and current[name] < value - 1e-9
    }
    assert not worse, (
        f"extraction got worse on ../shared/labelled: {worse}; run `make eval` to see "
        "which documents lost what"
    )


DOC = """\
# Agent errors

## Error 34513: the agent can't connect

1. Check the proxy. If it is set, go to step 3.
2. Restart the agent.
3. Run `Test-NetConnection example.com -Port 443`.

| Error | Cause | Resolution |
|---|---|---|
| 0x1FC07 | Cache folder too small | Free space. |
"""


def _labelled(tmp_path: Path, truth: dict[str, object]) -> Path:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "doc.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "truth.json").write_text(json.dumps({"a/doc.md": truth}), encoding="utf-8")
    return tmp_path


def test_a_document_read_as_labelled_scores_full_marks(tmp_path: Path) -> None:
    folder = _labelled(
        tmp_path,
        {
            "language": "en",
            "error_codes": ["34513", "0x1fc07"],
            "error_entries": 2,
            "error_entries_tolerance": 0,
            "procedures": [{"section": "Error 34513", "steps": 3, "line": 5}],
            "jumps": [{"procedure_line": 5, "from": 1, "to": 3, "kind": "forward"}],
            "commands": ["Test-NetConnection example.com  -Port 443"],
        },
    )
    [score] = evaluate(folder)
    assert score.crashed is None
    assert (score.codes_found, score.codes_wrong) == (2, 0)  # compared case-insensitively
    assert score.entries_ok
    assert (score.procedures_exact, score.procedures_extra) == (1, 0)
    assert (score.jumps_found, score.jumps_extra) == (1, 0)
    assert score.commands_found == 1  # whitespace runs collapsed
    assert all(
        value == 1.0
        for name, value in totals([score]).as_dict().items()
        if name not in ("documents", "crashed")
    )


def test_misses_are_counted_and_named(tmp_path: Path) -> None:
    folder = _labelled(
        tmp_path,
        {
            "language": "en",
            "error_codes": ["34513", "99999"],
            "error_entries": 5,
            "error_entries_tolerance": 1,
            "procedures": [{"section": "x", "steps": 4, "line": 5}],
            "jumps": [{"procedure_line": 5, "from": 2, "to": 1, "kind": "back"}],
            "commands": ["Get-Service"],
        },
    )
    [score] = evaluate(folder)
    assert score.missed_codes == ["99999"] and score.wrong_codes == ["0x1FC07"]
    assert not score.entries_ok
    assert score.procedures_exact == 0 and "3 steps, not 4" in score.missed_procedures[0]
    assert score.jumps_found == 0 and score.jumps_extra == 1
    assert score.missed_commands == ["Get-Service"]
    text = "\n".join(report([score]))
    assert "codes missed: 99999" in text and "jump missed: 5: 2->1 back" in text


def test_a_document_that_crashes_the_parser_is_a_crash_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import compiler.evaluate as evaluate_module

    def boom(*args: object, **kwargs: object) -> None:
        raise StopIteration

    monkeypatch.setattr(evaluate_module, "parse_document", boom)
    folder = _labelled(tmp_path, {"language": "en", "error_codes": ["34513"]})
    [score] = evaluate(folder)
    assert score.crashed is not None and score.crashed.startswith("StopIteration in")
    assert totals([score]).crashed == 1 and score.codes_found == 0
