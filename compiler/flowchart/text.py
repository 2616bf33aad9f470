"""Label text for DOT: display width, wrapping, capping and escaping.

Everything that reaches a DOT file from a document goes through :func:`dot_string`
(one quoted string, any text) or :func:`dot_label` (wrapped lines). Labels are
always plain double-quoted strings, never HTML-like ``<...>`` labels, and no
record shapes are used, so ``<``, ``>``, ``{``, ``|`` and ``}`` are just text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from urllib.parse import quote

ELLIPSIS = "…"

# Characters that must not start a line (Japanese kinsoku shori, plus ASCII closers).
_NO_LINE_START = frozenset(
    "、。，\uff0e,.:;!?)]}）」』】\u3015〉》・ーっゃゅょァィゥェォッャュョ？！：；…‥"
)
# Characters that must not end a line: they go with what follows.
_NO_LINE_END = frozenset("([{（「『【\u3014〈《")
# Control characters (XML 1.0 forbids most), surrogates and non-characters.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def char_width(ch: str) -> int:
    """Columns one character takes: 2 for wide and full-width, 0 for combining marks."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(map(char_width, text))


def clean(text: str) -> str:
    """One line of printable text: whitespace runs (newlines too) become one space,
    characters XML cannot carry are dropped."""
    # Most labels are clean already. A printable string holds no control, surrogate,
    # non-character or whitespace but the plain space (str.isprintable), so then only
    # doubled and outer spaces can differ.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    text = _UNSAFE.sub("", text.replace("\r", " ").replace("\n", " "))
    return _SPACE.sub(" ", text).strip()


def truncate(text: str, columns: int) -> str:
    """``text`` cut to at most ``columns`` display columns, with ``…`` when cut."""
    if display_width(text) <= columns:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        w = char_width(ch)
        if used + w > columns - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


def _tokens(text: str) -> Iterator[str]:
    """Words of Latin text (with their trailing space) and single wide characters;
    an opening bracket is kept with what follows it."""
    held = ""
    for token in _raw_tokens(text):
        if all(ch in _NO_LINE_END for ch in token):
            held += token
            continue
        yield held + token
        held = ""
    if held:
        yield held


def _raw_tokens(text: str) -> Iterator[str]:
    word: list[str] = []
    for ch in text:
        if ch == " ":
            word.append(ch)
            yield "".join(word)
            word = []
        elif char_width(ch) == 2:
            if word:
                yield "".join(word)
                word = []
            yield ch
        else:
            word.append(ch)
    if word:
        yield "".join(word)


def wrap(text: str, width: int = 28) -> list[str]:
    """Lines of at most ``width`` display columns (CJK characters count 2).

    CJK text breaks between any two characters, Latin text at spaces; a word longer
    than a line is cut. A closing mark (、。」 ,.) never starts a line: it stays on the
    line before, one or two columns over.
    """
    return list(_wrap(text, width))


@lru_cache(maxsize=4096)
def _wrap(text: str, width: int) -> tuple[str, ...]:
    """:func:`wrap`, memoised: a step is wrapped to estimate its page and to draw it."""
    text = clean(text)
    if not text:
        return ()
    lines: list[str] = []
    line = ""
    used = 0
    for token in _tokens(text):
        tw = display_width(token.rstrip(" "))
        closer = tw <= 2 and token[0] in _NO_LINE_START
        if line.strip() and (used + tw <= width or closer):
            line += token
            used += display_width(token)
            continue
        if line.strip():
            lines.append(line.rstrip(" "))
        while display_width(token.rstrip(" ")) > width:  # one word longer than a line
            head = truncate_plain(token, width)
            lines.append(head.rstrip(" "))
            token = token[len(head) :]
        line, used = token, display_width(token)
    if line.strip():
        lines.append(line.rstrip(" "))
    return tuple(lines)


def truncate_plain(text: str, columns: int) -> str:
    """The longest prefix of ``text`` that fits ``columns`` (at least one character)."""
    used = 0
    for i, ch in enumerate(text):
        used += char_width(ch)
        if used > columns:
            return text[: max(i, 1)]
    return text


def wrap_capped(text: str, width: int, max_lines: int) -> list[str]:
    """:func:`wrap`, keeping ``max_lines`` lines; the last one ends in ``…`` when cut."""
    lines = wrap(text, width)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    kept[-1] = truncate_plain(kept[-1], width - 1).rstrip() + ELLIPSIS
    return kept


def escape(text: str) -> str:
    """The body of a DOT double-quoted string that Graphviz renders as ``text``.

    ``\\`` and ``"`` are escaped (so ``C:\\Program Files`` keeps its backslash and
    ``\\N``, ``\\G``, ``\\l`` are not Graphviz escapes); ``&`` becomes ``&amp;``
    because Graphviz decodes entities (so ``&lt;`` stays those four characters).
    Newlines and other control characters never survive: use :func:`dot_label` for
    several lines.
    """
    text = clean(text)
    return text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')


def tooltip_string(text: str) -> Quoted:
    """``text`` as a quoted DOT string for a ``tooltip``.

    Graphviz (2.43) reads a tooltip through two rounds of escape processing (``\\L`` in
    a label is a backslash and an L; in a tooltip it is the node's label), so each
    backslash is written four times.
    """
    body = escape(text).replace("\\\\", "\\\\\\\\")
    return Quoted(f'"{body}"')


def dot_string(text: str) -> str:
    """``text`` as a complete, quoted DOT string (an ID or an attribute value)."""
    return f'"{escape(text)}"'


URL_SAFE = "-._~:/?#[]@!$'()*+,;=%"
"""Characters a link keeps as they are: RFC 3986 ones that are also safe, unescaped,
in an XML attribute (``&`` is not: Graphviz 2.43 writes URLs into the SVG raw)."""


def safe_url(url: str) -> str:
    """``url`` with everything else percent-encoded (spaces, quotes, ``<``, ``&``, ``\\``,
    non-ASCII), so that no Graphviz version can turn it into broken XML."""
    return quote(clean(url), safe=URL_SAFE)


class Quoted(str):
    """A DOT string that is already quoted and escaped (made by :func:`dot_label`)."""

    __slots__ = ()


def dot_label(lines: Iterable[str], justify: str = "n") -> Quoted:
    """Quoted DOT label of ``lines``: ``justify`` ``l`` (left), ``n`` (centred) or ``r``."""
    if justify not in ("l", "n", "r"):
        raise ValueError(f"justify must be 'l', 'n' or 'r', not {justify!r}")
    parts = [escape(line) for line in lines]
    if justify == "n":
        return Quoted('"' + "\\n".join(parts) + '"')
    return Quoted('"' + "".join(f"{p}\\{justify}" for p in parts) + '"')
