"""Table cells: raw, often malformed cell HTML -> a clean tree of :class:`Item`.

Troubleshooting tables put whole procedures in one cell: ``<ul><li>`` lists whose
``<li>`` are rarely closed, ``<br>`` in every spelling, hand-numbered lines
(``1. … <br> 2. … <br> a. …``) and pseudo-bullets (``- …``, ``・…``). Parsing runs
in two passes so each stays simple:

1. :class:`_CellParser` (an ``HTMLParser``) flattens the cell into a stream of
   events: text :class:`_Line` objects and list-structure :class:`_Mark` objects.
2. :class:`_TreeBuilder` folds that stream into nodes with an explicit stack of
   list levels, and :func:`_finalise` turns the nodes into ``Item`` objects.

Nothing here recurses, so deep or hostile nesting cannot exhaust the stack, and
nothing raises: a cell that cannot be parsed still yields its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from html import escape
from html.parser import HTMLParser
from typing import TypeAlias

from compiler.model import Item

__all__ = ["cell_items", "cell_lines"]

_LIST_TAGS = frozenset({"ul", "ol"})
# Tags that end a line. Only <br> and <p> occur in the docs we know; the other
# block tags are here so that a stray one splits text instead of gluing it.
_BREAK_TAGS = frozenset(
    {"br", "p", "div", "hr", "blockquote", "pre", "table", "tr", "td", "th"}
    | {"dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6"}
)
# Inline tags kept in ``Item.html``; any other tag is dropped there (its text stays).
_INLINE_TAGS = frozenset(
    {"strong", "em", "b", "i", "code", "a", "img", "span", "sup", "sub"}
    | {"s", "del", "ins", "u", "kbd", "mark", "small", "abbr", "var", "samp"}
)
_VOID_TAGS = frozenset({"img", "br", "hr", "wbr"})
# Their content is not cell text (and HTMLParser swallows everything up to the closer).
_SKIP_TAGS = frozenset({"script", "style"})
# Every other name that parses as a tag is a placeholder the author wrote in angle
# brackets (``adprep\<datetime>\adprep.log``, ``<vault name>``): kept as text.
_HTML_ELEMENTS = (
    _LIST_TAGS
    | _BREAK_TAGS
    | _INLINE_TAGS
    | _VOID_TAGS
    | _SKIP_TAGS
    | {"li", "address", "area", "article", "aside", "audio", "base", "bdi", "bdo", "big"}
    | {"body", "button", "canvas", "caption", "center", "cite", "col", "colgroup", "data"}
    | {"datalist", "details", "dfn", "dialog", "embed", "fieldset", "figcaption", "figure"}
    | {"font", "footer", "form", "head", "header", "hgroup", "html", "iframe", "input"}
    | {"label", "legend", "link", "main", "map", "math", "menu", "meta", "meter", "nav"}
    | {"nobr", "noscript", "object", "optgroup", "option", "output", "param", "picture"}
    | {"progress", "q", "rp", "rt", "ruby", "section", "select", "slot", "source", "strike"}
    | {"summary", "svg", "tbody", "template", "textarea", "tfoot", "thead", "time", "title"}
    | {"track", "tt", "video"}
)

# Inline tags open at once beyond this are left out of the HTML (their text stays):
# open tags are reopened on every line, so unbounded nesting would cost n² time.
_MAX_INLINE = 16

# Lists nested deeper than this are flattened into the deepest allowed level, so
# consumers that walk Items recursively stay safe. Real cells nest 2-3 levels.
_MAX_DEPTH = 12

# HTML collapses these; U+3000 (ideographic space) is left alone inside a line
# because Japanese text uses it deliberately, but str.strip() trims it at the ends.
_SPACES = re.compile(r"[ \t\n\r\f\v\xa0]+")
_ATTR_NAME = re.compile(r"[A-Za-z_:][-A-Za-z0-9_:.]*\Z")

# Hand-written list markers at the start of a line, matched on the raw text (so
# ``\s`` also spans the whitespace that collapsing would shrink). Rank says how
# they nest: a lettered line under a numbered one, a bullet under either.
_NUMBERED = re.compile(r"\s*[0-9\uff10-\uff19]{1,2}\s*[.)\uff0e\uff09](?![0-9\uff10-\uff19])\s*")
"""``1.``, ``2)``, ``1 .``, fullwidth ``1.`` but not ``1.5 GB`` or ``10.0.0.1``."""
_LETTERED = re.compile(r"\s*[A-Za-z][.)](?=\s)\s*")
"""``a.``, ``b)`` followed by a space, so ``e.g.`` and ``a.txt`` are not markers."""
_BULLET = re.compile(r"\s*(?:[-*+](?=\s)|[•・●◦▪‣])\s*")
"""``- ``, ``* ``, ``+ `` (space required: ``-1``, ``*.log``) and ``•``, ``・``."""
_BULLET_RANK = 2
_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, _NUMBERED),
    (1, _LETTERED),
    (2, _BULLET),
)


# --------------------------------------------------------------------------- events


@dataclass(slots=True, frozen=True)
class _Seg:
    """A piece of a line: decoded text, or one serialised tag (never both)."""

    text: str = ""
    markup: str = ""


@dataclass(slots=True, frozen=True)
class _Line:
    """One line of a cell, as the pieces it was written with."""

    segments: tuple[_Seg, ...]

    @property
    def text(self) -> str:
        return _collapse("".join(s.text for s in self.segments)).strip()

    @property
    def html(self) -> str:
        return "".join(
            s.markup or escape(_collapse(s.text), quote=False) for s in self.segments
        ).strip()

    @property
    def is_empty(self) -> bool:
        # An image alone is content (a screenshot in a step), though it has no text.
        return not self.text and not any(s.markup.startswith("<img") for s in self.segments)

    def without_prefix(self, length: int) -> _Line:
        """The line minus its first ``length`` text characters (a list marker).

        The marker may sit inside a tag (``<strong>1.</strong> Open``); the tags
        it leaves empty are removed from the HTML.
        """
        kept: list[_Seg] = []
        for seg in self.segments:
            if length and seg.text:
                cut = min(length, len(seg.text))
                length -= cut
                seg = _Seg(text=seg.text[cut:])
            kept.append(seg)
        return _Line(_drop_empty_pairs(kept))


class _Mark(Enum):
    """List structure, in the order the tags appear."""

    LIST_OPEN = "list-open"
    LIST_CLOSE = "list-close"
    ITEM_OPEN = "item-open"
    ITEM_CLOSE = "item-close"


_Event: TypeAlias = _Line | _Mark


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text)


def _drop_empty_pairs(segments: list[_Seg]) -> tuple[_Seg, ...]:
    """Remove ``<x …>`` immediately followed by ``</x>`` (blank text in between)."""
    out: list[_Seg] = []
    for seg in segments:
        out.append(seg)
        # Walk back over blank text to the nearest tag; one pass per closer is
        # enough because removing a pair exposes the next pair for the next closer.
        if not seg.markup.startswith("</"):
            continue
        name = seg.markup[2:-1]
        i = len(out) - 2
        while i >= 0 and not out[i].markup and not out[i].text.strip():
            i -= 1
        if i >= 0 and _tag_name(out[i].markup) == name:
            del out[i:]
    return tuple(out)


def _tag_name(markup: str) -> str:
    if not markup.startswith("<") or markup.startswith("</"):
        return ""
    return re.split(r"[\s>]", markup[1:], maxsplit=1)[0]


def _start_tag(tag: str, attrs: Iterable[tuple[str, str | None]]) -> str:
    parts = [f"<{tag}"]
    for name, value in attrs:
        # Malformed names (``<a "x=y">``) would make the output unparseable.
        if not _ATTR_NAME.match(name):
            continue
        parts.append(f" {name}" if value is None else f' {name}="{escape(value, quote=True)}"')
    return "".join(parts) + ">"


# --------------------------------------------------------------------------- pass 1


class _CellParser(HTMLParser):
    """Flattens cell HTML into :data:`_Event` objects (see :attr:`events`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[_Event] = []
        self._segments: list[_Seg] = []
        self._inline: list[tuple[str, str]] = []
        """Inline tags open on the current line: (name, start-tag markup)."""
        self._dropped: dict[str, int] = {}
        """Inline tags open but left out of the HTML (beyond ``_MAX_INLINE``), by name."""
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_ELEMENTS:
            self.handle_data(self.get_starttag_text() or f"<{tag}>")
        elif tag in _LIST_TAGS:
            self._structure(_Mark.LIST_OPEN)
        elif tag == "li":
            self._structure(_Mark.ITEM_OPEN)
        elif tag in _BREAK_TAGS:
            self._break()
        elif tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _INLINE_TAGS:
            self._open_inline(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # ``<br/>`` is one break, not a <br> plus a </br>; ``<b/>`` must not stay open.
        self.handle_starttag(tag, attrs)  # (unknown ``<x/>`` becomes text there)
        if tag in _INLINE_TAGS and tag not in _VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _HTML_ELEMENTS:
            self.handle_data(f"</{tag}>")  # HTMLParser keeps no raw text for end tags
        elif tag in _LIST_TAGS:
            self._structure(_Mark.LIST_CLOSE)
        elif tag == "li":
            self._structure(_Mark.ITEM_CLOSE)
        elif tag in _BREAK_TAGS:
            # </br> and </p> break too. <br></br> yields an empty line in between,
            # and empty lines are dropped, so it counts as one break.
            self._break()
        elif tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _INLINE_TAGS:
            self._close_inline(tag)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._segments.append(_Seg(text=data))

    def close(self) -> None:
        super().close()
        self._end_line(carry=False)

    def _open_inline(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID_TAGS and len(self._inline) >= _MAX_INLINE:
            self._dropped[tag] = self._dropped.get(tag, 0) + 1
            return
        markup = _start_tag(tag, attrs)
        self._segments.append(_Seg(markup=markup))
        if tag not in _VOID_TAGS:
            self._inline.append((tag, markup))

    def _close_inline(self, tag: str) -> None:
        """Close ``tag`` and anything opened inside it; a stray closer is dropped."""
        if self._dropped.get(tag):
            self._dropped[tag] -= 1  # the innermost open tags are the dropped ones
            return
        names = [name for name, _ in self._inline]
        if tag not in names:
            return
        at = len(names) - 1 - names[::-1].index(tag)
        for name in reversed(names[at:]):
            self._segments.append(_Seg(markup=f"</{name}>"))
        del self._inline[at:]

    def _break(self) -> None:
        # Formatting survives a <br> (``<em>a<br>b</em>`` is emphasised twice).
        self._end_line(carry=True)

    def _structure(self, mark: _Mark) -> None:
        # …but not a list boundary: an unclosed <em> must not leak into the next <li>.
        self._end_line(carry=False)
        self.events.append(mark)

    def _end_line(self, *, carry: bool) -> None:
        """Emit the current line with its open inline tags closed, so each
        line's HTML is balanced; reopen them on the next line when ``carry``."""
        closers = [_Seg(markup=f"</{name}>") for name, _ in reversed(self._inline)]
        line = _Line(tuple(self._segments + closers))
        if not line.is_empty:
            self.events.append(line)
        if carry:
            self._segments = [_Seg(markup=markup) for _, markup in self._inline]
        else:
            self._segments = []
            self._inline.clear()
            self._dropped.clear()


def _events(html: str) -> list[_Event]:
    """Parse ``html``; never raises.

    ``HTMLParser`` can still raise on some declarations (``<![foo[`` trips an
    assertion). Retry with declarations escaped, then with every ``<`` escaped:
    the text survives even when the markup cannot.
    """
    for source in (html, html.replace("<!", "&lt;!"), html.replace("<", "&lt;")):
        parser = _CellParser()
        try:
            parser.feed(source)
            parser.close()
        except Exception:  # any parser failure means: try the simpler input
            continue
        return parser.events
    return []


# --------------------------------------------------------------------------- pass 2


@dataclass(slots=True, eq=False)
class _Node:
    """An item under construction: its lines (first = own text) and children."""

    depth: int
    lines: list[_Line] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    """Filled by :func:`_finalise`: this node as Items (several if hoisted)."""
    ordered: bool = False
    """Written with a number or letter ("1. …", "a) …"): a step of a procedure."""


@dataclass(slots=True, eq=False)
class _Level:
    """One open list level (level 0 is the cell itself)."""

    container: list[_Node]
    depth: int
    li: _Node | None = None
    markers: list[tuple[int, _Node]] = field(default_factory=list)
    """Items made from hand-written markers, outermost first, with their rank."""

    def current(self) -> _Node | None:
        """The item new content belongs to: the innermost marker item, else the <li>."""
        return self.markers[-1][1] if self.markers else self.li


class _TreeBuilder:
    def __init__(self) -> None:
        self.root: list[_Node] = []
        self._levels = [_Level(self.root, 0)]

    def feed(self, event: _Event) -> None:
        if isinstance(event, _Line):
            self._line(event)
        elif event is _Mark.LIST_OPEN:
            self._open_list()
        elif event is _Mark.LIST_CLOSE:
            # Extra closers (``</ul></ul>``) must not pop the cell itself.
            if len(self._levels) > 1:
                self._levels.pop()
        elif event is _Mark.ITEM_OPEN:
            self._open_item()
        else:
            self._close_item()

    def _open_list(self) -> None:
        level = self._levels[-1]
        parent = level.current()
        if parent is not None and parent.depth < _MAX_DEPTH:
            self._levels.append(_Level(parent.children, parent.depth + 1))
        else:
            # No item to hang it on (``Error<br><ol><li>…``, ``<ol><ol>``): the
            # list's items are siblings of the text around it.
            self._levels.append(_Level(level.container, level.depth))

    def _open_item(self) -> None:
        level = self._levels[-1]  # <li> outside any list lands at level 0
        node = _Node(level.depth)
        level.container.append(node)
        level.li = node  # implicitly closes the previous, usually unclosed, <li>
        level.markers.clear()

    def _close_item(self) -> None:
        level = self._levels[-1]
        level.li = None
        level.markers.clear()

    def _line(self, line: _Line) -> None:
        level = self._levels[-1]
        if level.li is not None and not level.li.lines:
            level.li.lines.append(line)  # an <li>'s first line is its own text, as written
            return
        marker = _marker(line)
        if marker is not None:
            self._marker_item(level, *marker, line)
            return
        current = level.current()  # the innermost marker item, else the <li>
        if current is not None and (level.li is not None or not current.lines):
            # Continuation text (inside an <li>), or the text of a bare "1.".
            current.lines.append(line)
        else:
            # Text outside any <li> is one item a line, even after "1. …" lines:
            # authors often number only the first of several steps.
            level.container.append(_Node(level.depth, [line]))
            level.markers.clear()

    def _marker_item(self, level: _Level, rank: int, length: int, line: _Line) -> None:
        """A ``1.``/``a.``/``-`` line: a child of the nearest item of lower rank."""
        while level.markers and level.markers[-1][0] >= rank:
            level.markers.pop()
        parent = level.current()
        if parent is None:
            node = _Node(level.depth)
            level.container.append(node)
        else:
            node = _Node(parent.depth + 1)
            parent.children.append(node)
        node.ordered = rank < _BULLET_RANK
        rest = line.without_prefix(length)
        if not rest.is_empty:  # a bare "1." takes its text from the next line
            node.lines.append(rest)
        level.markers.append((rank, node))


def _marker(line: _Line) -> tuple[int, int] | None:
    """(rank, length of the marker in the raw text) for a marker line, else None."""
    raw = "".join(s.text for s in line.segments)
    for rank, pattern in _MARKERS:
        found = pattern.match(raw)
        if found:
            return rank, found.end()
    return None


def _finalise(root: list[_Node], line: int) -> list[Item]:
    """Nodes -> Items, children first (explicit stack, no recursion).

    A node without lines is dropped; its children, if any, take its place.
    """
    stack: list[tuple[_Node, bool]] = [(node, False) for node in reversed(root)]
    while stack:
        node, children_done = stack.pop()
        if not children_done:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children))
            continue
        children = [item for child in node.children for item in child.items]
        if node.lines:
            text = "\n".join(ln.text for ln in node.lines if ln.text)  # skip image-only lines
            html = "<br>".join(ln.html for ln in node.lines)
            item = Item(text=text, line=line, children=children, html=html, ordered=node.ordered)
            node.items = [item]
        else:
            node.items = children
    return [item for node in root for item in node.items]


# --------------------------------------------------------------------------- API


@dataclass(slots=True)
class Row:
    """One table row, Markdown or raw HTML: its line and each cell's (raw) HTML."""

    line: int
    cells: list[str]


def cell_items(html: str, line: int) -> list[Item]:
    """Items of one table cell. ``html`` is the cell's inline content already rendered by
    markdown-it-py with html=True (so Markdown **bold** arrives as <strong>, `code` as
    <code>, links as <a href>, and the document's raw HTML tags such as <ul><li><br> pass
    through untouched). Every Item gets ``line``."""
    builder = _TreeBuilder()
    for event in _events(html):
        builder.feed(event)
    return _finalise(builder.root, line)


def cell_lines(html: str) -> list[str]:
    """The cell as plain-text lines: split on <br> variants, <p>, <li>, list
    boundaries; stripped; empty lines dropped."""
    if "<" not in html and "&" not in html:
        # Most cells are plain text (a code, a word or two): one line, spaces collapsed,
        # as the parser would give it, without parsing.
        text = " ".join(html.split())
        return [text] if text else []
    return [event.text for event in _events(html) if isinstance(event, _Line) and event.text]
