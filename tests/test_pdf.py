"""PDF output: checked by its text, outline, fonts and images (never by its bytes' content).

Builds are shared per module (a WeasyPrint layout costs about half a second a page set):
the seed plus one small English runbook, built twice for the determinism check.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from compiler.build import BuildResult, build
from compiler.config import Config
from compiler.pdf import render as render_module
from compiler.pdf.render import Job, Rendered, RenderPool, confined_fetcher

from .conftest import ROOT, SEED, MakeSource

SEED_CODES = ["34513", "403", "100050", "407", "0x1FC07", "34506"]
ARTIFACTS = ROOT / "build" / "test-artifacts"
SMALL = """---
title: Printer spooler troubleshooting
ms.date: 03/01/2021
---
# Printer spooler troubleshooting

## Errors

| Error | Cause | Resolution |
| --- | --- | --- |
| The spooler stopped (0x800706BA) | The service crashed. | Restart the spooler service. |

## Restart the spooler

1. Open Services.
2. If the spooler is running, go to step 4.
3. Start the spooler.
4. Print a test page.
"""

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is not installed (make deps)"
)


def _tool(*args: str | Path) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8", errors="replace")


def _text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = []
    if first is not None:
        pages += ["-f", str(first)]
    if last is not None:
        pages += ["-l", str(last)]
    return _tool("pdftotext", "-enc", "UTF-8", *pages, pdf, "-")


def _build(src: Path, out: Path) -> BuildResult:
    return build(src, out, Config(root=src), formats=["pdf"], jobs=1)


def _messages(result: BuildResult) -> list[str]:
    return [str(d) for d in result.compilation.diagnostics.sorted()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, BuildResult]:
    src = tmp_path_factory.mktemp("src")
    shutil.copy(SEED, src / SEED.name)
    (src / "printers").mkdir()
    (src / "printers" / "spooler.md").write_text(SMALL, encoding="utf-8")
    first = tmp_path_factory.mktemp("out1")
    second = tmp_path_factory.mktemp("out2")
    result = _build(src, first)
    _build(src, second)
    return first / "pdf", second / "pdf", result


@pytest.fixture(scope="module")
def seed_pdf(corpus: tuple[Path, Path, BuildResult]) -> Path:
    return corpus[0] / f"{SEED.stem}.pdf"


@pytest.fixture(scope="module")
def handbook(corpus: tuple[Path, Path, BuildResult]) -> Path:
    return corpus[0] / "handbook.pdf"


def test_one_pdf_per_runbook_and_a_handbook(corpus: tuple[Path, Path, BuildResult]) -> None:
    out, _, result = corpus
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf")) == [
        f"{SEED.stem}.pdf",
        "handbook.pdf",
        "printers/spooler.pdf",
    ]
    assert not [m for m in _messages(result) if "[pdf" in m]


def test_seed_text_has_japanese_and_every_code(seed_pdf: Path) -> None:
    text = _text(seed_pdf)
    assert "無効なコンテナーの資格情報が指定されました" in text
    assert "復元の問題のトラブルシューティング" in text
    for code in SEED_CODES:
        assert re.search(rf"(?<![0-9A-Za-z]){re.escape(code)}(?![0-9A-Za-z])", text), code


def test_seed_jump_fallback_and_note_are_written_out(seed_pdf: Path) -> None:
    text = re.sub(r"\s+", " ", _text(seed_pdf))
    assert "→ 手順 7 (見つかった場合は)" in text
    assert "それでも解決しない場合" in text
    assert "それでも回復が失敗する場合は" in text
    assert "$PSVersionTable.PSVersion" in text
    assert "ヒント" in text


def test_running_header_page_of_pages_and_source_date(seed_pdf: Path) -> None:
    pages = int(re.search(r"Pages:\s+(\d+)", _tool("pdfinfo", seed_pdf)).group(1))  # type: ignore[union-attr]
    for page in (1, pages):
        text = _text(seed_pdf, page, page)
        assert "Azure Backup エージェントのトラブルシューティング" in text
        assert re.search(rf"(?<!\d){page}\s*/\s*{pages}(?!\d)", text), text[-200:]
        assert "2019-02-18" in text


def test_standalone_outline_is_runbook_section_entry(seed_pdf: Path) -> None:
    with pikepdf.open(seed_pdf) as pdf, pdf.open_outline() as outline:
        (top,) = outline.root
        assert top.title == "Azure Backup エージェントのトラブルシューティング"
        sections = [item.title for item in top.children]
        assert "無効なコンテナーの資格情報が指定されました" in sections
        first = top.children[0]
        assert first.children and first.children[0].title.startswith("34513 — ")
        restore = next(i for i in top.children if i.title == "復元の問題のトラブルシューティング")
        assert [c.title for c in restore.children] == ["手順: 復元の問題のトラブルシューティング"]


def test_handbook_outline_has_an_entry_per_runbook(handbook: Path) -> None:
    with pikepdf.open(handbook) as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
        assert titles == [
            "Contents",
            "Azure Backup エージェントのトラブルシューティング",
            "Printer spooler troubleshooting",
            "Error code index",
        ]
        seed = outline.root[1]
        assert len(seed.children) >= 8  # sections, each with its entries/procedures
        # Every bookmark lands on a page of the book.
        pages = {page.objgen for page in pdf.pages}

        def walk(items: list[pikepdf.OutlineItem]) -> None:
            for item in items:
                assert item.destination is not None
                assert item.destination[0].objgen in pages
                walk(item.children)

        walk(list(outline.root))


def test_handbook_contents_index_and_page_numbers(handbook: Path) -> None:
    with pikepdf.open(handbook) as pdf:
        total = len(pdf.pages)
        names = pdf.Root.Names.Dests.Names
        dests = {str(names[i]) for i in range(0, len(names), 2)}
        links = [
            str(annot.Dest)
            for page in pdf.pages
            for annot in page.obj.get("/Annots", [])
            if "/Dest" in annot
        ]
    contents = _text(handbook, 2, 2)
    assert "Contents" in contents
    assert "Azure Backup エージェントのトラブルシューティング" in contents
    assert "Printer spooler troubleshooting" in contents
    assert f"Page 2 of {total}" in contents
    index = _text(handbook, total, total)
    assert "Error code index" in index
    for code in [*SEED_CODES, "0x800706BA"]:
        assert code in index
    assert len(links) >= 10  # contents, code index and jumps are links ...
    assert set(links) <= dests  # ... and every one has somewhere to go
    # The contents says where the spooler runbook starts, and it does start there.
    start = int(re.search(r"Printer spooler troubleshooting\s*\.*\s*(\d+)", contents).group(1))  # type: ignore[union-attr]
    assert "Printer spooler troubleshooting" in _text(handbook, start, start).splitlines()[0:3][0]


def test_fonts_are_embedded_subsets(seed_pdf: Path, handbook: Path) -> None:
    for pdf in (seed_pdf, handbook):
        rows = _tool("pdffonts", pdf).splitlines()[2:]
        assert rows, "no fonts"
        for row in rows:
            name, *_, emb, sub, _uni, _obj, _gen = row.split()
            assert re.fullmatch(r"[A-Z]{6}\+\S+", name), row
            assert (emb, sub) == ("yes", "yes"), row
        assert any("Noto-Sans-CJK-JP" in row for row in rows)


def _font_glyph_counts(pdf: Path) -> dict[str, int]:
    """Embedded font name -> glyph count of its font program."""
    counts = {}
    with pikepdf.open(pdf) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                program = obj.get("/FontFile3") or obj.get("/FontFile2")
                font = TTFont(io.BytesIO(program.read_bytes()))
                counts[str(obj.FontName).split("+")[-1]] = font["maxp"].numGlyphs
    return counts


def test_latin_runbook_embeds_small_font_subsets(
    corpus: tuple[Path, Path, BuildResult], seed_pdf: Path
) -> None:
    # WeasyPrint's subsets keep every glyph id up to the last one used. The CJK fonts keep
    # their Latin "locl" digits, the "fi" ligature and the mono face's Latin near the end of
    # ~63,000 glyphs: one digit or error code made each font of an English runbook ~140 kB.
    english = _font_glyph_counts(corpus[0] / "printers" / "spooler.pdf")
    assert "DejaVu-Sans-Mono" in english, english
    assert max(english.values()) < 2000, english
    # Japanese runbooks keep the CJK mono face (Latin exactly half an ideograph wide).
    assert "Noto-Sans-Mono-CJK-JP" in _font_glyph_counts(seed_pdf)


def test_flowchart_is_a_vector_figure(seed_pdf: Path) -> None:
    assert _tool("pdfimages", "-list", seed_pdf).splitlines()[2:] == []  # no raster at all
    assert "フローチャート" in _text(seed_pdf)


def test_page_one_as_png_artifact(seed_pdf: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "pdf-seed-page1"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(seed_pdf),
            str(target),
        ],
        check=True,
        timeout=60,
    )
    png = target.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000


def test_two_builds_are_byte_identical(corpus: tuple[Path, Path, BuildResult]) -> None:
    first, second, _ = corpus
    for path in sorted(first.rglob("*.pdf")):
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path


def test_metadata_is_fixed(seed_pdf: Path) -> None:
    info = _tool("pdfinfo", seed_pdf)
    assert "Mon Feb 18 00:00:00 2019" in info
    assert "Keywords:        34513, 403, 100050, 407, 0x1FC07, 34506" in info


def _png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_images_embedded_and_missing_ones_diagnosed(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = make_source(
        {
            "docs/fix.md": "# Fix it\n\n1. Open the console.\n\n   ![The console](media/console.png)\n"
            "2. Press the button.\n\n   ![The button](media/button.png)\n3. Done.\n",
            "docs/media/console.png": _png(),
        }
    )
    result = _build(src, tmp_path / "out")
    pdf = tmp_path / "out" / "pdf" / "docs" / "fix.pdf"
    with pikepdf.open(pdf) as opened:
        assert len(opened.pages) >= 1
    assert len(_tool("pdfimages", "-list", pdf).splitlines()[2:]) == 1  # the one that exists
    assert "The button" in _text(pdf)  # the missing one: its alt text in a placeholder
    # Reported once (by the link check, for every format), not again by the PDF.
    assert [m for m in _messages(result) if "media/button.png" in m] == [
        "docs/fix.md:8:1: warning: image 'media/button.png' not found in the source folder"
        " [missing-image]"
    ]


HOSTILE = """# Hostile <script>alert(1)</script> doc

| Error | Resolution |
| --- | --- |
| Boom <img src="http://127.0.0.1:9/track.png"> (ID: 4242) | <script>alert(2)</script> Restart. <iframe src="file:///etc/passwd"></iframe> |

1. Look at ![secret](file:///etc/passwd) and ![up](../../../../etc/passwd).
2. And ![web](http://127.0.0.1:9/x.png) and <img src="https://example.invalid/y.png">.
3. And <link rel="stylesheet" href="http://127.0.0.1:9/x.css"> `<style>@import url(http://127.0.0.1:9/z.css)</style>`
"""


def test_hostile_document_renders_without_fetching(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The layouts are made in worker processes: forked, they are patched too, and they
    # write what they tried to a file.
    monkeypatch.setattr(RenderPool, "method", "fork")
    log = tmp_path / "connections.log"

    def refuse(self: socket.socket, address: object) -> None:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"{address!r}\n")
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    src = make_source({"hostile.md": HOSTILE})
    result = _build(src, tmp_path / "out")
    pdf = tmp_path / "out" / "pdf" / "hostile.pdf"
    text = _text(pdf)
    assert not log.exists(), log.read_text(encoding="utf-8")
    assert "root:" not in text  # /etc/passwd never read into the PDF
    assert "4242" in text
    assert _tool("pdfimages", "-list", pdf).splitlines()[2:] == []
    assert "JavaScript:      no" in _tool("pdfinfo", pdf)
    with pikepdf.open(pdf) as opened:
        for page in opened.pages:
            for annot in page.obj.get("/Annots", []):
                assert "/A" not in annot  # no URI actions: nothing from the doc is a live link
    messages = "\n".join(_messages(result))
    assert (
        "hostile.md:7:1: warning: image '../../../../etc/passwd' is outside the source folder"
        in messages
    )
    assert "hostile.md:8:1: warning: image 'http://127.0.0.1:9/x.png' is on the web" in messages
    assert "@import url(http://127.0.0.1:9/z.css)" in text  # markup from the doc is only text


def test_fetcher_allows_only_data_and_files_inside(tmp_path: Path) -> None:
    inside = tmp_path / "src"
    inside.mkdir()
    (inside / "a.png").write_bytes(_png())
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    fetcher = confined_fetcher([inside])
    assert fetcher.fetch((inside / "a.png").as_uri()).read()[:4] == b"\x89PNG"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for url in (
        (tmp_path / "secret.txt").as_uri(),
        (inside / ".." / "secret.txt").as_uri(),
        "http://127.0.0.1:9/x.png",
        "https://example.invalid/",
        "ftp://example.invalid/x",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_rebuilds_lay_out_only_what_changed(tmp_path: Path) -> None:
    """A no-op build writes nothing; after one edit, only that runbook is laid out again,
    and the result is byte-identical to a clean build of the same sources."""
    src = tmp_path / "src"
    (src / "printers").mkdir(parents=True)
    shutil.copy(SEED, src / SEED.name)
    spooler = src / "printers" / "spooler.md"
    spooler.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "out"
    _build(src, out)
    pdfs = sorted((out / "pdf").rglob("*.pdf"))
    before = {p: p.stat().st_mtime_ns for p in pdfs}
    layouts = sorted((out / ".cache" / "pdf" / "layouts").iterdir())
    again = _build(src, out)
    assert not [p for p in again.written if p.suffix == ".pdf"]
    assert {p: p.stat().st_mtime_ns for p in pdfs} == before
    assert sorted((out / ".cache" / "pdf" / "layouts").iterdir()) == layouts  # none pruned
    spooler.write_text(SMALL.replace("Print a test page.", "Print two test pages."), "utf-8")
    edited = _build(src, out)
    assert sorted(p.name for p in edited.written if p.suffix == ".pdf") == [
        "handbook.pdf",
        "spooler.pdf",
    ]
    assert len(sorted((out / ".cache" / "pdf" / "layouts").iterdir())) == len(layouts)
    clean = tmp_path / "clean"
    _build(src, clean)
    for path in sorted((clean / "pdf").rglob("*.pdf")):
        assert path.read_bytes() == (out / "pdf" / path.relative_to(clean / "pdf")).read_bytes()
    assert "Print two test pages." in _text(out / "pdf" / "printers" / "spooler.pdf")


def test_admin_templates_override_the_print_stylesheet(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = make_source({"fix.md": "# Fix it\n\n1. Open the console.\n2. Press the button.\n"})
    theme = tmp_path / "theme" / "print"
    theme.mkdir(parents=True)
    css = (ROOT / "templates" / "print" / "print.css").read_text(encoding="utf-8")
    (theme / "print.css").write_text(css.replace("size: A4;", "size: A5;", 1), "utf-8")
    config = Config(root=tmp_path, templates="theme")
    build(src, tmp_path / "out", config, formats=["pdf"], jobs=1)
    assert "419.528 x 595.276 pts" in _tool("pdfinfo", tmp_path / "out" / "pdf" / "fix.pdf")  # A5


_LOAD_WEASYPRINT = """
import subprocess, sys
spawned = []
real_popen = subprocess.Popen
class Popen(real_popen):
    def __init__(self, args, *rest, **kw):
        spawned.append(args)
        super().__init__(args, *rest, **kw)
subprocess.Popen = Popen
import ctypes.util
find_library = ctypes.util.find_library
if sys.argv[1] == "first-fails":
    class Refuse:
        tries = 0
        def find_spec(self, name, path=None, target=None):
            if name == "weasyprint" and not Refuse.tries:
                Refuse.tries += 1
                raise OSError("cannot load library 'libpango-1.0.so.0'")
    sys.meta_path.insert(0, Refuse())
from compiler.pdf.render import load_weasyprint
load_weasyprint()
from weasyprint import HTML
assert HTML(string="<p>x</p>").write_pdf().startswith(b"%PDF")
assert ctypes.util.find_library is find_library
print(len(spawned))
"""


@pytest.mark.parametrize("case", ["direct", "first-fails"])
def test_pdf_workers_load_weasyprint_without_library_lookups(case: str) -> None:
    # ctypes.util.find_library runs ldconfig and gcc for each of WeasyPrint's 22 library
    # spellings (0.16 s of every worker's start); the Linux file names load directly.
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_WEASYPRINT, case],
        capture_output=True,
        encoding="utf-8",
        check=True,
        timeout=120,
        cwd=ROOT,
    )
    spawned = int(done.stdout.split()[-1])
    if case == "direct":
        assert spawned == 0, done.stdout
    else:  # the usual import after a failed direct one: it looks libraries up again
        assert spawned > 0, done.stdout


def _die(*args: object) -> Rendered:
    os._exit(3)  # what a killed worker, or one whose script ran again and failed, does


@pytest.mark.parametrize("when", ["_warm", "render"])
def test_a_lost_worker_is_reported_with_its_likely_causes(
    monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    # Python's own message ("A child process terminated abruptly") names no cause; the most
    # surprising one is a script calling build() without a __main__ guard. A worker lost
    # while it starts breaks the pool before the layouts are handed over.
    monkeypatch.setattr(RenderPool, "method", "fork")
    monkeypatch.setattr(render_module, when, _die)
    with RenderPool(1) as pool, pytest.raises(BrokenProcessPool) as raised:
        if when == "_warm":
            pool.start()
            time.sleep(0.5)
        list(pool.render([Job("<p>x</p>", "")]))
    assert raised.value.args == (render_module.WORKER_LOST,)
    assert 'if __name__ == "__main__":' in str(raised.value)


@pytest.mark.parametrize(("limit_mb", "replaced"), [(0, True), (100_000, False)])
def test_a_worker_grown_past_the_memory_limit_is_replaced(
    monkeypatch: pytest.MonkeyPatch, limit_mb: int, replaced: bool
) -> None:
    # A worker keeps most of each layout's memory: the handbook's front and index of 300
    # runbooks took one worker to 485 MB. Past the limit, the next jobs get new workers.
    monkeypatch.setattr(render_module, "WORKER_MEMORY_MB", limit_mb)
    stops: list[bool] = []
    original_close = RenderPool.close

    def close(self: RenderPool, *, wait: bool = True) -> None:
        if self._pool is not None:
            stops.append(wait)
        original_close(self, wait=wait)

    monkeypatch.setattr(RenderPool, "close", close)
    job = Job("<p>x</p>", "")
    with RenderPool(1) as pool:
        [(_, first)] = list(pool.render([job]))
        assert isinstance(first, Rendered) and first.worker_mb > 0
        [(_, second)] = list(pool.render([job]))
        assert isinstance(second, Rendered)
        assert stops == ([False] if replaced else [])


class _TornDown:
    """Writes its file when the interpreter's teardown frees it."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __del__(self) -> None:
        Path(self.path).write_text("torn down", encoding="utf-8")


_HELD: list[_TornDown] = []


def _hold_until_teardown(path: str) -> None:
    _HELD.append(_TornDown(path))


def test_pdf_workers_leave_without_the_interpreters_teardown(tmp_path: Path) -> None:
    # Freeing WeasyPrint's objects one by one took 0.09 s of CPU per worker, beside the
    # handbook the build writes meanwhile: a worker leaves with os._exit once it is done.
    marker = tmp_path / "marker"
    pool = RenderPool(1)
    pool.start(1)
    assert pool._pool is not None
    pool._pool.submit(_hold_until_teardown, str(marker)).result(timeout=60)
    pool.close(wait=True)
    assert not marker.exists()
