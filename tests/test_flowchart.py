"""Flowcharts (``compiler/flowchart``, format ``svg``).

DOT source is kept as golden files in ``tests/golden/flowchart/`` (SVG bytes change
with the Graphviz version); the SVG is checked by its structure: it parses, has one
node per step, a decision per conditional jump, the root ``<title>``/``<desc>`` and
the links. ``REGEN_GOLDEN=1`` rewrites the DOT goldens: review them by hand.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.build import build
from compiler.compile import compile_text
from compiler.config import Config
from compiler.flowchart import (
    FlowchartError,
    entry_dot,
    fit_page,
    procedure_dot,
    render_svg,
    svg_size,
)
from compiler.flowchart.dot import MAX_STEPS_PER_PAGE, flowchart_strings, question
from compiler.flowchart.text import (
    ELLIPSIS,
    clean,
    display_width,
    dot_label,
    dot_string,
    safe_url,
    tooltip_string,
    truncate,
    wrap,
    wrap_capped,
)
from compiler.generators.flowchart import entry_svg_path, file_stem, procedure_svg_path
from compiler.graph import RunbookGraph, build_graph
from compiler.model import Cause, Document, ErrorEntry, Item, Jump, Procedure, Step
from compiler.strings import fmt

from .conftest import SEED, MakeSource, check_golden

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")

FIXTURE = (
    """# Flowchart fixture

## Find the agent

1. Open Programs and Features.
2. Look for the agent. If you locate it, go directly to step 6.
3. If the check failed, return to step 1.
4. If it still fails, go to step 99.
5. Repeat steps 2-4 until the agent appears.
6. Go to step 8.
7. This step is skipped.
8. Done.

If the agent still does not start, reinstall it from `C:\\Program Files\\Agent`.

## A long procedure

"""
    + "\n".join(
        f"{i}. Do thing number {i}."
        + (" If it worked, go to step 25." if i == 3 else "")
        + (" If it failed, go back to step 2." if i == 27 else "")
        for i in range(1, 31)
    )
    + """

## Hostile

1. Type `"quoted" \\N \\G <b>bold</b> ] { } |` into the box.
2. Open `C:\\Program Files\\Microsoft` and `a\\"b`.

## Errors

| Error message | Cause | Recommended action |
| --- | --- | --- |
| Access denied "x" <b>y</b> (0x80070005) | The account \\ group is wrong | Check `C:\\Program Files\\App`.<br>Then restart. |
| Timeout \\| 408 | | Retry the operation. |
"""
)

HOSTILE = 'say "hi" \\N \\G \\l <b>bold</b> ] { } | & &lt; C:\\Program Files\nnext line\x01\x7f end'


# -- helpers ---------------------------------------------------------------------------


def _graph(*docs: Document) -> RunbookGraph:
    return build_graph(docs)


def _seed() -> tuple[Document, RunbookGraph]:
    doc = compile_text(SEED.read_text(encoding="utf-8"), SEED.name)
    return doc, _graph(doc)


def _fixture() -> tuple[Document, RunbookGraph]:
    doc = compile_text(FIXTURE, "fixture.md")
    return doc, _graph(doc)


def _hostile_doc() -> Document:
    """A document built by hand, with text no parser would produce."""
    steps = [
        Step(1, HOSTILE, 3, jumps=[Jump(3, HOSTILE, 3, phrase=HOSTILE)]),
        Step(2, '}"]; evil -> x [label="', 4),
        Step(3, "\\", 5),
    ]
    proc = Procedure('p"<1>', HOSTILE, 3, "s", steps, fallback=HOSTILE)
    entry = ErrorEntry(
        'e"<1>',
        "s",
        10,
        HOSTILE,
        codes=['0x"1', "C:\\x"],
        causes=[Cause(HOSTILE, 11), Cause('"', 12)],
        actions=[Item(HOSTILE, 13, children=[Item("C:\\Program Files\\x", 14)])],
    )
    return Document('dir/hostile "doc"', "hostile.md", HOSTILE, procedures=[proc], errors=[entry])


def _nodes(svg: str, cls: str) -> list[ET.Element]:
    root = ET.fromstring(svg.encode("utf-8"))
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def _edges(svg: str) -> dict[str, str]:
    """{"a->b": "edge <classes>"} from the SVG's edge titles."""
    root = ET.fromstring(svg.encode("utf-8"))
    out = {}
    for g in root.iter(f"{SVG}g"):
        if "edge" in (g.get("class") or "").split():
            title = g.find(f"{SVG}title")
            assert title is not None and title.text
            out[title.text] = g.get("class") or ""
    return out


def _texts(node: ET.Element) -> list[str]:
    return [t.text or "" for t in node.iter(f"{SVG}text")]


def _check_svg(svg: str) -> ET.Element:
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    first, second = list(root)[:2]
    assert first.tag == f"{SVG}title" and (first.text or "").strip()
    assert second.tag == f"{SVG}desc" and (second.text or "").strip()
    width, height = svg_size(svg)
    fit = fit_page(width, height)
    assert fit.scale == 1.0, "render_svg already scaled it to the page"
    assert root.get("data-orientation") in ("portrait", "landscape")
    return root


# -- text: width, wrapping, escaping ---------------------------------------------------


def test_display_width_counts_cjk_double() -> None:
    assert display_width("abc") == 3
    assert display_width("見つかった") == 10
    assert display_width("ｱ") == 1  # half-width katakana
    assert display_width("\uff21") == 2  # full-width Latin
    assert display_width("e\u0301") == 1  # combining accent


def test_wrap_cjk_anywhere_latin_at_spaces() -> None:
    lines = wrap("Microsoft iSCSI イニシエーター サービスを再開します。", 16)
    assert lines == ["Microsoft iSCSI", "イニシエーター", "サービスを再開し", "ます。"]
    assert all(display_width(line) <= 16 for line in lines)
    assert wrap("a verylongwordthatdoesnotfit end", 8) == [
        "a",
        "verylong",
        "wordthat",
        "doesnotf",
        "it end",
    ]


def test_wrap_keeps_closing_marks_and_opening_brackets_with_their_text() -> None:
    lines = wrap("あいうえお。「かきくけこ」", 10)
    assert lines == ["あいうえお。", "「かきくけ", "こ」"]  # 。 hangs, 「 opens a line


def test_wrap_capped_ends_with_ellipsis() -> None:
    lines = wrap_capped("word " * 40, 20, 2)
    assert len(lines) == 2 and lines[-1].endswith(ELLIPSIS)
    assert all(display_width(line) <= 20 for line in lines)
    assert truncate("見つかった場合は", 7) == "見つか" + ELLIPSIS
    assert truncate("short", 10) == "short"


@given(st.text(), st.integers(min_value=4, max_value=40))
def test_wrap_never_loses_text_or_overflows(text: str, width: int) -> None:
    lines = wrap(text, width)
    cleaned = clean(text)
    assert "".join(lines).replace(" ", "") == cleaned.replace(" ", "")
    for line in lines:
        assert line == line.strip()
        assert display_width(line) <= width + 2  # a closing mark may hang over


_XML_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)


def _clean_by_definition(text: str) -> str:
    text = _XML_UNSAFE.sub("", text.replace("\r", " ").replace("\n", " "))
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        " lead",
        "trail ",
        "two  spaces",
        "tab\there",
        "nbsp\xa0x",
        "ideographic\u3000x",
        "nel\x85x",
        "ls\u2028x",
        "ctl\x07x",
        "\ufffe",
        "\ud800",
        "\ufdd0x",
        "zwsp\u200bx",
        "",
    ],
)
def test_clean_fast_path_matches_its_definition(text: str) -> None:
    # clean() returns printable text as it is: every other case must still be cleaned.
    assert clean(text) == _clean_by_definition(text)


@given(st.text(st.characters(codec=None, exclude_categories=()), max_size=20))
def test_clean_matches_its_definition(text: str) -> None:
    assert clean(text) == _clean_by_definition(text)


def test_escape_backslash_quote_entities_and_newlines() -> None:
    assert dot_string('C:\\Program Files "x"') == '"C:\\\\Program Files \\"x\\""'
    assert dot_string("a&lt;b") == '"a&amp;lt;b"'
    assert dot_string("line\nnext\x00") == '"line next"'
    assert dot_label(["a", "b"], "l") == '"a\\lb\\l"'
    assert dot_label(["a", "b"]) == '"a\\nb"'
    with pytest.raises(ValueError, match="justify"):
        dot_label(["a"], "x")


def test_question_and_templates() -> None:
    ja = flowchart_strings("ja")
    en = flowchart_strings("en")
    assert question(ja, "見つかった場合は") == "見つかった場合は？"
    assert question(en, "If you locate it,") == "If you locate it?"
    assert fmt("{a} {missing} {", a=1) == "{a} {missing} {"  # a broken template is kept
    assert fmt("{a} {missing}", a=1) == "1 {missing}"


@needs_dot
@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=120), min_size=1, max_size=8))
def test_any_text_survives_dot_as_label_tooltip_and_link(texts: list[str]) -> None:
    """Random text parses as DOT and comes back unchanged in the SVG."""
    lines = [f"digraph {dot_string(texts[0])} {{"]
    for i, text in enumerate(texts):
        label = dot_label(wrap(text, 20) or [""], "l")
        lines.append(
            f"  n{i} [label={label} tooltip={tooltip_string(text)} id={dot_string(f'n{i}' + text)} "
            f"URL={dot_string(safe_url(text))} "
            "shape=box];"
        )
    lines.append("}")
    (svg,) = render_svg(["\n".join(lines) + "\n"])
    root = ET.fromstring(svg.encode("utf-8"))
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}
    for i, text in enumerate(texts):
        node = groups[clean(f"n{i}" + text)]
        shown = [t for t in _texts(node) if t.strip()]
        assert shown == [line for line in wrap(text, 20) if line.strip()]
        if clean(text):
            link = next(node.iter(f"{SVG}a"))
            assert link.get(f"{XLINK}title") == clean(text)
            assert link.get(f"{XLINK}href") == safe_url(text)


# -- procedures -------------------------------------------------------------------------


def test_seed_restore_golden() -> None:
    doc, graph = _seed()
    (proc,) = doc.procedures
    dots = procedure_dot(doc, proc, graph)
    assert len(dots) == 1, "the 9-step seed procedure fits on one page"
    check_golden("flowchart/seed-restore.dot", dots[0])
    dot = dots[0]
    # Step 3 asks the question, yes -> 7, no -> 4.
    assert 'd3_1 [label="見つかった場合は？" shape="diamond"' in dot
    assert "s3 -> d3_1 " in dot
    assert re.search(r'd3_1 -> s7 \[taillabel="はい".*class="yes"\]', dot)
    assert re.search(r'd3_1 -> s4 \[taillabel="いいえ".*class="no"\]', dot)
    assert "s3 -> s4" not in dot
    # The fallback is a terminal after the last step.
    assert 's9 -> d_fallback [class="next"]' in dot
    assert re.search(r'fallback \[label="それでも回復が失敗する場合は、.*peripheries="2"', dot)
    assert "d_fallback -> fallback" in dot and "d_fallback -> end" in dot


def test_seed_error_entries_golden() -> None:
    doc, _ = _seed()
    assert len(doc.errors) == 6
    check_golden("flowchart/seed-errors.dot", "\n".join(entry_dot(doc, e) for e in doc.errors))


def test_fixture_goldens() -> None:
    doc, graph = _fixture()
    for proc in doc.procedures:
        check_golden(f"flowchart/fixture-{proc.id}.dot", "\n".join(procedure_dot(doc, proc, graph)))
    check_golden("flowchart/fixture-errors.dot", "\n".join(entry_dot(doc, e) for e in doc.errors))
    hostile = _hostile_doc()
    hostile_graph = _graph(hostile)
    dots = procedure_dot(hostile, hostile.procedures[0], hostile_graph)
    check_golden("flowchart/hostile.dot", "\n".join([*dots, entry_dot(hostile, hostile.errors[0])]))


def test_back_jump_repeat_and_dangling_jump() -> None:
    doc, graph = _fixture()
    (dot,) = procedure_dot(doc, doc.procedures[0], graph)
    # 2: "If you locate it, go to step 6" -> diamond, yes -> 6, no -> 3.
    assert re.search(r'd2_1 -> s6 \[taillabel="Yes".*class="yes"\]', dot)
    assert re.search(r'd2_1 -> s3 \[taillabel="No"', dot)
    # 3: conditional back jump: a dashed loop edge from the diamond.
    assert re.search(r'd3_1 -> s1 \[.*style="dashed" class="yes loop"\]', dot)
    # 4: dangling conditional jump to step 99: no diamond, no edge, no crash.
    assert "d4_1" not in dot and "s99" not in dot and "out99" not in dot
    assert 's4 -> s5 [class="next"]' in dot
    # 5: repeat steps 2-4: a dashed loop labelled with the range; the way on stays.
    assert re.search(r's5 -> s2 \[xlabel="Repeat steps 2\u20134" style="dashed"', dot)
    assert 's5 -> s6 [class="next"]' in dot
    # 6: unconditional "go to step 8": a plain edge, no edge to 7.
    assert 's6 -> s8 [class="next"]' in dot and "s6 -> s7" not in dot
    assert "s7 -> s8" in dot


def test_long_procedure_is_split_with_numbered_connectors() -> None:
    doc, graph = _fixture()
    proc = doc.procedures[1]
    assert len(proc.steps) == 30
    dots = procedure_dot(doc, proc, graph)
    assert len(dots) == 3
    pages = [re.findall(r"^  s(\d+) \[", d, re.M) for d in dots]
    assert [int(n) for page in pages for n in page] == list(range(1, 31))
    assert all(len(page) <= MAX_STEPS_PER_PAGE for page in pages)
    first, second, third = dots
    last1, first2 = int(pages[0][-1]), int(pages[1][0])
    assert f'out{first2} [label="Page 2, step {first2}" shape="invhouse"' in first
    assert f"s{last1} -> out{first2}" in first
    assert f'in1_{first2} [label="From page 1" shape="invhouse"' in second
    # Step 3 jumps to 25 (page 3) from page 1; step 27 jumps back to 2 on page 1.
    assert 'out25 [label="Page 3, step 25"' in first
    assert "d3_1 -> out25" in first
    assert "in1_25 -> s25" in third
    assert re.search(r'd27_1 -> out2 \[.*style="dashed"', third)
    assert re.search(r'in3_2 -> s2 \[style="dashed"', first)
    assert "page 1 of 3" in first and "page 3 of 3" in third
    assert "start" in first and "start" not in second and "end [" in third


@needs_dot
def test_procedure_svgs_have_one_node_per_step_and_a_decision_per_jump() -> None:
    seed, seed_graph = _seed()
    fixture, fixture_graph = _fixture()
    cases = [(seed, p, seed_graph) for p in seed.procedures]
    cases += [(fixture, p, fixture_graph) for p in fixture.procedures]
    dots = [procedure_dot(d, p, g) for d, p, g in cases]
    svgs = render_svg([d for page in dots for d in page])
    index = 0
    for (doc, proc, _), pages in zip(cases, dots, strict=True):
        numbers = {s.number for s in proc.steps}
        seen: list[str] = []
        decisions = 0
        for _ in pages:
            svg = svgs[index]
            index += 1
            _check_svg(svg)
            steps = _nodes(svg, "step")
            seen += [g.get("id") or "" for g in steps]
            decisions += len(_nodes(svg, "decision")) - len(_nodes(svg, "fallback-question"))
            for g in steps:
                link = g.find(f".//{SVG}a")
                assert link is not None and link.get("target") == "_top"
                href = link.get(f"{XLINK}href") or ""
                assert href.startswith(f"../../html/{doc.id}.html#{proc.id}-step-")
        assert sorted(seen) == sorted(f"fc-{proc.id}-step-{s.number}" for s in proc.steps)
        conditional = sum(1 for s in proc.steps for j in s.jumps if j.condition and j.to in numbers)
        assert decisions == conditional
    assert index == len(svgs)


@needs_dot
def test_seed_svg_structure() -> None:
    doc, graph = _seed()
    (svg,) = render_svg(procedure_dot(doc, doc.procedures[0], graph))
    root = _check_svg(svg)
    assert root[0].text == "復元の問題のトラブルシューティング"
    assert "9 個の手順" in (root[1].text or "")
    edges = _edges(svg)
    assert "yes" in edges["d3_1->s7"].split() and "no" in edges["d3_1->s4"].split()
    (fallback,) = _nodes(svg, "fallback")
    assert "".join(_texts(fallback)).startswith("それでも回復が失敗する場合は")
    width, height = svg_size(svg)
    assert width <= 540 and height <= 720
    # Japanese text is laid out in Noto Sans CJK JP (with fallbacks for viewers).
    assert 'font-family="Noto Sans CJK JP,Noto Sans JP,sans-serif"' in svg


@needs_dot
def test_hostile_text_cannot_break_out() -> None:
    doc = _hostile_doc()
    graph = _graph(doc)
    dots = procedure_dot(doc, doc.procedures[0], graph)
    dots.append(entry_dot(doc, doc.errors[0]))
    svgs = render_svg(dots)
    for svg in svgs:
        _check_svg(svg)
    proc_svg, entry_svg = svgs
    assert not _edges(proc_svg).keys() & {"evil->x"}
    (step2,) = [g for g in _nodes(proc_svg, "step") if g.get("id", "").endswith("-step-2")]
    assert _texts(step2) == ['2. }"]; evil -> x [label="']
    (step3,) = [g for g in _nodes(proc_svg, "step") if g.get("id", "").endswith("-step-3")]
    assert _texts(step3) == ["3. \\"]
    texts = " ".join(t for g in _nodes(entry_svg, "action") for t in _texts(g))
    assert "C:\\Program Files\\x" in texts
    root = ET.fromstring(entry_svg.encode("utf-8"))
    assert "<b>bold</b>" in (root[0].text or "")
    (symptom,) = _nodes(entry_svg, "symptom")
    assert any("&lt;" in t for t in _texts(symptom))  # the entity text stays text


# -- error entries ----------------------------------------------------------------------


def test_entry_without_causes_goes_straight_to_actions() -> None:
    doc, _ = _fixture()
    timeout = doc.errors[1]
    assert not timeout.causes
    dot = entry_dot(doc, timeout)
    assert "symptom -> a1" in dot and "which" not in dot


def test_entry_matches_actions_that_repeat_a_cause() -> None:
    entry = ErrorEntry(
        "e",
        "s",
        1,
        "Backup failed",
        causes=[Cause("The VM has no Internet access", 2), Cause("The agent is old", 3)],
        actions=[
            Item("The VM has no Internet access", 4, children=[Item("Open port 443.", 5)]),
            Item("Reinstall the agent.", 6),
            Item("General advice.", 7, children=[Item(f"Tip {i}", 8) for i in range(10)]),
        ],
    )
    doc = Document("d", "d.md", "D", errors=[entry])
    dot = entry_dot(doc, entry)
    assert "symptom -> which" in dot and "which -> c1" in dot and "which -> c2" in dot
    assert "c1 -> a1_1" in dot and "Open port 443." in dot  # the cause's own fix
    assert "c2 -> a2" in dot and "c1 -> a2" not in dot  # the rest: the common chain
    assert 'a3_more [label="+5 …" shape="note"' in dot  # 10 tips: 5 shown, then +5


def test_entry_texts_are_capped() -> None:
    entry = ErrorEntry("e", "s", 1, "あ" * 500, actions=[Item("word " * 300, 2)])
    dot = entry_dot(Document("d", "d.md", "D", errors=[entry]), entry)
    label = re.search(r'a1 \[label="([^"]*)"', dot)
    assert label is not None
    assert sum(display_width(x) for x in label.group(1).split("\\l")) <= 240


# -- page fitting, rendering, the generator ---------------------------------------------


def test_fit_page_prefers_the_larger_print() -> None:
    assert fit_page(300, 500).orientation == "portrait" and fit_page(300, 500).scale == 1
    wide = fit_page(1440, 500)
    assert wide.orientation == "landscape" and wide.scale == pytest.approx(0.5)
    tall = fit_page(300, 1440)
    assert tall.orientation == "portrait" and tall.scale == pytest.approx(0.5)
    assert fit_page(600, 400).orientation == "landscape"
    assert fit_page(0, 0).scale == 1


def test_render_without_dot_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(FlowchartError, match="apt-get install graphviz"):
        render_svg(["digraph { a }\n"])
    assert render_svg([]) == []


@needs_dot
def test_render_reports_a_broken_graph() -> None:
    with pytest.raises(FlowchartError, match="1 of 2 graphs"):
        render_svg(["digraph { a }\n", "digraph { a -> }\n"])


@needs_dot
def test_batched_render_equals_one_call_per_graph() -> None:
    doc, graph = _fixture()
    dots = [d for p in doc.procedures for d in procedure_dot(doc, p, graph)]
    dots += [entry_dot(doc, e) for e in doc.errors]
    dots = dots * 6  # enough graphs for several processes
    batched = render_svg(dots, jobs=3)
    single = render_svg(dots[:4], jobs=1)
    assert batched[:4] == single
    assert len(batched) == len(dots)
    bare = subprocess.run(
        ["dot", "-Tsvg"], input=dots[0].encode(), capture_output=True, check=True
    ).stdout.decode()
    assert _edges(bare) == _edges(batched[0])


def test_file_names() -> None:
    doc, _ = _seed()
    assert procedure_svg_path(doc, doc.procedures[0]) == (
        "svg/000_seed_mars_agent_ja/troubleshoot-restore-issues-procedure.svg"
    )
    assert procedure_svg_path(doc, doc.procedures[0], 2).endswith("-procedure-p2.svg")
    assert entry_svg_path(doc, doc.errors[0]) == (
        "svg/000_seed_mars_agent_ja/error-invalid-vault-credentials-provided.svg"
    )
    assert file_stem("../a/b\\c:d") == "a-b-c-d"
    assert file_stem("") == "chart"
    long = file_stem("x" * 300)
    assert len(long) == 89 and long.startswith("x" * 80)


@needs_dot
def test_build_writes_every_chart_deterministically(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = make_source({"fixture.md": FIXTURE, "ja/seed.md": SEED.read_text(encoding="utf-8")})
    out1, out2 = tmp_path / "out1", tmp_path / "out2"
    result = build(src, out1, Config(root=src), formats=["svg"])
    build(src, out2, Config(root=src), formats=["svg"])
    written = sorted(p.relative_to(out1).as_posix() for p in result.written if p.suffix == ".svg")
    assert written == [
        "svg/fixture/a-long-procedure-procedure-p2.svg",
        "svg/fixture/a-long-procedure-procedure-p3.svg",
        "svg/fixture/a-long-procedure-procedure.svg",
        "svg/fixture/error-errors-1.svg",
        "svg/fixture/error-errors-2.svg",
        "svg/fixture/find-the-agent-procedure.svg",
        "svg/fixture/hostile-procedure.svg",
        "svg/ja/seed/error-encryption-passphrase-not-correctly-configured.svg",
        "svg/ja/seed/error-failed-to-set-the-encryption-key-for-secure-backups.svg",
        "svg/ja/seed/error-invalid-vault-credentials-provided.svg",
        "svg/ja/seed/error-the-activation-did-not-complete-successfully.svg",
        # an id over 80 characters: cut, with a hash of the whole
        "svg/ja/seed/error-the-microsoft-azure-recovery-service-agent-was-unable-to-connect-to-microsoft-az-72c24ac6.svg",
        "svg/ja/seed/error-unable-to-download-vault-credential-file.svg",
        "svg/ja/seed/troubleshoot-restore-issues-procedure.svg",
    ]
    for path in result.written:
        if path.suffix != ".svg":
            continue
        data = path.read_bytes()
        assert data == (out2 / path.relative_to(out1)).read_bytes()
        _check_svg(data.decode("utf-8"))
    seed_svg = (out1 / "svg/ja/seed/troubleshoot-restore-issues-procedure.svg").read_text("utf-8")
    link = "../../../html/ja/seed.html#troubleshoot-restore-issues-procedure-step-3"
    assert f'xlink:href="{link}"' in seed_svg
    assert not [d for d in result.compilation.diagnostics if d.rule.startswith("flowchart")]


# -- any model: never raises, every step drawn once, Graphviz accepts it ----------------

_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    ["", " ", "\\", '"', "見つかった場合は", "C:\\Program Files", "<b>x</b>", "a\nb"]
)


@st.composite
def _procedures(draw: st.DrawFn) -> Procedure:
    count = draw(st.integers(min_value=1, max_value=40))
    steps = []
    for n in range(1, count + 1):
        jumps = [
            Jump(
                draw(st.integers(min_value=0, max_value=count + 2)),
                draw(st.none() | _TEXT),
                n,
                kind=draw(st.sampled_from(["forward", "back", "repeat"])),
                last=draw(st.none() | st.integers(min_value=1, max_value=count)),
            )
            for _ in range(draw(st.integers(min_value=0, max_value=2)))
        ]
        steps.append(Step(n, draw(_TEXT), n, jumps=jumps))
    return Procedure(draw(_TEXT), draw(_TEXT), 1, "s", steps, fallback=draw(st.none() | _TEXT))


@needs_dot
@settings(max_examples=25, deadline=None)
@given(_procedures(), st.booleans())
def test_any_procedure_draws(proc: Procedure, in_graph: bool) -> None:
    doc = Document("d/x", "d/x.md", "T", procedures=[proc])
    graph = _graph(doc) if in_graph else _graph()
    dots = procedure_dot(doc, proc, graph)
    assert 1 <= len(dots) <= len(proc.steps)
    assert all(len(re.findall(r"^  s\d+ \[", d, re.M)) <= MAX_STEPS_PER_PAGE for d in dots)
    svgs = render_svg(dots)
    ids = []
    for svg in svgs:
        _check_svg(svg)
        ids += [g.get("id") for g in _nodes(svg, "step")]
    assert sorted(ids) == sorted(clean(f"fc-{proc.id}-step-{s.number}") for s in proc.steps)


@needs_dot
@settings(max_examples=15, deadline=None)
@given(
    _TEXT,
    st.lists(_TEXT, max_size=5),
    st.lists(st.tuples(_TEXT, st.lists(_TEXT, max_size=9)), max_size=5),
)
def test_any_entry_draws(
    message: str, causes: list[str], actions: list[tuple[str, list[str]]]
) -> None:
    entry = ErrorEntry(
        message,
        "s",
        1,
        message,
        codes=[message[:5]] if message.strip() else [],
        causes=[Cause(c, 2) for c in causes],
        actions=[Item(a, 3, children=[Item(c, 4) for c in cs]) for a, cs in actions],
    )
    doc = Document("d", "d.md", "T", errors=[entry])
    (svg,) = render_svg([entry_dot(doc, entry)])
    _check_svg(svg)
    assert len(_nodes(svg, "cause")) == len(causes)
    assert len(_nodes(svg, "symptom")) == 1


@needs_dot
def test_custom_and_empty_links() -> None:
    doc, graph = _seed()
    proc = doc.procedures[0]
    (same_page,) = procedure_dot(doc, proc, graph, link=lambda d, p, s: f"#{p.id}-step-{s.number}")
    assert f'URL="#{proc.id}-step-3" target="_top"' in same_page
    (plain,) = procedure_dot(doc, proc, graph, link=lambda d, p, s: "")
    assert "URL=" not in plain and "target=" not in plain
    (hostile,) = procedure_dot(doc, proc, graph, link=lambda d, p, s: 'x" onload="alert(1)<&\\N')
    assert 'URL="x%22%20onload=%22alert(1)%3C%26%5CN"' in hostile
    for svg in render_svg([same_page, plain, hostile]):
        _check_svg(svg)
        assert "onload=" not in svg.replace("onload=%22", "")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Page {page} of {pages}", "Page 3 of 12"),
        ("{page:>3}/{pages!r}", "  3/12"),
        ("{unknown} {page}", "{unknown} 3"),
        ("{{page}}", "{page}"),
        ("{}", "{}"),
        ("{0}", "{0}"),
        ("{page.nope}", "{page.nope}"),
        ("{page", "{page"),
        ("{page!z}", "{page!z}"),
    ],
)
def test_fmt_keeps_unknown_names_and_returns_a_malformed_template(
    template: str, expected: str
) -> None:
    assert fmt(template, page=3, pages=12) == expected


def test_skip_steps_draw_a_yes_edge_past_them() -> None:
    doc = compile_text(
        "# Skips\n\n1. Check. If the key exists, skip steps 2 and 3.\n2. Make a key.\n"
        "3. Upload it.\n4. Done.\n",
        "skips.md",
    )
    (dot,) = procedure_dot(doc, doc.procedures[0], _graph(doc))
    # A diamond asks the condition; yes lands on 4, named by the document's own words.
    assert re.search(r'd1_1 -> s4 \[taillabel="Yes — skip steps 2 and 3".*class="yes"\]', dot)
    assert re.search(r'd1_1 -> s2 \[taillabel="No"', dot)
    assert 'class="yes loop"' not in dot
