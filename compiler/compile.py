"""The front half: sources -> documents -> one graph -> checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compiler.checks import run_checks
from compiler.config import Config
from compiler.diagnostics import Diagnostics
from compiler.graph import RunbookGraph, build_graph
from compiler.links import resolve_links
from compiler.model import Document
from compiler.parse.document import parse_document
from compiler.parse.vocab import Vocabulary, build_vocabulary
from compiler.sources import SourceFile, find_sources, read_source


@dataclass(slots=True)
class Compilation:
    graph: RunbookGraph
    diagnostics: Diagnostics
    sources: list[SourceFile]


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


def compile_sources(source_root: Path, config: Config) -> Compilation:
    diags = Diagnostics()
    vocab = build_vocabulary(config.vocab)
    paths, known = find_sources(source_root, config.exclude, diags)
    sources: list[SourceFile] = []
    docs: dict[str, Document] = {}
    for path in paths:
        source = read_source(source_root, path, diags)
        if source is None:
            continue
        sources.append(source)
        doc = parse_document(
            source.text,
            path=source.relative,
            doc_id=source.doc_id,
            vocab=vocab,
            diags=diags,
            default_locale=config.default_locale,
        )
        doc.sha256 = source.sha256
        docs[doc.id] = doc
    resolve_links(docs, known, diags)
    graph = build_graph(docs.values())
    run_checks(graph, diags)
    return Compilation(graph, diags, sources)
