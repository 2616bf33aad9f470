"""Parser rules, one fixture file per rule: ``tests/fixtures/rules/*.md``.

Each file holds cases in the style of markdown-it-py's fixtures::

    # case: what the case shows
    .
    <Markdown input, compiled as ``case.md``>
    .
    <expected dump of the Document and its diagnostics>
    .

A case starts at a line beginning with ``# case:``; the three lines that are exactly
``.`` delimit the input and the expected dump. Anything between cases is a comment.
Line numbers in the dump count from the first input line (1).

The dump (see :func:`dump`) writes one line per thing, children indented by two spaces:

    doc title="…" locale=en date=YYYY-MM-DD description="…"
    meta <key>=<JSON value>
    section line=N h2 #anchor "Title"
    anchor #name                          <a name>/id anchors that are not section anchors
    error line=N <shape> #section codes=[a,b] message="…"
      context "…"
      cause "…"
      action "…"                          nested actions are indented below their parent
    procedure line=N #section "Title"
      step N line=N "text"
        sub "…"                           nested list items of the step
        command <lang|-> "code"
        image "src" alt="…"
        jump <forward|back|repeat> to=N [last=N] [if="condition"]
      fallback line=N "…"
    checklist line=N #section "Title"
      item line=N "text"
        sub "…" / command <lang|-> "code"
    note line=N <kind> "text"
    include line=N <href>
    link line=N <href>
    diag <severity> line=N [rule] message

Strings are JSON-quoted (``\\n`` for line breaks). ``known_gaps.md`` holds cases where
the parser does not yet do what the rule intends: their expected blocks are the
intended output, and they run as ``xfail(strict=True)``.

``REGEN_FIXTURES=1`` rewrites the expected blocks from the actual output (never in
``known_gaps.md``). Review every rewritten block by hand before keeping it.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler.compile import compile_text
from compiler.diagnostics import Diagnostics
from compiler.model import Document, Item

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
KNOWN_GAPS = "known_gaps.md"
CASE_PATH = "case.md"
"""The path every case is compiled as (so the fallback title is ``case``)."""
CASE_PREFIX = "# case:"
DELIMITER = "."
REGEN = os.environ.get("REGEN_FIXTURES") == "1"


# --------------------------------------------------------------------------- fixtures


@dataclass(frozen=True, slots=True)
class Case:
    file: Path
    title: str
    line: int
    """Line of the ``# case:`` title in the fixture file (1-based)."""
    input_line: int
    """Fixture-file line of the first input line."""
    source: str
    expected: list[str]
    expected_start: int
    """0-based index of the first expected line in the file's lines."""
    expected_end: int
    """0-based index of the closing delimiter of the expected block."""

    @property
    def where(self) -> str:
        return f"{self.file.relative_to(FIXTURES.parent.parent.parent)}:{self.line}"


def read_cases(path: Path) -> list[Case]:
    """Every case of one fixture file; a malformed file raises with its line."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases: list[Case] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith(CASE_PREFIX):
            i += 1
            continue
        title, title_line = lines[i][len(CASE_PREFIX) :].strip(), i + 1
        if not title:
            raise ValueError(f"{path}:{title_line}: a case needs a title after '{CASE_PREFIX}'")
        blocks: list[tuple[int, int]] = []
        j = i + 1
        if j >= len(lines) or lines[j] != DELIMITER:
            raise ValueError(f"{path}:{j + 1}: expected '{DELIMITER}' after the case title")
        for _ in range(2):
            start = j + 1
            j = start
            while j < len(lines) and lines[j] != DELIMITER:
                j += 1
            if j >= len(lines):
                raise ValueError(f"{path}:{title_line}: case is not closed by '{DELIMITER}'")
            blocks.append((start, j))
        (in_start, in_end), (ex_start, ex_end) = blocks
        cases.append(
            Case(
                file=path,
                title=title,
                line=title_line,
                input_line=in_start + 1,
                source="\n".join(lines[in_start:in_end]) + "\n",
                expected=lines[ex_start:ex_end],
                expected_start=ex_start,
                expected_end=ex_end,
            )
        )
        i = j + 1
    if not cases and path.name != KNOWN_GAPS:  # no known gaps is the goal
        raise ValueError(f"{path}: no cases")
    return cases


def all_cases() -> list[Case]:
    return [case for path in sorted(FIXTURES.glob("*.md")) for case in read_cases(path)]


def rewrite_expected(case: Case, actual: list[str]) -> None:
    """Replace the case's expected block in its file.

    The file is read again because rewriting an earlier case may have moved this one;
    titles are unique per file (checked below), so the title finds it.
    """
    fresh = next(c for c in read_cases(case.file) if c.title == case.title)
    lines = case.file.read_text(encoding="utf-8").split("\n")
    lines[fresh.expected_start : fresh.expected_end] = actual
    case.file.write_text("\n".join(lines), encoding="utf-8")


# --------------------------------------------------------------------------- dump


def q(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _items(items: list[Item], word: str, depth: int, out: list[str]) -> None:
    stack = [(depth, item) for item in reversed(items)]
    while stack:
        level, item = stack.pop()
        out.append(f"{'  ' * level}{word} {q(item.text)}")
        stack.extend((level + 1, child) for child in reversed(item.children))


def dump(doc: Document, diags: Diagnostics) -> list[str]:
    """The document (and its diagnostics) as the compact lines the fixtures expect."""
    head = f"doc title={q(doc.title)} locale={doc.locale}"
    if doc.date:
        head += f" date={doc.date}"
    if doc.description:
        head += f" description={q(doc.description)}"
    out = [head]
    out.extend(f"meta {key}={q(value)}" for key, value in doc.meta.items())
    section_anchors = {s.anchor for s in doc.sections}
    for s in doc.sections:
        out.append(f"section line={s.line} h{s.level} #{s.anchor} {q(s.title)}")
    out.extend(f"anchor #{a}" for a in doc.anchors if a not in section_anchors)
    for e in doc.errors:
        out.append(
            f"error line={e.line} {e.shape} #{e.section} codes=[{','.join(e.codes)}] "
            f"message={q(e.message)}"
        )
        if e.context:
            out.append(f"  context {q(e.context)}")
        out.extend(f"  cause {q(c.text)}" for c in e.causes)
        _items(e.actions, "action", 1, out)
    for p in doc.procedures:
        out.append(f"procedure line={p.line} #{p.section} {q(p.title)}")
        for step in p.steps:
            out.append(f"  step {step.number} line={step.line} {q(step.text)}")
            _items(step.children, "sub", 2, out)
            out.extend(f"    command {c.lang or '-'} {q(c.code)}" for c in step.commands)
            out.extend(f"    image {q(i.src)} alt={q(i.alt)}" for i in step.images)
            for j in step.jumps:
                jump = f"    jump {j.kind} to={j.to}"
                if j.last is not None:
                    jump += f" last={j.last}"
                if j.condition is not None:
                    jump += f" if={q(j.condition)}"
                out.append(jump)
        if p.fallback is not None:
            out.append(f"  fallback line={p.fallback_line} {q(p.fallback)}")
    for c in doc.checklists:
        out.append(f"checklist line={c.line} #{c.section} {q(c.title)}")
        for item in c.items:
            out.append(f"  item line={item.line} {q(item.text)}")
            _items(item.children, "sub", 2, out)
            out.extend(f"    command {cmd.lang or '-'} {q(cmd.code)}" for cmd in item.commands)
    out.extend(f"note line={n.line} {n.kind} {q(n.text)}" for n in doc.notes)
    out.extend(f"include line={i.line} {i.href}" for i in doc.includes)
    out.extend(f"link line={link.line} {link.href}" for link in doc.links)
    for d in diags.sorted():
        col = f":{d.col}" if d.col != 1 else ""
        out.append(f"diag {d.severity.value} line={d.line}{col} [{d.rule}] {d.message}")
    return out


def run_case(case: Case) -> list[str]:
    diags = Diagnostics()
    doc = compile_text(case.source, CASE_PATH, diags=diags)
    return dump(doc, diags)


# --------------------------------------------------------------------------- tests

CASES = all_cases()


def _param(case: Case) -> object:
    marks = []
    if case.file.name == KNOWN_GAPS:
        marks.append(pytest.mark.xfail(strict=True, reason=f"known parser gap: {case.title}"))
    return pytest.param(case, id=f"{case.file.stem}:{case.line}", marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_rule(case: Case) -> None:
    actual = run_case(case)
    if actual == case.expected:
        return
    if REGEN and case.file.name != KNOWN_GAPS:
        rewrite_expected(case, actual)
        return
    diff = "\n".join(
        difflib.unified_diff(case.expected, actual, "expected", "actual", lineterm="", n=2)
    )
    pytest.fail(
        f"{case.where}: {case.title}\n"
        f"(input starts on line {case.input_line})\n{diff}\n\n"
        f"If the new output is right, check it by hand, then run:\n"
        f"  REGEN_FIXTURES=1 .venv/bin/python -m pytest tests/test_rules.py "
        f"-k '{case.file.stem}:{case.line}'",
        pytrace=False,
    )


def test_fixture_files_are_well_formed() -> None:
    files = sorted(FIXTURES.glob("*.md"))
    assert files, f"no fixture files in {FIXTURES}"
    for path in files:
        titles = [c.title for c in read_cases(path)]
        duplicates = sorted({t for t in titles if titles.count(t) > 1})
        assert not duplicates, f"{path}: case titles must be unique: {duplicates}"
    assert len(CASES) >= 40


def test_dump_is_deterministic() -> None:
    for case in CASES[:10]:
        assert run_case(case) == run_case(case), case.where
