"""A small Markdown block tree, printed as mdformat prints it.

The md generator (:mod:`compiler.generators.markdown`) used to write every text fully
escaped and run mdformat (extensions frontmatter, gfm, gfm_alerts; ``number=True``,
``wrap="keep"``) over each document, which was nearly all of its time. Now it builds
this tree and :func:`print_canonical` prints mdformat's output directly: the tree holds
only what the generator writes, each node printed as mdformat prints the node that
markdown-it parses from the escaped form, and plain text escaped exactly as mdformat
renders a text node. Its escape helpers come from mdformat's private
``renderer._util``; the tests compare our output with mdformat's own for every corpus
document and for random texts, so an mdformat upgrade that prints differently shows.

Where that cannot be matched (a line break in a heading, a backtick in a code span, a
carriage return …), :func:`print_canonical` returns None and the caller formats
:func:`print_escaped` with :func:`format_markdown`, as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import mdformat
from markdown_it.rules_block.html_block import HTML_SEQUENCES
from mdformat.codepoints import UNICODE_PUNCTUATION, UNICODE_WHITESPACE
from mdformat.renderer._util import (
    decimalify_leading,
    decimalify_trailing,
    escape_asterisk_emphasis,
    escape_less_than_sign,
    escape_square_brackets,
    re_char_reference,
)

EXTENSIONS = frozenset({"frontmatter", "gfm", "gfm_alerts"})
OPTIONS = {"number": True, "wrap": "keep"}

_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def format_markdown(text: str) -> str:
    return mdformat.text(text, extensions=EXTENSIONS, options=OPTIONS)


def print_canonical(blocks: list[Block]) -> str | None:
    """``blocks`` as mdformat would format them, or None where only mdformat can."""
    try:
        text = _Printer(canonical=True).document(blocks)
    except _NotCanonical:
        return None
    # markdown-it rewrites these before parsing (CR as a line end, NUL as U+FFFD)
    return None if "\r" in text or "\x00" in text else text


def print_escaped(blocks: list[Block]) -> str:
    """``blocks`` with every text fully escaped: for :func:`format_markdown`."""
    return _Printer(canonical=False).document(blocks)


def escape(text: str, *, strip: bool = True) -> str:
    """Plain text as Markdown that reads back as the same text.

    Every ASCII punctuation character is backslash-escaped (mdformat drops the escapes
    that are not needed); a line break becomes a hard break. ``strip=False`` keeps the
    spaces at the ends (a piece of a line). The canonical printer escapes less (see
    :func:`_text_node`); this is the input of the mdformat fallback.
    """
    if strip:
        text = normalise(text)
    return "\\\n".join(_PUNCTUATION.sub(r"\\\1", line) for line in text.split("\n"))


def normalise(text: str) -> str:
    """Lines stripped, empty ones dropped (what the parser makes of any text)."""
    if "\n" not in text:
        return text.strip()
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


# -- the block tree ----------------------------------------------------------------
# Only what the writer emits; each node is printed as mdformat prints the node that
# markdown-it would parse from it.


@dataclass(slots=True, frozen=True)
class Text:
    text: str


@dataclass(slots=True, frozen=True)
class Break:
    """A hard break (a line break inside a text)."""


@dataclass(slots=True, frozen=True)
class Code:
    code: str


@dataclass(slots=True, frozen=True)
class Emph:
    marker: str
    """``*`` (emphasis) or ``**`` (strong)."""
    children: tuple[Inline, ...]


Inline = Text | Break | Code | Emph
BREAK = Break()


@dataclass(slots=True)
class Para:
    inlines: list[Inline]


@dataclass(slots=True)
class Heading:
    level: int
    inlines: list[Inline]


@dataclass(slots=True)
class Fence:
    info: str
    code: str
    """The lines of code, each ending with a line break."""


@dataclass(slots=True)
class ListItem:
    blocks: list[Block]
    task: bool = False
    """A ``[ ]`` task item: its first block is a paragraph with some text."""


@dataclass(slots=True)
class ListBlock:
    items: list[ListItem]
    tight: bool
    numbers: list[int] | None = None
    """The item numbers of an ordered list (mdformat renumbers from the first one);
    None for a bullet list."""


@dataclass(slots=True)
class Alert:
    kind: str
    blocks: list[Block]


@dataclass(slots=True)
class FrontMatter:
    fields: dict[str, str]


Block = Para | Heading | Fence | ListBlock | Alert | FrontMatter


def plain(text: str, *, strip: bool = True) -> list[Inline]:
    """Plain text: its lines, joined by hard breaks (``strip`` as in :func:`escape`)."""
    if strip:
        text = normalise(text)
    out: list[Inline] = []
    for n, line in enumerate(text.split("\n")):
        if n:
            out.append(BREAK)
        if line:
            out.append(Text(line))
    return out


def task_item(inlines: list[Inline], rest: list[Block]) -> ListItem:
    """``[ ] text`` and the blocks under it.

    Without text, ``- [ ] `` is not a task item: markdown-it keeps ``[ ]`` as text.
    """
    if inlines:
        return ListItem([Para(inlines), *rest], task=True)
    return ListItem([Para([Text("[ ]")]), *rest])


# -- printing ------------------------------------------------------------------------


class _NotCanonical(Exception):
    """This text cannot be printed as mdformat would print it: use mdformat."""


_SPACES = re.compile(" {2,}")
_TEXT_RISK = re.compile(r"[\t\n\\*_\[\]<`&~]| {2}")
"""What any of the escapes of a text node looks at."""
_ATX_START = re.compile(r"#{1,6}( |\t|$)")
_BULLET_START = re.compile(r"[-*+]( |\t|$)")
_PAREN_START = re.compile(r"[0-9]+\)( |\t|$)")
_DOT_START = re.compile(r"[0-9]+\.( |\t|$)")
_HTML_STARTS = [opening for opening, _, interrupts in HTML_SEQUENCES if interrupts]
_TICK_BOX = re.compile(r"^\[([ xX])]")
_LINE_RISK = frozenset("#>-*+0123456789_=<[|: \t")
"""The first characters of a paragraph line that any of the escapes below look at."""
_TASK_LEAD = re.compile(r"^(&#32;)+")
_NO_REFS: frozenset[str] = frozenset()
_UNDERSCORE = re.compile("_")
_NOT_INTRAWORD = UNICODE_WHITESPACE | UNICODE_PUNCTUATION
_MAX_NUMBER = 999_999_999
"""The largest number markdown-it reads as an ordered list marker (nine digits)."""


def _text_node(text: str) -> str:
    """A text node as mdformat prints it: its ``text`` renderer, then mdformat-gfm's.

    The steps and their order are mdformat's (``renderer/_context.py``, ``text``);
    link references, links and word wrap do not occur in our output.
    """
    if not _TEXT_RISK.search(text):
        return text  # most text: nothing below would change it
    text = _SPACES.sub(" ", text.replace("\t", " "))
    text = text.replace("\\", "\\\\")  # first: the escapes below add backslashes
    text = escape_asterisk_emphasis(text)
    text = _escape_underscores(text)
    text = escape_square_brackets(text, _NO_REFS)
    text = escape_less_than_sign(text)
    text = text.replace("`", "\\`")
    if "&" in text:
        text = re_char_reference().sub(r"\\\g<0>", text)
    return text.replace("~~", "\\~~")  # mdformat-gfm: not a strikethrough


def _escape_underscores(text: str) -> str:
    """mdformat's ``escape_underscore_emphasis``, without building its character set
    on every call (a third of the time of the whole format otherwise).

    An underscore is kept when both neighbours are white space, or when neither is
    white space, punctuation or the end of the text.
    """
    if "_" not in text:
        return text

    def escaped(match: re.Match[str]) -> str:
        i = match.start()
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if before in UNICODE_WHITESPACE and after in UNICODE_WHITESPACE:
            return "_"
        if before and after and before not in _NOT_INTRAWORD and after not in _NOT_INTRAWORD:
            return "_"
        return "\\_"

    return _UNDERSCORE.sub(escaped, text)


def _paragraph_lines(text: str) -> str:
    """mdformat's ``paragraph`` renderer (no wrap), then mdformat-gfm's paragraph escapes.

    Each line is kept from starting a block: a heading, quote, list item, thematic
    break, setext underline, HTML block, task box or table delimiter row.
    """
    text = decimalify_leading(UNICODE_WHITESPACE, text)
    text = decimalify_trailing(UNICODE_WHITESPACE, text)
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(
        line if line and line[0] not in _LINE_RISK else _paragraph_line(line) for line in lines
    )


def _paragraph_line(line: str) -> str:
    """One stripped line of a paragraph: the steps and their order are mdformat's."""
    if _ATX_START.match(line):
        line = f"\\{line}"
    if line.startswith(">"):
        line = f"\\{line}"
    if _BULLET_START.match(line):
        line = f"\\{line}"
    if _PAREN_START.match(line):
        line = line.replace(")", "\\)", 1)
    if _DOT_START.match(line):
        line = line.replace(".", "\\.", 1)
    bare = line.replace(" ", "").replace("\t", "")
    if len(bare) >= 3:
        for c in "*-_":
            if all(ch == c for ch in bare):
                line = line.replace(c, "\\" + c, 1)
                break
    stripped = line.strip(" \t")
    if all(c == "-" for c in stripped):
        line = line.replace("-", "\\-", 1)
    elif all(c == "=" for c in stripped):
        line = line.replace("=", "\\=", 1)
    if any(opening.search(line) for opening in _HTML_STARTS):
        line = f"    {line}"
    line = _TICK_BOX.sub(r"\[\g<1>\]", line)  # mdformat-gfm: not a task box
    if all(c in "|-: " for c in line):  # mdformat-gfm: not a table's delimiter row
        line = line.replace("-", "\\-", 1)
    return line


def _edge(inlines: Sequence[Inline], last: bool) -> str:
    """The source character at the start (or end) of ``inlines``; "" if none."""
    if not inlines:
        return ""
    node = inlines[-1] if last else inlines[0]
    if isinstance(node, Text):
        return node.text[-1] if last else node.text[0]
    if isinstance(node, Code):
        return "`"
    if isinstance(node, Emph):
        return node.marker[0]
    return "\n"


class _Printer:
    """Prints the block tree: as mdformat's output (``canonical``), or as the fully
    escaped Markdown that mdformat is given when a document cannot be printed so."""

    def __init__(self, *, canonical: bool) -> None:
        self.canonical = canonical

    def document(self, blocks: list[Block]) -> str:
        text = self.blocks(blocks, "\n\n")
        return text + "\n" if text else ""

    def blocks(self, blocks: Sequence[Block], separator: str, *, task: bool = False) -> str:
        """``blocks`` side by side; ``task``: they are a task item's."""
        out = []
        kind, run = "", 0
        for n, block in enumerate(blocks):
            if isinstance(block, ListBlock):
                # mdformat alternates the marker of consecutive lists ("-" then "*")
                new = "ul" if block.numbers is None else "ol"
                run = run + 1 if new == kind else 1
                kind = new
                text = self.list_block(block, second=run % 2 == 0)
            else:
                kind = ""
                if task and n == 0 and isinstance(block, Para):
                    text = self.task_paragraph(block.inlines)
                else:
                    text = self.block(block)
            if text:
                out.append(text)
        return separator.join(out)

    def block(self, block: Block) -> str:
        if isinstance(block, Para):
            return self.paragraph(block.inlines)
        if isinstance(block, Heading):
            return self.heading(block)
        if isinstance(block, Fence):
            return self.fence(block)
        if isinstance(block, Alert):
            return self.alert(block)
        if isinstance(block, FrontMatter):
            return self.front_matter(block.fields)
        return self.list_block(block, second=False)

    # -- inline --------------------------------------------------------------------

    def text(self, text: str) -> str:
        return _text_node(text) if self.canonical else escape(text, strip=False)

    def inline(self, inlines: Sequence[Inline]) -> str:
        out: list[str] = []
        pending: list[str] = []  # adjacent texts are one text node
        for node in inlines:
            if isinstance(node, Text):
                pending.append(node.text)
                continue
            if pending:
                out.append(self.text("".join(pending)))
                pending = []
            if isinstance(node, Break):
                out.append("\\\n")
            elif isinstance(node, Code):
                out.append(self.code(node.code))
            else:
                out.append(self.emphasis(node))
        if pending:
            out.append(self.text("".join(pending)))
        return "".join(out)

    def code(self, code: str) -> str:
        # markdown-it would trim a space at both ends, and a backtick or a line
        # break would change the span
        if self.canonical and (not code or code.strip(" ") != code or "`" in code or "\n" in code):
            raise _NotCanonical("code span")
        return f"`{code}`"

    def emphasis(self, node: Emph) -> str:
        # The delimiters are emphasis only when the text next to them is not white
        # space; on their outer side the writer puts only a space, a line end or a
        # line start, so that is all that needs checking.
        if self.canonical:
            for last in (False, True):
                c = _edge(node.children, last)
                if not c or c in UNICODE_WHITESPACE:
                    raise _NotCanonical("emphasis")
        return node.marker + self.inline(node.children) + node.marker

    # -- blocks --------------------------------------------------------------------

    def paragraph(self, inlines: Sequence[Inline]) -> str:
        if not inlines:
            return ""
        text = self.inline(inlines)
        return _paragraph_lines(text) if self.canonical else text

    def heading(self, heading: Heading) -> str:
        if self.canonical and (not heading.inlines or BREAK in heading.inlines):
            raise _NotCanonical("heading")
        text = self.inline(heading.inlines)
        if self.canonical and text.endswith("#"):
            text = text[:-1] + "\\#"  # else a closing sequence
        return f"{'#' * heading.level} {text}"

    def fence(self, fence: Fence) -> str:
        info, code = fence.info, fence.code
        if self.canonical:
            if "`" in info or "\n" in info:  # then it is no fence
                raise _NotCanonical("info string")
            info = info.strip()  # markdown-it keeps the info string as written
        longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
        ticks = "`" * max(3, longest + 1)
        return f"{ticks}{info}\n{code}{ticks}"

    def list_block(self, lst: ListBlock, *, second: bool) -> str:
        items = [self.item(item, lst.tight) for item in lst.items]
        if lst.numbers is None:
            markers = ["*" if second else "-"] * len(items)
        elif self.canonical:
            # number=True: consecutive numbers from the first, zero-padded to one width
            start, last = lst.numbers[0], lst.numbers[0] + len(items) - 1
            if not 0 <= start <= last <= _MAX_NUMBER:
                raise _NotCanonical("list number")
            mark, digits = ")" if second else ".", len(str(last))
            markers = [f"{str(n).rjust(digits, '0')}{mark}" for n in range(start, last + 1)]
        else:
            markers = [f"{n}." for n in lst.numbers]
        out = []
        for marker, text in zip(markers, items, strict=True):
            first, *rest = text.split("\n")
            pad = " " * (len(marker) + 1)
            lines = [f"{marker} {first}" if first else marker]
            lines.extend(pad + line if line else "" for line in rest)
            out.append("\n".join(lines))
        return ("\n" if lst.tight else "\n\n").join(out)

    def item(self, item: ListItem, tight: bool) -> str:
        text = self.blocks(item.blocks, "\n" if tight else "\n\n", task=item.task)
        if not text.strip():
            return ""
        if item.task:
            if self.canonical:
                text = _TASK_LEAD.sub("", text).lstrip()
            return f"[ ] {text}"
        return text

    def task_paragraph(self, inlines: list[Inline]) -> str:
        """The first paragraph of a task item, without its ``[ ]``.

        markdown-it's task-list rule leaves the space after ``[ ]`` in the first text
        node; mdformat prints it as ``&#32;`` and then strips it, but it has already
        kept the line from being escaped and counts as a neighbour of ``*`` and ``_``.
        """
        if not self.canonical:
            return self.inline(inlines)
        return self.paragraph([Text(" "), *inlines])

    def alert(self, alert: Alert) -> str:
        head = f"> [!{alert.kind}]"
        body = self.blocks(alert.blocks, "\n\n")
        if not body.strip():
            return head
        # mdformat's blockquote splits with splitlines() (also at U+2028 …)
        lines = body.splitlines() if self.canonical else body.split("\n")
        return head + "\n" + "\n".join(f"> {line}" if line else ">" for line in lines)

    def front_matter(self, fields: dict[str, str]) -> str:
        lines = [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()]
        block = "---\n" + "\n".join(lines) + "\n---"
        if not self.canonical or all(_yaml_printable(v) for v in fields.values()):
            return block
        # mdformat-frontmatter dumps the YAML again with ruamel, which writes some
        # characters in double quotes its own way: let it format just this block
        return format_markdown(block + "\n").rstrip("\n")


def _yaml_printable(text: str) -> bool:
    """Would ruamel.yaml write ``text`` in double quotes as JSON does?

    Yes when every character is printable for its emitter (``write_double_quoted``)
    and needs no escape other than the ``\\"`` and ``\\\\`` that JSON writes too.
    """
    return all(
        " " <= c <= "~"
        or ("\xa0" <= c <= "\ud7ff" and c not in "\u2028\u2029")
        or ("\ue000" <= c <= "\ufffd" and c != "\ufeff")
        or c >= "\U00010000"
        for c in text
    )
