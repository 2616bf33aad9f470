"""Resolving links, images and includes against the set of source files.

Runs after every document is parsed: a link's target is only known once all are.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from compiler.diagnostics import Diagnostics
from compiler.model import Document, Link

_WEB_SCHEMES = ("http", "https", "mailto", "ftp", "tel", "news")


def resolve_links(docs: Mapping[str, Document], known_files: set[str], diags: Diagnostics) -> None:
    """Fill ``kind`` and ``target`` of every link; report broken ones and missing includes."""
    by_source = {doc.source: doc for doc in docs.values()}
    anchors = {doc.id: {a.lower() for a in doc.anchors} for doc in docs.values()}
    for doc in docs.values():
        for link in _all_links(doc):
            _resolve(link, doc, by_source, anchors, known_files, diags)
        for include in doc.includes:
            path = _relative_target(doc.source, include.href)
            if path is None or path not in known_files:
                diags.warning(
                    doc.source,
                    include.line,
                    f"include '{include.href}' not found in the source folder; its text is missing "
                    "from this runbook — copy the include next to the documents or remove it",
                    "include",
                )
                include.kind = "missing"
            else:
                include.target = path
        for image_line, src in _all_images(doc):
            if _is_web(src) or src.startswith(("data:", "/")):
                continue
            path = _relative_target(doc.source, src)
            if path is None or path not in known_files:
                diags.warning(
                    doc.source,
                    image_line,
                    f"image '{src}' not found in the source folder",
                    "missing-image",
                )


def _all_links(doc: Document) -> list[Link]:
    """The document's links plus the copies held by entries and steps (same href, same line)."""
    out = list(doc.links)
    out.extend(link for e in doc.errors for link in e.links)
    out.extend(link for p in doc.procedures for s in p.steps for link in s.links)
    return out


def _all_images(doc: Document) -> list[tuple[int, str]]:
    return sorted({(i.line, i.src) for p in doc.procedures for s in p.steps for i in s.images})


def _is_web(href: str) -> bool:
    scheme = urlsplit(href).scheme.lower()
    return scheme in _WEB_SCHEMES or href.startswith("//")


def _relative_target(source: str, href: str) -> str | None:
    """The source-relative path a relative href points to, or None when it leaves the folder."""
    path = unquote(urlsplit(href).path)
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
    if joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        return None
    return joined


def _resolve(
    link: Link,
    doc: Document,
    by_source: Mapping[str, Document],
    anchors: Mapping[str, set[str]],
    known_files: set[str],
    diags: Diagnostics,
) -> None:
    href = link.href.strip()
    if not href or _is_web(href):
        link.kind, link.target = "web", None
        return
    parts = urlsplit(href)
    if parts.scheme:
        link.kind, link.target = "other", None  # javascript:, data: … never followed
        return
    if href.startswith("/"):
        link.kind, link.target = "site", None  # site-rooted: another site's page, not checkable
        return
    fragment = unquote(parts.fragment)
    if not parts.path:
        link.kind, link.target = "anchor", f"{doc.id}#{fragment}"
        if fragment and fragment.lower() not in anchors[doc.id]:
            diags.warning(
                doc.source,
                link.line,
                f"link to '#{fragment}': no such anchor in this document",
                "broken-link",
            )
        return
    path = _relative_target(doc.source, href)
    target_doc = None
    if path is not None:
        target_doc = by_source.get(path) or by_source.get(path + ".md")
    if target_doc is not None:
        link.kind, link.target = "doc", f"{target_doc.id}#{fragment}"
        if fragment and fragment.lower() not in anchors[target_doc.id]:
            diags.warning(
                doc.source,
                link.line,
                f"link to '{href}': {target_doc.source} has no anchor '#{fragment}'",
                "broken-link",
            )
        return
    if path is not None and path in known_files:
        link.kind, link.target = "file", path
        return
    link.kind, link.target = "missing", None
    diags.warning(
        doc.source,
        link.line,
        f"link to '{href}': no such file in the source folder",
        "broken-link",
    )
