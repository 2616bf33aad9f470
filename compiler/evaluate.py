"""Extraction measured against documents labelled by hand (``make eval``).

A labelled set is a folder with ``truth.json`` (one object per document, keyed by its
path relative to the folder; the conventions are ``shared/LABELLING.md``). Each
document is parsed as a build would parse it, and what the parser found is compared
with what a careful reader wrote down: error codes, the number of error entries,
procedures and their step counts, jumps, commands.

Matching rules (the same for every document):

- codes compare case-insensitively (``runbooks lookup`` does), as sets;
- entries are right when the count is within the label's tolerance;
- a procedure is matched by the line of its first step (±1 line: a label may name the
  item's marker line or its first text line) and is exact when the step counts agree;
- a jump is found when a procedure matched as above has a jump from the same step to
  the same step number with the same kind;
- commands compare with runs of whitespace collapsed, and a line continuation (a
  backtick, backslash or caret ending a line) read as the space it stands for: labels
  write a continued command with its continuations or joined on one line.
"""

from __future__ import annotations

import json
import re
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.diagnostics import Diagnostics
from compiler.model import Document, Jump
from compiler.parse.document import parse_document
from compiler.parse.vocab import Vocabulary, build_vocabulary
from compiler.sources import read_source

LINE_SLACK = 1
"""How far a procedure's first-step line may be from the label's."""

_SPACE = re.compile(r"\s+")
_CONTINUATION = re.compile(r"[`\\^][ \t]*\n")


@dataclass(slots=True)
class DocScore:
    """What the parser found in one labelled document, against its labels."""

    path: str
    language: str
    crashed: str | None = None
    """The exception, when parsing raised (then nothing counts as found)."""
    codes_truth: int = 0
    codes_found: int = 0
    """Labelled codes the parser found."""
    codes_predicted: int = 0
    codes_wrong: int = 0
    """Codes the parser reported that the labels do not have."""
    missed_codes: list[str] = field(default_factory=list)
    wrong_codes: list[str] = field(default_factory=list)
    entries_truth: int = 0
    entries_tolerance: int = 0
    entries_predicted: int = 0
    procedures_truth: int = 0
    procedures_exact: int = 0
    procedures_predicted: int = 0
    procedures_extra: int = 0
    """Procedures the parser found at a line where the labels have none."""
    missed_procedures: list[str] = field(default_factory=list)
    jumps_truth: int = 0
    jumps_found: int = 0
    jumps_predicted: int = 0
    jumps_extra: int = 0
    missed_jumps: list[str] = field(default_factory=list)
    extra_jumps: list[str] = field(default_factory=list)
    commands_truth: int = 0
    commands_found: int = 0
    commands_predicted: int = 0
    commands_wrong: int = 0
    missed_commands: list[str] = field(default_factory=list)
    wrong_commands: list[str] = field(default_factory=list)

    @property
    def entries_ok(self) -> bool:
        return (
            self.crashed is None
            and abs(self.entries_predicted - self.entries_truth) <= self.entries_tolerance
        )

    @property
    def misses(self) -> int:
        """How badly this document went: the sort key of the report (worst first)."""
        return (
            (100 if self.crashed else 0)
            + (self.codes_truth - self.codes_found)
            + self.codes_wrong
            + (0 if self.entries_ok else 3)
            + (self.procedures_truth - self.procedures_exact)
            + self.procedures_extra
            + (self.jumps_truth - self.jumps_found)
            + self.jumps_extra
            + (self.commands_truth - self.commands_found)
            + self.commands_wrong
        )


@dataclass(slots=True)
class Totals:
    documents: int
    crashed: int
    code_recall: float
    code_precision: float
    entries_within_tolerance: float
    procedures_exact: float
    procedure_precision: float
    jumps_found: float
    jump_precision: float
    command_recall: float
    command_precision: float

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.__slots__}


TARGETS: Mapping[str, float] = {
    "code_recall": 0.95,
    "code_precision": 0.95,
    "entries_within_tolerance": 0.90,
    "procedures_exact": 0.95,
    "jumps_found": 1.0,
    "command_recall": 0.90,
}
"""What "done" means for extraction (issue 16)."""


def load_truth(folder: Path) -> dict[str, dict[str, Any]]:
    """``truth.json`` of a labelled set (FileNotFoundError when the set is missing)."""
    with (folder / "truth.json").open(encoding="utf-8") as fh:
        truth: dict[str, dict[str, Any]] = json.load(fh)
    return truth


def evaluate(
    folder: Path, *, vocab: Vocabulary | None = None, only: Iterable[str] = ()
) -> list[DocScore]:
    """Parse every labelled document of ``folder`` and score it against its labels."""
    vocab = vocab or build_vocabulary()
    wanted = set(only)
    scores = []
    for relative, labels in sorted(load_truth(folder).items()):
        if wanted and not any(w in relative for w in wanted):
            continue
        scores.append(score_document(folder, relative, labels, vocab))
    return scores


def score_document(
    folder: Path, relative: str, labels: Mapping[str, Any], vocab: Vocabulary
) -> DocScore:
    score = DocScore(path=relative, language=str(labels.get("language", "")))
    doc: Document | None = None
    diags = Diagnostics()
    source = read_source(folder.resolve(), folder.resolve() / relative, diags)
    if source is None:
        score.crashed = "; ".join(str(d) for d in diags) or "unreadable"
    else:
        try:
            doc = parse_document(
                source.text, path=relative, doc_id=source.doc_id, vocab=vocab, diags=diags
            )
        except Exception as exc:  # the parser must never raise: this is what we measure
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            score.crashed = f"{type(exc).__name__} in {where}: {exc}"
    _score_codes(score, labels, doc)
    _score_entries(score, labels, doc)
    _score_procedures(score, labels, doc)
    _score_commands(score, labels, doc)
    return score


def predicted_codes(doc: Document) -> list[str]:
    """Every code an entry carries: what ``runbooks lookup`` can find."""
    return list(dict.fromkeys(code for entry in doc.errors for code in entry.codes))


def _score_codes(score: DocScore, labels: Mapping[str, Any], doc: Document | None) -> None:
    truth = {str(c).casefold(): str(c) for c in labels.get("error_codes", [])}
    found = {c.casefold(): c for c in predicted_codes(doc)} if doc else {}
    score.codes_truth = len(truth)
    score.codes_predicted = len(found)
    score.codes_found = len(truth.keys() & found.keys())
    score.missed_codes = [truth[k] for k in truth if k not in found]
    score.wrong_codes = [found[k] for k in found if k not in truth]
    score.codes_wrong = len(score.wrong_codes)


def _score_entries(score: DocScore, labels: Mapping[str, Any], doc: Document | None) -> None:
    score.entries_truth = int(labels.get("error_entries", 0))
    score.entries_tolerance = int(labels.get("error_entries_tolerance", 0))
    # A catalogue row with no fix ("Event ID | Description") is looked up, but it is no
    # card a reader acts on: LABELLING counts an error *with what to do about it*.
    score.entries_predicted = sum(1 for e in doc.errors if e.shape != "code-table") if doc else 0


def _score_procedures(score: DocScore, labels: Mapping[str, Any], doc: Document | None) -> None:
    truth = list(labels.get("procedures", []))
    jumps = list(labels.get("jumps", []))
    predicted = list(doc.procedures) if doc else []
    score.procedures_truth = len(truth)
    score.procedures_predicted = len(predicted)
    score.jumps_truth = len(jumps)
    score.jumps_predicted = sum(len(step.jumps) for p in predicted for step in p.steps)
    matched: dict[int, int] = {}  # truth line -> index of the predicted procedure
    taken: set[int] = set()
    for label in truth:
        line = int(label["line"])
        candidates = [
            (abs(p.line - line), i)
            for i, p in enumerate(predicted)
            if abs(p.line - line) <= LINE_SLACK and i not in taken
        ]
        if not candidates:
            score.missed_procedures.append(f"{line} '{label['section']}' ({label['steps']}): none")
            continue
        _, index = min(candidates)
        taken.add(index)
        matched[line] = index
        steps = len(predicted[index].steps)
        if steps == int(label["steps"]):
            score.procedures_exact += 1
        else:
            score.missed_procedures.append(
                f"{line} '{label['section']}': {steps} steps, not {label['steps']}"
            )
    score.procedures_extra = len(predicted) - len(taken)
    # A multiset: a step may say "go to step 3" twice ("Otherwise, go to step 3." and,
    # after a code block, "If the issue persists, go to step 3."), and so may its labels.
    found_jumps: Counter[tuple[int, int, int, str]] = Counter()
    for line, index in matched.items():
        for step in predicted[index].steps:
            for jump in step.jumps:
                found_jumps[(line, step.number, jump.to, _labelled_kind(jump))] += 1
    for jump in jumps:
        key = (int(jump["procedure_line"]), int(jump["from"]), int(jump["to"]), str(jump["kind"]))
        if found_jumps[key] > 0:
            score.jumps_found += 1
            found_jumps[key] -= 1
        else:
            score.missed_jumps.append(
                f"{key[0]}: {key[1]}->{key[2]} {key[3]} «{str(jump.get('text', ''))[:60]}»"
            )
    extra = []
    for i, p in enumerate(predicted):
        for s in p.steps:
            for j in s.jumps:
                if i in taken:
                    key = (_truth_line(matched, i), s.number, j.to, _labelled_kind(j))
                    if found_jumps[key] <= 0:
                        continue
                    found_jumps[key] -= 1
                extra.append(f"{p.line}: {s.number}->{j.to} {j.kind} «{j.phrase[:60]}»")
    score.extra_jumps = extra
    score.jumps_extra = len(extra)


def _labelled_kind(jump: Jump) -> str:
    """LABELLING knows three kinds; it records "skip steps 2 and 4" as forward jumps to
    the steps named, which is what our ``skip`` jumps hold."""
    return "forward" if jump.kind == "skip" else jump.kind


def _truth_line(matched: Mapping[int, int], index: int) -> int:
    return next(line for line, i in matched.items() if i == index)


def _normal_command(text: str) -> str:
    return _SPACE.sub(" ", _CONTINUATION.sub(" ", text)).strip()


def _command_forms(code: str) -> set[str]:
    """A command block and each of its logical lines: labels list a script's commands
    one by one, and a block of several commands is found when each of them is."""
    forms = {_normal_command(code)}
    logical = ""
    for raw in code.split("\n"):
        logical = f"{logical}\n{raw}" if logical else raw
        if raw.rstrip().endswith(("`", "\\", "^")):
            continue  # a continuation: the command goes on on the next line
        forms.add(_normal_command(logical))
        logical = ""
    if logical:
        forms.add(_normal_command(logical))
    forms.discard("")
    return forms


def _score_commands(score: DocScore, labels: Mapping[str, Any], doc: Document | None) -> None:
    truth = list(dict.fromkeys(_normal_command(str(c)) for c in labels.get("commands", [])))
    blocks = [_command_forms(c.code) for c in doc.commands] if doc else []
    found = set().union(*blocks) if blocks else set()
    score.commands_truth = len(truth)
    score.commands_predicted = len(blocks)
    score.commands_found = sum(1 for c in truth if c in found)
    score.commands_wrong = sum(1 for forms in blocks if not forms & set(truth))
    score.missed_commands = [c for c in truth if c not in found]
    score.wrong_commands = [min(forms, key=len) for forms in blocks if not forms & set(truth)]


def totals(scores: list[DocScore]) -> Totals:
    def ratio(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    def total(name: str) -> int:
        return sum(int(getattr(s, name)) for s in scores)

    return Totals(
        documents=len(scores),
        crashed=sum(1 for s in scores if s.crashed),
        code_recall=ratio(total("codes_found"), total("codes_truth")),
        code_precision=ratio(
            total("codes_predicted") - total("codes_wrong"), total("codes_predicted")
        ),
        entries_within_tolerance=ratio(sum(1 for s in scores if s.entries_ok), len(scores)),
        procedures_exact=ratio(total("procedures_exact"), total("procedures_truth")),
        procedure_precision=ratio(
            total("procedures_predicted") - total("procedures_extra"), total("procedures_predicted")
        ),
        jumps_found=ratio(total("jumps_found"), total("jumps_truth")),
        jump_precision=ratio(
            total("jumps_predicted") - total("jumps_extra"), total("jumps_predicted")
        ),
        command_recall=ratio(total("commands_found"), total("commands_truth")),
        command_precision=ratio(
            total("commands_predicted") - total("commands_wrong"), total("commands_predicted")
        ),
    )


def report(scores: list[DocScore], *, detail: bool = True) -> Iterator[str]:
    """The table, worst document first, then what each missed; then the totals."""
    yield (
        f"{'document':60} {'codes':>9} {'wrong':>5} {'entries':>9} "
        f"{'procs':>7} {'jumps':>7} {'cmds':>7}"
    )
    ordered = sorted(scores, key=lambda s: (-s.misses, s.path))
    for s in ordered:
        name = s.path if len(s.path) <= 60 else s.path[:57] + "..."
        entries = f"{s.entries_predicted}/{s.entries_truth}{'' if s.entries_ok else '!'}"
        yield (
            f"{name:60} {s.codes_found:>4}/{s.codes_truth:<4} {s.codes_wrong:>5} {entries:>9} "
            f"{s.procedures_exact:>3}/{s.procedures_truth:<3} "
            f"{s.jumps_found:>3}/{s.jumps_truth:<3} {s.commands_found:>3}/{s.commands_truth:<3}"
        )
    if detail:
        for s in ordered:
            lines = list(_details(s))
            if lines:
                yield ""
                yield f"## {s.path}"
                yield from lines
    yield ""
    t = totals(scores)
    yield f"documents {t.documents}, crashed {t.crashed}"
    for name, value in t.as_dict().items():
        if name in ("documents", "crashed"):
            continue
        target = TARGETS.get(name)
        mark = "" if target is None else ("  ok" if value >= target else f"  (target {target:.0%})")
        yield f"{name:26} {value:7.1%}{mark}"


def _details(s: DocScore) -> Iterator[str]:
    if s.crashed:
        yield f"  CRASH: {s.crashed}"
    if s.missed_codes:
        yield f"  codes missed: {', '.join(s.missed_codes)}"
    if s.wrong_codes:
        yield f"  codes wrong: {', '.join(s.wrong_codes)}"
    if not s.entries_ok:
        yield (
            f"  entries: {s.entries_predicted}, labelled {s.entries_truth} ± {s.entries_tolerance}"
        )
    for text in s.missed_procedures:
        yield f"  procedure missed: {text}"
    if s.procedures_extra:
        yield f"  procedures extra: {s.procedures_extra}"
    for text in s.missed_jumps:
        yield f"  jump missed: {text}"
    for text in s.extra_jumps:
        yield f"  jump extra: {text}"
    for text in s.missed_commands:
        yield f"  command missed: {text[:100]}"
    for text in s.wrong_commands:
        yield f"  command wrong: {text[:100]}"
