"""PDF surgery with pikepdf: page-number stamps, the handbook, deterministic saving.

The runbook PDFs are laid out once and never again: page numbers ("page X of Y") are
stamped on afterwards from a transparent folio PDF, so the same laid-out runbook
serves as a stand-alone file (its own numbering) and as a part of the handbook (the
book's numbering). Links inside a runbook use named destinations with ids unique in
the whole handbook, so the merged name tree keeps every link, the contents page's
and the code index's included, working across parts.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf, Rectangle, String

from compiler.pdf.render import Bookmark, Rendered

DEST_SCHEME = "runbook-dest:"
"""Links from one part to an anchor in another (contents, code index) are written as
``runbook-dest:<anchor>`` URLs (WeasyPrint drops internal links it cannot resolve) and
turned into named destinations of the assembled book."""


@dataclass(slots=True, frozen=True)
class Metadata:
    title: str
    subject: str = ""
    keywords: str = ""
    language: str = ""
    date: str | None = None
    """PDF date (``D:20190218000000Z``), or None for no date at all."""


def pdf_date(iso_date: str | None) -> str | None:
    """``2019-02-18`` -> ``D:20190218000000Z``; None (no date) for anything else."""
    if not iso_date or len(iso_date) < 10:
        return None
    digits = iso_date[:10].replace("-", "")
    return f"D:{digits}000000Z" if digits.isdigit() and len(digits) == 8 else None


def _open(data: bytes) -> Pdf:
    return Pdf.open(io.BytesIO(data))


def _stamp(pdf: Pdf, folios: Pdf, first_page: int, first_folio: int, count: int) -> None:
    """Each page gets its folio as a form XObject named by page number (``/Folio12``):
    fixed names (pikepdf's ``add_overlay`` picks random ones), and distinct ones, since
    pages may share one resource dictionary."""
    for i in range(count):
        page = pdf.pages[first_page + i]
        name = Name(f"/Folio{first_page + i + 1}")
        page.add_resource(folios.pages[first_folio + i].as_form_xobject(), Name.XObject, name)
        placed = page.calc_form_xobject_placement(
            page.resources.XObject[name], name, Rectangle(page.trimbox)
        )
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"Q\n" + placed, prepend=False)


def _set_info(pdf: Pdf, meta: Metadata) -> None:
    """Fixed metadata: no wall-clock date, no XMP packet that would carry one."""
    info = Dictionary(Title=String(meta.title), Producer=String("runbook-compiler"))
    if meta.subject:
        info.Subject = String(meta.subject)
    if meta.keywords:
        info.Keywords = String(meta.keywords)
    if meta.date:
        info.CreationDate = String(meta.date)
        info.ModDate = String(meta.date)
    pdf.trailer.Info = pdf.make_indirect(info)
    if Name.Metadata in pdf.Root:
        del pdf.Root.Metadata
    if meta.language:
        pdf.Root.Lang = String(meta.language)


def _save(pdf: Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(
        out,
        deterministic_id=True,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return out.getvalue()


def finish_runbook(
    rendered: Rendered, folios: Rendered, meta: Metadata, *, first_folio: int = 0
) -> bytes:
    """The stand-alone runbook PDF: the laid-out pages, stamped with folios from
    ``first_folio`` on (its own page numbers)."""
    with _open(rendered.pdf) as pdf, _open(folios.pdf) as stamps:
        count = min(len(pdf.pages), len(stamps.pages) - first_folio)
        _stamp(pdf, stamps, 0, first_folio, count)
        _set_info(pdf, meta)
        pdf.Root.PageMode = Name.UseOutlines
        return _save(pdf)


@dataclass(slots=True)
class Part:
    rendered: Rendered
    first_page: int = 0
    """0-based index of the part's first page in the handbook (set by :func:`assemble`)."""


def assemble(
    parts: Sequence[Part],
    folios: Rendered,
    meta: Metadata,
    *,
    stamp_from: int = 1,
) -> bytes:
    """Concatenate ``parts`` (front matter, runbooks, index), keeping links and bookmarks.

    Every page from ``stamp_from`` on gets its folio (the cover has none). The outline
    is the parts' bookmark trees, one after the other, at their new page numbers.
    """
    book = Pdf.new()
    sources: list[Pdf] = []
    destinations: dict[str, Array] = {}
    try:
        for part in parts:
            src = _open(part.rendered.pdf)
            sources.append(src)
            part.first_page = len(book.pages)
            index_of = {page.obj.objgen: i for i, page in enumerate(src.pages)}
            with warnings.catch_warnings():
                # pikepdf warns that named destinations are not carried: they are, below.
                warnings.simplefilter("ignore")
                book.pages.extend(src.pages)
            for name, dest in _named_destinations(src):
                target = dest[0] if len(dest) else None
                page = index_of.get(target.objgen) if isinstance(target, Dictionary) else None
                if page is None or name in destinations:
                    continue
                moved = book.pages[part.first_page + page].obj
                destinations[name] = Array([moved, *(dest[i] for i in range(1, len(dest)))])
        if destinations:
            flat = Array()
            for name in sorted(destinations, key=lambda n: n.encode("utf-8")):
                flat.append(String(name))
                flat.append(destinations[name])
            book.Root.Names = Dictionary(Dests=book.make_indirect(Dictionary(Names=flat)))
        _retarget_links(book, set(destinations))
        with _open(folios.pdf) as stamps:
            count = min(len(book.pages) - stamp_from, len(stamps.pages))
            _stamp(book, stamps, stamp_from, 0, count)
            with book.open_outline() as outline:
                for part in parts:
                    outline.root.extend(
                        _outline(book, b, part.first_page, 0) for b in part.rendered.bookmarks
                    )
            book.Root.PageMode = Name.UseOutlines
            _set_info(book, meta)
            return _save(book)
    finally:
        for src in sources:
            src.close()


def _named_destinations(pdf: Pdf) -> list[tuple[str, Array]]:
    """(name, explicit destination) from the catalog's /Names /Dests tree (flat or nested)."""
    names = pdf.Root.get(Name.Names)
    if not isinstance(names, Dictionary) or Name.Dests not in names:
        return []
    out: list[tuple[str, Array]] = []
    stack = [names.Dests]
    while stack:
        node = stack.pop()
        if not isinstance(node, Dictionary):
            continue
        kids = node.get(Name.Kids)
        if isinstance(kids, Array):
            stack.extend(kids)
        flat = node.get(Name.Names)
        if isinstance(flat, Array):
            for i in range(0, len(flat) - 1, 2):
                value: object = flat[i + 1]
                if isinstance(value, Dictionary):
                    value = value.get(Name.D)
                if isinstance(value, Array):
                    out.append((str(flat[i]), value))
    return out


def _outline(book: Pdf, mark: Bookmark, offset: int, depth: int) -> OutlineItem:
    """One bookmark at its page in the book; below the runbooks, subtrees start folded."""
    page = book.pages[offset + mark.page].obj
    item = OutlineItem(mark.label, Array([page, Name.XYZ, mark.x, mark.y, 0]))
    item.children.extend(_outline(book, child, offset, depth + 1) for child in mark.children)
    item.is_closed = depth >= 1 and bool(mark.children)
    return item


def _retarget_links(book: Pdf, names: set[str]) -> None:
    """``runbook-dest:<anchor>`` URI links -> links to the named destination ``anchor``."""
    for page in book.pages:
        annots = page.obj.get(Name.Annots)
        if not isinstance(annots, Array):
            continue
        for annot in annots:
            action = annot.get(Name.A) if isinstance(annot, Dictionary) else None
            if not isinstance(action, Dictionary) or action.get(Name.S) != Name.URI:
                continue
            uri = str(action.get(Name.URI, ""))
            if not uri.startswith(DEST_SCHEME):
                continue
            name = uri[len(DEST_SCHEME) :]
            del annot.A
            if name in names:
                annot.Dest = String(name)
