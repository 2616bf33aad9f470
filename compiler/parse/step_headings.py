"""Procedures whose steps are headings: "## Step 1: …" to "## Step 7: …", "### 手順 1:".

Sibling headings numbered as steps under one parent form one procedure (LABELLING:
its section is the parent heading, its line the first step heading). What each
heading holds stays where it is: its lists are procedures of their own. A jump between
step headings ("If activation fails again, continue to Step 3") is read from the
paragraphs of a step heading, outside its lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from html import escape
from urllib.parse import quote

from compiler.model import Procedure, Step
from compiler.parse.blocks import line_of, parts_of
from compiler.parse.entries import Segment, parent_indexes
from compiler.parse.jumps import find_jumps
from compiler.parse.tree import Node
from compiler.parse.vocab import Vocabulary

MIN_STEPS = 2


def heading_procedures(
    segments: Sequence[Segment],
    vocab: Vocabulary,
    *,
    title: str,
    intro: str,
    lists: Sequence[Procedure] = (),
) -> list[Procedure]:
    """One procedure per chain of sibling step headings (at least two, numbers rising).

    ``title`` and ``intro`` name the document and its first section: a chain with no
    parent heading above it (front matter gives the page title) belongs there.
    ``lists``: the document's list procedures; a jump in one of them that can only mean a
    later step heading becomes that heading's jump (see :func:`_lift_jumps`).
    """
    out: list[Procedure] = []
    chain: list[tuple[int, int, str]] = []  # (segment index, number as written, the rest)
    gap = False  # a heading that is no step since the last step of the chain
    parents = parent_indexes(segments)

    def close() -> None:
        if len(chain) >= MIN_STEPS:
            first = chain[0][0]
            parent = segments[parents[first]] if parents[first] >= 0 else None
            proc = _procedure(chain, segments, parent, vocab, title=title, intro=intro)
            _lift_jumps(proc, chain, segments, lists, vocab)
            out.append(proc)
        chain.clear()

    for index, seg in enumerate(segments):
        if seg.heading is None:
            continue
        step = vocab.step_heading(seg.title)
        level = segments[chain[0][0]].level if chain else seg.level
        if chain and seg.level > level:
            continue  # a sub-heading inside a step
        if step is None and chain and seg.level == level:
            # "### 手順 2" / "### dsregcmd の出力から" / "### 手順 3": a heading between two
            # steps belongs to the step before it when the next step follows on.
            gap = True
            continue
        if step is None or (
            chain
            and (
                seg.level != level
                or step[0] <= chain[-1][1]
                or (gap and step[0] != chain[-1][1] + 1)
            )
        ):
            close()
        gap = False
        if step is not None:
            chain.append((index, step[0], step[1]))
    close()
    return out


def _procedure(
    chain: list[tuple[int, int, str]],
    segments: Sequence[Segment],
    parent: Segment | None,
    vocab: Vocabulary,
    *,
    title: str,
    intro: str,
) -> Procedure:
    proc = Procedure(
        id="",
        title=parent.title if parent else title,
        line=segments[chain[0][0]].line,
        section=parent.anchor if parent else intro,
    )
    for position, (index, _, text) in enumerate(chain, 1):
        seg = segments[index]
        label = text or seg.title
        # The step links to its heading, where what it says is written out.
        link = f'<a href="#{quote(seg.anchor, safe="")}">{escape(label, quote=False)}</a>'
        step = Step(number=position, text=label, line=seg.line, html=link)
        # Jumps count the numbers as written ("continue to Step 3"), as readers do.
        for block in _own_blocks(index, segments):
            if block.type != "paragraph" or _link_only(block):
                continue
            parts = parts_of(block)
            if parts is not None and parts.text:
                step.jumps.extend(find_jumps(parts.text, line_of(block), position, vocab))
        proc.steps.append(step)
    return proc


def _lift_jumps(
    proc: Procedure,
    chain: list[tuple[int, int, str]],
    segments: Sequence[Segment],
    lists: Sequence[Procedure],
    vocab: Vocabulary,
) -> None:
    """ "### Step 1" over "1. … 7. Recreate the VM. If the VM still doesn't boot, go to
    step 2.": inside a step heading's list, "go to step N" that would go back in the list
    (or to itself, or past its end) while a later step heading N exists means that
    heading. The jump moves from the list to the heading procedure, where it goes forward;
    left in the list, it was a loop no reader follows."""
    numbers = {number for _, number, _ in chain}
    for position, (index, number, _) in enumerate(chain, 1):
        anchors = {segments[index].anchor}
        anchors.update(seg.anchor for seg in _sub_segments(index, segments))
        for lst in lists:
            if lst.section not in anchors:
                continue
            for step in lst.steps:
                kept = []
                for jump in step.jumps:
                    past_end = jump.to > len(lst.steps)
                    # "go to step 2" from item 7 reads as going on; "return to step 2" means
                    # the list's own step 2, and stays.
                    backwards = jump.to <= step.number and not _says_back(jump.phrase, vocab)
                    if (past_end or backwards) and jump.to > number and jump.to in numbers:
                        lifted = replace(jump, kind="forward")
                        proc.steps[position - 1].jumps.append(lifted)
                    else:
                        kept.append(jump)
                step.jumps[:] = kept


def _says_back(phrase: str, vocab: Vocabulary) -> bool:
    return any(p.kind in ("back", "repeat") and p.regex.search(phrase) for p in vocab.jumps)


def _sub_segments(index: int, segments: Sequence[Segment]) -> list[Segment]:
    """The headings below the step heading at ``index``, up to its next sibling."""
    seg = segments[index]
    out = []
    for sub in segments[index + 1 :]:
        if sub.level <= seg.level:
            break
        out.append(sub)
    return out


def _link_only(paragraph: Node) -> bool:
    """ "[手順 1 に戻る](#step-1)", "[Back to Step 1](#step-1)" alone on a line: a way
    around the page, like "back to top", not a step's instruction."""
    inline = paragraph.children[0] if paragraph.children else None
    children = [
        child
        for child in (inline.token.children or [] if inline and inline.token else [])
        if not (child.type == "text" and not child.content.strip())
    ]
    return (
        len(children) >= 3
        and children[0].type == "link_open"
        and children[-1].type == "link_close"
        and all(c.type in ("text", "link_open", "link_close", "softbreak") for c in children)
        and sum(1 for c in children if c.type == "link_open") == 1
    )


def _own_blocks(index: int, segments: Sequence[Segment]) -> list[Node]:
    """The step heading's blocks and those of its sub-headings, in order."""
    blocks = list(segments[index].blocks)
    for sub in _sub_segments(index, segments):
        blocks.extend(sub.blocks)
    return blocks
