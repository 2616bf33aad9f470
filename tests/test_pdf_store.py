"""The layout store: what the handbook reads of unchanged runbooks, read once."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.pdf.book import PartHead, Prepared
from compiler.pdf.render import Rendered
from compiler.pdf.store import LayoutStore


def _stored(folder: Path) -> LayoutStore:
    store = LayoutStore(folder)
    store.put("a", Rendered(b"%PDF-a", [(595.0, 842.0)], {"top": 0}, []))
    store.put_part("a", Prepared(PartHead(objects=3, pages=[], slots=[]), b"blob-a"))
    return store


def test_preloaded_layouts_are_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stored(tmp_path)
    store = LayoutStore(tmp_path)
    store.preload(["a", "missing"])
    assert store.used == {"a"}
    opened: list[Path] = []
    real_open = Path.open
    monkeypatch.setattr(
        Path, "open", lambda self, *a, **k: opened.append(self) or real_open(self, *a, **k)
    )
    real_read = Path.read_text
    monkeypatch.setattr(
        Path, "read_text", lambda self, *a, **k: opened.append(self) or real_read(self, *a, **k)
    )
    known = store.get("a", pdf=False)
    head = store.part_head("a")
    assert opened == []
    assert known is not None and known.sizes == [(595.0, 842.0)] and known.pdf == b""
    assert head is not None and head.objects == 3
    assert store.part_blob("a", head) == b"blob-a"
    full = store.get("a")  # the bytes are always read from the store
    assert full is not None and full.pdf == b"%PDF-a"


def test_a_layout_stored_again_is_read_again(tmp_path: Path) -> None:
    store = _stored(tmp_path)
    store.preload(["a"])
    store.put("a", Rendered(b"%PDF-b", [(842.0, 595.0)], {}, []))
    store.put_part("a", Prepared(PartHead(objects=5, pages=[], slots=[]), b"blob-b"))
    known = store.get("a", pdf=False)
    head = store.part_head("a")
    assert known is not None and known.sizes == [(842.0, 595.0)]
    assert head is not None and head.objects == 5
    assert store.part_blob("a", head) == b"blob-b"
