"""``pdf/<doc id>.pdf`` for every runbook and ``pdf/handbook.pdf`` for all of them.

Each runbook is laid out once by WeasyPrint (print HTML from ``templates/print/``),
and that one layout serves twice: stamped with its own page numbers it is the
stand-alone PDF; stamped with the book's page numbers it is a part of the handbook.
The handbook adds a cover and contents (laid out with page numbers computed from the
parts' page counts) and an error-code index, and is written by :mod:`compiler.pdf.book`
from the parts, each prepared once for it. So a changed document costs one layout and
one preparation, never a re-layout (or a re-opening) of the others.

Layouts are kept between builds in ``<out>/.cache/pdf`` (:mod:`compiler.pdf.store`),
keyed by everything that goes into them: a build lays out only the documents whose
source, images, templates or compiler changed, and keeps the PDFs it need not rewrite.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import orjson

from compiler.config import Config
from compiler.generators.base import BuildContext, register
from compiler.model import Document, Procedure, Step
from compiler.parallel import Failure
from compiler.pdf.printhtml import (
    BUDGET,
    Figure,
    ImageView,
    RunbookView,
    build_view,
    entry_anchor,
    load_stylesheet,
    make_environment,
    one_line,
    pdf_strings,
    resolve_image,
    runbook_html,
    template_fingerprint,
)
from compiler.pdf.render import Job, Rendered, RenderPool
from compiler.pdf.store import STORE_DIR, DocEntry, LayoutStore
from compiler.strings import TEMPLATES, fmt

if TYPE_CHECKING:
    from compiler.graph import RunbookGraph
    from compiler.pdf.book import BookPart

OUTPUT_DIR = "pdf"
HANDBOOK = "handbook.pdf"
FORMAT = 1
"""Bump to invalidate every stored layout when their meaning changes."""
FOLIO_SHEET = 250
"""Folio pages laid out per sheet for the handbook (see ``_PdfBuild._folio_sheets``)."""
FRONT_PASSES = 4
"""The contents' length can change the page numbers it prints: lay out until stable."""
TOC_LINES = 52
"""About how many contents lines fit on a page (a guess; checked by laying it out)."""
MAX_CHART_STEPS = 150
"""A procedure with more steps is printed without its flowchart (dozens of chart pages)."""

_PROLOG = re.compile(r"\A\s*(<\?xml[^>]*>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)

Note = tuple[int, str, str]
"""(line, message, rule) of a warning about one document's PDF."""


@dataclass(slots=True)
class Timings:
    """Seconds spent, for :func:`bench_pdf`."""

    layouts: dict[str, float] = field(default_factory=dict)
    """Per document id: laying out its runbook (absent when the stored layout was used)."""
    handbook: float = 0.0
    """Cover, contents, index, page numbers and assembly (the parts already laid out)."""
    total: float = 0.0


@register("pdf")
class PdfGenerator:
    name: ClassVar[str] = "pdf"

    def __init__(self, *, workers: int | None = None) -> None:
        self.workers = workers
        self.timings = Timings()
        self._pool: RenderPool | None = None
        self.early = False
        """Set by :meth:`prepare` for a build of a few edited documents: generated
        before the other formats and the change report (``ctx.changes`` is not set yet),
        its layouts made by worker processes while the build writes the other formats,
        and collected by a finisher. A bigger build lays out after the other formats
        (its minutes of layouts gain little from the overlap, which would hold the
        WeasyPrint workers' memory beside Pagefind's and the other workers')."""

    def prepare(self, config: Config, out: Path, jobs: int | None, edited: Sequence[Path]) -> None:
        """For a few edited documents, start the WeasyPrint workers now, before the build
        parses anything: loading WeasyPrint, its fonts and the stylesheet takes a worker
        0.7 s, as long as the rest of a one-document rebuild. Which sources were edited
        since the last build is a guess from modification times (more workers are
        started if more layouts turn out to be needed)."""
        if len(edited) > EARLY_LAYOUTS:
            return
        workers = self.workers if self.workers is not None else jobs
        extra_dir = config.path(config.templates) if config.templates else None
        css, folder = load_stylesheet(extra_dir)
        self._pool = RenderPool(
            workers or os.cpu_count() or 1, css, str(folder) if folder else None
        )
        self._pool.start(len(edited))
        self.early = True

    def release(self) -> None:
        """Stop the workers :meth:`prepare` started if :meth:`generate` never took them
        (the build raised before: nothing waits for them)."""
        if self._pool is not None:
            self._pool.kill()
            self._pool = None

    def generate(self, graph: RunbookGraph, ctx: BuildContext) -> None:
        self.timings = Timings()
        workers = self.workers if self.workers is not None else ctx.jobs
        pool, self._pool = self._pool, None
        build = _PdfBuild(graph, ctx, workers, self.timings, pool=pool)
        try:
            build.start()
        except BaseException:
            build.pool.kill()
            raise
        if self.early:
            ctx.finishers.append(build.finish)
        else:
            build.finish()


EARLY_LAYOUTS = 8
"""At most this many edited documents make the PDF format start early (see
:attr:`PdfGenerator.early`)."""


@dataclass(slots=True)
class _Runbook:
    doc: Document
    key: str
    """Hash of everything its layout depends on (source, images, settings)."""
    rendered: Rendered | None = None
    notes: list[Note] = field(default_factory=list)
    anchor: str = ""
    sections: list[tuple[str, str]] = field(default_factory=list)
    """What the handbook's contents show of it (see :meth:`_PdfBuild._contents_of`)."""


class _PdfBuild:
    def __init__(
        self,
        graph: RunbookGraph,
        ctx: BuildContext,
        workers: int | None,
        timings: Timings,
        *,
        pool: RenderPool | None = None,
    ) -> None:
        self.graph = graph
        self.ctx = ctx
        self.workers = workers
        self.timings = timings
        config = ctx.config
        self.extra_dir = config.path(config.templates) if config.templates else None
        self.env = make_environment(self.extra_dir, ctx.template_cache())
        self.css, css_folder = load_stylesheet(self.extra_dir)
        self.css_folder = str(css_folder) if css_folder else None
        self.source_root = ctx.source_root.resolve()
        self.roots = (str(self.source_root),)
        self.book_lang = config.default_locale.split("-")[0].lower() or "en"
        self.store = LayoutStore(ctx.writer.root / STORE_DIR)
        self.settings = _settings_fingerprint(self.extra_dir, self.css)
        self.pool = pool or RenderPool(workers or os.cpu_count() or 1, self.css, self.css_folder)
        """Every layout of this build is made there (started when the first is needed,
        unless the build started it already)."""
        self.runbooks: list[_Runbook] = []
        self._pending: Iterator[tuple[int, Rendered | Failure]] = iter(())
        self._ready: list[_Runbook] = []
        self._start = 0.0

    # -- the whole build -----------------------------------------------------------------
    def run(self) -> None:
        self.start()
        self.finish()

    def start(self) -> None:
        """Hand every layout this build needs to the workers (they work while the build
        goes on with other formats)."""
        self._start = time.perf_counter()
        docs = self.graph.documents()
        self.runbooks = [self._plan(doc) for doc in docs]
        # Every document to be rewritten (--force, a new compiler or templates): start afresh.
        fresh = self.ctx.changed is None or (bool(docs) and len(self.ctx.changed) >= len(docs))
        if fresh:
            self.store.forget()
        self._submit_layouts([r for r in self.runbooks if not self._reuse(r)])

    def finish(self) -> None:
        """Collect the layouts, write the runbooks' PDFs and the handbook."""
        try:
            self._finish()
        except BaseException:  # interrupted: the layouts still being made are not wanted
            self.pool.kill()
            raise
        self.pool.close()

    def _finish(self) -> None:
        runbooks = self.runbooks
        if self._ready:  # the workers are laying out: read the other runbooks meanwhile
            laying_out = {r.key for r in self._ready}
            self.store.preload(
                r.key for r in runbooks if r.key not in laying_out and self._stored(r)
            )
        self._collect_layouts()
        for r in runbooks:
            for line, message, rule in r.notes:
                self.ctx.diags.warning(r.doc.source, line, message, rule)
        done = [r for r in runbooks if r.rendered is not None or self._stored(r)]
        self._write_runbooks(done)
        # The workers made every runbook's layout: the handbook's few, if any, get fresh
        # ones (a worker keeps some of the memory of each layout it made).
        self.pool.close(wait=False)
        book_start = time.perf_counter()
        for lang in (None, *self.ctx.languages) if done else ():
            try:
                self._write_handbook(*self._book_runbooks(done, lang))
            except Exception as exc:  # the runbook PDFs are written: keep them
                self.ctx.diags.error(
                    f"{OUTPUT_DIR}/{handbook_name(lang)}",
                    1,
                    f"could not make the handbook ({type(exc).__name__}: {exc})",
                    "pdf",
                )
        self.timings.handbook = time.perf_counter() - book_start
        self.store.save_index({r.doc.id for r in runbooks})
        self.timings.total = time.perf_counter() - self._start

    def _failed(self, doc: Document, why: Failure) -> None:
        self.ctx.diags.internal(
            doc.source,
            "make the PDF of this runbook",
            why,
            then=f"it is left out of {OUTPUT_DIR}/ and of the handbook",
        )

    def _plan(self, doc: Document) -> _Runbook:
        """Its images (checked and reported every build) and the key of its layout."""
        images = [
            resolve_image(self.source_root, doc, image)
            for proc in doc.procedures
            for step in proc.steps
            for image in step.images
        ]
        for image in images:
            self._report_image(doc, image)
        digest = hashlib.sha256()
        for part in (self.settings, doc.id, doc.source, doc.sha256):
            digest.update(part.encode("utf-8") + b"\0")
        for image in images:
            if image.url is not None:
                digest.update(image.url.encode("utf-8") + _file_digest(image.url))
        return _Runbook(doc, digest.hexdigest())

    def _reuse(self, r: _Runbook) -> bool:
        entry = self.store.docs.get(r.doc.id)
        if entry is None or entry.key != r.key or not self.store.has(r.key):
            return False
        self.store.keep(r.key)
        r.notes = list(entry.notes)
        return True

    def _stored(self, r: _Runbook) -> bool:
        entry = self.store.docs.get(r.doc.id)
        return entry is not None and entry.key == r.key and r.key in self.store.used

    def _report_image(self, doc: Document, view: ImageView) -> None:
        src = view.image.src
        # A missing image is reported once, by the link check (compiler.links), for
        # every format; the PDF shows its alt text in its place.
        messages = {
            "outside": f"image '{src}' is outside the source folder; left out of the PDF",
            "web": f"image '{src}' is on the web and the build never downloads; left out "
            "of the PDF (copy it into the source folder and link it relatively)",
            "type": f"image '{src}' is not a PNG, JPEG, GIF, SVG, WebP or BMP file; "
            "left out of the PDF",
        }
        if view.problem in messages:
            self.ctx.diags.warning(
                doc.source, view.image.line, messages[view.problem], "missing-image"
            )

    # -- layout --------------------------------------------------------------------------
    def _view(
        self, doc: Document, figures: dict[tuple[str, str], list[Figure]] | None = None
    ) -> RunbookView:
        def figure_list(d: Document, proc: Procedure) -> list[Figure]:
            # Filled in after one batched Graphviz run for every printed procedure.
            return figures.setdefault((d.id, proc.id), []) if figures is not None else []

        return build_view(
            doc,
            pdf_strings(doc.lang, self.extra_dir),
            resolve=lambda d, image: resolve_image(self.source_root, d, image),
            figures=figure_list,
        )

    def _submit_layouts(self, todo: Sequence[_Runbook]) -> None:
        """Give every runbook in ``todo`` to the workers to lay out (see
        :meth:`_collect_layouts`)."""
        if not todo:
            return
        self.pool.start(len(todo))  # the workers load WeasyPrint while the HTML is made
        figures: dict[tuple[str, str], list[Figure]] = {}
        views: list[RunbookView | None] = []
        for r in todo:
            try:
                views.append(self._view(r.doc, figures))
            except Exception as exc:  # one document's failure must not lose the others
                self._failed(r.doc, Failure.of(exc))
                views.append(None)
        by_doc = {r.doc.id: r for r in todo}
        self._draw_figures(figures, by_doc)
        jobs: list[Job] = []
        ready: list[_Runbook] = []
        for r, view in zip(todo, views, strict=True):
            if view is None:
                continue
            r.anchor, r.sections = _contents(view)
            if view.kept < view.total:
                r.notes.append(
                    (
                        1,
                        f"too long for one PDF: only the first {view.kept} of its {view.total} "
                        f"entries, procedures, checklists and notes are printed (about "
                        f"{BUDGET // 1000}k characters fit); split the document",
                        "pdf-size",
                    )
                )
            try:
                html = runbook_html(self.env, view, created=_created(r.doc.date))
            except Exception as exc:
                self._failed(r.doc, Failure.of(exc))
                continue
            jobs.append(Job(html, self.css, self.roots, self.css_folder))
            ready.append(r)
        del views, figures
        self._ready = ready
        self._pending = self.pool.render(jobs)

    def _collect_layouts(self) -> None:
        """Store each layout :meth:`_submit_layouts` asked for, as it comes back."""
        ready, self._ready = self._ready, []
        pending, self._pending = self._pending, iter(())
        for i, result in pending:
            r = ready[i]
            if isinstance(result, Failure):
                self._failed(r.doc, result)
                continue
            r.notes += [(1, f"PDF: {problem}", "pdf") for problem in result.problems]
            self.timings.layouts[r.doc.id] = result.seconds
            # Stored, it is read back when needed: 300 layouts (125 MB) are never all in
            # memory at once. Kept only if the store cannot take it.
            if not self.store.put(r.key, result):
                r.rendered = result
            self.store.docs[r.doc.id] = DocEntry(
                r.key, r.notes, "", anchor=r.anchor, sections=r.sections
            )

    def _draw_figures(
        self, figures: dict[tuple[str, str], list[Figure]], by_doc: Mapping[str, _Runbook]
    ) -> None:
        """Every printed procedure's flowchart pages, drawn by one batched Graphviz run."""
        from compiler.flowchart import FlowchartError, procedure_dot, render_svg

        wanted: list[tuple[_Runbook, Procedure, list[str]]] = []
        for (doc_id, proc_id), _ in sorted(figures.items()):
            r = by_doc[doc_id]
            proc = next(p for p in r.doc.procedures if p.id == proc_id)
            if len(proc.steps) > MAX_CHART_STEPS:
                why = f"it has {len(proc.steps)} steps (more than {MAX_CHART_STEPS})"
                r.notes.append(_figure_note(proc, why))
                continue
            try:
                dots = procedure_dot(r.doc, proc, self.graph, link=_no_link)
            except Exception as exc:  # the chart is extra: never lose the runbook for it
                r.notes.append(_figure_note(proc, f"{type(exc).__name__}: {exc}"))
                continue
            wanted.append((r, proc, dots))
        unique = sorted({dot for _, _, dots in wanted for dot in dots})
        try:
            drawn = dict(zip(unique, render_svg(unique), strict=True)) if unique else {}
        except FlowchartError:
            drawn = {dot: _draw_one(dot) for dot in unique}  # find the ones that fail
        for r, proc, dots in wanted:
            svgs = [drawn.get(dot, "") for dot in dots]
            if not all(svgs):
                r.notes.append(_figure_note(proc, "Graphviz could not draw it"))
                continue
            alt = one_line(f"{pdf_strings(r.doc.lang, self.extra_dir)['flowchart']}: {proc.title}")
            figures[(r.doc.id, proc.id)].extend(_svg_figure(svg, alt) for svg in svgs)

    def _layout_of(self, r: _Runbook, *, pdf: bool = True) -> Rendered | None:
        """Its layout (read from the store, not kept); without ``pdf``, all but the bytes."""
        return r.rendered if r.rendered is not None else self.store.get(r.key, pdf=pdf)

    def _template_part(self, template: str, **data: Any) -> tuple[str, Callable[[], str]]:
        """A handbook part or folio sheet made from ``template`` and ``data``: its key (a
        hash of the data, the templates and the stylesheet, so a build whose book did not
        change renders no template) and how to make its HTML."""
        digest = hashlib.sha256()
        for part in (self.settings, self.css, template):
            digest.update(part.encode("utf-8") + b"\0")
        digest.update(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
        return digest.hexdigest(), lambda: self.env.get_template(template).render(**data)

    def _render_part(self, key: str, html: Callable[[], str]) -> Rendered:
        """Part ``key``, laid out once from ``html()`` (the layout's ``pdf`` is empty when it
        was stored before: see :meth:`_book_part`)."""
        ((_, rendered),) = self._render_parts([(key, html)])
        return rendered

    def _render_parts(
        self, parts: Sequence[tuple[str, Callable[[], str]]]
    ) -> list[tuple[str, Rendered]]:
        """:meth:`_render_part` for each of ``parts``; those not stored laid out in parallel."""
        found: dict[str, Rendered] = {}
        todo: dict[str, Callable[[], str]] = {}
        for key, html in parts:
            cached = self.store.get(key, pdf=False) if self.store.has(key) else None
            if cached is not None:
                found[key] = cached
            else:
                todo.setdefault(key, html)
        jobs = [Job(html(), self.css, (), self.css_folder) for html in todo.values()]
        todo_keys = list(todo)
        for i, result in self.pool.render(jobs):
            if isinstance(result, Failure):
                raise RuntimeError(str(result))
            key = todo_keys[i]
            self.store.put(key, result)
            found[key] = result
        return [(key, found[key]) for key, _ in parts]

    def _book_part(self, key: str, rendered: Rendered, *, forms: bool = False) -> BookPart:
        """Layout ``key`` prepared for the handbook: made once, then kept in the store, so a
        build reads the bytes of every part but opens (with pikepdf) only the new ones."""
        from compiler.pdf.book import BookPart, prepare

        head = self.store.part_head(key)
        if head is not None:
            blob = functools.partial(self.store.part_blob, key, head)
            return BookPart(head, blob, rendered.bookmarks)
        data = rendered.pdf
        if not data:
            stored = self.store.get(key)
            if stored is None:
                raise RuntimeError(f"the stored layout {key[:12]} went missing; build again")
            data = stored.pdf
        prepared = prepare(data, forms=forms)
        del data
        if self.store.put_part(key, prepared):
            head = self.store.part_head(key)  # read back: the blob's offset in the file
        if head is not None:
            blob = functools.partial(self.store.part_blob, key, head)
        else:
            blob = functools.partial(bytes, prepared.blob)
        return BookPart(head or prepared.head, blob, rendered.bookmarks)

    def _folios(self, texts: Sequence[tuple[str, bool]]) -> tuple[str, Rendered]:
        key, html = self._folio_sheet(texts)
        rendered = self._render_part(key, html)
        if not rendered.pdf:
            rendered = self.store.get(key) or rendered
        return key, rendered

    def _folio_sheet(
        self, texts: Sequence[tuple[str, bool]], lang: str | None = None
    ) -> tuple[str, Callable[[], str]]:
        folios = [{"text": t, "wide": w} for t, w in texts]
        return self._template_part("folios.html.j2", lang=lang or self.book_lang, folios=folios)

    def _folio_sheets(
        self, texts: Sequence[tuple[str, bool]], lang: str | None = None
    ) -> list[tuple[str, Rendered]]:
        """The handbook's folios, in sheets of :data:`FOLIO_SHEET` pages: a sheet of
        3,000 pages takes WeasyPrint 20 s and 450 MB; sheets take a bounded amount of
        memory each, and are laid out in parallel."""
        return self._render_parts(
            [
                self._folio_sheet(texts[at : at + FOLIO_SHEET], lang)
                for at in range(0, len(texts), FOLIO_SHEET)
            ]
        )

    # -- outputs -------------------------------------------------------------------------
    def _write_runbooks(self, runbooks: Sequence[_Runbook]) -> None:
        from compiler.pdf.assemble import Metadata, finish_runbook, pdf_date

        for r in runbooks:
            path = f"{OUTPUT_DIR}/{r.doc.id}.pdf"
            entry = self.store.docs.get(r.doc.id)
            if entry is not None and entry.written == r.key and self.ctx.writer.keep(path):
                for key in entry.helpers:
                    self.store.keep(key)
                continue
            rendered = self._layout_of(r)  # one at a time: never every layout in memory
            if rendered is None:
                continue
            doc = r.doc
            page_of = pdf_strings(doc.lang, self.extra_dir)["page_of"]
            # A folio sheet of its own (shared by runbooks of the same language and length):
            # the output must not depend on which other documents were written with it.
            folios_key, folios = self._folios(_folio_texts(page_of, rendered.sizes))
            meta = Metadata(
                title=doc.title,
                subject=doc.description or "",
                keywords=", ".join(dict.fromkeys(c for e in doc.errors for c in e.codes)),
                language=doc.locale,
                date=pdf_date(doc.date) or pdf_date(_epoch_date()),
            )
            try:
                data = finish_runbook(rendered, folios, meta)
            except Exception as exc:
                self._failed(doc, Failure.of(exc))
            else:
                self.ctx.writer.write_bytes(f"{OUTPUT_DIR}/{doc.id}.pdf", data)
                self.store.docs[doc.id].written = r.key
                self.store.docs[doc.id].helpers = [folios_key]

    def _book_runbooks(
        self, runbooks: Sequence[_Runbook], lang: str | None
    ) -> tuple[list[_Runbook], str | None, list[Document]]:
        """The runbooks of the handbook in ``lang`` (None: every document), and those of
        them printed in another language (no version in ``lang``)."""
        if lang is None:
            return list(runbooks), None, []
        from compiler.translations import handbook_selection

        by_id = {r.doc.id: r for r in runbooks}
        chosen = [
            (by_id[d.id], other)
            for d, other in handbook_selection(self.graph, lang)
            if d.id in by_id
        ]
        return [r for r, _ in chosen], lang, [r.doc for r, other in chosen if other]

    def _write_handbook(
        self,
        runbooks: Sequence[_Runbook],
        lang: str | None = None,
        elsewhere: Sequence[Document] = (),
    ) -> None:
        """The handbook of ``runbooks``; with ``lang``, the handbook in that language
        (``handbook-<lang>.pdf``), whose cover names the runbooks printed in another one
        (``elsewhere``)."""
        from compiler.pdf.assemble import Metadata, pdf_date
        from compiler.pdf.book import write_book_to

        path = f"{OUTPUT_DIR}/{handbook_name(lang)}"
        book_lang = lang or self.book_lang
        title = self.ctx.config.site_title
        key = hashlib.sha256(
            "\0".join(
                [self.settings, title, book_lang, *(f"{r.doc.id}={r.key}" for r in runbooks)]
            ).encode("utf-8")
        ).hexdigest()
        stored, stored_parts = (
            (self.store.handbook, self.store.handbook_parts)
            if lang is None
            else self.store.handbooks.get(lang, ("", []))
        )
        if stored == key and self.ctx.writer.keep(path):
            for part in stored_parts:
                self.store.keep(part)
            return
        parts_in = [(r, self._layout_of(r, pdf=False)) for r in runbooks]
        parts_ok = [(r, rendered) for r, rendered in parts_in if rendered is not None]
        if not parts_ok:
            return
        s = pdf_strings(book_lang, self.extra_dir)
        dates = sorted(d for d in (r.doc.date for r, _ in parts_ok) if d)
        date = dates[-1] if dates else _epoch_date()
        static = self._book(parts_ok, title, date, book_lang)
        if lang is not None:
            static.update(book_language(s, lang, elsewhere))
        # A first guess from the number of contents lines saves most second layouts.
        lines = sum(1 + len(part["sections"]) for part in static["toc"]) + 1
        front_pages = 1 + max(1, -(-(lines + 4) // TOC_LINES))
        for _ in range(FRONT_PASSES):
            front_key, front_html = self._book_html("front.html.j2", static, s, front_pages)
            front = self._render_part(front_key, front_html)
            if front.pages == front_pages:
                break
            front_pages = front.pages
        index_key, index_html = self._book_html("code-index.html.j2", static, s, front.pages)
        index = self._render_part(index_key, index_html)
        runbook_layouts = [(r.key, layout) for r, layout in parts_ok]
        layouts = [(front_key, front), *runbook_layouts, (index_key, index)]
        sizes = [size for _, layout in layouts for size in layout.sizes]
        sheets = self._folio_sheets(_folio_texts(s["page_of"], sizes, cover=True), book_lang)
        self.pool.close(wait=False)  # every layout is made: the workers' memory is not needed
        parts = [self._book_part(k, layout) for k, layout in layouts]
        folios = [self._book_part(k, sheet, forms=True) for k, sheet in sheets]
        meta = Metadata(title=title, subject=s["handbook"], language=book_lang, date=pdf_date(date))
        # The file identifier: from what the book is made of, like every other byte of it.
        ident = hashlib.sha256(f"{key}\0{front_key}\0{index_key}".encode()).digest()[:16]
        self.ctx.writer.write_with(
            path,
            lambda out: write_book_to(out, parts, folios, meta, ident=ident),
            free_old_later=True,
        )
        made = [front_key, index_key, *(k for k, _ in sheets)]
        if lang is None:
            self.store.handbook, self.store.handbook_parts = key, made
        else:
            self.store.handbooks[lang] = (key, made)

    def _book_html(
        self, template: str, static: dict[str, Any], s: Mapping[str, str], front_pages: int
    ) -> tuple[str, Callable[[], str]]:
        """The front matter or the code index, for a front of ``front_pages`` pages."""
        return self._template_part(template, book=_paginate(static, front_pages), s=dict(s))

    def _contents_of(self, r: _Runbook) -> tuple[str, list[tuple[str, str]]]:
        """Its anchor and listed sections: kept with its layout, so a build does not make
        the print view of 300 runbooks to list them (a third of a second)."""
        if r.anchor:
            return r.anchor, r.sections
        entry = self.store.docs.get(r.doc.id)
        if entry is not None and entry.key == r.key and entry.anchor:
            return entry.anchor, entry.sections
        r.anchor, r.sections = _contents(self._view(r.doc))
        if entry is not None and entry.key == r.key:
            entry.anchor, entry.sections = r.anchor, r.sections
        return r.anchor, r.sections

    def _book(
        self,
        parts: Sequence[tuple[_Runbook, Rendered]],
        title: str,
        date: str | None,
        lang: str | None = None,
    ) -> dict[str, Any]:
        """What the front matter and the index show, with page numbers within each part;
        :func:`_paginate` adds the parts' first pages once the front's length is known."""
        toc: list[dict[str, Any]] = []
        printed: dict[str, dict[int, tuple[str, int]]] = {}
        for r, rendered in parts:
            anchor, listed = self._contents_of(r)
            sections = [
                {"title": title, "anchor": at, "at": rendered.anchors.get(at, 0)}
                for title, at in listed
            ]
            toc.append(
                {
                    "id": r.doc.id,
                    "title": r.doc.title,
                    "anchor": anchor,
                    "pages": rendered.pages,
                    "sections": sections,
                }
            )
            entries: dict[int, tuple[str, int]] = {}
            for i, entry in enumerate(r.doc.errors):
                anchor = entry_anchor(r.doc, i)
                if anchor in rendered.anchors:  # else not printed (over the size budget)
                    entries[id(entry)] = (anchor, rendered.anchors[anchor])
            printed[r.doc.id] = entries
        rows = []
        for code in sorted(self.graph.codes(), key=lambda c: _natural(c.code)):
            refs = []
            for doc, entry in self.graph.entries_for_code(code.code):
                found = printed.get(doc.id, {}).get(id(entry))
                if found is not None:
                    refs.append(
                        {
                            "id": doc.id,
                            "title": one_line(doc.title, 45),
                            "anchor": found[0],
                            "at": found[1],
                        }
                    )
            if refs:
                rows.append({"code": code.code, "refs": refs})
        return {
            "title": title,
            "lang": lang or self.book_lang,
            "language": "",
            "subtitle": "",
            "fallback_note": "",
            "fallbacks": [],
            "date": date,
            "toc": toc,
            "index": rows,
            "index_page": None,
        }


def handbook_name(lang: str | None) -> str:
    """``handbook.pdf``, or ``handbook-ja.pdf`` for the handbook in one language."""
    return HANDBOOK if lang is None else f"handbook-{lang}.pdf"


def book_language(s: Mapping[str, str], lang: str, elsewhere: Sequence[Document]) -> dict[str, Any]:
    """What the cover of the handbook in ``lang`` says besides the whole one's: its
    language, and the runbooks it prints in another language (no version in ``lang``)."""
    name = s.get(f"language_{lang}", lang)
    return {
        "language": name,
        "subtitle": fmt(s.get("handbook_language", "{language}"), language=name),
        "fallback_note": fmt(s.get("fallback_note", ""), count=len(elsewhere), language=name)
        if elsewhere
        else "",
        "fallbacks": [
            {
                "title": doc.title,
                "source": doc.source,
                "locale": doc.locale,
                "language": s.get(f"language_{doc.lang}", doc.locale),
            }
            for doc in elsewhere
        ],
    }


def _folio_texts(
    page_of: str, sizes: Sequence[tuple[float, float]], *, cover: bool = False
) -> list[tuple[str, bool]]:
    """(text, wide) of the folio of every page of pages of ``sizes`` ("page X of Y"),
    but the first one when it is a ``cover`` (which has none)."""
    return [
        (fmt(page_of, page=i + 1, pages=len(sizes)), _wide(size))
        for i, size in enumerate(sizes)
        if i or not cover
    ]


def _contents(view: RunbookView) -> tuple[str, list[tuple[str, str]]]:
    """A runbook's anchor, and (title, anchor) of the sections the contents lists."""
    return view.anchor, [(s.title, s.anchor) for s in view.sections if s.heading == 2]


def _paginate(book: dict[str, Any], front_pages: int) -> dict[str, Any]:
    """``book`` with the page numbers of a handbook whose front has ``front_pages`` pages."""
    starts: dict[str, int] = {}
    toc = []
    page = front_pages + 1
    for part in book["toc"]:
        starts[part["id"]] = page
        children = [
            {"title": c["title"], "anchor": c["anchor"], "page": page + c["at"]}
            for c in part["sections"]
        ]
        toc.append(
            {"title": part["title"], "anchor": part["anchor"], "page": page, "children": children}
        )
        page += part["pages"]
    index = []
    for row in book["index"]:
        # One reference per runbook, with each page it names the code on (linked once).
        refs: dict[str, dict[str, Any]] = {}
        for r in row["refs"]:
            ref = refs.setdefault(r["id"], {"title": r["title"], "pages": []})
            number = starts[r["id"]] + r["at"]
            if all(p["page"] != number for p in ref["pages"]):
                ref["pages"].append({"page": number, "anchor": r["anchor"]})
        index.append({"code": row["code"], "refs": list(refs.values())})
    return {**book, "toc": toc, "index": index, "index_page": page if index else None}


# -- helpers ---------------------------------------------------------------------------------


def _settings_fingerprint(extra_dir: Path | None, css: str) -> str:
    """Everything besides a document that its layout depends on."""
    from compiler.cache import compiler_fingerprint

    digest = hashlib.sha256(f"pdf-{FORMAT}".encode())
    digest.update(compiler_fingerprint(whole=True).encode())
    digest.update(template_fingerprint(extra_dir).encode())
    digest.update(css.encode("utf-8"))
    for folder in (TEMPLATES, extra_dir):
        if folder is None or not (folder / "strings").is_dir():
            continue
        for path in sorted((folder / "strings").glob("*.toml")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for package in ("weasyprint", "pydyf", "pikepdf"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{package}={metadata.version(package)}".encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    return digest.hexdigest()


def _natural(code: str) -> list[tuple[int, int, str]]:
    """Sort key: numbers by value (2 before 10), the rest case-insensitively."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in re.split(r"(\d+)", code)
        if part
    ]


def _wide(size: tuple[float, float]) -> bool:
    return size[0] > size[1]


def _file_digest(url: str) -> bytes:
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    try:
        return hashlib.sha256(Path(url2pathname(urlsplit(url).path)).read_bytes()).digest()
    except OSError:
        return b""


def _epoch_date() -> str | None:
    """``SOURCE_DATE_EPOCH`` as an ISO date, or None."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    return datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%d")


def _created(date: str | None) -> str | None:
    return date or _epoch_date()


# -- flowcharts ------------------------------------------------------------------------------


def _no_link(doc: Document, proc: Procedure, step: Step) -> str:
    return ""  # links inside an embedded image do nothing in a PDF


def _draw_one(dot: str) -> str:
    from compiler.flowchart import FlowchartError, render_svg

    try:
        return render_svg([dot])[0]
    except FlowchartError:
        return ""


def _figure_note(proc: Procedure, why: str) -> Note:
    return (
        proc.line,
        f"the flowchart of procedure '{one_line(proc.title, 60)}' is left out of the PDF: {why}",
        "pdf-flowchart",
    )


PORTRAIT_WIDTH = 499.0
"""Points of text width on a portrait A4 page with print.css's margins (176 mm)."""


def _svg_figure(svg: str, alt: str) -> Figure:
    """A chart goes on a landscape page only when it is too wide for a portrait one."""
    from compiler.flowchart import svg_size

    svg = _PROLOG.sub("", svg)  # no DOCTYPE: nothing that names an external DTD
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    width, height = svg_size(svg)
    return Figure(uri, alt, width > PORTRAIT_WIDTH and width > height)


# -- benchmark -------------------------------------------------------------------------------


def bench_pdf(
    graph: RunbookGraph, ctx: BuildContext, *, seed: str | None = None
) -> dict[str, float]:
    """Seconds for ``make bench`` (reported, never asserted). Every run starts cold.

    - ``seed_layout_s``: laying out the seed runbook on one core (fonts already loaded);
      the target is at most 1 s.
    - ``parts_s``: the sum of laying out every runbook, one core; ``handbook_s``: cover,
      contents, index, page numbers and assembly on top of those parts;
      ``handbook_ratio`` = (parts + handbook) / parts, the target is under 2.
    - ``build_s``: the whole PDF generator with every core (a clean build's PDF cost);
      ``rebuild_one_s``: the same after one document changed (one layout + assembly);
      ``noop_s``: after nothing changed.
    """
    import dataclasses
    import tempfile

    from compiler.diagnostics import Diagnostics
    from compiler.graph import build_graph
    from compiler.writer import Writer

    docs = graph.documents()
    seed_doc = graph.document(seed) if seed else (docs[0] if docs else None)

    def run(
        g: RunbookGraph, workers: int | None, out: Path, changed: frozenset[str] | None = None
    ) -> Timings:
        context = BuildContext(
            config=ctx.config,
            writer=Writer(out),
            diags=Diagnostics(),
            source_root=ctx.source_root,
            changed=changed,
        )
        generator = PdfGenerator(workers=workers)
        generator.generate(g, context)
        for finish in context.finishers:  # the layouts are collected and written there
            finish()
        return generator.timings

    result: dict[str, float] = {"documents": float(len(docs)), "cores": float(os.cpu_count() or 1)}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if seed_doc is not None:
            seed_graph = build_graph([seed_doc])
            run(seed_graph, 1, root / "warm")  # fonts, stylesheet, Graphviz
            seed_timings = run(seed_graph, 1, root / "seed")
            result["seed_layout_s"] = seed_timings.layouts.get(seed_doc.id, 0.0)
            result["seed_total_s"] = seed_timings.total
        serial = run(graph, 1, root / "serial")
        parts = sum(serial.layouts.values())
        result["parts_s"] = parts
        result["handbook_s"] = serial.handbook
        result["handbook_ratio"] = (parts + serial.handbook) / parts if parts else 0.0
        result["build_s"] = run(graph, None, root / "build").total
        result["noop_s"] = run(graph, None, root / "build", frozenset()).total
        if docs:
            changed = dataclasses.replace(docs[0], sha256=docs[0].sha256 + "-edited")
            edited = build_graph([changed, *docs[1:]])
            one = frozenset({changed.id})
            result["rebuild_one_s"] = run(edited, None, root / "build", one).total
    return result
