"""An incremental site: only the pages a change reaches are written, and the site is the
one a clean build writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.build import build
from compiler.config import Config
from compiler.html import search

from .conftest import MakeSource

TABLE = "| Error code | Cause | Recommended action |\n| --- | --- | --- |\n| {code} | {cause} | Fix it. |\n"
DOCS = {
    "a.md": "# A\n\nSee [the fix](b.md#fix-the-proxy).\n\n1. Check.\n2. Go to step 1.\n",
    "b.md": "# B\n\n## Fix the proxy\n\n" + TABLE.format(code="34513", cause="Proxy."),
    "c.md": "# C\n\n" + TABLE.format(code="34513", cause="Other."),
    "d.md": "# D\n\n" + TABLE.format(code="34599", cause="Disk."),
}


def _site(out: Path) -> dict[str, bytes]:
    """Every page of the site but the search bundle (Pagefind's own) and the change
    report (which says what changed since the build before: not the same)."""
    html = out / "html"
    return {
        p.relative_to(html).as_posix(): p.read_bytes()
        for p in sorted(html.rglob("*"))
        if p.is_file() and not p.relative_to(html).as_posix().startswith(("pagefind", "changes"))
    }


def _build(src: Path, out: Path) -> None:
    build(src, out, Config(root=src), formats=["html"], jobs=1)


def _mtimes(out: Path) -> dict[str, int]:
    html = out / "html"
    return {
        p.relative_to(html).as_posix(): p.stat().st_mtime_ns
        for p in html.rglob("*.html")
        if not p.relative_to(html).as_posix().startswith("pagefind")
    }


def test_a_change_writes_its_page_the_pages_linking_to_it_and_its_codes(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = make_source(dict(DOCS))
    out = tmp_path / "out"
    _build(src, out)
    before = _mtimes(out)
    # b's section is renamed: a's link to it now leads to the page, not the anchor
    (src / "b.md").write_text(DOCS["b.md"].replace("Fix the proxy", "Proxy"), encoding="utf-8")
    _build(src, out)
    after = _mtimes(out)
    written = {page for page, mtime in after.items() if before.get(page) != mtime}
    assert {"a.html", "b.html", "codes/34513.html"} <= written
    assert not {"c.html", "d.html", "codes/34599.html"} & written
    clean = tmp_path / "clean"
    _build(src, clean)
    assert _site(out) == _site(clean)


def test_removed_and_added_documents(make_source: MakeSource, tmp_path: Path) -> None:
    src = make_source(dict(DOCS))
    out = tmp_path / "out"
    _build(src, out)
    (src / "b.md").unlink()
    _build(src, out)
    assert not (out / "html" / "b.html").exists()
    clean = tmp_path / "clean"
    _build(src, clean)
    assert _site(out) == _site(clean)  # a's link lost its target; 34513 lists c only
    (src / "b.md").write_text(DOCS["b.md"], encoding="utf-8")
    (src / "e.md").write_text(
        "# E\n\n" + TABLE.format(code="34599", cause="New."), encoding="utf-8"
    )
    _build(src, out)
    again = tmp_path / "again"
    _build(src, again)
    assert _site(out) == _site(again)


def test_a_page_deleted_by_hand_is_written_again(make_source: MakeSource, tmp_path: Path) -> None:
    src = make_source(dict(DOCS))
    out = tmp_path / "out"
    _build(src, out)
    (out / "html" / "d.html").unlink()
    (out / "html" / "codes" / "34599.html").unlink()
    (src / "c.md").write_text(DOCS["c.md"] + "\nMore.\n", encoding="utf-8")
    _build(src, out)
    assert (out / "html" / "d.html").is_file() and (out / "html" / "codes" / "34599.html").is_file()


def test_only_the_written_pages_are_searched_again(
    make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[list[str], set[str] | None]] = []
    real = search.start_index

    def spy(site, pages, changed, **kw):  # type: ignore[no-untyped-def]
        calls.append((list(pages), None if changed is None else set(changed)))
        return real(site, pages, changed, **kw)

    monkeypatch.setattr(search, "start_index", spy)
    src = make_source(dict(DOCS))
    out = tmp_path / "out"
    _build(src, out)
    (src / "d.md").write_text(DOCS["d.md"].replace("Disk.", "Disk full."), encoding="utf-8")
    _build(src, out)
    (first_pages, first_changed), (pages, changed) = calls
    assert first_changed is None  # the first build indexes everything
    assert set(pages) == set(first_pages) >= {"a.html", "d.html", "codes/34599.html"}
    assert changed == {"d.html", "codes/34599.html"}


PNG = b"\x89PNG\r\n\x1a\nfake"
SHOT = "# {title}\n\nTo fix it, do this:\n\n1. Open it.\n\n   ![Shot](./{image})\n\n2. Close it.\n"
"""A document whose procedure step shows an image."""


def _a_shows_an_image_b_none(make_source: MakeSource, tmp_path: Path) -> tuple[Path, Path]:
    """(source, output) of a built site where a.md shows one.png and b.md no image."""
    src = make_source({"a.md": SHOT.format(title="A", image="one.png"), "b.md": "# B\n\nText.\n"})
    (src / "one.png").write_bytes(PNG)
    out = tmp_path / "out"
    _build(src, out)
    return src, out


def _edit_b(src: Path, out: Path) -> None:
    """Edit b.md and build again: a's page is not written again."""
    (src / "b.md").write_text("# B\n\nOther text.\n", encoding="utf-8")
    _build(src, out)


def test_an_image_no_page_shows_any_more_is_removed(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = make_source(
        {
            "a.md": SHOT.format(title="A", image="media/one.png"),
            "b.md": SHOT.format(title="B", image="media/two.png"),
            "c.md": SHOT.format(title="C", image="media/two.png"),
        }
    )
    (src / "media").mkdir()
    for name in ("one.png", "two.png", "three.png"):
        (src / "media" / name).write_bytes(PNG)
    out = tmp_path / "out"
    media = out / "html" / "_media" / "media"
    _build(src, out)
    assert sorted(p.name for p in media.iterdir()) == ["one.png", "two.png"]
    # a now shows three.png; b no longer shows two.png, which c (not written again) does.
    (src / "a.md").write_text(SHOT.format(title="A", image="media/three.png"), encoding="utf-8")
    (src / "b.md").write_text("# B\n\nNothing to show.\n", encoding="utf-8")
    _build(src, out)
    assert sorted(p.name for p in media.iterdir()) == ["three.png", "two.png"]
    # The site is the one a clean build makes.
    clean = tmp_path / "clean"
    _build(src, clean)
    assert _site(out) == _site(clean)


def test_without_a_record_of_the_images_every_earlier_one_is_kept(
    make_source: MakeSource, tmp_path: Path
) -> None:
    # A folder built before pages' images were recorded: which image a kept page shows is
    # not known, so none is removed (and no record is written until every page is).
    src, out = _a_shows_an_image_b_none(make_source, tmp_path)
    (out / ".cache" / "html-images.json").unlink()
    _edit_b(src, out)
    assert (out / "html" / "_media" / "one.png").is_file()
    assert not (out / ".cache" / "html-images.json").exists()


def test_a_build_with_nothing_new_keeps_what_the_next_one_compares_with(
    make_source: MakeSource, tmp_path: Path
) -> None:
    # A change, then a build with nothing new (the last one changed the graph, so it is not
    # answered from the manifest): the html state files must survive it, else the next
    # edit rewrites every page.
    src = make_source(DOCS)
    out = tmp_path / "out"
    _build(src, out)
    (src / "d.md").write_text(DOCS["d.md"].replace("34599", "34600"), encoding="utf-8")
    _build(src, out)
    _build(src, out)
    assert (out / ".cache" / "html-pages.json").is_file()
    assert (out / ".cache" / "html-images.json").is_file()
    before = _mtimes(out)
    (src / "d.md").write_text(DOCS["d.md"].replace("Disk.", "Full disk."), encoding="utf-8")
    _build(src, out)
    after = _mtimes(out)
    assert before["a.html"] == after["a.html"]
    assert before["d.html"] != after["d.html"]


def test_an_image_deleted_from_the_site_comes_back_for_a_page_not_written_again(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src, out = _a_shows_an_image_b_none(make_source, tmp_path)
    (out / "html" / "_media" / "one.png").unlink()
    _edit_b(src, out)
    assert (out / "html" / "_media" / "one.png").read_bytes().endswith(b"fake")


def test_editing_one_version_rewrites_the_pages_of_the_other(
    make_source: MakeSource, tmp_path: Path
) -> None:
    """A page shows its versions (the switch, each card's link to its match, how far they
    drifted): editing the Japanese document writes the English page again, with the
    index (its badges), translations.html and the code pages of either, and the site is
    the one a clean build writes."""
    from compiler.config import load_config

    from .test_translations import EN, FOLDERS, JA

    src = make_source({"en/agent.md": EN, "ja/agent.md": JA, "d.md": DOCS["d.md"]})
    config_file = tmp_path / "runbooks.toml"
    config_file.write_text(FOLDERS, encoding="utf-8")
    config = load_config(config_file)
    out = tmp_path / "out"

    def make(into: Path) -> None:
        build(src, into, config, formats=["html"], jobs=1)

    make(out)
    en_page = (out / "html" / "en" / "agent.html").read_text(encoding="utf-8")
    assert 'href="../ja/agent.html#invalid-credentials" hreflang="ja-JP"' in en_page
    assert "not in the Japanese version" in en_page  # the 100050 card
    before = _mtimes(out)
    # The Japanese version gains the 100050 entry: the English card links to it now.
    (src / "ja" / "agent.md").write_text(
        JA
        + '\n## <a name="unable-to-connect"></a>接続できない\n\n| エラー | 原因 | 推奨アクション |\n'
        "| --- | --- | --- |\n| サービスに接続できません (ID: 100050) | プロキシ。 | 許可します。 |\n",
        encoding="utf-8",
    )
    make(out)
    written = {page for page, mtime in _mtimes(out).items() if before.get(page) != mtime}
    assert {
        "en/agent.html",
        "ja/agent.html",
        "index.html",
        "translations.html",
        "codes/34513.html",
        "codes/100050.html",
    } <= written
    assert not {"d.html", "codes/34599.html"} & written
    en_page = (out / "html" / "en" / "agent.html").read_text(encoding="utf-8")
    assert 'href="../ja/agent.html#unable-to-connect" hreflang="ja-JP"' in en_page
    clean = tmp_path / "clean"
    make(clean)
    assert _site(out) == _site(clean)
