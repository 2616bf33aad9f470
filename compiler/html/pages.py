"""What a page shows: anchors, sections with their blocks, and the page context.

Templates get plain model objects plus a :class:`Page`, which turns site paths into
relative links, raw HTML fields into sanitised markup and keys into UI words.
"""

from __future__ import annotations

import bisect
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from compiler.graph import RunbookGraph
from compiler.html.paths import (
    CODES_INDEX,
    INDEX_PAGE,
    SEARCH_PAGE,
    STATIC,
    TRANSLATIONS_PAGE,
    code_anchor,
    code_page,
    hash_of,
    page_path,
    root_prefix,
    safe_name,
    url,
)
from compiler.html.sanitize import Sanitizer, drop_command_lines, resolve_image
from compiler.model import Checklist, Command, Document, ErrorEntry, Image, Note, Procedure
from compiler.translations import PairDrift, VersionIndex

TEMPLATE_PREFIX = "rb-"
"""Every id the templates write starts with this; no anchor from a document does."""
MEDIA = "_media"
"""Site folder for images copied from the source folder (their source paths kept)."""


@dataclass(slots=True)
class DocAnchors:
    """The unique HTML id of every addressable thing on a document's page."""

    entries: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    """Casefolded code -> id of the first card on the page that names it."""
    code_cards: dict[str, str] = field(default_factory=dict)
    """``entry id`` + NUL + casefolded code -> id, for the cards that got one."""
    procedures: dict[str, str] = field(default_factory=dict)
    steps: dict[tuple[str, int], str] = field(default_factory=dict)
    first_steps: dict[int, str] = field(default_factory=dict)
    """``step-N`` aliases for the page's first procedure."""
    checklists: dict[str, str] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    """Every id above: what a link into the page may target."""

    def code_id(self, entry: ErrorEntry, code: str) -> str | None:
        return self.code_cards.get(f"{entry.id}\0{code.casefold()}")


class _Ids:
    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, wanted: str) -> str:
        base = wanted or "id"
        if base.startswith(TEMPLATE_PREFIX):
            base = "x-" + base
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.taken.add(candidate)
        return candidate


def allocate_anchors(doc: Document) -> DocAnchors:
    """Ids in priority order: steps (the flowchart links to them), entries, codes, the rest."""
    ids = _Ids()
    out = DocAnchors()
    for proc in doc.procedures:
        for step in proc.steps:
            out.steps[(proc.id, step.number)] = ids.claim(f"{proc.id}-step-{step.number}")
    if doc.procedures:
        first = doc.procedures[0]
        for step in first.steps:
            wanted = f"step-{step.number}"
            if wanted not in ids.taken:
                out.first_steps[step.number] = ids.claim(wanted)
    for entry in doc.errors:
        out.entries[entry.id] = ids.claim(entry.id)
    for entry in doc.errors:
        for code in entry.codes:
            key = code.casefold()
            if key not in out.codes:
                out.codes[key] = ids.claim(code_anchor(code))
                out.code_cards[f"{entry.id}\0{key}"] = out.codes[key]
    for proc in doc.procedures:
        out.procedures[proc.id] = ids.claim(proc.id)
    for checklist in doc.checklists:
        out.checklists[checklist.id] = ids.claim(checklist.id)
    for section in doc.sections:
        if section.anchor not in ids.taken:
            out.sections[section.anchor] = ids.claim(section.anchor)
    out.ids = ids.taken
    return out


@dataclass(slots=True)
class Block:
    kind: str
    """``error``, ``procedure``, ``checklist`` or ``note``."""
    obj: ErrorEntry | Procedure | Checklist | Note
    line: int


@dataclass(slots=True)
class SectionView:
    title: str | None
    anchor: str | None
    """The section's anchor as written in the source (links use it)."""
    html_id: str | None
    """The id on the page, or None when an entry's card carries that anchor."""
    blocks: list[Block] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for b in self.blocks if b.kind == kind)


def layout(doc: Document, anchors: DocAnchors) -> list[SectionView]:
    """The page's sections in source order, each with its blocks in source order.

    A block belongs to the section it names, or else to the last section above its
    line; blocks above the first section get a view without a title. Sections with no
    block stay in the list (empty) so their anchors still exist on the page.
    """
    sections = sorted(doc.sections, key=lambda s: s.line)
    views = [SectionView(None, None, None)]
    views += [
        SectionView(s.title, s.anchor, anchors.sections.get(s.anchor) if s.anchor else None)
        for s in sections
    ]
    by_anchor = {s.anchor: i + 1 for i, s in reversed(list(enumerate(sections)))}
    lines = [s.line for s in sections]

    def place(section: str | None, line: int) -> int:
        if section and section in by_anchor and sections[by_anchor[section] - 1].line <= line:
            return by_anchor[section]
        return bisect.bisect_right(lines, line)

    blocks: list[tuple[int, Block]] = []
    for entry in doc.errors:
        blocks.append((place(entry.section, entry.line), Block("error", entry, entry.line)))
    for proc in doc.procedures:
        blocks.append((place(proc.section, proc.line), Block("procedure", proc, proc.line)))
    for checklist in doc.checklists:
        blocks.append(
            (
                place(checklist.section, checklist.line),
                Block("checklist", checklist, checklist.line),
            )
        )
    for note in doc.notes:
        blocks.append((place(None, note.line), Block("note", note, note.line)))
    for index, block in sorted(blocks, key=lambda ib: (ib[1].line, ib[0])):
        views[index].blocks.append(block)
    return views if views[0].blocks else views[1:]


@dataclass(slots=True)
class Site:
    """What every page needs to know about the whole site."""

    graph: RunbookGraph
    anchors: dict[str, DocAnchors]
    strings: Callable[[str], dict[str, str]]
    site_title: str
    site_lang: str
    source_root: Path | None
    versions: VersionIndex = field(default_factory=lambda: VersionIndex([]))
    """Each document's language versions: their drift, and which card matches which."""
    images: dict[str, str] = field(default_factory=dict)
    """Site path -> source path of every image to copy."""
    used: set[str] = field(default_factory=set)
    """Site paths of the images shown since it was last cleared: the page being made."""

    def doc_page(self, doc_id: str) -> str | None:
        return page_path(doc_id) if self.graph.document(doc_id) is not None else None

    def image_path(self, doc: Document, src: str) -> str | None:
        """The site path of a relative image that exists in the source folder, else None."""
        source_path = resolve_image(doc.source, src)
        if source_path is None or self.source_root is None:
            return None
        root = self.source_root.resolve()
        file = (root / source_path).resolve()
        if root not in file.parents or not file.is_file():
            return None
        site_path = f"{MEDIA}/{source_path}"
        self.images[site_path] = source_path
        self.used.add(site_path)
        return site_path


@dataclass(slots=True)
class Page:
    """The context of one page: its path, language and helpers for the templates."""

    site: Site
    path: str
    lang: str
    """BCP 47 tag for ``<html lang>`` (``ja-JP``)."""
    _sanitizers: dict[str, Sanitizer] = field(default_factory=dict)

    @property
    def s(self) -> dict[str, str]:
        """UI words in this page's language."""
        return self.site.strings(self.lang.split("-")[0].lower())

    def strings(self, lang: str) -> dict[str, str]:
        return self.site.strings(lang.split("-")[0].lower())

    def t(self, key: str, lang: str | None = None, **values: Any) -> str:
        """A UI phrase with ``{placeholders}`` filled; the templates escape it."""
        words = self.strings(lang) if lang else self.s
        template = words.get(key, key)
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template

    @property
    def root(self) -> str:
        return root_prefix(self.path)

    @property
    def here(self) -> str:
        """This page as the lookup table writes paths (site-relative, percent-encoded)."""
        return url(INDEX_PAGE, self.path)

    def url(self, to_path: str, fragment: str = "") -> str:
        return url(self.path, to_path, fragment)

    def static(self, name: str) -> str:
        return self.url(f"{STATIC}/{name}")

    def index_url(self) -> str:
        return self.url(INDEX_PAGE)

    def codes_url(self) -> str:
        return self.url(CODES_INDEX)

    def search_url(self) -> str:
        return self.url(SEARCH_PAGE)

    def doc_url(self, doc: Document, fragment: str = "") -> str:
        return self.url(page_path(doc.id), fragment)

    def code_url(self, code: str) -> str:
        return self.url(code_page(code))

    def is_code_page(self, code: str) -> bool:
        return self.path == code_page(code)

    def entry_url(self, doc: Document, entry: ErrorEntry) -> str:
        anchor = self.site.anchors[doc.id].entries.get(entry.id, "")
        target = page_path(doc.id)
        return hash_of(anchor) if target == self.path else self.url(target, anchor)

    def step_url(self, doc: Document, proc: Procedure, number: int) -> str | None:
        anchor = self.site.anchors[doc.id].steps.get((proc.id, number))
        if anchor is None:
            return None
        return hash_of(anchor)

    @staticmethod
    def hash(html_id: str) -> str:
        return hash_of(html_id)

    def rich(self, doc: Document, raw: str, commands: Iterable[Command] = ()) -> Markup:
        """A raw ``html`` field, sanitised, with links rewritten for this page."""
        sanitizer = self._sanitizers.get(doc.id)
        if sanitizer is None:
            sanitizer = Sanitizer(
                doc=doc,
                page=self.path,
                doc_href=self._doc_href,
                image_src=partial(self.site.image_path, doc),
            )
            self._sanitizers[doc.id] = sanitizer
        return Markup(drop_command_lines(sanitizer.clean(raw), list(commands)))

    def _doc_href(self, doc_id: str, anchor: str) -> str | None:
        """A link to a document's page (and anchor, when the page has it), or None."""
        target = self.site.doc_page(doc_id)
        if target is None:
            return None
        if anchor and anchor in self.site.anchors[doc_id].ids:
            return hash_of(anchor) if target == self.path else self.url(target, anchor)
        if target == self.path:
            return None  # an anchor this page does not show: keep the text only
        return self.url(target)

    def body(self, doc: Document, raw: str, text: str, commands: Iterable[Command] = ()) -> Markup:
        """The sanitised HTML field, or the plain text when the HTML is empty."""
        if raw.strip():
            return self.rich(doc, raw, commands)
        return self.text(text)

    @staticmethod
    def text(value: str | None) -> Markup:
        """Plain text, escaped, line breaks kept."""
        if not value:
            return Markup("")
        return Markup("<br>").join(escape(part) for part in value.split("\n"))

    def image(self, doc: Document, image: Image) -> dict[str, str | None]:
        """``src`` for an image (None when the file is missing) and its alt text."""
        site_path = self.site.image_path(doc, image.src)
        if site_path is not None:
            return {"src": self.url(site_path), "alt": image.alt}
        lowered = image.src.lower()
        if lowered.startswith(("http://", "https://")):
            return {"src": image.src, "alt": image.alt}
        return {"src": None, "alt": image.alt}

    def language_name(self, locale: str, in_lang: str | None = None) -> str:
        """A language's name in this page's language (or in ``in_lang``'s)."""
        lang = locale.split("-")[0].lower()
        words = self.strings(in_lang) if in_lang else self.s
        return words.get(f"language_{lang}", locale)

    def endonym(self, locale: str) -> str:
        """A language's name in that language (``日本語``, ``English``): what a switch shows."""
        lang = locale.split("-")[0].lower()
        return self.strings(lang).get(f"language_{lang}", locale)

    # -- language versions ------------------------------------------------------------------
    def versions(self, doc: Document) -> list[Document]:
        """The document's other language versions."""
        return self.site.graph.versions(doc.id)

    def is_original(self, doc: Document) -> bool:
        return self.site.graph.original_of(doc.id) == doc.id

    def card_versions(self, doc: Document, entry: ErrorEntry) -> list[tuple[Document, str | None]]:
        """Each other version of ``doc`` with the link to its card for ``entry`` (None when
        that version has no matching entry)."""
        out: list[tuple[Document, str | None]] = []
        for other in self.versions(doc):
            found = self.site.versions.card(doc.id, entry.id, other.id)
            anchor = self.site.anchors[other.id].entries.get(found) if found else None
            out.append((other, self.doc_url(other, anchor) if anchor else None))
        return out

    def drifts(self, doc: Document) -> list[PairDrift]:
        """The pairs ``doc`` is in (as original or translation)."""
        return self.site.versions.drift_of(doc.id)

    def drift_url(self, drift: PairDrift) -> str:
        """The pair's section of ``translations.html``."""
        return self.url(TRANSLATIONS_PAGE, pair_anchor(drift))

    @staticmethod
    def pair_id(drift: PairDrift) -> str:
        return pair_anchor(drift)

    @staticmethod
    def doc_path(doc_id: str) -> str:
        return page_path(doc_id)

    def anchor_url(self, doc_id: str, kind: str, item_id: str) -> str | None:
        """A link to an entry, procedure or section of a document's page (None if absent)."""
        anchors = self.site.anchors.get(doc_id)
        if anchors is None:
            return None
        table = {
            "entry": anchors.entries,
            "procedure": anchors.procedures,
            "section": anchors.sections,
        }[kind]
        found = table.get(item_id) or (anchors.entries.get(item_id) if kind == "section" else None)
        return self.url(page_path(doc_id), found) if found else None


def pair_anchor(drift: PairDrift) -> str:
    """The id of a pair's section on ``translations.html`` (named after the translation,
    which is in one pair only)."""
    return f"{TEMPLATE_PREFIX}pair-{safe_name(drift.translation.id)}"


def doc_codes(doc: Document) -> list[str]:
    """Every code a document names, first spelling, in order of appearance."""
    seen: dict[str, str] = {}
    for entry in doc.errors:
        for code in entry.codes:
            seen.setdefault(code.casefold(), code)
    return list(seen.values())


def folder_of(doc: Document) -> str:
    return posixpath.dirname(doc.id)


def code_targets(site: Site) -> dict[str, dict[str, object]]:
    """The lookup table behind the lookup box: lower-cased code -> its pages.

    ``p`` is the code's permalink page, ``e`` the cards (one per document) naming it,
    both relative to the site folder.
    """
    table: dict[str, dict[str, object]] = {}
    for code in site.graph.codes():
        cards: list[str] = []
        for doc, _entry in site.graph.entries_for_code(code.code):
            anchor = site.anchors[doc.id].codes.get(code.code.casefold())
            target = url(INDEX_PAGE, page_path(doc.id), anchor or "")
            if target not in cards:
                cards.append(target)
        value: dict[str, object] = {
            "c": code.code,
            "p": url(INDEX_PAGE, code_page(code.code)),
            "e": cards,
        }
        for variant in (code.code, *code.variants):
            table.setdefault(" ".join(variant.split()).lower(), value)
    return dict(sorted(table.items()))
