"""``md/<doc id>.md``: each runbook as a GitHub-flavoured Markdown checklist.

For wikis and tickets: front matter with the source and its hash, error entries as
headings with labelled parts and ``- [ ]`` task items for causes and actions,
procedures as numbered task lists whose jumps are written out (in bold), checklists,
notes as GitHub alerts. Formatted by mdformat (frontmatter, gfm, gfm_alerts) so the
output is stable and diff-friendly.

It is written so that our own parser reads it back to the same runbook: the labels are
the vocabulary's (``**Error message:**``, ``**原因:**`` …), every section is a level-2
heading (no nesting that could fold one part into another), and text is escaped
Markdown. ``tests/test_markdown_export.py`` compiles every output again and compares.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import mdformat

from compiler.generators.base import BuildContext, register
from compiler.graph import RunbookGraph
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
from compiler.parallel import Failure, map_documents
from compiler.parse.codes import codes_in_code_context, codes_in_text, identifier_codes
from compiler.parse.entries import heading_label
from compiler.parse.vocab import Vocabulary, build_vocabulary
from compiler.powershell.commands import text_without_commands
from compiler.strings import ui_strings

OUTPUT_DIR = "md"
EXTENSIONS = frozenset({"frontmatter", "gfm", "gfm_alerts"})
OPTIONS = {"number": True, "wrap": "keep"}
FORMAT_LIMIT = 400_000
"""Characters of generated Markdown above which mdformat is not run."""
HEADING_WIDTH = 90
"""Longest entry heading (characters) taken from a message, cut at a word boundary."""
ALERTS = {"note": "NOTE", "tip": "TIP", "important": "IMPORTANT", "warning": "WARNING",
          "caution": "CAUTION"}  # fmt: skip

_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
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

        # mdformat is most of this format's time: documents are formatted side by side.
        texts = map_documents(render, [doc for doc, _ in todo], jobs=ctx.jobs)
        for (doc, path), text in zip(todo, texts, strict=True):
            if isinstance(text, Failure):  # one odd document must not cost the others theirs
                ctx.diags.error(
                    doc.source,
                    1,
                    f"no Markdown checklist written for this document ({text}); "
                    "this is a bug in the md generator, please report it",
                    "md",
                )
                continue
            if len(text) > FORMAT_LIMIT:
                ctx.diags.warning(
                    doc.source,
                    1,
                    f"the Markdown checklist is {len(text):,} characters: written without "
                    "mdformat's formatting (too large to format in reasonable time)",
                    "md-size",
                )
            ctx.writer.write_text(path, text)


def markdown_path(doc_id: str) -> str:
    parts = [_UNSAFE_PATH.sub("_", p).lstrip(".") or "_" for p in doc_id.split("/") if p]
    return f"{OUTPUT_DIR}/{'/'.join(parts or ['_'])}.md"


def render_markdown(
    graph: RunbookGraph, doc: Document, words: dict[str, str], vocab: Vocabulary | None = None
) -> str:
    """The formatted Markdown for ``doc``."""
    writer = _Writer(graph, doc, words, vocab or _default_vocab())
    text = writer.document()
    # mdformat slows down faster than linearly on huge documents (a 10 MB one takes
    # minutes); past the limit the checklist is written as generated, unformatted.
    return format_markdown(text) if len(text) <= FORMAT_LIMIT else text


def format_markdown(text: str) -> str:
    return mdformat.text(text, extensions=EXTENSIONS, options=OPTIONS)


@lru_cache(maxsize=1)
def _default_vocab() -> Vocabulary:
    return build_vocabulary()


# -- text ----------------------------------------------------------------------


def escape(text: str, *, strip: bool = True) -> str:
    """Plain text as Markdown that reads back as the same text.

    Every ASCII punctuation character is backslash-escaped (mdformat drops the escapes
    that are not needed); a line break becomes a hard break. ``strip=False`` keeps the
    spaces at the ends (a piece of a line).
    """
    if strip:
        text = _normalise(text)
    return "\\\n".join(_PUNCTUATION.sub(r"\\\1", line) for line in text.split("\n"))


def _normalise(text: str) -> str:
    """Lines stripped, empty ones dropped (what the parser makes of any text)."""
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _sentence_end(text: str, pos: int) -> int:
    """Index just after the sentence that goes on at ``pos`` (or the end of its line)."""
    m = re.compile(r"[。\uff0e！？]|[.!?](?=\s|$)|\n").search(text, pos)
    if m is None:
        return len(text)
    return m.start() if m.group() == "\n" else m.end()


def indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else "" for line in text.split("\n"))


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


def _fence(command: Command) -> str:
    longest = max((len(m) for m in re.findall(r"`+", command.code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{command.lang or ''}\n{command.code.rstrip()}\n{ticks}"


# -- structure -------------------------------------------------------------------


@dataclass(slots=True)
class _Block:
    line: int
    kind: str
    obj: ErrorEntry | Procedure | Checklist | Note


class _Writer:
    def __init__(
        self, graph: RunbookGraph, doc: Document, words: dict[str, str], vocab: Vocabulary
    ) -> None:
        self.graph = graph
        self.doc = doc
        self.words = words
        self.vocab = vocab

    def word(self, key: str) -> str:
        return self.words.get(key, key)

    def document(self) -> str:
        doc = self.doc
        out = [self.front_matter(), f"# {escape(doc.title)}"]
        if doc.description:
            out.append(escape(doc.description))
        source = self.word("generated_from").replace("{source}", doc.source)
        out.append(f"*{escape(source)}* (`sha256:{doc.sha256 or '-'}`)")
        for title, blocks in self.sections():
            out.extend(self.section(title, blocks))
        return "\n\n".join(out) + "\n"

    def front_matter(self) -> str:
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
        lines = [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items() if v]
        return "---\n" + "\n".join(lines) + "\n---"

    def sections(self) -> Iterator[tuple[str, list[_Block]]]:
        """(section title, its blocks in source order), for sections that hold any."""
        doc = self.doc
        anchors = {s.anchor: s for s in doc.sections}
        blocks: dict[str, list[_Block]] = {}

        def add(anchor: str, block: _Block) -> None:
            blocks.setdefault(anchor if anchor in anchors else "", []).append(block)

        for entry in doc.errors:
            add(entry.section, _Block(entry.line, "entry", entry))
        for proc in doc.procedures:
            add(proc.section, _Block(proc.line, "procedure", proc))
        for checklist in doc.checklists:
            add(checklist.section, _Block(checklist.line, "checklist", checklist))
        for note in doc.notes:
            add(self.section_at(note.line), _Block(note.line, "note", note))
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

    def section(self, title: str, blocks: list[_Block]) -> list[str]:
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
            return [f"## {escape(title)}", *before, *self.block(items[0], None), *after]
        out = [f"## {escape(self.safe_title(title))}", *notes]
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
            return label is None
        if label is not None and (label[0] not in ("code", "message") or not label[1]):
            return False
        if label is not None and label[0] == "code":
            codes = codes_in_code_context(label[1])
        else:
            codes = codes_in_text(title)
            if " " not in title.strip():
                codes += identifier_codes(title)
        found = list(dict.fromkeys(c.casefold() for c in codes))
        return found == [c.casefold() for c in obj.codes[: len(found)]]

    def safe_title(self, title: str) -> str:
        if heading_label(title, self.vocab) is None:
            return title
        return f"{self.word('section')}: {title}"

    def heading(self, block: _Block, index: int) -> str:
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

    def block(self, block: _Block, heading: str | None) -> list[str]:
        out = [f"### {escape(heading)}"] if heading else []
        obj = block.obj
        if isinstance(obj, ErrorEntry):
            out.extend(self.entry(obj))
        elif isinstance(obj, Procedure):
            out.extend(self.procedure(obj))
        elif isinstance(obj, Checklist):
            out.extend(self.checklist(obj))
        return out

    # -- parts -------------------------------------------------------------------

    def label(self, key: str, value: str = "") -> str:
        text = f"**{escape(self.word(key))}:**"
        return f"{text} {value}" if value else text

    def entry(self, entry: ErrorEntry) -> list[str]:
        out = []
        if entry.context:
            out.append(f"*{escape(self.word('context'))}: {escape(entry.context)}*")
        out.append(self.label("error_message", escape(entry.message)))
        if entry.codes:
            out.append("\\\n".join(self.label("error_code", f"`{c}`") for c in entry.codes))
        if entry.causes:
            out.append(self.label("cause"))
            out.append("\n".join(self.task(c.text, [], "- ") for c in entry.causes))
        out.append(self.label("resolution"))
        out.append("\n".join(self.task(a.text, a.children, "- ") for a in entry.actions) or "-")
        return out

    def task(self, text: str, children: list[Item], marker: str) -> str:
        pad = " " * len(marker)
        body = escape(text) or escape(self.word("empty"))
        lines = [f"{marker}[ ] {indent(body, pad + '    ').lstrip()}"]
        for child in children:
            lines.append(indent(self.task(child.text, child.children, "- "), pad))
        return "\n".join(lines)

    def procedure(self, proc: Procedure) -> list[str]:
        steps = [self.step(proc, step) for step in proc.steps]
        out = ["\n".join(steps) if all("\n\n" not in s for s in steps) else "\n\n".join(steps)]
        if proc.fallback:
            out.append(escape(proc.fallback))
        return out

    def step(self, proc: Procedure, step: Step) -> str:
        marker = f"{step.number}. "
        pad = " " * len(marker)
        text = text_without_commands(step.text, step.commands)
        lines = [f"{marker}[ ] {indent(self.with_jumps(text, step.jumps), pad + '    ').lstrip()}"]
        extra = [self.fence_block(c, pad) for c in step.commands]
        extra.extend(indent(self.task(c.text, c.children, "- "), pad) for c in step.children)
        if step.commands:
            return "\n\n".join([*lines, *extra])
        return "\n".join([*lines, *extra])

    def with_jumps(self, text: str, jumps: list[Jump]) -> str:
        """``text`` escaped, each jump ("見つかった場合は、手順 7. に進みます。") in bold.

        Only spans between spaces (or the ends) are bolded: CommonMark's flanking rules
        would otherwise leave the asterisks as text next to punctuation.
        """
        text = _normalise(text)
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
        out, pos = [], 0
        for start, end in sorted(spans):
            if start >= pos:
                out += [escape(text[pos:start], strip=False), "**", escape(text[start:end]), "**"]
                pos = end
        out.append(escape(text[pos:], strip=False))
        return "".join(out)

    def fence_block(self, command: Command, pad: str) -> str:
        return indent(_fence(command), pad)

    def checklist(self, checklist: Checklist) -> list[str]:
        items = []
        for item in checklist.items:
            text = text_without_commands(item.text, item.commands)
            head = self.task(text, item.children, "- ")
            if item.commands:
                head = "\n\n".join([head, *(self.fence_block(c, "  ") for c in item.commands)])
            items.append(head)
        sep = "\n\n" if any(i.commands for i in checklist.items) else "\n"
        return [sep.join(items)]

    def note(self, note: Note) -> str:
        kind = ALERTS.get(note.kind, "NOTE")
        body = escape(note.text) or escape(self.word(note.kind))
        return f"> [!{kind}]\n" + indent(body, "> ")
