"""``md/<doc id>.md``: each runbook as a GitHub-flavoured Markdown checklist.

For wikis and tickets: front matter with the source and its hash, error entries as
headings with labelled parts and ``- [ ]`` task items for causes and actions,
procedures as numbered task lists whose jumps are written out (in bold), checklists,
notes as GitHub alerts. The output is mdformat's canonical form (frontmatter, gfm,
gfm_alerts), so it is stable and diff-friendly; it is printed directly by
:mod:`compiler.markdown_print` (mdformat itself only for rare texts it cannot print).

It is written so that our own parser reads it back to the same runbook: the labels are
the vocabulary's (``**Error message:**``, ``**原因:**`` …), every section is a level-2
heading (no nesting that could fold one part into another), and text is escaped
Markdown. ``tests/test_markdown_export.py`` compiles every output again and compares,
and checks that mdformat would change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from compiler.generators.base import BuildContext, register
from compiler.graph import RunbookGraph
from compiler.markdown_print import (
    BREAK,
    Alert,
    Block,
    Code,
    Emph,
    Fence,
    FrontMatter,
    Heading,
    Inline,
    ListBlock,
    ListItem,
    Para,
    Text,
    normalise,
    plain,
    print_canonical,
    print_escaped,
    task_item,
)
from compiler.markdown_print import escape as escape  # this module's API since before
from compiler.markdown_print import format_markdown as format_markdown
from compiler.model import (
    Checklist,
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
from compiler.parallel import Failure, map_documents, workers_for
from compiler.parse.codes import codes_in_code_context, heading_codes
from compiler.parse.entries import heading_label
from compiler.parse.vocab import Vocabulary, build_vocabulary
from compiler.powershell.commands import text_without_commands
from compiler.strings import ui_strings

OUTPUT_DIR = "md"
HEADING_WIDTH = 90
"""Longest entry heading (characters) taken from a message, cut at a word boundary."""
ALERTS = {"note": "NOTE", "tip": "TIP", "important": "IMPORTANT", "warning": "WARNING",
          "caution": "CAUTION"}  # fmt: skip

_UNSAFE_PATH = re.compile(r"[^\w.\-]", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[。\uff0e！？])|(?<=[.!?])\s")


@register("md")
class MarkdownGenerator:
    name: ClassVar[str] = "md"

    def generate(self, graph: RunbookGraph, ctx: BuildContext) -> None:
        extra = ctx.config.path(ctx.config.templates) if ctx.config.templates else None
        vocab = build_vocabulary(ctx.config.vocab)
        used: set[str] = set()
        todo: list[tuple[Document, str]] = []
        for doc in graph.documents():
            path = markdown_path(doc.id)
            stem, n = path[: -len(".md")], 2
            while path.casefold() in used:
                path, n = f"{stem}-{n}.md", n + 1
            used.add(path.casefold())
            if not ctx.needs(doc.id) and ctx.writer.keep(path):
                continue  # unchanged since the last build
            todo.append((doc, path))

        def render(doc: Document) -> str:
            return render_markdown(graph, doc, ui_strings(doc.lang, "markdown", extra), vocab)

        texts = map_documents(
            render, [doc for doc, _ in todo], jobs=workers_for(len(todo), ctx.jobs)
        )
        for (doc, path), text in zip(todo, texts, strict=True):
            if isinstance(text, Failure):  # one odd document must not cost the others theirs
                ctx.diags.internal(
                    doc.source, "write the Markdown checklist of this document", text
                )
                continue
            ctx.writer.write_text(path, text)


def markdown_path(doc_id: str) -> str:
    parts = [_UNSAFE_PATH.sub("_", p).lstrip(".") or "_" for p in doc_id.split("/") if p]
    return f"{OUTPUT_DIR}/{'/'.join(parts or ['_'])}.md"


def render_markdown(
    graph: RunbookGraph, doc: Document, words: dict[str, str], vocab: Vocabulary | None = None
) -> str:
    """The formatted Markdown for ``doc``: mdformat's canonical form."""
    blocks = _Writer(graph, doc, words, vocab or _default_vocab()).document()
    text = print_canonical(blocks)
    if text is None:  # rare text the canonical printer cannot match: let mdformat do it
        text = format_markdown(print_escaped(blocks))
    return text


@lru_cache(maxsize=1)
def _default_vocab() -> Vocabulary:
    return build_vocabulary()


def _canonical(
    graph: RunbookGraph, doc: Document, words: dict[str, str], vocab: Vocabulary
) -> str | None:
    """The canonical Markdown printed directly, or None where mdformat is needed."""
    return print_canonical(_Writer(graph, doc, words, vocab).document())


def _escaped(graph: RunbookGraph, doc: Document, words: dict[str, str], vocab: Vocabulary) -> str:
    """The same document fully escaped: what mdformat formats in the fallback."""
    return print_escaped(_Writer(graph, doc, words, vocab).document())


# -- text ----------------------------------------------------------------------


def _sentence_end(text: str, pos: int) -> int:
    """Index just after the sentence that goes on at ``pos`` (or the end of its line)."""
    m = re.compile(r"[。\uff0e！？]|[.!?](?=\s|$)|\n").search(text, pos)
    if m is None:
        return len(text)
    return m.start() if m.group() == "\n" else m.end()


def _first_sentence(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    line = _SENTENCE_END.split(line, maxsplit=1)[0].strip() or line
    if len(line) <= HEADING_WIDTH:
        return line
    cut = line[:HEADING_WIDTH]
    space = max(cut.rfind(" "), cut.rfind("、"), cut.rfind("，"))
    if space > HEADING_WIDTH // 2:
        cut = cut[:space]
    else:  # never end inside a code or a word ("0x1FC0" of "0x1FC07")
        cut = re.sub(r"[0-9A-Za-z_]+$", "", cut) if line[len(cut)].isalnum() else cut
    return cut.rstrip(" 、，,:：") + "…"


# -- structure -------------------------------------------------------------------


@dataclass(slots=True)
class _Placed:
    line: int
    kind: str
    obj: ErrorEntry | Procedure | Checklist | Note


class _Writer:
    """The block tree of a document's checklist."""

    def __init__(
        self, graph: RunbookGraph, doc: Document, words: dict[str, str], vocab: Vocabulary
    ) -> None:
        self.graph = graph
        self.doc = doc
        self.words = words
        self.vocab = vocab

    def word(self, key: str) -> str:
        return self.words.get(key, key)

    def document(self) -> list[Block]:
        doc = self.doc
        out: list[Block] = [self.front_matter(), Heading(1, plain(doc.title))]
        if doc.description:
            out.append(Para(plain(doc.description)))
        source = self.word("generated_from").replace("{source}", doc.source)
        sha = Code(f"sha256:{doc.sha256 or '-'}")
        out.append(Para([Emph("*", tuple(plain(source))), Text(" ("), sha, Text(")")]))
        for title, blocks in self.sections():
            out.extend(self.section(title, blocks))
        return out

    def front_matter(self) -> FrontMatter:
        doc = self.doc
        fields: dict[str, str | None] = {
            "title": doc.title,
            "description": doc.description,
            "locale": doc.locale,
            "date": doc.date,
            "source": doc.source,
            "sha256": doc.sha256,
            "runbook": doc.id,
        }
        return FrontMatter({k: v for k, v in fields.items() if v})

    def sections(self) -> Iterator[tuple[str, list[_Placed]]]:
        """(section title, its blocks in source order), for sections that hold any."""
        doc = self.doc
        anchors = {s.anchor: s for s in doc.sections}
        blocks: dict[str, list[_Placed]] = {}

        def add(anchor: str, block: _Placed) -> None:
            blocks.setdefault(anchor if anchor in anchors else "", []).append(block)

        for entry in doc.errors:
            add(entry.section, _Placed(entry.line, "entry", entry))
        for proc in doc.procedures:
            add(proc.section, _Placed(proc.line, "procedure", proc))
        for checklist in doc.checklists:
            add(checklist.section, _Placed(checklist.line, "checklist", checklist))
        for note in doc.notes:
            add(self.section_at(note.line), _Placed(note.line, "note", note))
        if "" in blocks:
            yield doc.title, sorted(blocks[""], key=lambda b: b.line)
        for section in doc.sections:
            if section.anchor in blocks:
                yield section.title, sorted(blocks[section.anchor], key=lambda b: b.line)

    def section_at(self, line: int) -> str:
        current: Section | None = None
        for section in self.doc.sections:
            if section.line > line:
                break
            current = section
        return current.anchor if current else ""

    def section(self, title: str, blocks: list[_Placed]) -> list[Block]:
        notes = [self.note(b.obj) for b in blocks if isinstance(b.obj, Note)]
        items = [b for b in blocks if b.kind != "note"]
        if len(items) == 1 and self.heading_fits(title, items[0].obj):
            # notes where the document has them: before or after the one item
            before = [
                self.note(b.obj)
                for b in blocks
                if isinstance(b.obj, Note) and b.line < items[0].line
            ]
            after = notes[len(before) :]
            return [Heading(2, plain(title)), *before, *self.block(items[0], None), *after]
        out: list[Block] = [Heading(2, plain(self.safe_title(title))), *notes]
        seen: dict[str, int] = {}
        for index, block in enumerate(items, 1):
            heading = self.heading(block, index)
            seen[heading] = seen.get(heading, 0) + 1
            if seen[heading] > 1:
                heading = f"{heading} ({seen[heading]})"
            out.extend(self.block(block, heading))
        return out

    def heading_fits(self, title: str, obj: object) -> bool:
        """Can ``title`` head ``obj`` so that the parser reads back the same thing?

        Not when it reads as a part label ("Resolution", "原因"); for an entry, not when
        it names codes other than the entry's first ones (heading codes come first).
        """
        label = heading_label(title, self.vocab)
        if not isinstance(obj, ErrorEntry):
            return label is None and not self.reads_as_entry(title)
        if label is not None and (label[0] not in ("code", "message") or not label[1]):
            return False
        if label is not None and label[0] == "code":
            codes = codes_in_code_context(label[1])
        else:
            codes = heading_codes(title)
        found = list(dict.fromkeys(c.casefold() for c in codes))
        return found == [c.casefold() for c in obj.codes[: len(found)]]

    def reads_as_entry(self, title: str) -> bool:
        """Would the parser take this heading for an error (by its codes or a symptom)?"""
        if self.vocab.names_other(title):
            return False
        return bool(heading_codes(title)) or self.vocab.is_symptom(title)

    def safe_title(self, title: str) -> str:
        if heading_label(title, self.vocab) is None and not self.reads_as_entry(title):
            return title
        return f"{self.word('section')}: {title}"

    def heading(self, block: _Placed, index: int) -> str:
        obj = block.obj
        if isinstance(obj, ErrorEntry):
            text = _first_sentence(obj.message)
            if text and self.heading_fits(text, obj):
                return text
            return f"{self.word('entry')} {index}"
        if isinstance(obj, Procedure):
            return self.safe_title(f"{self.word('procedure')}: {obj.title}")
        if isinstance(obj, Checklist):
            return self.safe_title(f"{self.word('checklist')}: {obj.title}")
        return ""

    def block(self, block: _Placed, heading: str | None) -> list[Block]:
        out: list[Block] = [Heading(3, plain(heading))] if heading else []
        obj = block.obj
        if isinstance(obj, ErrorEntry):
            out.extend(self.entry(obj))
        elif isinstance(obj, Procedure):
            out.extend(self.procedure(obj))
        elif isinstance(obj, Checklist):
            out.extend(self.checklist(obj))
        return out

    # -- parts -------------------------------------------------------------------

    def label(self, key: str, value: list[Inline] | None = None) -> list[Inline]:
        strong = Emph("**", (*plain(self.word(key)), Text(":")))
        return [strong, Text(" "), *value] if value else [strong]

    def entry(self, entry: ErrorEntry) -> list[Block]:
        out: list[Block] = []
        if entry.context:
            words = (*plain(self.word("context")), Text(": "), *plain(entry.context))
            out.append(Para([Emph("*", words)]))
        out.append(Para(self.label("error_message", plain(entry.message))))
        if entry.codes:
            codes: list[Inline] = []
            for n, code in enumerate(entry.codes):
                codes.extend([BREAK] if n else [])
                codes.extend(self.label("error_code", [Code(code)]))
            out.append(Para(codes))
        if entry.causes:
            out.append(Para(self.label("cause")))
            out.append(ListBlock([self.task(c.text, []) for c in entry.causes], tight=True))
        out.append(Para(self.label("resolution")))
        actions = [self.task(a.text, a.children) for a in entry.actions]
        out.append(ListBlock(actions or [ListItem([])], tight=True))  # "-": no action known
        return out

    def task(self, text: str, children: list[Item]) -> ListItem:
        body = plain(text) or plain(self.word("empty"))
        nested = [self.task(child.text, child.children) for child in children]
        return task_item(body, [ListBlock(nested, tight=True)] if nested else [])

    def procedure(self, proc: Procedure) -> list[Block]:
        if not proc.steps:
            return [Para(plain(proc.fallback))] if proc.fallback else []
        # a step with a command block has blank lines in it: the list is loose
        loose = any(step.commands for step in proc.steps)
        steps = [self.step(step) for step in proc.steps]
        out: list[Block] = [
            ListBlock(steps, tight=not loose, numbers=[s.number for s in proc.steps])
        ]
        if proc.fallback:
            out.append(Para(plain(proc.fallback)))
        return out

    def step(self, step: Step) -> ListItem:
        text = text_without_commands(step.text, step.commands)
        rest: list[Block] = [self.fence(c) for c in step.commands]
        children = [self.task(c.text, c.children) for c in step.children]
        if children:  # after a command block, blank lines between them too
            rest.append(ListBlock(children, tight=not step.commands or len(children) == 1))
        return task_item(self.with_jumps(text, step.jumps), rest)

    def with_jumps(self, text: str, jumps: list[Jump]) -> list[Inline]:
        """``text``, each jump ("見つかった場合は、手順 7. に進みます。") in bold.

        Only spans between spaces (or the ends) are bolded: CommonMark's flanking rules
        would otherwise leave the asterisks as text next to punctuation.
        """
        text = normalise(text)
        spans: list[tuple[int, int]] = []
        for jump in jumps:
            start = text.find(jump.phrase) if jump.phrase else -1
            if start < 0:
                continue
            end = _sentence_end(text, start + len(jump.phrase))
            if jump.condition:
                cond = text.rfind(jump.condition, 0, start + 1)
                start = cond if cond >= 0 else start
            whole = (start == 0 or text[start - 1] == " ") and (
                end == len(text) or text[end] == " "
            )
            if whole and "\n" not in text[start:end] and text[start:end].strip():
                spans.append((start, end))
        out: list[Inline] = []
        pos = 0
        for start, end in sorted(spans):
            if start >= pos:
                out.extend(plain(text[pos:start], strip=False))
                out.append(Emph("**", tuple(plain(text[start:end]))))
                pos = end
        out.extend(plain(text[pos:], strip=False))
        return out

    def checklist(self, checklist: Checklist) -> list[Block]:
        items = []
        for item in checklist.items:
            text = text_without_commands(item.text, item.commands)
            task = self.task(text, item.children)
            task.blocks.extend(self.fence(c) for c in item.commands)
            items.append(task)
        if not items:
            return []
        return [ListBlock(items, tight=not any(i.commands for i in checklist.items))]

    def note(self, note: Note) -> Alert:
        body = plain(note.text) or plain(self.word(note.kind))
        return Alert(ALERTS.get(note.kind, "NOTE"), [Para(body)])

    @staticmethod
    def fence(command: Command) -> Fence:
        return Fence(command.lang or "", command.code.rstrip() + "\n")
