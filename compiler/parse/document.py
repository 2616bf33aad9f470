"""One Markdown file -> one :class:`~compiler.model.Document`.

The rules run in a fixed order over markdown-it's syntax tree: sections, heading-style
error entries, then one walk for tables, procedures, checklists, notes and includes.
A rule that does not match returns nothing; it never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from compiler.diagnostics import Diagnostics
from compiler.model import Command, Document, ErrorEntry, Link, Note, Section
from compiler.parse.blocks import (
    LIST_TYPES,
    fence_command,
    inline_of,
    line_of,
    parts_of,
    walk,
)
from compiler.parse.codes import codes_in_text, heading_codes
from compiler.parse.commands import as_command
from compiler.parse.entries import (
    Segment,
    code_list_entries,
    heading_entries,
    heading_label,
    labelled_error_entries,
    symptom_list_entries,
)
from compiler.parse.frontmatter import split_front_matter
from compiler.parse.headings import AnchorRegistry, slugify
from compiler.parse.html_tables import read_html_table
from compiler.parse.inline import html_fragment_parts, inline_parts, links_and_anchors
from compiler.parse.markdown import markdown_parser
from compiler.parse.procedures import (
    checklist_from_list,
    continuation_groups,
    fallback_text,
    procedure_from_lists,
    procedures_in_items,
    regroup_bare_markers,
)
from compiler.parse.step_headings import heading_procedures
from compiler.parse.tables import TableContext, html_table_entries, table_entries
from compiler.parse.tree import Node, block_tree
from compiler.parse.vocab import Vocabulary

_INCLUDE = re.compile(r"\[!INCLUDE\s*\[([^\]]*)\]\(\s*<?([^)>\s]*)>?\s*\)\s*\]", re.IGNORECASE)
_NOTE_MARKER = re.compile(r"^\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*", re.IGNORECASE)
_HTML_ANCHOR = re.compile(r"<a\s+[^>]*?\b(?:name|id)\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_KANA = re.compile(r"[\u3040-\u30ff]")
INTRO_ANCHOR = "intro"
"""Section of what comes before the first heading."""


@dataclass(slots=True)
class _State:
    doc: Document
    path: str
    vocab: Vocabulary
    diags: Diagnostics
    tables: TableContext
    consumed: set[int] = field(default_factory=set)
    table_entries: list[ErrorEntry] = field(default_factory=list)
    html_table_end: int = 0
    """The last source line of the raw HTML table read last: blocks up to it are its cells."""
    code_candidates: list[tuple[int, str]] = field(default_factory=list)
    """(line, raw text) of the inline texts that may hold a code ([unclaimed-code])."""


def parse_document(
    text: str,
    *,
    path: str,
    doc_id: str,
    vocab: Vocabulary,
    diags: Diagnostics,
    default_locale: str = "en",
) -> Document:
    """Parse one document. ``text`` is already decoded with ``\\n`` line ends."""
    fm, body = split_front_matter(text, path, diags)
    root = block_tree(markdown_parser().parse(body))
    doc = Document(
        id=doc_id,
        source=path,
        title=fm.title or "",
        description=fm.description,
        locale=fm.locale or _locale_of(path, body, default_locale),
        date=fm.date,
        meta=fm.meta,
        line_offset=fm.line_count,
    )
    state = _State(
        doc=doc,
        path=path,
        vocab=vocab,
        diags=diags,
        tables=TableContext(path, body.split("\n"), vocab, diags),
    )
    segments = _segments(root, state)
    if not doc.title:
        first = next((s for s in segments if s.level == 1 and s.title), None)
        doc.title = first.title if first else PurePosixPath(path).stem
    entries, state.consumed = heading_entries(segments, vocab, state.tables)
    carded = {entry.section for entry in entries}
    for seg in segments:
        if seg.anchor not in carded:
            entries.extend(labelled_error_entries(seg, vocab))
    for seg in segments:
        _walk(seg.blocks, seg, state, top_level=True, in_list=False)
    doc.procedures.extend(
        heading_procedures(
            segments, vocab, title=doc.title, intro=INTRO_ANCHOR, lists=doc.procedures
        )
    )
    _collect_links_and_anchors(root, state)
    entries = _fold_into_tables(entries, state.table_entries, doc.sections)
    doc.errors = _with_ids(sorted(entries + state.table_entries, key=lambda e: e.line))
    _report_unclaimed_codes(state)
    _number(doc)
    return doc


_LANGUAGE_LIST = "en ja de fr es pt zh ko ru nl sv pl cs da fi nb tr hu el he ar th uk vi"
_FOLDER_LANGUAGES = frozenset(_LANGUAGE_LIST.split())
"""Languages a folder name may end with (``azure-docs-ja``, ``docs.ja-jp``, ``ja/``): common
ones only, so that a folder such as ``build-id`` or ``support-it`` names no language."""
_FOLDER_LOCALE = re.compile(
    r"(?:^|[-_.])(?P<lang>[a-z]{2})(?:[-_](?P<region>[a-z]{2}|hans|hant))?$", re.IGNORECASE
)


def path_locale(path: str) -> str | None:
    """The locale a folder of ``path`` names, innermost first: ``ja`` for ``azure-docs-ja/x.md``,
    ``ja-JP`` for ``docs.ja-jp/x.md`` or ``ja-jp/x.md``; None when no folder names one."""
    for folder in reversed(PurePosixPath(path).parts[:-1]):
        match = _FOLDER_LOCALE.search(folder)
        if match is None or match.group("lang").lower() not in _FOLDER_LANGUAGES:
            continue
        lang, region = match.group("lang").lower(), match.group("region")
        if region is None:
            return lang
        return f"{lang}-{region.upper() if len(region) == 2 else region.title()}"
    return None


def _locale_of(path: str, body: str, default: str) -> str:
    """No locale in the front matter: the folder's, else a guess from the text (which adds
    the region to a folder's bare language when they agree: ``ja-JP`` in ``docs-ja/``)."""
    folder = path_locale(path)
    guess = _guess_locale(body, default)
    if folder is None:
        return guess
    return guess if "-" not in folder and guess.split("-")[0].lower() == folder else folder


def _guess_locale(body: str, default: str) -> str:
    """No locale in the front matter: Japanese when kana are common, else the default."""
    kana = len(_KANA.findall(body))
    return "ja-JP" if kana >= 50 or (kana and kana * 50 >= len(body)) else default


_ATTRIBUTE = r"(?:[#.][\w\-:.]+|[\w\-]+=(?:\"[^\"]*\"|'[^']*'|[^\s{}]+))"
_HEADING_ATTRIBUTES = re.compile(rf"\s*\{{:?\s*({_ATTRIBUTE}(?:\s+{_ATTRIBUTE})*)\s*\}}\s*$")
"""A heading's attribute list: ``{#step-1}``, ``{#id .class}``, ``{: .note}``."""


def _segments(root: Node, state: _State) -> list[Segment]:
    anchors = AnchorRegistry(state.path, state.diags)
    segments = [Segment(None, INTRO_ANCHOR, state.doc.title, 0, 1, [])]
    for node in root.children:
        if node.type != "heading":
            segments[-1].blocks.append(node)
            continue
        line = line_of(node)
        parts = parts_of(node, line)
        title = parts.text if parts else ""
        explicit = parts.anchors[0] if parts and parts.anchors else None
        attributes = _HEADING_ATTRIBUTES.search(title)
        if attributes:
            # "## 手順 1 {#step-1}" (kramdown, Pandoc, Hugo): the id is the anchor, and the
            # braces are no part of the title.
            title = title[: attributes.start()].rstrip()
            ids = [a[1:] for a in attributes.group(1).split() if a.startswith("#")]
            explicit = explicit or (ids[0] if ids else None)
        anchor = anchors.claim(explicit or slugify(title), line, explicit=explicit is not None)
        level = int(node.tag[1]) if node.tag[1:].isdigit() else 1
        state.doc.sections.append(Section(anchor=anchor, title=title, level=level, line=line))
        segments.append(
            Segment(
                node,
                anchor,
                title,
                level,
                line,
                [],
                heading_label(title, state.vocab),
                list(parts.links) if parts else [],
            )
        )
    return segments


def _walk(
    nodes: list[Node],
    seg: Segment,
    state: _State,
    *,
    top_level: bool,
    in_list: bool,
    in_step: bool = False,
) -> None:
    doc, vocab = state.doc, state.vocab
    if top_level:
        nodes = regroup_bare_markers(nodes, state.tables.source_lines)
    groups = continuation_groups(nodes) if not in_step else {}
    for index, node in enumerate(nodes):
        kind = node.type
        if top_level and state.html_table_end and line_of(node) <= state.html_table_end:
            continue  # a cell's text that blank lines cut out of the HTML table around it
        if kind == "html_block" and top_level and "<table" in node.content.lower():
            _html_table(node, seg, state)
        elif kind == "table":
            for entry in table_entries(node, state.tables):
                entry.section = seg.anchor
                state.table_entries.append(entry)
                title = entry.message.split("\n", 1)[0][:80] or seg.title
                doc.procedures.extend(
                    procedures_in_items(entry.actions, title=title, section=seg.anchor, vocab=vocab)
                )
        elif (
            kind in LIST_TYPES
            and top_level
            and id(node) not in state.consumed  # already the fix of a heading entry
            and (
                found := code_list_entries(node, seg.anchor, vocab)
                or symptom_list_entries(
                    node, seg.anchor, vocab, nodes[index - 1] if index else None
                )
            )
        ):
            state.table_entries.extend(found)
        elif kind == "ordered_list" and not in_step:
            group = groups.get(index)
            procedure = None
            # "### Cause" over "1. Wrong permissions 2. A missing key": causes, not steps.
            lists_causes = seg.label is not None and seg.label[0] == "cause"
            if group is not None and not lists_causes:
                procedure = procedure_from_lists(
                    group,
                    title=seg.title,
                    section=seg.anchor,
                    path=state.path,
                    vocab=vocab,
                    diags=state.diags,
                )
            if procedure is not None:
                last = nodes.index(group[-1]) if group else index
                following = nodes[last + 1] if last + 1 < len(nodes) else None
                fallback = fallback_text(following, vocab)
                if fallback is not None:
                    procedure.fallback, procedure.fallback_line = fallback
                doc.procedures.append(procedure)
            _walk_items(node, seg, state, in_step=procedure is not None)
        elif kind in LIST_TYPES:
            if (
                kind == "bullet_list"
                and top_level
                and not in_list
                and id(node) not in state.consumed
            ):
                checklist = checklist_from_list(
                    node, title=seg.title, section=seg.anchor, vocab=vocab
                )
                if checklist is not None:
                    doc.checklists.append(checklist)
            _walk_items(node, seg, state, in_step=in_step)
        elif kind == "alert":
            _add_note(node, str(node.info or "note"), node.children[1:], state)
        elif kind == "blockquote" and not _marker_note(node, state):
            _walk(node.children, seg, state, top_level=False, in_list=in_list, in_step=in_step)


def _html_table(node: Node, seg: Segment, state: _State) -> None:
    table = read_html_table(state.tables.source_lines, line_of(node))
    if table is None:
        return
    state.html_table_end = table.end_line
    for entry in html_table_entries(table.rows, state.tables):
        entry.section = seg.anchor
        state.table_entries.append(entry)


def _walk_items(lst: Node, seg: Segment, state: _State, *, in_step: bool) -> None:
    for li in lst.children:
        _walk(li.children, seg, state, top_level=False, in_list=True, in_step=in_step)


def _add_note(node: Node, kind: str, body: list[Node], state: _State) -> None:
    texts, htmls = _note_body(body, line_of(node))
    state.doc.notes.append(
        Note(kind=kind.lower(), text="\n".join(texts), line=line_of(node), html="\n".join(htmls))
    )


def _note_body(body: list[Node], line: int) -> tuple[list[str], list[str]]:
    """Text and HTML of every paragraph in a note's blocks (nested ones too)."""
    texts, htmls = [], []
    for child in body:
        for sub in [child, *walk(child)]:
            if sub.type == "paragraph":
                parts = parts_of(sub, line)
                if parts and parts.text:
                    texts.append(parts.text)
                    htmls.append(parts.html)
    return texts, htmls


def _marker_note(node: Node, state: _State) -> bool:
    """``> [!NOTE] text`` on one line: markdown-it's alerts need the marker on its own line."""
    first = node.children[0] if node.children else None
    if first is None or first.type != "paragraph":
        return False
    inline = inline_of(first)
    if inline is None or inline.token is None:
        return False
    m = _NOTE_MARKER.match(inline.token.content)
    if not m:
        return False
    parts = inline_parts(inline.token, line_of(first))
    text = _NOTE_MARKER.sub("", parts.text)
    texts, htmls = _note_body(node.children[1:], line_of(node))
    state.doc.notes.append(
        Note(
            kind=m.group(1).lower(),
            text="\n".join(t for t in (text, "\n".join(texts)) if t),
            line=line_of(node),
            html="\n".join(
                h for h in (_NOTE_MARKER.sub("", parts.html, count=1), "\n".join(htmls)) if h
            ),
        )
    )
    return True


def _collect_links_and_anchors(root: Node, state: _State) -> None:
    """Links, anchors and DocFX includes anywhere: paragraphs, notes, lists, table cells."""
    doc = state.doc
    anchors = [s.anchor for s in doc.sections]
    links: list[Link] = []
    commands: dict[str, Command] = {}
    for node in walk(root):
        if node.type in ("fence", "code_block"):
            cmd = fence_command(node, state.vocab)
            if cmd is not None:
                commands.setdefault(cmd.code, cmd)
        elif node.type == "inline" and node.token is not None:
            line = line_of(node)
            if _MAY_HOLD_CODE.search(node.token.content):
                state.code_candidates.append((line, node.token.content))
            if "`" in node.token.content:  # a code span needs one: most inlines have none
                for child in node.token.children or ():
                    if child.type == "code_inline":
                        cmd = as_command(child.content, line, state.vocab)
                        if cmd is not None:
                            commands.setdefault(cmd.code, cmd)
            found_links, found = links_and_anchors(node.token, line)
            links.extend(found_links)
            anchors.extend(found)
            if "[!" in node.token.content:
                doc.includes.extend(
                    Link(href=m.group(2), line=line, kind="include")
                    for m in _INCLUDE.finditer(node.token.content)
                )
        elif node.type == "html_block":
            block_links, _ = html_fragment_parts(node.content, line_of(node))
            doc.links.extend(block_links)
            anchors.extend(_HTML_ANCHOR.findall(node.content))
    include_hrefs = {inc.href for inc in doc.includes}
    doc.links.extend(link for link in links if link.href not in include_hrefs)
    doc.anchors = list(dict.fromkeys(anchors))
    doc.commands = list(commands.values())


def _report_unclaimed_codes(state: _State) -> None:
    """``[unclaimed-code]``: a string that looks like an error code (by the rules that
    find codes in headings and error text) where no error entry carries it, so that
    ``runbooks lookup`` cannot find it. Code blocks are samples and are not read."""
    claimed = {code.casefold() for entry in state.doc.errors for code in entry.codes}
    found: list[tuple[int, str]] = [
        (section.line, code)
        for section in state.doc.sections
        for code in heading_codes(section.title)
    ]
    for line, content in state.code_candidates:
        if state.vocab.is_error_context(content):  # a sentence that speaks of an error
            found.extend((line, code) for code in codes_in_text(_URL.sub(" ", content)))
    reported: set[str] = set()
    for line, code in sorted(found, key=lambda lc: lc[0]):
        key = code.casefold()
        if key in claimed or key in reported:
            continue
        reported.add(key)
        state.diags.warning(
            state.path,
            line,
            f"'{code}' looks like an error code, but no error entry carries it: "
            f"`runbooks lookup {code}` will not find this; give it an error-table row "
            "or a heading of its own (or add the heading's words to the vocabulary)",
            "unclaimed-code",
        )


_MAY_HOLD_CODE = re.compile(r"\d{2}|[A-Z]_[A-Z]")
_URL = re.compile(r"\]\([^)]*\)|<?https?://[^\s)>]*>?")


OWN_STEPS = 2
"""Actions a heading entry needs to stay a card beside the table rows under it."""
FIELD_TABLE_ROWS = 6
"""A code catalogue this small under a heading entry lists that card's codes."""


def _fold_into_tables(
    headings: list[ErrorEntry], rows: list[ErrorEntry], sections: list[Section]
) -> list[ErrorEntry]:
    """Entries of headings and of the tables below them, made one set of cards.

    A heading that names codes over an error table ("## 0x8024402F" then a one-row
    Message | Description | Mitigation table): the rows are the cards, and each row
    carries the codes of the heading it sits under; the heading entry gives way.
    A small code catalogue (no fix column) inside a heading entry only lists that
    card's codes ("| HRESULT | 0x80c8305f |"): its codes go to the card, its rows away.
    ``rows`` is changed in place."""
    if not rows:
        return headings
    ends = _section_ends(sections)
    # A heading whose own body gives steps (not one line of introduction) is a card of its
    # own beside the table; one that only introduces the table gives way to its rows.
    acting = {entry.line for entry in headings if len(entry.actions) >= OWN_STEPS}
    # A row's section is the heading right above its table: the innermost one around it.
    codes_of = {s.anchor: heading_codes(s.title) for s in sections if s.line not in acting}
    for row in rows:
        if codes_of.get(row.section):
            row.codes = list(dict.fromkeys([*codes_of[row.section], *row.codes]))
    kept = []
    folded: set[int] = set()
    for entry in headings:
        end = ends.get(entry.line, 1 << 30)
        inside = [row for row in rows if entry.line < row.line < end]
        listed = [row for row in inside if row.shape == "code-table"]
        if len(listed) < len(inside) or len(listed) > FIELD_TABLE_ROWS:
            carried = {code.casefold() for row in inside for code in row.codes}
            own = [code for code in entry.codes if code.casefold() not in carried]
            if entry.line not in acting and not own:
                continue  # error-table rows, or a whole catalogue: those are the cards
            # "# MSSQLSERVER_17207" over "OS error 5" cases: the heading's own codes would
            # be found nowhere else, so its card stays beside the cards inside it.
            kept.append(entry)  # a card with steps of its own beside a table of others
            continue
        for row in inside:
            entry.codes = list(dict.fromkeys([*entry.codes, *row.codes]))
            folded.add(id(row))
        kept.append(entry)
    rows[:] = [row for row in rows if id(row) not in folded]
    return kept


def _section_ends(sections: list[Section]) -> dict[int, int]:
    """Heading line -> the line of the next heading of the same or a higher level."""
    ends: dict[int, int] = {}
    for i, section in enumerate(sections):
        end = next((s.line for s in sections[i + 1 :] if s.level <= section.level), 1 << 30)
        ends[section.line] = end
    return ends


def _with_ids(entries: list[ErrorEntry]) -> list[ErrorEntry]:
    """``<section>`` for a section's only entry, else ``<section>-<n>``.

    Stable under edits in other sections.
    """
    per_section: dict[str, int] = {}
    for entry in entries:
        per_section[entry.section] = per_section.get(entry.section, 0) + 1
    seen: dict[str, int] = {}
    for entry in entries:
        if per_section[entry.section] == 1:
            entry.id = entry.section
        else:
            seen[entry.section] = seen.get(entry.section, 0) + 1
            entry.id = f"{entry.section}-{seen[entry.section]}"
    return entries


def _number(doc: Document) -> None:
    """Procedure and checklist ids: ``<section>-procedure``, ``-procedure-2`` when several."""
    for kind, things in (("procedure", doc.procedures), ("checklist", doc.checklists)):
        things.sort(key=lambda t: t.line)
        per_section: dict[str, int] = {}
        for thing in things:
            per_section[thing.section] = per_section.get(thing.section, 0) + 1
        seen: dict[str, int] = {}
        for thing in things:
            seen[thing.section] = seen.get(thing.section, 0) + 1
            suffix = "" if per_section[thing.section] == 1 else f"-{seen[thing.section]}"
            thing.id = f"{thing.section}-{kind}{suffix}"
    doc.notes.sort(key=lambda n: n.line)
