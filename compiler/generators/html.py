"""``html/``: the intranet runbook site, from the graph only.

One page per document (error cards, numbered procedures with their flowcharts,
checklists, notes), an index of every runbook, one permalink page per error code
(``codes/34513.html``), a lookup box on every page and a Pagefind full-text index.
Every link is relative, so ``build/html`` works from any web server or subfolder.

Templates live in ``templates/html/``; an admin's template folder (``templates`` in
``runbooks.toml``) is searched first, for templates and for ``_static/`` files.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from xml.etree import ElementTree

from jinja2 import BytecodeCache, ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from compiler.config import Config
from compiler.diff import DocumentDiff, PairChange
from compiler.generators.base import BuildContext, register
from compiler.graph import RunbookGraph
from compiler.html import search
from compiler.html.pages import (
    MEDIA,
    Page,
    Site,
    allocate_anchors,
    code_targets,
    doc_codes,
    folder_of,
    layout,
)
from compiler.html.paths import (
    CHANGES_PAGE,
    CODES_INDEX,
    INDEX_PAGE,
    SEARCH_BUNDLE,
    SEARCH_PAGE,
    STATIC,
    TRANSLATIONS_PAGE,
    code_page,
    hash_of,
    page_path,
)
from compiler.model import Document, ErrorEntry, Procedure
from compiler.parallel import Failure, map_documents
from compiler.strings import template_dirs, ui_strings
from compiler.translations import version_index

FORMAT = "html"
OUT = "html"
"""The site's folder inside the output folder."""
CODES_JS = "codes.js"


@register(FORMAT)
class HtmlGenerator:
    name: ClassVar[str] = FORMAT

    def __init__(self) -> None:
        self._warm: search.WarmService | None = None

    def prepare(self, config: Config, out: Path, jobs: int | None, edited: Sequence[Path]) -> None:
        """An edited document in Japanese (or another language Pagefind segments with a
        dictionary): start Pagefind and load that dictionary now (see
        :class:`search.WarmService`), so the index is not waited for at the end."""
        language = _segmented_language(edited)
        if language is not None:
            self._warm = search.prestart(out / OUT, language)

    def release(self) -> None:
        if self._warm is not None:
            self._warm.close()
            self._warm = None

    def generate(self, graph: RunbookGraph, ctx: BuildContext) -> None:
        # No document, template or setting changed: the site is as it was, but for the
        # change report, which now says that nothing changed.
        unchanged = ctx.keep_all(f"{OUT}/", but=frozenset({f"{OUT}/{CHANGES_PAGE}"}))
        extra = ctx.config.path(ctx.config.templates) if ctx.config.templates else None
        env = make_environment(extra, ctx.template_cache())
        docs = graph.documents()
        site = Site(
            graph=graph,
            anchors={doc.id: allocate_anchors(doc) for doc in docs},
            strings=partial(_strings, extra=extra),
            site_title=ctx.config.site_title,
            site_lang=ctx.config.default_locale,
            source_root=ctx.source_root,
            versions=version_index(graph),
        )
        if unchanged:
            _write_page(
                ctx, CHANGES_PAGE, render_changes(env, site, ctx.changes, ctx.translation_changes)
            )
            for state in (PAGE_KEYS, PAGE_IMAGES):  # what the next build compares with
                ctx.writer.keep(state)
            return
        previous_keys = _load_page_keys(ctx)
        keys: dict[str, str] = {}
        stale = [doc for doc in docs if _page_is_stale(ctx, graph, doc, previous_keys, keys)]
        charts = draw_procedures(stale, site, ctx, extra)
        fresh: set[str] = set()  # searchable pages written by this build
        images_of: dict[str, list[str]] = {}  # page -> the images it shows

        def write(path: str, render: Callable[[], str]) -> None:
            site.used.clear()
            html = render()
            images_of[path] = sorted(site.used)
            _write_page(ctx, path, html)

        def page(item: Document | str) -> tuple[str, dict[str, str], list[Problem]]:
            """A runbook's page (a code's, for a code), the images it shows (a worker's
            own copy of ``site.images`` is lost with the worker), and what was wrong with
            its flowcharts (checked here, in the worker that renders the page)."""
            site.used.clear()
            problems: list[Problem] = []
            if isinstance(item, str):
                html = render_code(env, site, item)
            else:
                figures = procedure_figures(item, charts, site, problems)
                html = render_runbook(env, site, item, figures)
            return html, {k: site.images[k] for k in site.used}, problems

        rewritten = {doc.id for doc in stale}
        write(INDEX_PAGE, partial(render_index, env, site))
        write(CODES_INDEX, partial(render_codes_index, env, site))
        stale_codes: list[str] = []
        for code in graph.codes():
            path = code_page(code.code)
            listed = sorted({doc.id for doc, _ in graph.entries_for_code(code.code)})
            # ... and their language versions, side by side (those without the code too).
            shown = listed
            if any(graph.original_of(d) for d in listed):
                shown = sorted({v.id for d in listed for v in graph.versions(d)} | set(listed))
                keys[path] = _digest([listed, [(d, graph.original_of(d)) for d in shown]])
            else:
                keys[path] = _digest(listed)
            # A code page shows entries of the documents that have the code: it is
            # written again when one of their pages is, or when the list changed.
            if (
                rewritten.intersection(shown)
                or previous_keys.get(path) != keys[path]
                or not ctx.writer.keep(f"{OUT}/{path}")
            ):
                stale_codes.append(code.code)
        # The pages of codes and runbooks across the workers; then the search index
        # starts, and the few other files are written while it runs.
        items: list[Document | str] = [*stale_codes, *stale]
        for item, done in zip(items, map_documents(page, items, jobs=ctx.jobs), strict=True):
            if isinstance(item, str):
                path = code_page(item)
                where, what = f"{OUT}/{path}", f"the html page of code {item}"
            else:
                path = page_path(item.id)
                where, what = item.source, "the html page of this document"
            if isinstance(done, Failure):  # one odd document must not lose the site
                keys.pop(path, None)
                ctx.diags.internal(where, f"write {what}", done)
                continue
            html, images, problems = done
            for line, message in problems:  # only a runbook's page has flowcharts
                ctx.diags.warning(where, line, message, "html-flowchart")
            site.images.update(images)
            images_of[path] = sorted(images)
            _write_page(ctx, path, html)
            fresh.add(path)
        searchable = [page_path(doc.id) for doc in docs] + [
            code_page(c.code) for c in graph.codes()
        ]
        warm, self._warm = self._warm, None
        _index(ctx, docs, searchable, fresh if previous_keys else None, warm)
        write(SEARCH_PAGE, partial(render_search, env, site))
        write(
            CHANGES_PAGE, partial(render_changes, env, site, ctx.changes, ctx.translation_changes)
        )
        write(TRANSLATIONS_PAGE, partial(render_translations, env, site))
        _write_static(ctx, extra)
        ctx.writer.write_text(f"{OUT}/{STATIC}/{CODES_JS}", codes_script(site))
        _copy_images(ctx, site.images)
        _keep_images(ctx, searchable, images_of)
        ctx.writer.write_text(PAGE_KEYS, json.dumps(keys, indent=0, sort_keys=True) + "\n")


PAGE_KEYS = ".cache/html-pages.json"
"""Page path -> what the page was made from (its document's source and where its links
lead; for a code page, the documents listing the code), to write only pages that change."""


def _digest(value: object) -> str:
    data = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _load_page_keys(ctx: BuildContext) -> dict[str, str]:
    if ctx.changed is None:
        return {}
    try:
        data = json.loads(ctx.writer.target(PAGE_KEYS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def _page_is_stale(
    ctx: BuildContext,
    graph: RunbookGraph,
    doc: Document,
    previous: dict[str, str],
    keys: dict[str, str],
) -> bool:
    """Must the document's page be written again? Records the page's key in ``keys``.

    The page shows the document and, through its links, whether other documents and
    their anchors exist: it is written again when the document changed, when a document
    it links to changed, or when a link now leads elsewhere (a linked document added or
    removed). It shows its language versions too (which of their cards match its own, how
    far they drifted): it is written again when one of them changed, or when they did
    (a document paired or unpaired). Everything else (templates, settings, the compiler)
    changes every document.
    """
    path = page_path(doc.id)
    links = [(link.href, link.kind, link.target) for link in doc.links]
    # Its language versions: the switch, each card's link to its match, the drift badge.
    versions = [(v.id, v.sha256, graph.paired_by(doc.id, v.id)) for v in graph.versions(doc.id)]
    made_of: list[object] = [doc.sha256, links]
    if versions:
        made_of += [versions, graph.original_of(doc.id)]
    keys[path] = _digest(made_of)
    if ctx.needs(doc.id) or previous.get(path) != keys[path]:
        return True
    changed = ctx.changed or frozenset()
    for link in doc.links:
        if link.kind == "doc" and link.target and link.target.partition("#")[0] in changed:
            return True
    return not ctx.writer.keep(f"{OUT}/{path}")


def _strings(lang: str, *, extra: Path | None) -> dict[str, str]:
    return ui_strings(lang, "html", extra)


def make_environment(extra: Path | None, cache: BytecodeCache | None = None) -> Environment:
    """One Jinja environment per build: admin templates first, autoescape everywhere."""
    loaders = [FileSystemLoader(str(folder)) for folder in template_dirs(FORMAT, extra)]
    return Environment(
        loader=ChoiceLoader(loaders),
        bytecode_cache=cache,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")


def _segmented_language(paths: Sequence[Path]) -> str | None:
    """The first language among ``paths``' texts that Pagefind segments with a
    dictionary (by script: kana is Japanese, Han alone Chinese), or None."""
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for pattern, language in ((_KANA, "ja"), (_HANGUL, "ko"), (_HAN, "zh"), (_THAI, "th")):
            if pattern.search(text):
                return language
    return None


def _write_page(ctx: BuildContext, path: str, html: str) -> None:
    ctx.writer.write_text(f"{OUT}/{path}", html)


def _base(site: Site, path: str, lang: str) -> dict[str, Any]:
    page = Page(site=site, path=path, lang=lang)
    return {"page": page, "site": site, "site_title": site.site_title}


# -- pages -------------------------------------------------------------------
def render_runbook(
    env: Environment, site: Site, doc: Document, figures: dict[tuple[str, str], Markup]
) -> str:
    context = _base(site, page_path(doc.id), doc.locale)
    views = layout(doc, site.anchors[doc.id])
    return env.get_template("runbook.html").render(
        **context,
        doc=doc,
        views=views,
        anchors=site.anchors[doc.id],
        folder=folder_of(doc),
        figures={proc_id: svg for (doc_id, proc_id), svg in figures.items() if doc_id == doc.id},
    )


def render_index(env: Environment, site: Site) -> str:
    groups: dict[str, list[Document]] = {}
    for doc in site.graph.documents():
        groups.setdefault(folder_of(doc), []).append(doc)
    drifts = site.versions.drifts
    return env.get_template("index.html").render(
        **_base(site, INDEX_PAGE, site.site_lang),
        groups=sorted(groups.items()),
        codes_of=doc_codes,
        total_docs=len(site.graph.documents()),
        total_codes=len(site.graph.codes()),
        translated=len(site.graph.version_groups()),
        translations=len(drifts),
        behind=sum(1 for d in drifts if d.behind),
    )


def render_codes_index(env: Environment, site: Site) -> str:
    rows = []
    for code in site.graph.codes():
        entries = site.graph.entries_for_code(code.code)
        docs = list({doc.id: doc for doc, _ in entries}.values())
        runbooks = None  # the code's runbooks, when one of them has other versions
        if any(site.graph.original_of(doc.id) for doc in docs):
            runbooks = [
                [doc for doc, found in group if found] for group in code_groups(site, entries)
            ]
        rows.append({"code": code, "entries": entries, "docs": docs, "runbooks": runbooks})
    return env.get_template("codes.html").render(
        **_base(site, CODES_INDEX, site.site_lang), rows=rows
    )


def render_code(env: Environment, site: Site, code: str) -> str:
    entries = site.graph.entries_for_code(code)
    return env.get_template("code.html").render(
        **_base(site, code_page(code), site.site_lang),
        code=code,
        entries=entries,
        groups=code_groups(site, entries),
    )


def code_groups(
    site: Site, entries: Sequence[tuple[Document, ErrorEntry]]
) -> list[list[tuple[Document, list[ErrorEntry]]]]:
    """The entries of a code by runbook: each runbook's versions (the original first, then
    by language), each with its entries for the code (none: that version lacks it); the
    runbooks in the order of their first entry."""
    groups: dict[str, list[tuple[Document, list[ErrorEntry]]]] = {}
    for doc, entry in entries:
        key = site.graph.original_of(doc.id) or doc.id
        if key not in groups:
            original = site.graph.document(key) or doc
            groups[key] = [(d, []) for d in [original, *site.graph.versions(original.id)]]
        for version, found in groups[key]:
            if version.id == doc.id:
                found.append(entry)
    return list(groups.values())


def render_search(env: Environment, site: Site) -> str:
    return env.get_template("search.html").render(**_base(site, SEARCH_PAGE, site.site_lang))


def render_changes(
    env: Environment,
    site: Site,
    changes: Sequence[DocumentDiff],
    pairs: Sequence[PairChange] = (),
) -> str:
    """The change report of this build (the same diff as ``CHANGES.md``)."""
    documents = {doc.id: doc for doc in site.graph.documents()}
    return env.get_template("changes.html").render(
        changes=changes,
        pairs=pairs,
        documents=documents,
        **_base(site, CHANGES_PAGE, site.site_lang),
    )


def render_translations(env: Environment, site: Site) -> str:
    """``translations.html``: every translation against its original (the drift report)."""
    documents = {doc.id: doc for doc in site.graph.documents()}
    return env.get_template("translations.html").render(
        drifts=site.versions.drifts,
        groups=site.graph.version_groups(),
        documents=documents,
        **_base(site, TRANSLATIONS_PAGE, site.site_lang),
    )


def codes_script(site: Site) -> str:
    """The lookup table as a script (not fetched JSON, so it works from ``file://``)."""
    table = json.dumps(code_targets(site), ensure_ascii=False, sort_keys=True, indent=0)
    return f"window.RUNBOOK_CODES = {table};\n"


# -- flowcharts ----------------------------------------------------------------
_SVG_FORBIDDEN = frozenset(
    {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
)
_SVG_ID = re.compile(r'\bid="([^"]*)"')
_SVG_URL_REF = re.compile(r"url\(#([^)]*)\)")


Problem = tuple[int, str]
"""(line, message) of a warning about a document's flowcharts on its html page."""


def draw_procedures(
    docs: Sequence[Document], site: Site, ctx: BuildContext, extra: Path | None
) -> Mapping[tuple[str, str], Any]:
    """Every procedure chart of ``docs``, drawn by the flowchart module (shared with the
    svg format) with a token for each step's URL; empty when the flowchart module or
    Graphviz is missing (the pages then show a placeholder)."""
    try:
        from compiler.flowchart.shared import procedure_charts
    except ImportError:
        return {}
    try:
        return procedure_charts(ctx.shared, site.graph, extra).draw(docs)
    except Exception as exc:  # Graphviz missing: placeholders, not a failed site
        ctx.diags.warning(
            OUT, 1, f"flowcharts are left out of the html pages: {exc}", "html-flowchart"
        )
        return {}


def procedure_figures(
    doc: Document, charts: Mapping[tuple[str, str], Any], site: Site, problems: list[Problem]
) -> dict[tuple[str, str], Markup]:
    """Inline SVG per procedure of ``doc`` (every page of it), from ``charts``
    (:func:`draw_procedures`): each step node links to the step's anchor on the page, and
    a chart that could run anything is left out (said in ``problems``)."""
    if not charts:
        return {}
    from compiler.flowchart import FlowchartError
    from compiler.flowchart.shared import linked

    out: dict[tuple[str, str], list[str]] = {}
    number = 0  # per page: a page's ids do not depend on other pages
    for proc in doc.procedures:
        chart = charts[(doc.id, proc.id)]
        if isinstance(chart, Exception):  # the svg format reports the flowchart's problems
            problems.append(
                (proc.line, f"no flowchart for procedure '{proc.title}' on its html page: {chart}")
            )
            continue
        steps = site.anchors[doc.id].steps

        def href(n: int, proc: Procedure = proc, steps: dict[Any, str] = steps) -> str:
            return hash_of(steps[(proc.id, n)])

        for svg in chart.pages:
            number += 1
            if isinstance(svg, FlowchartError):
                continue  # the svg format reports what Graphviz said; a placeholder here
            figure = _procedure_figure(linked(svg, href), f"rb-fc{number}-")
            if figure is None:
                problems.append(
                    (
                        proc.line,
                        "the flowchart SVG held script, event handlers or javascript: links "
                        "and was left out of the html page",
                    )
                )
                continue
            out.setdefault((doc.id, proc.id), []).append(figure)
    return {key: Markup("\n".join(parts)) for key, parts in out.items()}


def _procedure_figure(svg: str, id_prefix: str) -> str | None:
    """The SVG markup to inline: no prolog, ids made unique on the page, and None if
    anything in it could run (script, event handlers, ``javascript:`` links)."""
    start = svg.find("<svg")
    if start < 0:
        return None
    body = re.sub(r"<!--.*?-->", "", svg[start:], flags=re.S).strip()
    try:
        tree = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    for element in tree.iter():
        if not isinstance(element.tag, str):
            return None
        if element.tag.rsplit("}", 1)[-1].lower() in _SVG_FORBIDDEN:
            return None
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return None
            if local == "href" and not _safe_svg_href(value):
                return None
    # Templates, not callbacks: re expands them without a Python call per id.
    prefix = id_prefix.replace("\\", "\\\\")
    body = _SVG_ID.sub(f'id="{prefix}\\1"', body)
    return _SVG_URL_REF.sub(f"url(#{prefix}\\1)", body)


def _safe_svg_href(value: str) -> bool:
    target = re.sub(r"[\x00-\x20]", "", value).lower()
    if target.startswith(("#", "http:", "https:")):
        return True
    return re.match(r"[a-z][a-z0-9+.-]*:", target) is None


# -- files -------------------------------------------------------------------
def _write_static(ctx: BuildContext, extra: Path | None) -> None:
    """``_static/`` files: the admin's win over ours, name by name."""
    seen: set[str] = set()
    for folder in template_dirs(FORMAT, extra):
        static = folder / STATIC
        if not static.is_dir():
            continue
        for file in sorted(static.rglob("*")):
            relative = file.relative_to(static).as_posix()
            if file.is_file() and relative not in seen and relative != CODES_JS:
                seen.add(relative)
                ctx.writer.write_bytes(f"{OUT}/{STATIC}/{relative}", file.read_bytes())


PAGE_IMAGES = ".cache/html-images.json"
"""Page -> the images it shows, for every page of the site that shows one."""


def _keep_images(ctx: BuildContext, pages: Sequence[str], images_of: dict[str, list[str]]) -> None:
    """Keep the images of the pages this build did not write, and record every page's.

    Which page shows which image is known only by writing the page: the last build's
    record answers for the others. An image no page shows any more is left out, and the
    build removes it. Without a record (a folder built before there was one) every
    earlier image is kept, and no record is written until a build writes every page.
    """
    previous = _load_page_images(ctx)
    written = {ctx.writer.relative(p) for p in ctx.writer.written}
    for page in pages:
        if page in images_of:
            continue
        if previous is None:  # a page kept from a build that did not record its images
            prefix = f"{OUT}/{MEDIA}/"
            for path in sorted(ctx.previous_outputs):
                if path.startswith(prefix) and path not in written:
                    ctx.writer.keep(path)
            return
        images_of[page] = previous.get(page, [])  # (a page that shows none is not listed)
    for image in sorted({i for shown in images_of.values() for i in shown}):
        if f"{OUT}/{image}" not in written and not ctx.writer.keep(f"{OUT}/{image}"):
            # Gone from the site (deleted by hand): copied again for the page that shows it.
            _copy_images(ctx, {image: image.removeprefix(f"{MEDIA}/")})
    record = {page: shown for page, shown in sorted(images_of.items()) if shown}
    ctx.writer.write_text(PAGE_IMAGES, json.dumps(record, indent=0, sort_keys=True) + "\n")


def _load_page_images(ctx: BuildContext) -> dict[str, list[str]] | None:
    """The last build's :data:`PAGE_IMAGES`: empty for a full build (it writes every page),
    None when there is no usable record."""
    if ctx.changed is None:
        return {}
    try:
        data = json.loads(ctx.writer.target(PAGE_IMAGES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return {str(k): [str(i) for i in v] for k, v in data.items() if isinstance(v, list)}


def _copy_images(ctx: BuildContext, images: dict[str, str]) -> None:
    """Copy each image (site path -> source path) into the site."""
    for site_path, source_path in sorted(images.items()):
        try:
            data = (ctx.source_root / source_path).read_bytes()
            ctx.writer.write_bytes(f"{OUT}/{site_path}", data)
        except (OSError, ValueError) as exc:
            ctx.diags.warning(
                source_path, 1, f"image not copied to the html site: {exc}", "html-image"
            )


def _index(
    ctx: BuildContext,
    docs: Sequence[Document],
    pages: list[str],
    fresh: set[str] | None,
    warm: search.WarmService | None = None,
) -> None:
    """Start Pagefind on the shards holding ``fresh`` pages (all when None); the other
    formats are written meanwhile, and the build waits for it before it finishes."""
    language = search.index_language(doc.lang for doc in docs)
    handle = search.start_index(
        ctx.writer.root / OUT, pages, fresh, force_language=language, warm=warm
    )

    def finish() -> None:
        result = handle.wait()
        if result.message:
            ctx.diags.warning(f"{OUT}/{SEARCH_BUNDLE}", 1, result.message, "html-search")
        # Pagefind writes its bundle itself: record it as this build's, like every output.
        for path in result.files:
            ctx.writer.keep(f"{OUT}/{path}")

    ctx.finishers.append(finish)
