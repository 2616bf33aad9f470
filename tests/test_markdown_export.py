"""Markdown checklists (build/md/): mdformat-stable, front matter, task lists, round trip.

The generator prints mdformat's canonical form itself (mdformat is not run in the
build): for every corpus document and for punctuation-heavy and random texts, what it
prints must be what mdformat makes of the fully escaped Markdown, and mdformat must
change nothing in it.

Round trip: compiling our own Markdown gives the same error entries (message, codes,
causes, actions), procedures (steps, jumps, commands, fallback), checklists and notes
as the document it came from, for the seed and every corpus document. Two differences
are normalised away, both in plain text only:
- the ``[ ]`` of a task item: our parser keeps it as text (it has no task-list rule);
- runs of spaces inside a line: text that came from a code block keeps its alignment,
  while prose collapses spaces.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from compiler.build import build
from compiler.compile import compile_sources, compile_text
from compiler.config import Config
from compiler.generators.markdown import (
    _canonical,
    _default_vocab,
    _escaped,
    escape,
    format_markdown,
    markdown_path,
    render_markdown,
)
from compiler.graph import RunbookGraph, build_graph
from compiler.model import (
    Cause,
    Checklist,
    ChecklistItem,
    Command,
    Document,
    ErrorEntry,
    Item,
    Jump,
    Note,
    Procedure,
    Section,
    Step,
)
from compiler.strings import ui_strings

from .conftest import SEED, SOURCE_DOCS, check_golden

CORPUS = sorted(p for p in SOURCE_DOCS.rglob("*.md") if p.name != "NOTICE.md")
SEED_ID = "000_seed_mars_agent_ja"
_TASK = re.compile(r"^\[[ xX]\]\s*")


def corpus_id(path: Path) -> str:
    return path.relative_to(SOURCE_DOCS).as_posix()[: -len(".md")]


@pytest.fixture(scope="module")
def corpus() -> RunbookGraph:
    return compile_sources(SOURCE_DOCS, Config(root=SOURCE_DOCS.parent), jobs=1).graph


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("md")
    build(SOURCE_DOCS, out, Config(root=SOURCE_DOCS.parent), formats=["md"], jobs=1)
    return out


# -- what must survive the round trip ---------------------------------------------------


def norm(text: str | None) -> str:
    lines = (" ".join(_TASK.sub("", line.strip()).split()) for line in (text or "").split("\n"))
    return "\n".join(line for line in lines if line)


def items(found: list[Item], depth: int = 0) -> list[tuple[int, str]]:
    out = []
    for item in found:
        out.append((depth, norm(item.text)))
        out.extend(items(item.children, depth + 1))
    return out


def commands(found: list[Command]) -> tuple[str, ...]:
    return tuple(c.code.strip() for c in found)


def summary(doc: Document) -> dict[str, object]:
    return {
        "errors": sorted(
            (
                norm(e.message),
                tuple(c.casefold() for c in e.codes),
                tuple(norm(c.text) for c in e.causes),
                tuple(items(e.actions)),
            )
            for e in doc.errors
        ),
        "procedures": [
            (
                [
                    (
                        s.number,
                        tuple((j.to, norm(j.condition), j.kind, j.last) for j in s.jumps),
                        commands(s.commands),
                    )
                    for s in p.steps
                ],
                norm(p.fallback),
            )
            for p in doc.procedures
        ],
        "checklists": [[commands(i.commands) for i in c.items] for c in doc.checklists],
        "notes": sorted((n.kind, norm(n.text)) for n in doc.notes),
    }


def round_trip(graph: RunbookGraph, doc: Document) -> tuple[str, Document]:
    text = render_markdown(graph, doc, ui_strings(doc.lang, "markdown"))
    return text, compile_text(text, doc.source)


@pytest.mark.parametrize("path", CORPUS, ids=corpus_id)
def test_round_trip(corpus: RunbookGraph, path: Path) -> None:
    doc = corpus.document(corpus_id(path))
    assert doc is not None
    _, back = round_trip(corpus, doc)
    assert summary(back) == summary(doc)
    assert back.title == doc.title and back.locale == doc.locale and back.date == doc.date


@pytest.mark.parametrize("path", CORPUS, ids=corpus_id)
def test_printed_as_mdformat_prints_it(corpus: RunbookGraph, path: Path) -> None:
    """Printed directly (no fallback to mdformat), byte for byte what mdformat makes
    of the same document fully escaped, which is how the checklist used to be made."""
    doc = corpus.document(corpus_id(path))
    assert doc is not None
    assert_printed_as_mdformat(corpus, doc)


def assert_printed_as_mdformat(graph: RunbookGraph, doc: Document) -> str:
    words, vocab = ui_strings(doc.lang, "markdown"), _default_vocab()
    text = _canonical(graph, doc, words, vocab)
    assert text is not None, "the canonical printer gave up: mdformat would be run"
    assert text == format_markdown(_escaped(graph, doc, words, vocab))
    assert text == render_markdown(graph, doc, words, vocab)
    return text


def test_output_is_mdformat_stable_and_deterministic(corpus_out: Path, tmp_path: Path) -> None:
    files = sorted((corpus_out / "md").rglob("*.md"))
    assert len(files) == len(CORPUS)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert format_markdown(text) == text, path
    again = tmp_path / "again"
    build(SOURCE_DOCS, again, Config(root=SOURCE_DOCS.parent), formats=["md"], jobs=1)
    for path in files:
        assert (again / path.relative_to(corpus_out)).read_bytes() == path.read_bytes()


def test_front_matter_names_source_and_hash(corpus: RunbookGraph, corpus_out: Path) -> None:
    for doc in corpus.documents():
        text = (corpus_out / markdown_path(doc.id)).read_text(encoding="utf-8")
        assert text.startswith("---\n")
        meta = yaml.safe_load(text.split("---\n", 2)[1])
        assert meta["source"] == doc.source
        assert meta["sha256"] == doc.sha256 and len(doc.sha256) == 64
        assert meta["title"] == doc.title
        assert meta["runbook"] == doc.id


def test_seed_golden(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("seed")
    shutil.copyfile(SEED, folder / SEED.name)
    graph = compile_sources(folder, Config(root=folder), jobs=1).graph
    doc = graph.document(SEED_ID)
    assert doc is not None
    text = render_markdown(graph, doc, ui_strings(doc.lang, "markdown"))
    check_golden(f"md/{SEED_ID}.md", text)


def test_seed_checklist_shape(corpus_out: Path) -> None:
    text = (corpus_out / f"md/{SEED_ID}.md").read_text(encoding="utf-8")
    assert "**エラー メッセージ:** 無効なコンテナーの資格情報が指定されました。" in text
    assert "**エラー コード:** `34513`" in text
    assert "- [ ] TLS 1.0 が無効です" in text
    # the procedure: a numbered task list, the jump written out in bold, then the fallback
    assert (
        "3. [ ] [デバイス マネージャー] > [ストレージ コントローラー] の順に移動し、"
        "Microsoft iSCSI イニシエーターを探します。 **見つかった場合は、手順 7. に進みます。**"
    ) in text
    assert (
        "\n9. [ ] インスタント リストアを使用して回復を再試行します。\n\nそれでも回復が失敗する"
        in text
    )
    assert "> [!TIP]\n> 変更を確実に適用するために" in text
    assert "  ```powershell\n  Set-ExecutionPolicy Unrestricted\n  ```" in text
    # a command is not repeated in its item's text
    assert "PS C:\\WINDOWS" not in text


def test_english_labels(corpus_out: Path) -> None:
    text = (corpus_out / "md/azure-docs-en/backup-azure-mars-troubleshoot.md").read_text(
        encoding="utf-8"
    )
    assert "**Error message:**" in text and "**Resolution:**" in text
    assert "**エラー" not in text


HOSTILE_LINES = [
    "# not a heading",
    "1. not a step",
    "- not an item",
    "> not a quote",
    "```",
    "<script>alert(1)</script>",
    "| a | b |",
    "not a label: **Cause:** (a line that starts with a label and a colon is one, see below)",
    "[link](javascript:alert(1)) ![img](x.png)",
    "*emphasis* _under_ `code` ~~strike~~ \\ backslash",
    "---",
    "&amp; &#x41; <!-- comment -->",
    "[!NOTE] {{ shortcode }} ::: zone :::",
    "If you see it, go to step 3.",
]


def _hostile_document() -> Document:
    text = "\n".join(HOSTILE_LINES[:-1])
    steps = [
        Step(number=n, text=text, line=10 + n, children=[Item(text=text, line=10 + n)])
        for n in range(1, 5)
    ]
    steps[1] = Step(
        number=2,
        text=f"{text}\nIf you see it, go to step 4.",
        line=12,
        jumps=[Jump(to=4, condition="If you see it", line=12, phrase="go to step 4")],
    )
    return Document(
        id="hostile",
        source="hostile.md",
        title="Hostile * _ # title",
        locale="en-US",
        sha256="0" * 64,
        sections=[
            Section(anchor="errors", title="Errors & <things>", level=2, line=1),
            Section(anchor="steps", title="Steps `x`", level=2, line=9),
            Section(anchor="check", title="Check | this", level=2, line=19),
        ],
        errors=[
            ErrorEntry(
                id="e1",
                section="errors",
                line=2,
                message=f"Failure 0x80070005.\n{text}",
                codes=["0x80070005"],
                causes=[Cause(text=text, line=3)],
                actions=[Item(text=text, line=4, children=[Item(text=text, line=4)])],
            ),
            ErrorEntry(
                id="e2",
                section="errors",
                line=5,
                message="Other failure (ID: 34513)",
                codes=["34513", "UserErrorSomething"],
                actions=[Item(text="Do it.", line=6)],
            ),
        ],
        procedures=[
            Procedure(
                id="p",
                title="Steps",
                line=10,
                section="steps",
                steps=steps,
                fallback=f"If it still fails, {HOSTILE_LINES[5]}",
            )
        ],
        checklists=[
            Checklist(
                id="c",
                title="Check",
                line=20,
                section="check",
                items=[
                    ChecklistItem(text=text, line=20),
                    ChecklistItem(
                        text="Run:",
                        line=21,
                        commands=[Command(code="Get-Service\n```\nx", lang="powershell", line=22)],
                    ),
                ],
            )
        ],
        notes=[Note(kind="warning", text=text, line=23)],
    )


def test_hostile_text_round_trips() -> None:
    """Markdown syntax in the text stays text.

    Known limit: a line of an error message that *starts* with a part label and a colon
    ("Cause: …") reads back as that part, as it would in any document.
    """
    doc = _hostile_document()
    graph = build_graph([doc])
    text, back = round_trip(graph, doc)
    assert summary(back) == summary(doc)
    assert "<script>" not in text.replace("\\<script>", "")


def test_escape() -> None:
    assert escape("a*b\nc") == "a\\*b\\\nc"
    assert escape("  x  \n\n y ") == "x\\\ny"


# -- punctuation: escaped exactly as mdformat escapes it ---------------------------------

PUNCTUATION_TEXTS = [
    "*a* and **b**",
    "_x_ snake_case __init__ _",
    "[a](b) [ref] [x]: y ![img](i.png) !`[a]` ![a]",
    "<b>bold</b> <https://x.y> a < b",
    "&amp; &#x41; &#65; &nbsp",
    "# x",
    "1. x",
    "2) y",
    "- x",
    "+ x",
    "* x",
    "---",
    "===",
    "***",
    "___",
    "> quote",
    "`code` `` and a lone ` backtick",
    "C:\\Program Files\\x and a trailing \\",
    "a | b | c",
    "| --- | :-: |",
    "~~x~~ ~one~",
    "www.example.com and https://x.y/z_(a) and a@b.co",
    "[ ] not a box",
    "[x] nor this",
    "<!-- comment --> <div>",
    "tabs\tand  double  spaces",
    "無効なコンテナーの資格情報が指定されました。[デバイス マネージャー] > [ストレージ]",
    "「手順 7.」に進みます。＃全角＊強調＊",  # noqa: RUF001  (full-width on purpose)
]


def _punctuation_document(texts: list[str]) -> Document:
    """``texts`` in every part of a document (headings get them on one line, as the
    parser gives them)."""
    lines = "\n".join(texts)
    one_line = [" ".join(t.split("\n")) for t in texts]
    items = [Item(text=t, line=5, children=[Item(text=t, line=5)]) for t in texts]
    steps = [
        Step(number=n, text=t, line=10 + n, children=[Item(text=t, line=10 + n)])
        for n, t in enumerate(texts, 1)
    ]
    steps.append(
        Step(
            number=len(texts) + 1,
            text=f"{lines}\nIf it is there, go to step 2.",
            line=9,
            jumps=[
                Jump(to=2, condition="If it is there", line=9, kind="back", phrase="go to step 2")
            ],
        )
    )
    return Document(
        id="punct",
        source="punct.md",
        title="Title " + " ".join(one_line[:6]),
        description=lines,
        locale="en-US",
        sha256="0" * 64,
        sections=[
            Section(anchor="errors", title="Errors " + one_line[0], level=2, line=1),
            Section(anchor="steps", title="Steps " + one_line[1], level=2, line=8),
            Section(anchor="check", title="Check " + one_line[2], level=2, line=60),
        ],
        errors=[
            ErrorEntry(
                id=f"e{n}",
                section="errors",
                line=2,
                message=f"Failure {n}.\n{t}",
                codes=[f"0x8007{n:04d}"],
                context=t.strip(),
                causes=[Cause(text=t, line=3)],
                actions=[Item(text=t, line=4, children=items[:2])],
            )
            for n, t in enumerate(texts)
        ],
        procedures=[
            Procedure(
                id="p",
                title="Steps",
                line=9,
                section="steps",
                steps=steps,
                fallback=f"If it still fails, {lines}",
            )
        ],
        checklists=[
            Checklist(
                id="c",
                title="Check",
                line=61,
                section="check",
                items=[
                    *(ChecklistItem(text=t, line=61, children=items[:1]) for t in texts),
                    ChecklistItem(
                        text="Run:",
                        line=62,
                        commands=[Command(code="dir C:\\\n```", lang="powershell", line=63)],
                    ),
                ],
            )
        ],
        notes=[Note(kind="tip", text=lines, line=7), Note(kind="warning", text=texts[3], line=8)],
    )


def test_punctuation_printed_as_mdformat_and_round_trips() -> None:
    doc = _punctuation_document(PUNCTUATION_TEXTS)
    graph = build_graph([doc])
    text = assert_printed_as_mdformat(graph, doc)
    assert format_markdown(text) == text
    back = compile_text(text, doc.source)
    assert summary(back) == summary(doc)
    assert back.title == doc.title


_PIECES = [
    *"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    *" \t\n\u3000\xa0\u2028ax1あ。「」",
    "  ",
    "12",
    "www.x.com",
    "https://x.y/(a_b)",
    "a@b.co",
    "&amp;",
    "&#x41;",
    "<b>",
    "</div>",
    "<!--",
    "[ ]",
    "[x]",
    "1. ",
    "- ",
    "# ",
    "> ",
    "---",
    "===",
    "| - |",
    "~~",
]


@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=10).map("".join), max_size=6))
def test_any_text_printed_as_mdformat(texts: list[str]) -> None:
    """Whatever the text, the printer gives mdformat's output."""
    doc = _punctuation_document([*texts, "a", "b", "c", "d"])
    assert_printed_as_mdformat(build_graph([doc]), doc)
