"""Inline content: plain text, raw HTML, links, images and code spans of an inline token.

markdown-it gives a line only to block tokens; a child's line is the block's first
line plus the line breaks before it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from compiler.model import Image, Link
from compiler.parse.markdown import render_inline

_BR = re.compile(r"^<\s*/?\s*br\s*/?\s*>$", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# "<a name=x>", "<a id=x>", also after other attributes ('<a href="" id="description">').
_ANCHOR_TAG = re.compile(
    r"<a\s+(?:[^>]*?\s)?(?:name|id)\s*=\s*[\"']?([^\"'\s>]+)[\"']?[^>]*>", re.IGNORECASE
)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_A_HREF = re.compile(r"<a\b[^>]*\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.IGNORECASE)
_ATTR = r"\b{name}\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))"
# Hugo shortcodes: keep the words a reader sees, drop the machinery.
_SHORTCODE_TEXT = re.compile(r"\{\{[<%]\s*[\w-]+[^}]*?\btext\s*=\s*\"([^\"]*)\"[^}]*?[>%]\}\}")
_SHORTCODE_HEADING = re.compile(r"\{\{[<%]\s*heading\s+\"([^\"]*)\"\s*[>%]\}\}")
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}")
# DocFX markers are recognised, not shown: ":::image …:::", "::: zone pivot=…", "::: zone-end",
# "[!INCLUDE [name](path)]" (after rendering, its link text stays: "[!INCLUDE name]").
_DOCFX_MARKER = re.compile(
    r":::\s*image\b.*?:::|^\s*:::.*$|\[!(?:INCLUDE|div)\b[^\]]*\]", re.IGNORECASE | re.MULTILINE
)
_DOCFX_IMAGE = re.compile(r":::\s*image\b(.*?):::", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0]+")
_CJK = r"\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_CACHE_KEY = "runbooks.inline"
_SOFTBREAK = "\x00"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])\x00(?=[{_CJK}])")


@dataclass(slots=True)
class InlineParts:
    """Everything a rule needs from one inline token."""

    text: str
    children: list[Token]
    """The inline's children, not the token: the token keeps this on itself, and a cycle
    between them would leave every document's tokens to the cyclic garbage collector."""
    links: list[Link] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    code_spans: list[tuple[str, int]] = field(default_factory=list)
    """(code, line) of every code span."""
    anchors: list[str] = field(default_factory=list)
    """``<a name="…">`` ids found in the inline HTML."""
    _html: str | None = None

    @property
    def html(self) -> str:
        """The inline rendered to raw HTML, on first use (most paragraphs never need it)."""
        if self._html is None:
            self._html = render_inline(self.children)
        return self._html


def attr(tag: str, name: str) -> str | None:
    m = re.search(_ATTR.format(name=re.escape(name)), tag, re.IGNORECASE)
    if not m:
        return None
    return html.unescape(next(g for g in m.groups() if g is not None))


def clean_text(text: str) -> str:
    """Shortcodes replaced by their words, spaces collapsed per line, blank lines dropped."""
    if ":::" in text or "[!" in text:
        text = _DOCFX_MARKER.sub("", text)
    if "{{" in text:
        text = _SHORTCODE_HEADING.sub(r"\1", text)
        text = _SHORTCODE_TEXT.sub(r"\1", text)
        text = _SHORTCODE.sub("", text)
    if "\n" not in text:  # most texts are one line
        return _SPACES.sub(" ", text).strip()
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def inline_parts(token: Token, line: int) -> InlineParts:
    """Split an ``inline`` token into text, HTML and the things inside it.

    Several rules read the same paragraph; the result is kept on the token (its
    ``meta``), so each inline is rendered once. Callers must not mutate it.
    """
    cached = token.meta.get(_CACHE_KEY) if token.meta else None
    if cached is not None and cached[0] == line:
        return cached[1]  # type: ignore[no-any-return]
    parts = _inline_parts(token, line)
    if token.meta is None:
        token.meta = {}
    token.meta[_CACHE_KEY] = (line, parts)
    return parts


def _inline_parts(token: Token, line: int) -> InlineParts:
    children = token.children or []
    parts = InlineParts(text="", children=children)
    text: list[str] = []
    current = line
    for child in children:
        kind = child.type
        if kind == "text":
            text.append(child.content)
        elif kind == "code_inline":
            text.append(child.content)
            parts.code_spans.append((child.content, current))
        elif kind == "softbreak":
            # A wrapped line: a space in English, nothing between two CJK characters.
            text.append(_SOFTBREAK)
            current += 1
        elif kind == "hardbreak":
            text.append("\n")
            current += 1
        elif kind == "html_inline":
            _html_inline(child.content, current, text, parts)
        elif kind == "link_open":
            href = str(child.attrGet("href") or "")
            parts.links.append(Link(href=href, line=current))
        elif kind == "image":
            src = str(child.attrGet("src") or "")
            parts.images.append(Image(src=src, alt=child.content, line=current))
    joined = _CJK_BREAK.sub("", "".join(text)).replace(_SOFTBREAK, " ")
    if ":::" in token.content:
        for m in _DOCFX_IMAGE.finditer(token.content):
            source = attr(m.group(1), "source")
            if source:
                parts.images.append(
                    Image(src=source, alt=attr(m.group(1), "alt-text") or "", line=line)
                )
    parts.text = clean_text(joined)
    return parts


def _html_inline(raw: str, line: int, text: list[str], parts: InlineParts) -> None:
    if _BR.match(raw.strip()):
        text.append("\n")
        return
    anchor = _ANCHOR_TAG.match(raw)
    if anchor:
        parts.anchors.append(anchor.group(1))
    if _IMG_TAG.match(raw):
        src = attr(raw, "src")
        if src:
            parts.images.append(Image(src=src, alt=attr(raw, "alt") or "", line=line))
        return
    href = _href(raw)
    if href:
        parts.links.append(Link(href=href, line=line))


def _href(tag: str) -> str:
    """The unescaped ``href`` of an ``<a>`` tag; empty for none (``<a href="" id=…>``)."""
    m = _A_HREF.match(tag)
    if m is None:
        return ""
    return html.unescape(next((g for g in m.groups() if g is not None), ""))


def links_and_anchors(token: Token, line: int) -> tuple[list[Link], list[str]]:
    """Only the links and ``<a name>`` anchors of an inline: the cheap pass over every paragraph."""
    cached = token.meta.get(_CACHE_KEY) if token.meta else None
    if cached is not None:
        parts: InlineParts = cached[1]
        return parts.links, parts.anchors
    links: list[Link] = []
    anchors: list[str] = []
    content = token.content
    if "[" not in content and "<" not in content:
        return links, anchors  # no link, autolink or tag: no need to look at each child
    current = line
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
            current += 1
        elif child.type == "link_open":
            links.append(Link(href=str(child.attrGet("href") or ""), line=current))
        elif child.type == "html_inline":
            anchor = _ANCHOR_TAG.match(child.content)
            if anchor:
                anchors.append(anchor.group(1))
            href = _href(child.content)
            if href:
                links.append(Link(href=href, line=current))
    return links, anchors


def html_fragment_parts(fragment: str, line: int) -> tuple[list[Link], list[Image]]:
    """Links and images inside a rendered HTML fragment (cell items, raw HTML blocks)."""
    links = [
        Link(href=href, line=line)
        for m in _A_HREF.finditer(fragment)
        if (href := html.unescape(next((g for g in m.groups() if g is not None), "")))
    ]
    images = [
        Image(src=attr(m.group(0), "src") or "", alt=attr(m.group(0), "alt") or "", line=line)
        for m in _IMG_TAG.finditer(fragment)
        if attr(m.group(0), "src")
    ]
    return links, images


def strip_docfx_markers(text: str) -> str:
    """``[!INCLUDE …]`` and ``:::image …:::`` are recorded elsewhere, never shown as text."""
    if ":::" in text or "[!" in text:
        return _DOCFX_MARKER.sub("", text)
    return text


def strip_tags(fragment: str) -> str:
    return clean_text(html.unescape(_TAG.sub("", fragment)))
