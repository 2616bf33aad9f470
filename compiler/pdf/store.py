"""Layouts kept between builds (``<out>/.cache/pdf/``), so a build lays out only what changed.

Content-addressed: a layout is stored under the hash of everything that went into it,
so a stale one can never be used. ``index.json`` remembers, per document, which layout
it had, the diagnostics its layout produced (replayed when it is reused) and which
layout its written PDF came from; and which parts the written handbook was made of.
Every write is atomic; a missing or corrupt entry is a miss, never an error. Layouts no
longer used are deleted at the end of each build.

Next to a layout (``<key>.pdf`` and ``.json``), ``<key>.part`` is the same layout
prepared for the handbook (:mod:`compiler.pdf.book`), made the first time a handbook
needs it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.pdf.book import PartHead, Prepared, encode, read_head
from compiler.pdf.render import Bookmark, Rendered

STORE_DIR = ".cache/pdf"
FORMAT = 1


@dataclass(slots=True)
class DocEntry:
    key: str
    """The layout this document's PDF is made from."""
    notes: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, message, rule) warnings made while preparing and laying it out."""
    written: str = ""
    """The layout key of the PDF last written for it ("" if none)."""
    helpers: list[str] = field(default_factory=list)
    """Other layouts that PDF was made with (its folio sheet): kept while it is."""
    anchor: str = ""
    """The runbook's anchor in its layout ("" if not known: the handbook works it out)."""
    sections: list[tuple[str, str]] = field(default_factory=list)
    """(title, anchor) of each section the handbook's contents lists: with ``anchor``,
    what the contents needs of a runbook that was not laid out in this build."""


class LayoutStore:
    """Rendered layouts on disk plus a small index; see the module docstring."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.docs: dict[str, DocEntry] = {}
        self.handbook = ""
        self.handbook_parts: list[str] = []
        """Layouts the written handbook was made with (front, index, folios)."""
        self.handbooks: dict[str, tuple[str, list[str]]] = {}
        """Language -> the key and the parts of the handbook written in it (``--lang``)."""
        self.used: set[str] = set()
        self._known: dict[str, Rendered] = {}
        """Layouts read without their bytes (see :meth:`preload`)."""
        self._heads: dict[str, PartHead] = {}
        self._load_index()

    # -- index -----------------------------------------------------------------------------
    def _load_index(self) -> None:
        try:
            data = json.loads((self.folder / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return
        try:
            for doc_id, entry in data.get("docs", {}).items():
                self.docs[str(doc_id)] = DocEntry(
                    str(entry["key"]),
                    [(int(a), str(b), str(c)) for a, b, c in entry.get("notes", [])],
                    str(entry.get("written", "")),
                    [str(k) for k in entry.get("helpers", [])],
                    str(entry.get("anchor", "")),
                    [(str(t), str(a)) for t, a in entry.get("sections", [])],
                )
            self.handbook = str(data.get("handbook", ""))
            self.handbook_parts = [str(k) for k in data.get("handbook_parts", [])]
            self.handbooks = {
                str(lang): (str(key), [str(k) for k in parts])
                for lang, (key, parts) in data.get("handbooks", {}).items()
            }
        except (KeyError, TypeError, ValueError):
            self.forget()

    def save_index(self, doc_ids: set[str]) -> None:
        """Write the index (only documents of this build) and delete unused layouts."""
        data = {
            "format": FORMAT,
            "handbook": self.handbook,
            "handbook_parts": self.handbook_parts,
            "handbooks": {
                lang: [key, parts] for lang, (key, parts) in sorted(self.handbooks.items())
            },
            "docs": {
                doc_id: {
                    "key": e.key,
                    "notes": e.notes,
                    "written": e.written,
                    "helpers": e.helpers,
                    "anchor": e.anchor,
                    "sections": e.sections,
                }
                for doc_id, e in sorted(self.docs.items())
                if doc_id in doc_ids
            },
        }
        self._write(self.folder / "index.json", json.dumps(data, ensure_ascii=False).encode())
        layouts = self.folder / "layouts"
        if layouts.is_dir():
            for path in layouts.iterdir():
                if path.name.split(".", 1)[0] not in self.used:
                    path.unlink(missing_ok=True)

    def forget(self) -> None:
        """Use nothing from earlier builds (every layout is made again)."""
        self.docs, self.handbook, self.handbook_parts = {}, "", []
        self.handbooks = {}

    # -- layouts ---------------------------------------------------------------------------
    def preload(self, keys: Iterable[str]) -> None:
        """Read what the handbook needs of each stored layout (:meth:`get` without the
        bytes, :meth:`part_head`) now: the build does this while a worker lays out the
        changed runbooks, instead of after (a twentieth of a second at 300 runbooks)."""
        for key in keys:
            if self.get(key, pdf=False) is not None:
                self.part_head(key)

    def get(self, key: str, *, pdf: bool = True) -> Rendered | None:
        """The stored layout; without ``pdf``, only what is known about it (its ``pdf``
        is then empty): the handbook needs the pages, anchors and bookmarks of every
        runbook, and the bytes of none but the changed ones."""
        if not pdf and (known := self._known.get(key)) is not None:
            self.used.add(key)
            return known
        base = self.folder / "layouts" / key
        try:
            meta = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
            data = base.with_suffix(".pdf").read_bytes() if pdf else b""
            rendered = Rendered(
                pdf=data,
                sizes=[(float(w), float(h)) for w, h in meta["sizes"]],
                anchors={str(k): int(v) for k, v in meta["anchors"].items()},
                bookmarks=[_bookmark(b) for b in meta["bookmarks"]],
                problems=[str(p) for p in meta["problems"]],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self.used.add(key)
        if not pdf:
            self._known[key] = rendered
        return rendered

    def has(self, key: str) -> bool:
        base = self.folder / "layouts" / key
        return base.with_suffix(".json").is_file() and base.with_suffix(".pdf").is_file()

    def put(self, key: str, rendered: Rendered) -> bool:
        self._known.pop(key, None)
        base = self.folder / "layouts" / key
        meta = {
            "sizes": rendered.sizes,
            "anchors": rendered.anchors,
            "bookmarks": [_plain(b) for b in rendered.bookmarks],
            "problems": rendered.problems,
        }
        try:
            self._write(base.with_suffix(".pdf"), rendered.pdf)
            self._write(base.with_suffix(".json"), json.dumps(meta, ensure_ascii=False).encode())
        except OSError:
            return False  # a cache that cannot be written is only slower next time
        self.used.add(key)
        return True

    # -- prepared parts of the handbook (compiler.pdf.book) --------------------------------
    def part_head(self, key: str) -> PartHead | None:
        """The head of layout ``key`` prepared for the handbook; None if not stored."""
        if (known := self._heads.get(key)) is not None:
            self.used.add(key)
            return known
        try:
            with (self.folder / "layouts" / f"{key}.part").open("rb") as handle:
                head = read_head(handle)
                if head is None or os.fstat(handle.fileno()).st_size != head.offset + head.size:
                    return None  # not ours, or cut short: prepared again
        except OSError:
            return None
        self.used.add(key)
        self._heads[key] = head
        return head

    def part_blob(self, key: str, head: PartHead) -> bytes:
        """The bytes of a prepared part whose ``head`` :meth:`part_head` read."""
        with (self.folder / "layouts" / f"{key}.part").open("rb") as handle:
            handle.seek(head.offset)
            return handle.read()

    def put_part(self, key: str, part: Prepared) -> bool:
        self._heads.pop(key, None)
        try:
            self._write(self.folder / "layouts" / f"{key}.part", encode(part))
        except OSError:
            return False
        self.used.add(key)
        return True

    def keep(self, key: str) -> None:
        self.used.add(key)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _plain(mark: Bookmark) -> list[Any]:
    return [mark.label, mark.page, mark.x, mark.y, [_plain(c) for c in mark.children]]


def _bookmark(data: list[Any]) -> Bookmark:
    label, page, x, y, children = data
    return Bookmark(str(label), int(page), float(x), float(y), [_bookmark(c) for c in children])
