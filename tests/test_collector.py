"""The parse leaves no reference cycles, so pausing the cyclic collector costs no memory."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

import compiler.compile as compile_module
from compiler import collector
from compiler.compile import compile_text
from compiler.config import Config
from compiler.parse.vocab import build_vocabulary

ROOT = Path(__file__).resolve().parent.parent


def _unreachable_after(fn: object) -> int:
    """Objects only a cycle kept alive once ``fn()`` is done (its result dropped)."""
    gc.collect()
    with collector.paused():
        fn()  # type: ignore[operator]
        return gc.collect()


def test_parsing_the_corpus_leaves_no_cycles() -> None:
    vocab = build_vocabulary()
    texts = [p.read_text("utf-8") for p in sorted((ROOT / "source_docs").rglob("*.md"))]
    compile_text(texts[0], vocab=vocab)  # first-use caches (the parser, compiled patterns)

    def parse_all() -> None:
        for i, text in enumerate(texts):
            compile_text(text, path=f"doc{i}.md", vocab=vocab)

    assert _unreachable_after(parse_all) == 0


def test_labelled_paragraphs_and_tables_leave_no_cycles() -> None:
    vocab = build_vocabulary()
    text = (
        "# Errors\n\n## Error 0x80070005\n\n**Cause:** no access.\n\n**Resolution:** grant it.\n\n"
        "| Error | Cause | Action |\n| --- | --- | --- |\n| 34513 | Disk full | Free space |\n"
    )
    compile_text(text, vocab=vocab)
    assert _unreachable_after(lambda: compile_text(text, vocab=vocab)) == 0


def test_compiling_pauses_the_collector_and_restores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "doc.md").write_text("# Doc\n\n## Error 34513\n\nFree space.\n", "utf-8")
    seen: list[bool] = []
    parse = compile_module.parse_sources

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return parse(*args, **kwargs)

    monkeypatch.setattr(compile_module, "parse_sources", watched)
    assert gc.isenabled()
    compilation = compile_module.compile_sources(tmp_path, Config(root=tmp_path), jobs=1)
    assert compilation.graph.g.number_of_nodes() > 0
    assert seen == [False]  # paused while parsing
    assert gc.isenabled()  # and on again after
    gc.disable()
    try:
        compile_module.compile_sources(tmp_path, Config(root=tmp_path), jobs=1)
        assert not gc.isenabled()  # a caller's pause is left as it was
    finally:
        gc.enable()
