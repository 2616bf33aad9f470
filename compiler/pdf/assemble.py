"""PDF surgery with pikepdf: page-number stamps and deterministic saving of a runbook.

The runbook PDFs are laid out once and never again: page numbers ("page X of Y") are
stamped on afterwards from a transparent folio PDF, so the same laid-out runbook
serves as a stand-alone file (its own numbering) and as a part of the handbook (the
book's numbering, stamped by :mod:`compiler.pdf.book`). Links inside a runbook use
named destinations with ids unique in the whole handbook, so the merged name tree
keeps every link, the contents page's and the code index's included, working across
parts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, Rectangle, String

from compiler.pdf.render import Rendered


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


def named_destinations(pdf: Pdf) -> list[tuple[str, Array]]:
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
