"""The one MarkdownIt setup every rule parses with."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """CommonMark + tables + GitHub alerts, raw HTML kept (cells are full of it).

    Built on first use, not at import: importing the package does no work.
    Front matter is split off by :mod:`compiler.parse.frontmatter` before parsing.
    """
    md = MarkdownIt("commonmark", {"html": True, "alerts": True})
    md.enable(["table", "strikethrough"])
    return md


def render_inline(children: Sequence[Token] | None) -> str:
    """Inline tokens as raw HTML (raw tags from the document pass through, unsanitised)."""
    md = markdown_parser()
    renderer = md.renderer
    assert isinstance(renderer, RendererHTML)
    return renderer.renderInline(children or [], md.options, {}).strip()
