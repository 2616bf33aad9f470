"""The handbook writer (compiler.pdf.book): parts prepared once, the book written from them.

What matters: a book written after one document changed is byte for byte the book a
clean build writes, and writing it opens (with pikepdf) only what changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, Pdf, String

from compiler.build import build
from compiler.config import Config
from compiler.pdf import book, render
from compiler.pdf.assemble import Metadata
from compiler.pdf.render import Bookmark, Job, RenderPool

from .conftest import SEED
from .test_pdf import SMALL

SPOOLER = SMALL
LONG_TAIL = "\n## Clear the queue\n\n" + "\n".join(
    f"{i}. Remove the job files of queue {i} from the spool folder and check the log."
    for i in range(1, 80)
)
"""Enough text for more pages: every later page number, the contents and the folios move."""
_SAME = ("Print a test page.", "Print two.")
"""An edit that keeps every page number."""


def _build(src: Path, out: Path, jobs: int = 1) -> None:
    build(src, out, Config(root=src), formats=["pdf"], jobs=jobs)


def _source(root: Path, spooler: str) -> Path:
    (root / "printers").mkdir(parents=True, exist_ok=True)
    if not (root / SEED.name).exists():
        shutil.copy(SEED, root / SEED.name)
    (root / "printers" / "spooler.md").write_text(spooler, encoding="utf-8")
    return root


def _handbook(out: Path) -> bytes:
    return (out / "pdf" / "handbook.pdf").read_bytes()


def _pages(data: bytes) -> int:
    with Pdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built output folder of the seed and the spooler runbook (copied by each test)."""
    src = _source(tmp_path_factory.mktemp("src"), SPOOLER)
    out = tmp_path_factory.mktemp("out")
    _build(src, out)
    return out


@pytest.mark.parametrize(
    ("edit", "jobs"),
    [
        pytest.param(lambda t: t.replace(*_SAME), 1, id="same-pages"),
        # Two workers here, one for the clean build: the bytes do not depend on them.
        pytest.param(lambda t: t + LONG_TAIL, 2, id="more-pages-2-workers"),
    ],
)
def test_incremental_handbook_is_the_clean_one(
    built: Path, tmp_path: Path, edit: Any, jobs: int
) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = _handbook(out)
    src = _source(tmp_path / "src", edit(SPOOLER))
    _build(src, out, jobs)
    clean = tmp_path / "clean"
    _build(src, clean)
    assert _handbook(out) == _handbook(clean)
    assert _handbook(out) != before
    with Pdf.open(out / "pdf" / "handbook.pdf") as pdf:
        assert pdf.check_pdf_syntax() == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_more_pages_renumber_the_book(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = _pages(_handbook(out))
    _build(_source(tmp_path / "src", SPOOLER + LONG_TAIL), out)
    total = _pages(_handbook(out))
    assert total > before
    for page in (2, before, total):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(out / "pdf" / "handbook.pdf"), "-"],
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")
        assert f"Page {page} of {total}" in text


def test_a_changed_document_opens_only_its_own_layout(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handbook of 300 runbooks must not open 300 PDFs when one changed: only the
    changed runbook's layout is opened (prepared once for the book, and for its own PDF
    with its folio sheet); the others' prepared parts are copied as bytes."""
    out = tmp_path / "out"
    shutil.copytree(built, out)
    layouts = out / ".cache" / "pdf" / "layouts"
    opened: list[str] = []
    real_open = Pdf.open

    def counting_open(source: Any, *args: Any, **kwargs: Any) -> Pdf:
        data = source.getvalue() if isinstance(source, io.BytesIO) else Path(source).read_bytes()
        opened.append(hashlib.sha256(data).hexdigest())
        return real_open(source, *args, **kwargs)

    monkeypatch.setattr(Pdf, "open", staticmethod(counting_open))
    _build(_source(tmp_path / "src", SPOOLER.replace(*_SAME)), out)
    monkeypatch.undo()
    by_hash = {hashlib.sha256(p.read_bytes()).hexdigest(): p.stem for p in layouts.glob("*.pdf")}
    index = json.loads((out / ".cache" / "pdf" / "index.json").read_text(encoding="utf-8"))
    spooler = index["docs"]["printers/spooler"]
    seed = index["docs"][SEED.stem]
    opened_keys = [by_hash.get(h, "?") for h in opened]
    assert seed["key"] not in opened_keys
    assert sorted(set(opened_keys)) == sorted({spooler["key"], *spooler["helpers"]})
    assert opened_keys.count(spooler["key"]) == 2  # its own PDF, and its part of the book


def test_a_corrupt_prepared_part_is_made_again(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    parts = sorted((out / ".cache" / "pdf" / "layouts").glob("*.part"))
    assert parts
    for i, path in enumerate(parts):
        data = path.read_bytes()
        path.write_bytes(data[:-10] if i % 2 else b"{not json\n" + data[:100])
    src = _source(tmp_path / "src", SPOOLER.replace(*_SAME))
    _build(src, out)
    clean = tmp_path / "clean"
    _build(src, clean)
    assert _handbook(out) == _handbook(clean)


# -- the writer on a hand-made part ------------------------------------------------------------


def _part_pdf() -> bytes:
    """Two pages; page 1 links to an anchor on page 2 and to one nowhere; a string that
    looks like a reference; resources shared by both pages."""
    pdf = Pdf.new()
    for _ in range(2):
        pdf.add_blank_page(page_size=(200, 300))
    shared = pdf.make_indirect(Dictionary(XObject=Dictionary()))
    for page in pdf.pages:
        page.obj.Resources = shared
        page.obj.Contents = pdf.make_stream(b"0 0 1 rg 10 10 50 50 re f")

    def link(target: str) -> Dictionary:
        return pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array([0, 0, 10, 10]),
                A=Dictionary(S=Name.URI, URI=String(f"{book.DEST_SCHEME}{target}")),
            )
        )

    note = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Text,
            Rect=Array([0, 0, 10, 10]),
            Contents=String("(see) 1 0 R \\ 2 0 R"),
        )
    )
    pdf.pages[0].obj.Annots = Array([link("there"), link("nowhere"), note])
    second = pdf.pages[1].obj
    pdf.Root.Names = Dictionary(
        Dests=Dictionary(Names=Array([String("there"), Array([second, Name.XYZ, 0, 250, 0])]))
    )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _folio_pdf(pages: int) -> bytes:
    pdf = Pdf.new()
    for i in range(pages):
        pdf.add_blank_page(page_size=(200, 300))
        pdf.pages[i].obj.Contents = pdf.make_stream(b"BT ET %% folio %d" % i)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _book_part(
    data: bytes, *, forms: bool = False, marks: list[Bookmark] | None = None
) -> book.BookPart:
    """Prepared, and read back the way the store keeps it."""
    stored = book.encode(book.prepare(data, forms=forms))
    head = book.read_head(io.BytesIO(stored))
    assert head is not None
    return book.BookPart(head, lambda: stored[head.offset :], marks or [])


@pytest.fixture
def two_parts() -> Iterator[Pdf]:
    marks = [Bookmark("Part", 0, 0.0, 300.0, [Bookmark("Child", 1, 0.0, 250.0)])]
    part = _book_part(_part_pdf(), marks=marks)
    folios = _book_part(_folio_pdf(3), forms=True)
    data = book.write_book(
        [part, part], [folios], Metadata(title="Book (1)", language="en"), ident=b"\x01" * 16
    )
    with Pdf.open(io.BytesIO(data)) as pdf:
        yield pdf


def test_book_is_a_valid_pdf_of_its_parts(two_parts: Pdf) -> None:
    pdf = two_parts
    assert pdf.check_pdf_syntax() == []
    assert len(pdf.pages) == 4
    assert str(pdf.trailer.Info.Title) == "Book (1)"
    assert str(pdf.Root.Lang) == "en"
    # The cover (page 1) has no folio; pages 2-4 get folios 1-3 of the sheet.
    assert "/Folio" not in pdf.pages[0].obj.Resources.XObject
    for i in range(1, 4):
        folio = pdf.pages[i].obj.Resources.XObject.Folio
        assert folio.Subtype == Name.Form
        assert folio.read_bytes() == b"BT ET %% folio %d" % (i - 1)
        contents = pdf.pages[i].obj.Contents
        assert contents[0].read_bytes() == b"q\n"
        assert contents[-1].read_bytes().startswith(b"Q\n")


def test_book_links_strings_and_outline(two_parts: Pdf) -> None:
    pdf = two_parts
    first = pdf.pages[0].obj.Annots
    assert str(first[0].Dest) == "there"  # a runbook-dest link to a named destination
    assert "/Dest" not in first[1] and "/A" not in first[1]  # to nowhere: not a link
    assert str(first[2].Contents) == "(see) 1 0 R \\ 2 0 R"  # strings are not renumbered
    names = pdf.Root.Names.Dests.Names
    assert [str(names[i]) for i in range(0, len(names), 2)] == ["there"]  # first part wins
    assert names[1][0].objgen == pdf.pages[1].obj.objgen
    with pdf.open_outline() as outline:
        assert [item.title for item in outline.root] == ["Part", "Part"]
        child = outline.root[1].children[0]
        assert child.title == "Child"
        assert child.destination[0].objgen == pdf.pages[3].obj.objgen  # the second copy


def test_book_bytes_depend_only_on_the_parts() -> None:
    part = _book_part(_part_pdf())
    folios = _book_part(_folio_pdf(3), forms=True)
    meta = Metadata(title="Book")
    one = book.write_book([part, part], [folios], meta, ident=b"\x02" * 16)
    two = book.write_book([part, part], [folios], meta, ident=b"\x02" * 16)
    assert one == two
    with pikepdf.open(io.BytesIO(one)) as pdf:
        assert pdf.check_pdf_syntax() == []
        assert one.count(b" 0 obj\n") == int(pdf.trailer.Size) - 1  # each object once


def test_render_pool_replaces_its_workers_and_loses_no_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(render, "JOBS_PER_WORKER", 1)  # new workers after every 2 jobs
    monkeypatch.setattr(RenderPool, "method", "fork")  # (quicker to start in a test)
    jobs = [Job(f"<p>{'word ' * (i + 1)}</p>", "") for i in range(5)]
    with RenderPool(2) as pool:
        results = dict(pool.render(jobs))
    assert sorted(results) == list(range(5))
    for result in results.values():
        assert not isinstance(result, str), result
        assert result.pages == 1
