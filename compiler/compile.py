"""The front half: sources -> documents -> one graph -> checks.

Documents are parsed in worker processes (``jobs``, default the CPU count); results
come back in source order, so the output is the same for any number of jobs. A
document whose parse raises (a parser bug) is an ``internal`` error and is left out;
the others are built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compiler import collector
from compiler.cache import ParseCache
from compiler.checks import check_document, check_site
from compiler.config import Config
from compiler.diagnostics import Diagnostic, Diagnostics
from compiler.graph import RunbookGraph, build_graph
from compiler.links import resolve_links
from compiler.model import Document
from compiler.parallel import Failure, map_documents
from compiler.parse.document import parse_document
from compiler.parse.vocab import RawVocab, Vocabulary, build_vocabulary
from compiler.progress import NoProgress, Progress
from compiler.sources import Reading, SourceFile, read_sources
from compiler.translations import pair_documents


@dataclass(slots=True)
class Compilation:
    graph: RunbookGraph
    diagnostics: Diagnostics
    sources: list[SourceFile]
    unreadable: list[str] = field(default_factory=list)
    """Source files found but not read (bad encoding, I/O error) or not parsed (the parser
    raised): not in the graph, and their previous outputs are kept."""


def compile_text(
    text: str,
    path: str = "doc.md",
    *,
    vocab: Vocabulary | None = None,
    diags: Diagnostics | None = None,
    default_locale: str = "en",
) -> Document:
    """One document from text (tests, tools). Never raises on any text."""
    vocab = vocab or build_vocabulary()
    diags = diags if diags is not None else Diagnostics()
    doc_id = path[:-3] if path.lower().endswith(".md") else path
    return parse_document(
        text, path=path, doc_id=doc_id, vocab=vocab, diags=diags, default_locale=default_locale
    )


def compile_sources(
    source_root: Path,
    config: Config,
    *,
    jobs: int | None = None,
    cache: ParseCache | None = None,
    reuse: bool = True,
    progress: Progress | None = None,
    reading: Reading | None = None,
) -> Compilation:
    """Read, parse (or load from ``cache``), resolve links, build the graph, run checks.

    With ``reuse=False`` the cache is written but not read (``--force``). ``reading``: the
    sources of ``source_root`` already read (by the build's up-to-date check).
    """
    with collector.paused():
        return _compile(source_root, config, jobs, cache, reuse, progress, reading)


def _compile(
    source_root: Path,
    config: Config,
    jobs: int | None,
    cache: ParseCache | None,
    reuse: bool,
    progress: Progress | None,
    reading: Reading | None,
) -> Compilation:
    if reading is None:
        reading = read_sources(source_root, config.exclude)
    diags = Diagnostics()
    diags.extend(reading.diags)
    sources, known, unreadable = reading.sources, reading.known, list(reading.unreadable)
    cached = {s.relative: cache.load(s) for s in sources} if cache is not None and reuse else {}
    misses = [s for s in sources if cached.get(s.relative) is None]
    report = progress or NoProgress()
    report.start(len(sources), "parse")
    for source in sources:
        if cached.get(source.relative) is not None:
            report.advance(f"{source.relative} (unchanged)")
    results = parse_sources(misses, config, jobs=jobs, progress=report, cache=cache)
    parsed = dict(zip((s.relative for s in misses), results, strict=True))
    docs: dict[str, Document] = {}
    for source in sources:
        result = cached.get(source.relative) or parsed[source.relative]
        if isinstance(result, Failure):
            diags.internal(source.relative, "parse this document", result)
            unreadable.append(source.relative)
            continue
        doc, found = result
        docs[doc.id] = doc
        diags.extend(found)
    resolve_links(docs, known, diags)
    versions = pair_documents(docs, config.translations, config.default_locale, diags)
    graph = build_graph(docs.values(), versions)
    check_site(graph, diags)  # the document rules ran with the parse (and are cached)
    return Compilation(graph, diags, sources, unreadable)


def parse_sources(
    sources: Sequence[SourceFile],
    config: Config,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    cache: ParseCache | None = None,
) -> list[tuple[Document, list[Diagnostic]] | Failure]:
    """Parse every source, in order; across processes when there are enough of them.
    Each result goes into ``cache`` where it is made (300 results were 0.13 s of this
    process, one after the other, with the workers done). A source whose parse raised
    (a parser bug) has its :class:`Failure` instead."""
    report = progress or NoProgress()
    _init_worker(config.vocab, config.default_locale, cache)  # forked workers inherit it
    return map_documents(
        _parse_one, sources, jobs=jobs, done=lambda source: report.advance(source.relative)
    )


_WORKER: dict[str, object] = {}
"""Parsing state (the vocabulary, the default locale, the parse cache), set before the
workers are forked."""


def _init_worker(
    extra_vocab: Mapping[str, RawVocab], default_locale: str, cache: ParseCache | None
) -> None:
    _WORKER["vocab"] = build_vocabulary(extra_vocab)
    _WORKER["locale"] = default_locale
    _WORKER["cache"] = cache


def _parse_one(source: SourceFile) -> tuple[Document, list[Diagnostic]]:
    diags = Diagnostics()
    vocab = _WORKER["vocab"]
    assert isinstance(vocab, Vocabulary)
    doc = parse_document(
        source.text,
        path=source.relative,
        doc_id=source.doc_id,
        vocab=vocab,
        diags=diags,
        default_locale=str(_WORKER["locale"]),
    )
    doc.sha256 = source.sha256
    check_document(doc, diags)
    cache = _WORKER["cache"]
    if isinstance(cache, ParseCache):
        cache.store(source, (doc, diags.items))
    return doc, diags.items
