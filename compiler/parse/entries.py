"""Heading-style error entries: a heading that names one error, then labelled parts.

Parts are **bold labels** (``**Cause:** …``, ``**Error code**: X <br> **Error message**: Y``)
or sub-headings that are labels (``#### Resolution``, ``### 解決策``, ``##### Cause 1: …``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token

from compiler.model import Cause, ErrorEntry, Item, Link
from compiler.parse.blocks import (
    LIST_TYPES,
    fence_command,
    flatten_text,
    inline_of,
    line_of,
    list_items,
    parts_of,
    walk,
)
from compiler.parse.codes import (
    codes_in_code_context,
    codes_in_text,
    codes_of_code_value,
    heading_codes,
    identifier_codes,
    named_identifiers,
)
from compiler.parse.inline import InlineParts, inline_parts
from compiler.parse.tables import TableContext, cause_fix_rows, field_codes
from compiler.parse.tree import Node
from compiler.parse.vocab import Vocabulary, normalise_label

_BR = re.compile(r"^<\s*/?\s*br\s*/?\s*>$", re.IGNORECASE)
_LABEL_SPLIT = re.compile(r"^(.{1,40}?)\s*(?:\d+\s*)?[:：]\s*(.*)$", re.DOTALL)
_LABEL_FOR = re.compile(
    r"^(?P<label>\S+?(?:\s+\S+)??)(?:\s+[A-Z0-9]{1,2})?\s+(?:for|of|to)\s+\S", re.IGNORECASE
)
_LABEL_SUFFIX = re.compile(r"^.{1,80}?\s*の\s*(?P<label>[^\sの]{1,12})\s*$")
_PLAIN_LABEL = re.compile(r"^\s*([^:：]{1,40}?)\s*[:：]\s*")


@dataclass(slots=True)
class Part:
    role: str
    line: int
    texts: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    """Error output the part quotes (code blocks, block quotes): where codes are shown."""
    named: list[str] = field(default_factory=list)
    """Codes its text names as errors in code spans ("the `Unsupported` error")."""
    headed: bool = False
    """The part has a sub-heading of its own ("### Solution", "#### 原因")."""


@dataclass(slots=True)
class Segment:
    """A heading and the blocks up to the next heading."""

    heading: Node | None
    anchor: str
    title: str
    level: int
    line: int
    blocks: list[Node]
    label: tuple[str, str] | None = None
    """(role, rest) when the heading itself is a part label ("Resolution", "Cause 1: …")."""
    links: list[Link] = field(default_factory=list)
    """Links in the heading text ("Cause 1: [The VM has no Internet access](#…)")."""


def heading_label(title: str, vocab: Vocabulary) -> tuple[str, str] | None:
    """The heading as a part label: whole text, or "Label: rest" / "Label 1: rest"."""
    role = vocab.label_role(title)
    if role is not None:
        return role, ""
    m = _LABEL_SPLIT.match(title)
    if m:
        role = vocab.label_role(m.group(1))
        if role is not None:
            return role, m.group(2).strip()
    # "Cause A for error code 0x80180014", "Resolution of X", "エラー X の原因": a part of
    # the entry its parent heading names, whatever it repeats of that name.
    for rx in (_LABEL_FOR, _LABEL_SUFFIX):
        m = rx.match(title)
        if m:
            role = vocab.label_role(m.group("label"))
            if role in ("cause", "fix"):
                return role, ""
    return None


def is_part_heading(label: tuple[str, str] | None) -> bool:
    """A label heading is a part of its parent, unless it names the error ("Error code: X")."""
    return label is not None and (label[0] in ("cause", "fix") or not label[1])


def heading_entries(
    segments: list[Segment], vocab: Vocabulary, tables: TableContext
) -> tuple[list[ErrorEntry], set[int]]:
    """Entries from heading blocks, and the ids of the list nodes they consumed.

    Bottom-up, so a heading never swallows a sub-heading that is an entry of its own.
    Then once more when sibling headings are mostly entries: the others are symptoms too.
    """
    entries, collected, consumed, plain = _heading_pass(segments, vocab, tables, set())
    promoted = _like_their_siblings(segments, plain, vocab)
    if promoted:
        entries, collected, consumed, _ = _heading_pass(segments, vocab, tables, promoted)
    _route_causes(entries, collected, segments)
    return [entries[i] for i in sorted(entries)], consumed


SIBLING_SHARE = 1 / 2
"""Entries among sibling headings from which the others are read as symptoms too."""


def parent_indexes(segments: Sequence[Segment]) -> list[int]:
    """For each segment, the index of the heading it sits under (-1: none)."""
    out: list[int] = []
    open_: list[int] = []  # indexes of the open headings, outermost first
    for i, seg in enumerate(segments):
        if seg.heading is None:
            out.append(-1)
            continue
        while open_ and segments[open_[-1]].level >= seg.level:
            open_.pop()
        out.append(open_[-1] if open_ else -1)
        open_.append(i)
    return out


def _like_their_siblings(segments: list[Segment], entries: set[int], vocab: Vocabulary) -> set[int]:
    """ "## The device doesn't sign in" and "## The device displays a black screen" under
    one parent: when most headings of a level under one parent state symptoms in plain
    words (no labelled parts), the others with a body of their own state symptoms too
    ("More information" and other navigation headings, part labels and headings labelled
    as something else aside). Labelled cards (**Error message:** …) say what they are:
    their unlabelled siblings are something else."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, parent in enumerate(parent_indexes(segments)):
        seg = segments[i]
        if seg.heading is None:
            continue
        if is_part_heading(seg.label) or vocab.names_other(seg.title):
            continue
        if normalise_label(seg.title) in vocab.checklist_skip:
            continue
        if vocab.step_heading(seg.title) is not None:
            continue  # steps of a procedure, not symptoms beside their siblings
        groups.setdefault((parent, seg.level), []).append(i)
    promoted: set[int] = set()
    for members in groups.values():
        found = sum(1 for i in members if i in entries)
        if found >= 2 and found >= SIBLING_SHARE * len(members):
            promoted.update(i for i in members if i not in entries and segments[i].level > 1)
    return promoted


def _heading_pass(
    segments: list[Segment], vocab: Vocabulary, tables: TableContext, promoted: set[int]
) -> tuple[dict[int, ErrorEntry], dict[int, list[Part]], set[int], set[int]]:
    """One bottom-up pass: entries by segment index, the parts read for each, the list
    nodes the entries consumed, and the entries stated as plain symptoms."""
    entries: dict[int, ErrorEntry] = {}
    plain: set[int] = set()
    collected: dict[int, list[Part]] = {}
    consumed: set[int] = set()
    for i in reversed(range(len(segments))):
        seg = segments[i]
        if seg.heading is None or is_part_heading(seg.label):
            continue
        parts: list[Part] = []
        used: list[Node] = []
        # "### Error: <message>", "## Event ID 1035" and "## FSx can't reach the DNS
        # servers" name the error; what follows them unlabelled is the fix.
        other = vocab.names_other(seg.title)
        codes = [] if other else _heading_codes(seg, vocab)
        # The document's own title (h1) is what it is about, not one symptom of it.
        symptom = (
            not codes
            and not other
            and seg.level > 1
            and vocab.step_heading(seg.title) is None  # "手順 2: エラー コードを確認する"
            and vocab.is_symptom(seg.title)
        )
        symptom = symptom or i in promoted
        names_itself = _names_error_itself(seg) or bool(codes) or symptom
        body = Part(role="body", line=seg.line) if names_itself else None
        if body is not None:
            parts.append(body)
        current = _read_blocks(seg.blocks, body, parts, used, vocab, tables)
        nested: list[int] = []
        j = i + 1
        while j < len(segments) and segments[j].level > seg.level:
            sub = segments[j]
            if j in entries or (
                not is_part_heading(sub.label)
                and _names_error(sub, vocab)
                and not _parts_follow(j, seg.level, segments)
            ):
                nested.append(j)  # a nested entry of its own
                j += 1
                while j < len(segments) and segments[j].level > sub.level:
                    j += 1
                continue
            if nested:
                j += 1
                continue  # past the first nested entry, what is left belongs to the nested
            if is_part_heading(sub.label):
                assert sub.label is not None
                current = Part(role=sub.label[0], line=sub.line, headed=True)
                if sub.label[1]:
                    current.texts.append(sub.label[1])
                    current.items.append(Item(text=sub.label[1], line=sub.line))
                current.links.extend(sub.links)
                parts.append(current)
            current = _read_blocks(sub.blocks, current, parts, used, vocab, tables)
            j += 1
        collected[i] = parts
        if nested and not _umbrella_is_entry(
            seg, codes, symptom, [entries[n] for n in nested if n in entries], parts
        ):
            continue
        entry = _entry(seg, parts, vocab, symptom=symptom)
        if entry is not None:
            entries[i] = entry
            consumed.update(id(n) for n in used)
            if symptom and all(p.role in ("body", "fix") for p in parts):
                plain.add(i)
    return entries, collected, consumed, plain


def _umbrella_is_entry(
    seg: Segment,
    codes: list[str],
    symptom: bool,
    nested: list[ErrorEntry],
    parts: list[Part],
) -> bool:
    """A heading over entries of its own ("## Login errors (IDs 95519, 95520)" over one
    sub-heading per ID; "## Errors on Linux" over "### Issue: …") is a card only when it
    names codes that none of them carries and says what to do before them."""
    if symptom or not codes:
        return False
    claimed = {c.casefold() for e in nested for c in e.codes}
    own = [c for c in codes if c.casefold() not in claimed]
    return bool(own) and any(p.items for p in parts if p.role in ("body", "fix"))


def _parts_follow(index: int, parent_level: int, segments: list[Segment]) -> bool:
    """ "## Scenario 1 / ### Event logs (**Event ID:** 1058) / ### Cause / ### Resolution":
    the next sibling heading is a cause or fix, so the labelled record before it is the
    evidence of its parent's card, not a card of its own without a fix."""
    level = segments[index].level
    for seg in segments[index + 1 :]:
        if seg.level <= parent_level:
            return False
        if seg.level == level:
            return (
                is_part_heading(seg.label)
                and seg.label is not None
                and seg.label[0] in ("cause", "fix")
            )
    return False


def _names_error_itself(seg: Segment) -> bool:
    return seg.label is not None and seg.label[0] in ("code", "message") and bool(seg.label[1])


def _names_error(seg: Segment, vocab: Vocabulary) -> bool:
    """Does the segment itself carry **Error code** / **Error message** labels?"""
    for node in seg.blocks:
        if node.type == "paragraph" and any(
            role in ("code", "message") for role, _, _ in _label_runs(node, vocab)
        ):
            return True
    return seg.label is not None and seg.label[0] in ("code", "message") and bool(seg.label[1])


def _route_causes(
    entries: dict[int, ErrorEntry], collected: dict[int, list[Part]], segments: list[Segment]
) -> None:
    """An entry whose causes only link to sections (``Cause 1: [text](#anchor)``) takes the
    fixes of those sections as its actions, one action per cause."""
    by_anchor = {seg.anchor.lower(): i for i, seg in enumerate(segments)}
    routed: set[int] = set()
    for entry in entries.values():
        if entry.actions:
            continue
        for link in entry.links:
            if not link.href.startswith("#"):
                continue
            target = by_anchor.get(link.href[1:].lower())
            if target is None:
                continue
            fixes = [item for p in collected.get(target, []) if p.role == "fix" for item in p.items]
            if fixes:
                title = segments[target].title
                entry.actions.append(Item(text=title, line=segments[target].line, children=fixes))
                routed.add(target)
    for target in routed:
        # The section a cause links to is a part of that card, not a card of its own.
        entries.pop(target, None)


def _read_blocks(
    blocks: list[Node],
    current: Part | None,
    parts: list[Part],
    used: list[Node],
    vocab: Vocabulary,
    tables: TableContext,
) -> Part | None:
    for node in blocks:
        if node.type == "paragraph":
            for role, token, line in _label_runs(node, vocab):
                parts_ = inline_parts(token, line)
                if role is not None:
                    current = Part(role=role, line=line)
                    parts.append(current)
                if current is None:
                    continue
                if parts_.text:
                    current.texts.append(parts_.text)
                    current.items.append(Item(text=parts_.text, line=line, html=parts_.html))
                    if parts_.code_spans:
                        current.named.extend(spans_named_as_error(parts_))
                current.links.extend(parts_.links)
        elif node.type == "table":
            codes = field_codes(node, tables)
            if codes:
                parts.append(Part(role="code", line=line_of(node), texts=codes))
            current = _cause_fix_table(node, current, parts, tables)
        elif node.type in LIST_TYPES and code_list_entries(node, "", vocab):
            continue  # cards of their own (document._walk), not this heading's text
        elif node.type == "bullet_list" and _cause_items(node, parts, vocab):
            used.append(node)
            current = parts[-1]
        elif current is None:
            continue
        elif node.type in LIST_TYPES:
            items = list_items(node, vocab)
            current.items.extend(items)
            current.texts.extend(i.text for i in items)
            current.quoted.extend(_quoted_below(node))
            if node.type == "bullet_list":
                used.append(node)
        elif node.type in ("fence", "code_block"):
            if not _shell_language(node, vocab):
                current.quoted.append(node.content)  # the error output, not a command
            cmd = fence_command(node, vocab)
            if cmd is not None:
                current.items.append(Item(text=cmd.code, line=cmd.line))
            elif _unlabelled_sample(node, vocab):
                # The error message a card quotes ("fails with the following error:"): not a
                # command, but the reader must still see it on the card.
                current.items.append(Item(text=node.content.rstrip("\n"), line=line_of(node)))
        elif node.type in ("blockquote", "alert"):
            # Quoted output, and notes: "> [!NOTE] If activation fails with error 0x80072ee2,
            # activate by phone" names an error this card is the place to look up.
            current.quoted.extend(_quote_texts(node))
    return current


def _fence_language(node: Node) -> str | None:
    """The first word of a code block's info string, lower case; None without one."""
    info = (node.info or "").strip().split()
    return info[0].lower() if info else None


def _unlabelled_sample(node: Node, vocab: Vocabulary) -> bool:
    """A code block with text and no data language (```output blocks were never shown)."""
    return bool(node.content.strip()) and _fence_language(node) not in vocab.not_command_langs


def _shell_language(node: Node, vocab: Vocabulary) -> bool:
    """A fence marked as something to run (```powershell): no error output to read."""
    lang = _fence_language(node)
    return lang is not None and lang not in vocab.not_command_langs


def _quote_texts(quote: Node) -> list[str]:
    """The text of every paragraph of a block quote."""
    return [p.text for q in walk(quote) if q.type == "paragraph" and (p := parts_of(q))]


def _quoted_below(node: Node) -> list[str]:
    """Block quotes and notes inside a list's items (event records under a bullet, "if this
    fails with error X" notes); code blocks there are commands or sample logs of a step,
    not the error shown."""
    return [
        t for sub in walk(node) if sub.type in ("blockquote", "alert") for t in _quote_texts(sub)
    ]


def _cause_items(node: Node, parts: list[Part], vocab: Vocabulary) -> bool:
    """Bullets like "Possible cause 1: X. To resolve this issue, Y.": a cause and its fix each."""
    head = next((li for li in node.children if li.type == "list_item"), None)
    para = head.children[0] if head is not None and head.children else None
    inline = inline_of(para) if para is not None and para.type == "paragraph" else None
    if inline is None or inline.token is None:
        return False
    m = _LABEL_SPLIT.match(inline.token.content.lstrip("*_ "))
    if not m or vocab.label_role(m.group(1).strip("*_ ")) != "cause":
        return False  # the first bullet is no "Cause 1: …": no need to read them all
    items = list_items(node, vocab)
    labelled = []
    for item in items:
        m = _LABEL_SPLIT.match(item.text)
        if not m or vocab.label_role(m.group(1)) != "cause":
            return False
        labelled.append((item, m.group(2)))
    if not labelled:
        return False
    for item, text in labelled:
        lead = vocab.fix_leads.search(text) if vocab.fix_leads else None
        cause_text = text[: lead.start()].strip() if lead else text
        parts.append(
            Part(
                role="cause",
                line=item.line,
                texts=[cause_text],
                items=[Item(cause_text, item.line)],
            )
        )
        if lead:
            fix_text = text[lead.start() :].strip()
            fix = Item(fix_text, item.line, children=list(item.children))
            parts.append(Part(role="fix", line=item.line, texts=[fix_text], items=[fix]))
    return True


def _cause_fix_table(
    node: Node, current: Part | None, parts: list[Part], tables: TableContext
) -> Part | None:
    """A Cause | Recommended actions table under an error heading: rows of causes and fixes."""
    pairs = cause_fix_rows(node, tables)
    if not pairs:
        return current
    line = line_of(node)
    cause = Part(role="cause", line=line, items=[c for c, _ in pairs])
    fix = Part(role="fix", line=line, items=[f for _, fs in pairs for f in fs])
    parts.extend([cause, fix])
    return fix


def _label_runs(node: Node, vocab: Vocabulary) -> list[tuple[str | None, Token, int]]:
    """Split a paragraph at labels that start a line: ``**Cause:** …``, ``Resolution: …``.

    Kept on the paragraph's inline token: every enclosing heading reads its blocks again.
    """
    inline = inline_of(node)
    if inline is None or inline.token is None:
        return []
    meta = inline.token.meta if inline.token.meta is not None else {}
    cached = meta.get(_RUNS_KEY)
    if cached is None:
        cached = _split_runs(node, inline.token, vocab)
        meta[_RUNS_KEY] = cached
        inline.token.meta = meta
    # No label: the paragraph's own token, not kept in its own meta (a cycle is left to
    # the cyclic garbage collector instead of being freed with the document).
    return cached or [(None, inline.token, line_of(node))]


_RUNS_KEY = "runbooks.label-runs"


def _split_runs(node: Node, token: Token, vocab: Vocabulary) -> list[tuple[str | None, Token, int]]:
    children = token.children or []
    line = line_of(node)
    runs: list[tuple[str | None, list[Token], int]] = [(None, [], line)]
    at_start = True
    i = 0
    current_line = line
    while i < len(children):
        child = children[i]
        if at_start and (child.type == "strong_open" or _opens_bold(child)):
            # "**Resolution:**", and the same in raw HTML: "<strong>Resolution:</strong>"
            close = next(
                (
                    k
                    for k in range(i + 1, len(children))
                    if children[k].type == "strong_close" or _closes_bold(children[k])
                ),
                None,
            )
            if close is not None:
                label = "".join(c.content for c in children[i + 1 : close])
                role = vocab.label_role(label)
                if role is not None:
                    runs.append((role, [], current_line))
                    i = close + 1
                    _strip_leading_colon(children, i)
                    at_start = False
                    continue
        if at_start and child.type == "text":
            m = _PLAIN_LABEL.match(child.content)
            role = vocab.label_role(m.group(1)) if m else None
            if m and role is not None:
                runs.append((role, [], current_line))
                rest = child.copy()
                rest.content = child.content[m.end() :]
                runs[-1][1].append(rest)
                i += 1
                at_start = False
                continue
        breaks = child.type in ("softbreak", "hardbreak") or (
            child.type == "html_inline" and bool(_BR.match(child.content.strip()))
        )
        if breaks:
            current_line += 1 if child.type != "html_inline" else 0
        elif child.type == "text" and not child.content.strip():
            pass  # spaces before a label keep us at the line start
        else:
            at_start = False
        if breaks:
            at_start = True
        runs[-1][1].append(child)
        i += 1
    if len(runs) == 1:
        return []  # no label: the caller reads the paragraph's own token
    out = []
    for role, tokens, run_line in runs:
        if role is None and not tokens:
            continue
        token = Token("inline", "", 0, children=tokens, content="".join(t.content for t in tokens))
        out.append((role, token, run_line))
    return out


def _opens_bold(token: Token) -> bool:
    return token.type == "html_inline" and token.content.strip().lower() in ("<strong>", "<b>")


def _closes_bold(token: Token) -> bool:
    return token.type == "html_inline" and token.content.strip().lower() in ("</strong>", "</b>")


def _strip_leading_colon(children: list[Token], index: int) -> None:
    if index < len(children) and children[index].type == "text":
        stripped = children[index].content.lstrip()
        if stripped[:1] in (":", "："):
            children[index] = children[index].copy()
            children[index].content = stripped[1:]


def _entry(
    seg: Segment, parts: list[Part], vocab: Vocabulary, *, symptom: bool = False
) -> ErrorEntry | None:
    if not any(p.role == "fix" for p in parts):
        for part in parts:
            if part.role == "body" and part.items:
                part.role = "fix"  # "### Error: X" + unlabelled steps: those are the fix
    roles = {p.role for p in parts}
    heading_codes = _heading_codes(seg, vocab)
    # Causes that link to sections ("Cause 1: [no Internet access](#…)") get their fixes routed.
    routed = any(link.href.startswith("#") for p in parts if p.role == "cause" for link in p.links)
    titled = bool(heading_codes) or _names_error_itself(seg) or symptom
    names = roles & {"message", "code", "cause"} or titled
    # "## X / ### Solution": a fix under a sub-heading of its own makes the heading a card;
    # "## Error 405 … / ### Cause" with no fix is still a card (the no-action check says so).
    headed_fix = any(p.role == "fix" and p.headed for p in parts)
    fixed = ("fix" in roles or routed) and bool(names)
    if not (fixed or headed_fix or (titled and "cause" in roles)):
        return None
    messages = [t for p in parts if p.role == "message" for t in p.texts]
    title = seg.label[1] if seg.label else seg.title
    message = "\n".join(messages) or title
    codes = list(heading_codes)
    for p in parts:
        if p.role == "code":
            codes.extend(codes_of_code_value(" ".join(p.texts)))
    codes.extend(codes_in_text(message))
    # What the card shows of the error itself: the symptom, the quoted output, the causes.
    shown = [t for p in parts if p.role in ("message", "cause", "body", "fix") for t in p.texts]
    shown.extend(q for p in parts for q in p.quoted)
    shown_text = "\n".join(shown)
    codes.extend(codes_in_text(shown_text))
    codes.extend(named_identifiers(shown_text))
    codes.extend(code for p in parts for code in p.named)
    causes = [
        Cause(text=flatten_text(item), line=item.line, html=item.html)
        for p in parts
        if p.role == "cause"
        for item in p.items or [Item(text=t, line=p.line) for t in p.texts]
    ]
    actions = [item for p in parts if p.role == "fix" for item in p.items]
    links = [link for p in parts for link in p.links]
    return ErrorEntry(
        id="",
        section=seg.anchor,
        line=seg.line,
        message=message,
        codes=list(dict.fromkeys(codes)),
        causes=causes,
        actions=actions,
        links=links,
        shape="heading",
    )


def _heading_codes(seg: Segment, vocab: Vocabulary) -> list[str]:
    if seg.label is not None and seg.label[0] == "code":
        return codes_in_code_context(seg.label[1])
    return heading_codes(seg.title) + _named_spans(seg)


_SPAN_NAME = re.compile(r"[A-Za-z_][\w.:\-]{3,}")
_NAMED_AS_ERROR = re.compile(
    r"[\s`'\"]*(?:errors?|exceptions?|failures?|エラー|例外)(?![A-Za-z])", re.IGNORECASE
)


def _named_spans(seg: Segment) -> list[str]:
    """ "## `ssh_exchange_identification` error": a code span the heading names as the
    error is its code, whatever its shape."""
    if seg.heading is None or "`" not in (
        seg.heading.children[0].content if seg.heading.children else ""
    ):
        return []
    parts = parts_of(seg.heading, seg.line)
    return spans_named_as_error(parts) if parts is not None else []


def spans_named_as_error(parts: InlineParts) -> list[str]:
    """Code spans the text names as an error: "`ssh_exchange_identification` error",
    "You get the `Unsupported` error when …" (any shape: the words say what it is)."""
    out = []
    for code, _ in parts.code_spans:
        at = parts.text.find(code)
        if (
            at >= 0
            and _SPAN_NAME.fullmatch(code)
            and _NAMED_AS_ERROR.match(parts.text, at + len(code))
        ):
            out.append(code)
    return out


SYMPTOM_LIST_SHARE = 1 / 2
"""How many of a list's items must state a failure for the list to be a list of errors."""
SYMPTOM_MAX_CHARS = 160
"""A symptom is stated like a heading: one short sentence."""
_SENTENCE_INSIDE = re.compile("[\u3002\uff0e!?]\\s*\\S|\\.\\s+[A-Z]")
"""A sentence end inside the statement (Japanese full stops too): an explanation."""


def symptom_list_entries(
    lst: Node, section: str, vocab: Vocabulary, intro: Node | None = None
) -> list[ErrorEntry]:
    """A FAQ written as a list whose items are symptoms with the fix indented below them
    ("1. My Pods are stuck at ContainerCreating" + paragraphs and code): one entry per
    item, and the list is no procedure. Items without a body below their first paragraph
    make an ordinary list."""
    items = [li for li in lst.children if li.type == "list_item"]
    if len(items) < 2 or _introduces_causes(intro, vocab):
        return []
    stated = []
    for li in items:
        first = li.children[0] if li.children else None
        if first is None or first.type != "paragraph" or len(li.children) < 2:
            continue
        parts = parts_of(first, line_of(li))
        if parts is None or not parts.text:
            continue
        statement = parts.text.split("\n")[0]
        if len(statement) > SYMPTOM_MAX_CHARS or _SENTENCE_INSIDE.search(statement):
            continue  # a step that explains itself, not a symptom stated like a heading
        # "My pods show status as `ErrImgPull`": naming an error status states a failure too.
        if vocab.is_symptom(statement) or _span_codes(parts.code_spans):
            stated.append((li, parts))
    if len(stated) < max(2, SYMPTOM_LIST_SHARE * len(items)):
        return []
    entries = []
    for li, parts in stated:
        codes = heading_codes(parts.text) + _span_codes(parts.code_spans)
        actions = [item for child in li.children[1:] for item in _block_actions(child, vocab)]
        entries.append(_item_entry(li, parts, section, codes, [], actions, "symptom-list"))
    return entries


def _item_entry(
    li: Node,
    parts: InlineParts,
    section: str,
    codes: list[str],
    causes: list[Cause],
    actions: list[Item],
    shape: str,
) -> ErrorEntry:
    """The card of one list item, stated by its first paragraph (``parts``)."""
    return ErrorEntry(
        id="",
        section=section,
        line=line_of(li),
        message=parts.text,
        codes=list(dict.fromkeys(codes)),
        causes=causes,
        actions=actions,
        links=list(parts.links),
        shape=shape,
    )


def labelled_error_entries(seg: Segment, vocab: Vocabulary) -> list[ErrorEntry]:
    """ "**Error:** *EACCES: permission denied*" paragraphs, each group followed by the
    unlabelled paragraphs, lists and commands that fix it, in a section that labels no
    cause or fix: one card per group (consecutive error paragraphs share one fix). For a
    section that is no card of its own (the page title, "## General: Permission denied")."""
    runs_of = {
        id(node): _label_runs(node, vocab) for node in seg.blocks if node.type == "paragraph"
    }
    roles = {role for runs in runs_of.values() for role, _, _ in runs}
    if "message" not in roles or roles - {None, "message", "code"}:
        return []
    entries: list[ErrorEntry] = []
    messages: list[tuple[str, int]] = []
    fixes: list[Item] = []

    def close() -> None:
        if messages and fixes:
            text = "\n".join(t for t, _ in messages)
            codes = codes_in_text(text) + named_identifiers(text)
            entries.append(
                ErrorEntry(
                    id="",
                    section=seg.anchor,
                    line=messages[0][1],
                    message=text,
                    codes=list(dict.fromkeys(codes)),
                    actions=list(fixes),
                    shape="labelled",
                )
            )
        messages.clear()
        fixes.clear()

    for node in seg.blocks:
        # (role, text, line) of each run, the blank one before a leading label left out
        runs = [
            (role, inline_parts(token, line).text, line)
            for role, token, line in runs_of.get(id(node), [])
        ]
        runs = [run for run in runs if run[0] is not None or run[1]]
        if runs and runs[0][0] in ("message", "code"):
            if fixes:
                close()
            messages.extend((text, line) for _, text, line in runs if text)
            continue
        if messages:
            fixes.extend(_block_actions(node, vocab))
    close()
    return entries


def _block_actions(node: Node, vocab: Vocabulary) -> list[Item]:
    """What one block below a symptom says to do: a paragraph, a list's items, a command."""
    if node.type == "paragraph":
        parts = parts_of(node, line_of(node))
        if parts is not None and parts.text:
            return [Item(text=parts.text, line=line_of(node), html=parts.html)]
    elif node.type in LIST_TYPES:
        return list_items(node, vocab)
    elif node.type in ("fence", "code_block"):
        cmd = fence_command(node, vocab)
        if cmd is not None:
            return [Item(text=cmd.code, line=cmd.line)]
    return []


def code_list_entries(lst: Node, section: str, vocab: Vocabulary) -> list[ErrorEntry]:
    """A list of codes, each with labelled sub-items ("- **DSREG_AUTOJOIN_DISC_FAILED**
    (0x801c0021/-2145648607)" over "- Reason: …" and "- Resolution: …"): one card per
    item. Every item must name a code and label a cause or a fix, or none is a card."""
    items = [li for li in lst.children if li.type == "list_item"]
    if len(items) < 2:
        return []
    entries = []
    for li in items:
        first = li.children[0] if li.children else None
        if first is None or first.type != "paragraph" or len(li.children) < 2:
            return []
        parts = parts_of(first, line_of(li))
        codes = heading_codes(parts.text.split("\n")[0]) if parts is not None else []
        if parts is None or not codes:
            return []
        causes: list[Cause] = []
        actions: list[Item] = []
        for child in li.children[1:]:
            if child.type not in LIST_TYPES:
                continue
            for item in list_items(child, vocab):
                m = _LABEL_SPLIT.match(item.text)
                role = vocab.label_role(m.group(1)) if m else None
                if m is None or not m.group(2).strip():
                    continue
                text = m.group(2).strip()
                if role == "cause":
                    causes.append(Cause(text=text, line=item.line))
                elif role == "fix":
                    actions.append(Item(text=text, line=item.line, children=list(item.children)))
        if not causes and not actions:
            return []
        entries.append(_item_entry(li, parts, section, codes, causes, actions, "code-list"))
    return entries


def _introduces_causes(intro: Node | None, vocab: Vocabulary) -> bool:
    """ "**Common causes for ENA adapter reset**" + a list: the items are causes."""
    if intro is None or intro.type != "paragraph":
        return False
    parts = parts_of(intro)
    if parts is None:
        return False
    key = normalise_label(parts.text)
    return any(word in key for word in vocab.cause_labels)


def _span_codes(spans: list[tuple[str, int]]) -> list[str]:
    """Identifiers alone in a code span of a symptom (`ImagePullBackOff`)."""
    return [c for code, _ in spans if " " not in code.strip() for c in identifier_codes(code)]
