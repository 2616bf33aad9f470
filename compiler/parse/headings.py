"""Section anchors: the ``<a name="…">`` id when the heading has one, else a slug."""

from __future__ import annotations

import re
import unicodedata

from compiler.diagnostics import Diagnostics

_NOT_WORD = re.compile(r"[^\w\- ]+", re.UNICODE)


def slugify(text: str) -> str:
    """GitHub-style slug: lower case, punctuation dropped, spaces to hyphens, Unicode kept."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = _NOT_WORD.sub("", text)
    slug = re.sub(r"\s", "-", text)
    return slug or "section"


class AnchorRegistry:
    """Hands out unique anchors for one document, warning about duplicates."""

    __slots__ = ("_diags", "_path", "_seen")

    def __init__(self, path: str, diags: Diagnostics) -> None:
        self._seen: dict[str, int] = {}
        self._path = path
        self._diags = diags

    def claim(self, wanted: str, line: int, *, explicit: bool) -> str:
        base = wanted or "section"
        if base not in self._seen:
            self._seen[base] = line
            return base
        n = 1
        while f"{base}-{n}" in self._seen:
            n += 1
        unique = f"{base}-{n}"
        self._seen[unique] = line
        origin = "anchor" if explicit else "heading slug"
        self._diags.warning(
            self._path,
            line,
            f"duplicate {origin} '{base}' (first on line {self._seen[base]}); "
            f"this one is '{unique}' — give the heading a unique <a name> to keep links stable",
            "duplicate-anchor",
        )
        return unique

    def __contains__(self, anchor: str) -> bool:
        return anchor in self._seen
