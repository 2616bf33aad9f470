"""A build starts slow helpers early and overlaps them with its own work.

- The PDF format's WeasyPrint workers start before the sources are parsed, the layouts
  are handed to them before the other formats are written, and collected at the end.
- An edited Japanese document starts Pagefind and loads its dictionary before parsing;
  the search index then uses that process.
- Compiled templates are kept in ``.cache/templates``.
- ``runbooks`` leaves without the interpreter's teardown, its output flushed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import compiler.compile
import compiler.generators.pdf as pdf_format
from compiler.build import build
from compiler.config import Config
from compiler.generators.base import edited_sources
from compiler.generators.html import HtmlGenerator, _segmented_language
from compiler.html import search
from compiler.manifest import MANIFEST
from compiler.pdf.render import RenderPool

from .conftest import ROOT, MakeSource
from .test_pdf import SMALL as DOC

JA_DOC = """# 印刷スプーラーのトラブルシューティング

| エラー | 原因 | 解決策 |
| --- | --- | --- |
| スプーラーが停止しました (0x800706BA) | サービスが停止しました。 | スプーラー サービスを再起動します。 |
"""

needs_pagefind = pytest.mark.skipif(
    search.find_pagefind() is None or not search.find_pagefind().extended,  # type: ignore[union-attr]
    reason="Pagefind's extended build is not installed (make venv installs it)",
)


def _spy(
    monkeypatch: pytest.MonkeyPatch, events: list[str], name: str, owner: object, attr: str
) -> None:
    """``owner.attr`` appends ``name`` to ``events`` each time it is called."""
    original = getattr(owner, attr)

    def wrapper(*args: object, **kwargs: object) -> Any:
        events.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, attr, wrapper)


def test_pdf_workers_start_before_parsing_and_lay_out_beside_other_formats(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_source({"spooler.md": DOC, "other.md": DOC.replace("spooler", "queue")})
    out = tmp_path / "out"
    events: list[str] = []
    _spy(monkeypatch, events, "workers started", RenderPool, "start")
    _spy(monkeypatch, events, "layouts handed over", RenderPool, "render")
    _spy(monkeypatch, events, "parse", compiler.compile, "compile_sources")
    _spy(monkeypatch, events, "html", HtmlGenerator, "generate")
    original_close = RenderPool.close

    def close(self: RenderPool, *, wait: bool = True) -> None:
        if self._pool is not None:
            events.append("workers stopped" if wait else "workers told to stop")
        original_close(self, wait=wait)

    monkeypatch.setattr(RenderPool, "close", close)
    result = build(src, out, Config(root=src), formats=["html", "pdf"], jobs=2)
    assert not [d for d in result.diagnostics.sorted() if d.severity.value == "error"]
    assert events.index("workers started") < events.index("parse")
    assert events.index("layouts handed over") < events.index("html")
    # Every layout is in: the handbook does not wait for the workers to exit.
    assert events.index("html") < events.index("workers told to stop")
    assert "workers stopped" not in events
    assert (out / "pdf" / "spooler.pdf").is_file() and (out / "pdf" / "handbook.pdf").is_file()


def test_a_big_rebuild_lays_out_after_the_other_formats(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Minutes of layouts gain little from the overlap, which would hold the WeasyPrint
    workers' memory beside Pagefind's: past a few edited documents, no early start."""
    monkeypatch.setattr(pdf_format, "EARLY_LAYOUTS", 1)
    src = make_source({"spooler.md": DOC, "other.md": DOC.replace("spooler", "queue")})
    events: list[str] = []
    _spy(monkeypatch, events, "workers started", RenderPool, "start")
    _spy(monkeypatch, events, "parse", compiler.compile, "compile_sources")
    _spy(monkeypatch, events, "html", HtmlGenerator, "generate")
    build(src, tmp_path / "out", Config(root=src), formats=["html", "pdf"], jobs=2)
    assert events.index("parse") < events.index("html") < events.index("workers started")
    assert (tmp_path / "out" / "pdf" / "handbook.pdf").is_file()


def test_workers_started_for_a_build_that_fails_are_stopped(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_source({"spooler.md": DOC})
    pools: list[RenderPool] = []
    original_start = RenderPool.start

    def start(self: RenderPool, jobs: int = 1) -> None:
        pools.append(self)
        original_start(self, jobs)

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("parser bug")

    monkeypatch.setattr(RenderPool, "start", start)
    monkeypatch.setattr(compiler.compile, "compile_sources", broken)
    with pytest.raises(RuntimeError, match="parser bug"):
        build(src, tmp_path / "out", Config(root=src), formats=["pdf"], jobs=1)
    assert pools and all(pool._pool is None for pool in pools)


def test_edited_sources_are_those_newer_than_the_last_manifest(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = make_source({"a.md": DOC, "b.md": DOC})
    out = tmp_path / "out"
    assert [p.name for p in edited_sources(src, out)] == ["a.md", "b.md"]  # no build yet
    out.mkdir()
    (out / MANIFEST).write_text("{}", encoding="utf-8")
    old = time.time() - 60
    os.utime(src / "a.md", (old, old))
    os.utime(src / "b.md", (old, old))
    assert edited_sources(src, out) == []
    (src / "b.md").write_text(DOC + "\nEdited.\n", encoding="utf-8")
    os.utime(src / "b.md", (time.time() + 1, time.time() + 1))
    assert [p.name for p in edited_sources(src, out)] == ["b.md"]


def test_segmented_language_by_script(tmp_path: Path) -> None:
    texts = {"en.md": "Restart the spooler.", "ja.md": JA_DOC, "ko.md": "스풀러를 다시 시작합니다."}
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert _segmented_language([tmp_path / "en.md"]) is None
    assert _segmented_language([tmp_path / "en.md", tmp_path / "ja.md"]) == "ja"
    assert _segmented_language([tmp_path / "ko.md"]) == "ko"


@needs_pagefind
def test_a_warm_pagefind_is_used_by_the_index(tmp_path: Path) -> None:
    site = tmp_path / "html"
    warm = search.prestart(site, "ja")
    assert warm is not None
    (site / "a.html").write_text(
        '<!doctype html><html lang="ja"><head><title>スプーラー</title></head>'
        "<body><main data-pagefind-body><p>スプーラーを再起動します。</p></main></body></html>",
        encoding="utf-8",
    )
    result = search.start_index(site, ["a.html"], None, force_language="ja", warm=warm).wait()
    assert result.ok, result.message
    assert warm.take() is None  # the index took the process (and closed it)
    assert not (site / "warm.html").exists()  # the warming page was never a file
    assert any(path.startswith("pagefind/") for path in result.files)


@needs_pagefind
def test_an_unused_warm_pagefind_is_stopped(tmp_path: Path) -> None:
    warm = search.prestart(tmp_path / "html", "ja")
    assert warm is not None
    process = warm._service._process
    warm.close()
    assert process.poll() is not None


@needs_pagefind
def test_an_edited_japanese_document_warms_pagefind_before_parsing(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_source({"en.md": DOC, "ja.md": JA_DOC})
    out = tmp_path / "out"
    build(src, out, Config(root=src), formats=["html"], jobs=1)
    warmed: list[str] = []
    original = search.prestart

    def prestart(site: Path, language: str) -> search.WarmService | None:
        warmed.append(language)
        return original(site, language)

    monkeypatch.setattr(search, "prestart", prestart)
    (src / "en.md").write_text(DOC + "\nEdited.\n", encoding="utf-8")
    os.utime(src / "en.md", (time.time() + 1, time.time() + 1))
    build(src, out, Config(root=src), formats=["html"], jobs=1)
    assert warmed == []  # an English edit never loads the dictionary
    (src / "ja.md").write_text(JA_DOC + "\n編集しました。\n", encoding="utf-8")
    os.utime(src / "ja.md", (time.time() + 2, time.time() + 2))
    result = build(src, out, Config(root=src), formats=["html"], jobs=1)
    assert warmed == ["ja"]
    assert not [d for d in result.diagnostics.sorted() if d.rule == "html-search"]


def test_compiled_templates_are_kept_between_builds(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = make_source({"spooler.md": DOC})
    out = tmp_path / "out"
    build(src, out, Config(root=src), formats=["html", "ps1"], jobs=1)
    assert list((out / ".cache" / "templates").iterdir())


def test_the_command_exits_with_its_status_and_flushed_output(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    done = subprocess.run(
        [sys.executable, "-m", "compiler", "build", str(missing), "--out", str(tmp_path / "o")],
        capture_output=True,
        encoding="utf-8",
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert "does not exist" in done.stderr


def test_each_format_is_registered_by_the_module_named_for_it() -> None:
    import pkgutil

    import compiler.generators as package
    from compiler.generators import base

    modules = {
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if info.name != "base" and not info.name.startswith("_")
    }
    assert set(base.BUILTIN.values()) == modules
    base._load_builtin()
    for name, module in base.BUILTIN.items():
        registered = {
            key
            for key, factory in base._REGISTRY.items()
            if factory.__module__ == f"compiler.generators.{module}"
        }
        assert registered == {name}
    assert set(base.PREPARE_FIRST) <= set(base.BUILTIN)
