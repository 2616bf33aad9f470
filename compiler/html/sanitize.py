"""The documents' raw inline HTML, made safe for the site with nh3 (an allowlist).

Only inline formatting, lists, line breaks, links and images survive. Links keep
http(s), mailto and relative URLs; images keep http(s) and relative ones. A relative
link to another document of the graph is rewritten to that document's page, seen
from the page being written. Everything else (``<script>``, ``<style>``, iframes,
event handlers, ``style``, ``javascript:`` URLs) never reaches a page.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import unquote, urlsplit

import nh3

from compiler.html.paths import url
from compiler.model import Command, Document, Link

TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "br",
        "code",
        "del",
        "em",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "s",
        "samp",
        "small",
        "strong",
        "sub",
        "sup",
        "u",
        "ul",
        "var",
    }
)
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
}
CLEAN_CONTENT_TAGS = frozenset(
    {
        "script",
        "style",
        "iframe",
        "noscript",
        "template",
        "object",
        "embed",
        "svg",
        "math",
        "textarea",
        "select",
        "title",
        "xmp",
        "noembed",
        "noframes",
    }
)
"""Removed together with everything inside them."""
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})


@dataclass(slots=True)
class Sanitizer:
    """Cleans the HTML fields of one document for one page.

    ``doc_href(doc_id, anchor)`` returns the link from the page being written to the
    page of ``doc_id`` (None when the document has no page); ``page`` is that page's
    site path. Relative image sources are collected in ``images`` (site paths), so
    the generator can copy them next to the page.
    """

    doc: Document
    page: str
    doc_href: Callable[[str, str], str | None]
    image_src: Callable[[str], str | None]
    """Maps a relative image path, as resolved against the document, to its site path."""
    _links: dict[str, Link] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for link in (*self.doc.links, *self.doc.includes):
            for key in (link.href, unquote(link.href)):
                self._links.setdefault(key, link)

    def clean(self, raw: str) -> str:
        """Safe HTML for a raw ``html`` field (never raises on odd content).

        A relative image that is not in the source folder loses its ``src`` (its alt
        text stays); an image without alt text gets an empty one.
        """
        if not raw:
            return ""
        if _PLAIN.fullmatch(raw):
            return raw  # no markup, nothing the serializer writes differently: as it is
        cleaned = nh3.clean(raw, attribute_filter=self._filter, **_NH3_OPTIONS)
        return _NO_ALT.sub('<img alt=""', cleaned)

    def _filter(self, element: str, attribute: str, value: str) -> str | None:
        if element == "a" and attribute == "href":
            return self._href(value)
        if element == "img" and attribute == "src":
            return self._src(value)
        return value

    def _href(self, value: str) -> str | None:
        scheme = _scheme(value)
        if scheme is not None:
            return value if scheme in LINK_SCHEMES else None
        if value.startswith("#"):
            return self.doc_href(self.doc.id, unquote(value[1:]))
        if value.startswith(("/", "\\")):
            return None  # rooted at the site the docs came from, not at this one
        link = self._links.get(value) or self._links.get(unquote(value))
        if link is None:
            return value
        if link.kind in ("missing", "site"):
            # A file that is not in the source folder, or a path rooted at the site the
            # docs came from: neither exists next to this site. Keep the text only.
            return None
        if link.target and link.kind in ("doc", "anchor"):
            doc_id, _, anchor = link.target.partition("#")
            href = self.doc_href(doc_id, anchor)
            if href is not None:
                return href
        return value

    def _src(self, value: str) -> str | None:
        scheme = _scheme(value)
        if scheme is not None:
            return value if scheme in IMAGE_SCHEMES else None
        site_path = self.image_src(value)
        return url(self.page, site_path) if site_path is not None else None


def _scheme(value: str) -> str | None:
    """The URL scheme, lower-cased, or None for a relative URL (``//host`` is http(s))."""
    stripped = re.sub(r"[\x00-\x20]", "", value)
    if stripped.startswith("//"):
        return "https"
    try:
        scheme = urlsplit(stripped).scheme
    except ValueError:
        return "invalid"
    if len(scheme) == 1:  # a Windows drive letter (C:/Windows/Temp) is a path, not a scheme
        return "invalid"
    return scheme.lower() or None


def resolve_image(doc_source: str, src: str) -> str | None:
    """The source-folder path of a relative image written in ``doc_source``, or None.

    None for absolute URLs, site-rooted paths and paths that leave the source folder.
    """
    if not src or _scheme(src) is not None or src.startswith(("/", "\\", "#")):
        return None
    path = unquote(src.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(doc_source), path))
    if joined.startswith("../") or joined in ("..", ".") or joined.startswith("/"):
        return None
    return joined


_NO_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
_PLAIN = re.compile(r"[^<>&\r\x00\xa0\ufeff]*")
"""Text nh3 returns unchanged (about half the fields): no tag, no character reference,
no CR (the parser turns it into LF), NUL, no-break space (written ``&nbsp;``) or byte
order mark (dropped at the start). Checked against nh3 for every code point."""
_NH3_OPTIONS: dict[str, Any] = {
    # nh3 takes sets: made once, not for each of the 30,000 fields of a 300-runbook site
    "tags": set(TAGS),
    "clean_content_tags": set(CLEAN_CONTENT_TAGS),
    "attributes": {tag: set(names) for tag, names in ATTRIBUTES.items()},
    "url_schemes": set(LINK_SCHEMES),
    "link_rel": "noopener noreferrer",
    "strip_comments": True,
}
"""Everything :meth:`Sanitizer.clean` gives nh3 but the attribute filter."""
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def drop_command_lines(html: str, commands: list[Command]) -> str:
    """Remove inline ``<code>`` lines that repeat a command shown as a code block.

    Only a code span that stands alone between line breaks is removed (a shell prompt
    such as ``PS C:\\>`` before the command may differ), so a command named
    mid-sentence stays in its sentence.
    """
    if not commands or "<code>" not in html:
        return html
    codes = {c.code.strip() for c in commands}
    parts = _BREAK.split(html)
    kept = [part for part in parts if not _repeats(part, codes)]
    if len(kept) == len(parts):
        return html
    while kept and not kept[-1].strip():
        kept.pop()
    return "<br>".join(kept).strip()


_CODE_LINE = re.compile(r"<code>([^<]*)</code>")
_PROMPT = re.compile(r"(?:PS [^>]*>|[A-Za-z]:\\[^>]*>|[$#>])\s*")


def _repeats(part: str, codes: set[str]) -> bool:
    found = _CODE_LINE.fullmatch(part.strip())
    if found is None:
        return False
    text = unescape(found.group(1)).strip()
    return text in codes or _PROMPT.sub("", text, count=1).strip() in codes
