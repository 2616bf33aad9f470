"""Where every page of the site lives, and relative links between them.

All paths here are POSIX paths relative to the site folder (``build/html``); every
link on a page is computed relative to that page, so the site works from any web
server, any subfolder of one, and from ``file://``.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from functools import lru_cache
from urllib.parse import quote

STATIC = "_static"
CODES = "codes"
SEARCH_BUNDLE = "pagefind"
INDEX_PAGE = "index.html"
SEARCH_PAGE = "search.html"
CHANGES_PAGE = "changes.html"
TRANSLATIONS_PAGE = "translations.html"
CODES_INDEX = f"{CODES}/index.html"
RESERVED_DIRS = frozenset({STATIC, CODES, SEARCH_BUNDLE})
"""Top-level folders the site itself uses: a document path may not start with one."""
RESERVED_PAGES = frozenset({"index", "search", "changes", "translations"})
"""Top-level page names the site itself uses."""

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_UNSAFE_CHAR = re.compile(r"[^A-Za-z0-9._-]")
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)}
)
_MAX_NAME = 100


def safe_name(value: str) -> str:
    """A file name (and HTML id part) for any string, injective up to very long names.

    ``[A-Za-z0-9._-]`` stay as they are; every other character becomes ``~`` and its
    UTF-8 bytes in hex (``~`` itself is never kept, so two different values never
    share a name); a leading dot, an empty value and Windows device names are
    escaped too. Names longer than 100 characters are cut and end in a hash.
    """
    if _SAFE_NAME.fullmatch(value) and value.split(".")[0].lower() not in _WINDOWS_DEVICES:
        name = value
    else:
        name = _UNSAFE_CHAR.sub(_escape_char, value)
        if not name or name[0] in "._-" or name.split(".")[0].lower() in _WINDOWS_DEVICES:
            name = "~" + name
    if len(name) > _MAX_NAME:
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]
        name = f"{name[: _MAX_NAME - 17]}~{digest}"
    return name


def _escape_char(match: re.Match[str]) -> str:
    return "".join(f"~{byte:02X}" for byte in match.group(0).encode("utf-8"))


def page_path(doc_id: str) -> str:
    """``dir/name`` -> ``dir/name.html``; a path the site reserves gets ``~doc`` added."""
    parts = doc_id.split("/")
    reserved = RESERVED_DIRS if len(parts) > 1 else RESERVED_PAGES
    if parts[0].lower() in reserved:
        parts[0] += "~doc"
    return "/".join(parts) + ".html"


def code_page(code: str) -> str:
    """The permalink page of one error code: ``codes/34513.html``."""
    return f"{CODES}/{safe_name(code)}.html"


def code_anchor(code: str) -> str:
    """The id of the first card of a page that names ``code``: ``code-34513``."""
    return f"code-{safe_name(code)}"


@lru_cache(maxsize=1 << 16)
def relative(from_page: str, to_path: str) -> str:
    """The path of ``to_path`` as seen from the page ``from_page`` (both site-relative).

    What ``posixpath.relpath`` gives, worked out on the names alone: relpath makes both
    paths absolute first (a call to ``os.getcwd`` each), a tenth of the html pages' time.
    """
    start = posixpath.dirname(from_page)
    here = start.split("/") if start else []
    there = to_path.split("/")
    if any(part in ("", ".", "..") for part in (*here, *there)):
        return posixpath.relpath(to_path, start or ".")  # not a plain site path
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:]) or "."


def url(from_page: str, to_path: str, fragment: str = "") -> str:
    """A relative, percent-encoded link from one page of the site to another file."""
    href = quote(relative(from_page, to_path), safe="/~._-")
    return href + hash_of(fragment) if fragment else href


def hash_of(html_id: str) -> str:
    """``#id``, percent-encoded (browsers match ids before and after decoding)."""
    return "#" + quote(html_id, safe="~._-")


def root_prefix(page: str) -> str:
    """``""`` for a top-level page, ``"../"`` one folder down, and so on."""
    depth = page.count("/")
    return "../" * depth
