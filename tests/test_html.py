"""The html site without a browser: structure, escaping, sanitising, relative links.

One small site (the seed, an English runbook that links to it, one in a subfolder and
a hostile document) is built once for the module; browser tests live in tests/e2e/.
"""

from __future__ import annotations

import json
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nh3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.build import build
from compiler.config import Config, load_config
from compiler.generators.html import _procedure_figure
from compiler.html import pagefind_service, sanitize, search
from compiler.html.pages import allocate_anchors, layout
from compiler.html.paths import code_anchor, code_page, page_path, relative, safe_name, url
from compiler.html.sanitize import Sanitizer, drop_command_lines, resolve_image
from compiler.html.search import IndexResult, find_pagefind, index_language
from compiler.model import Command, Document, ErrorEntry, Link, Procedure, Section, Step
from tests.conftest import ROOT, SEED, SOURCE_DOCS

SEED_ID = "000_seed_mars_agent_ja"
PROC = "troubleshoot-restore-issues-procedure"

ENGLISH = """\
---
title: Agent problems
ms.date: 03/04/2021
---
# Agent problems

See the [Japanese runbook](../000_seed_mars_agent_ja.md#troubleshoot-restore-issues) and
[nothing](missing.md).

## <a name="activation"></a>Activation fails

| Error | Cause | Action |
| --- | --- | --- |
| The activation did not complete. Error [0x1FC07] | <ul><li>Scratch folder full</li></ul> | <ul><li>Move the scratch folder, see [the seed](../000_seed_mars_agent_ja.md).</li></ul> |

## Restart the agent

To restart the agent, do the following:

1. Open **Services**.
2. Find the agent. If you can't find it, go to step 4.
3. Restart it:

   ```powershell
   Restart-Service obengine
   ```

4. Reinstall the agent.

> [!WARNING]
> Restarting stops running backups.
"""

HOSTILE = """\
---
title: "Hostile <script>window.__pwned=1</script> doc"
ms.date: 01/02/2020
---
# Hostile

## <a name="bad-error"></a>Bad error

| Error details | Possible cause | Recommended action |
| --- | --- | --- |
| **Error** <br> *Something failed. (ID: 66613)* <script>window.__pwned=1</script> | <ul><li>Cause <img src=x onerror="window.__pwned=1"></li></ul> | <ul><li><a href="javascript:window.__pwned=1">click</a><li><iframe src="javascript:window.__pwned=1"></iframe>Restart<style>body{display:none}</style></li></ul> |

## Fix it

To fix it, do this:

1. Open [the console](javascript:window.__pwned=1) and <span onclick="window.__pwned=1">click</span>.
2. Run <img src=x onerror="window.__pwned=1"> the thing. If it works, go to step 4.
3. Check <a href=" javascript:window.__pwned=1">this</a> <a href="data:text/html,x">d</a>.
4. Done <a href="JaVaScRiPt:window.__pwned=1">x</a>.

> [!NOTE]
> <svg onload="window.__pwned=1"></svg> note <object data="x"></object> <a href="vbscript:x">v</a>
"""


def write_sources(root: Path) -> Path:
    src = root / "src"
    (src / "en").mkdir(parents=True)
    (src / f"{SEED_ID}.md").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (src / "en" / "agent.md").write_text(ENGLISH, encoding="utf-8")
    (src / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("html")
    src = write_sources(root)
    result = build(src, root / "out", Config(root=src), formats=["html"], jobs=1)
    problems = [d for d in result.compilation.diagnostics if d.rule.startswith("html")]
    assert not [d for d in problems if d.rule != "html-search"], problems
    return root / "out" / "html"


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


class Parsed(HTMLParser):
    """Every tag with its attributes, and the text, of one page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.tags if "id" in a]

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]


# -- paths -------------------------------------------------------------------------
def test_safe_name_keeps_plain_codes_and_escapes_the_rest() -> None:
    assert safe_name("34513") == "34513"
    assert safe_name("0x1FC07") == "0x1FC07"
    assert safe_name("APP_CI_ENROLLMENT_FAILED") == "APP_CI_ENROLLMENT_FAILED"
    assert safe_name("a/b") == "a~2Fb"
    assert safe_name("a b") == "a~20b"
    assert safe_name("..") == "~.."
    assert safe_name("") == "~"
    assert safe_name("CON") == "~CON"
    assert safe_name("エラー") == "~E3~82~A8~E3~83~A9~E3~83~BC"
    assert len(safe_name("x" * 500)) <= 100


def test_safe_name_is_injective_on_tricky_values() -> None:
    values = ["a/b", "a~2Fb", "a b", "a_b", "a-b", "a.b", "..", "~..", ".", "", "~", "CON", "~CON"]
    names = [safe_name(v) for v in values]
    assert len(set(names)) == len(values)
    assert all(re.fullmatch(r"[A-Za-z0-9._~-]+", n) for n in names)


def test_code_pages_and_anchors_use_the_safe_name() -> None:
    assert code_page("0x1FC07") == "codes/0x1FC07.html"
    assert code_page("a/b") == "codes/a~2Fb.html"
    assert code_anchor("34513") == "code-34513"


def test_page_paths_never_collide_with_the_site_itself() -> None:
    assert page_path("dir/name") == "dir/name.html"
    assert page_path("index") == "index~doc.html"
    assert page_path("search") == "search~doc.html"
    assert page_path("codes/x") == "codes~doc/x.html"
    assert page_path("_static/x") == "_static~doc/x.html"
    assert page_path("sub/index") == "sub/index.html"


def test_links_are_relative_and_percent_encoded() -> None:
    assert url("a/b.html", "codes/x.html") == "../codes/x.html"
    assert url("index.html", "a/b.html", "step-3") == "a/b.html#step-3"
    assert url("a/b/c.html", "index.html") == "../../index.html"
    assert url("index.html", "dir/ファイル #1.html") == (
        "dir/%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB%20%231.html"
    )


# -- sanitising ----------------------------------------------------------------------
def _doc(links: list[Link]) -> Document:
    return Document(id="dir/doc", source="dir/doc.md", title="T", links=links)


def _sanitizer(links: list[Link], images: dict[str, str] | None = None) -> Sanitizer:
    known = {"dir/other": "dir/other.html", "dir/doc": "dir/doc.html"}
    return Sanitizer(
        doc=_doc(links),
        page="dir/doc.html",
        doc_href=lambda d, a: url("dir/doc.html", known[d], a) if d in known else None,
        image_src=lambda src: (images or {}).get(src),
    )


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVa&#x09;Script:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<iframe src="https://example.com"></iframe>',
        "<style>body{display:none}</style>",
        '<b style="color:red" onclick="alert(1)">x</b>',
        '<svg onload="alert(1)"><script>alert(1)</script></svg>',
        '<img src="javascript:alert(1)">',
        '<img src="mailto:a@b">',
        "<form action=x><input></form>",
        '<a href="vbscript:msgbox">x</a>',
    ],
)
def test_hostile_markup_never_survives(raw: str) -> None:
    cleaned = _sanitizer([]).clean(raw).lower()
    for bad in ("<script", "onerror", "onclick", "onload", "javascript", "<iframe", "<style"):
        assert bad not in cleaned
    assert "style=" not in cleaned
    assert "data:" not in cleaned
    assert "<form" not in cleaned and "<input" not in cleaned
    assert "vbscript" not in cleaned


def test_allowed_markup_and_urls_survive() -> None:
    cleaned = _sanitizer([]).clean(
        "<strong>b</strong> <em>i</em> <code>x &lt; y</code><br>"
        '<a href="https://example.com/a?b=1">w</a> <a href="mailto:ops@example.com">m</a>'
        "<ul><li>one</li></ul>"
    )
    assert "<strong>b</strong>" in cleaned
    assert "<code>x &lt; y</code>" in cleaned
    assert 'href="https://example.com/a?b=1"' in cleaned
    assert 'href="mailto:ops@example.com"' in cleaned
    assert "<ul><li>one</li></ul>" in cleaned


def test_document_links_point_at_the_generated_page() -> None:
    links = [
        Link("other.md#fix", 1, "doc", "dir/other#fix"),
        Link("gone.md", 1, "missing", None),
        Link("#local", 1, "anchor", "dir/doc#local"),
    ]
    cleaned = _sanitizer(links).clean(
        '<a href="other.md#fix">o</a> <a href="gone.md">g</a> <a href="#local">l</a>'
    )
    assert 'href="other.html#fix"' in cleaned
    assert ">g</a>" in cleaned and "gone.md" not in cleaned
    assert 'href="doc.html#local"' in cleaned


def test_images_point_at_copied_files_or_lose_their_source() -> None:
    sanitizer = _sanitizer([], {"media/a.png": "_media/dir/media/a.png"})
    cleaned = sanitizer.clean('<img src="media/a.png" alt="A"> <img src="missing.png">')
    assert 'src="../_media/dir/media/a.png"' in cleaned
    assert "missing.png" not in cleaned
    assert '<img alt="">' in cleaned


def test_resolve_image_stays_inside_the_source_folder() -> None:
    assert resolve_image("dir/doc.md", "./media/a.png") == "dir/media/a.png"
    assert resolve_image("dir/doc.md", "../media/a%20b.png") == "media/a b.png"
    assert resolve_image("doc.md", "../../etc/passwd") is None
    assert resolve_image("doc.md", "/abs.png") is None
    assert resolve_image("doc.md", "https://example.com/a.png") is None


def test_command_lines_are_not_repeated_inline() -> None:
    cmds = [Command("Get-Thing -All", "powershell", 1)]
    html = "Run this:<br>\n<code>Get-Thing -All</code><br>"
    assert drop_command_lines(html, cmds) == "Run this:"
    mid = "Run <code>Get-Thing -All</code> first."
    assert drop_command_lines(mid, cmds) == mid


# -- anchors and layout ----------------------------------------------------------------
def test_anchors_are_unique_and_steps_keep_the_flowchart_ids() -> None:
    proc = Procedure("p", "P", 5, "sec", steps=[Step(1, "a", 6), Step(2, "b", 7)])
    doc = Document(
        id="d",
        source="d.md",
        title="D",
        sections=[Section("sec", "Sec", 2, 1), Section("p-step-1", "Clash", 2, 9)],
        errors=[ErrorEntry("sec", "sec", 3, "m", codes=["34513", "34513"])],
        procedures=[proc],
    )
    anchors = allocate_anchors(doc)
    assert anchors.steps[("p", 1)] == "p-step-1"
    assert anchors.first_steps == {1: "step-1", 2: "step-2"}
    assert anchors.entries["sec"] == "sec"
    assert anchors.codes["34513"] == "code-34513"
    assert "sec" not in anchors.sections  # the card carries it
    assert "p-step-1" not in anchors.sections  # the step keeps the id the flowchart links to
    views = layout(doc, anchors)
    assert [v.title for v in views] == ["Sec", "Clash"]
    assert [b.kind for b in views[0].blocks] == ["error", "procedure"]


def test_template_ids_cannot_be_taken_by_a_document() -> None:
    doc = Document(id="d", source="d.md", title="D", errors=[ErrorEntry("rb-main", "s", 1, "m")])
    assert allocate_anchors(doc).entries["rb-main"] == "x-rb-main"


# -- search index language -----------------------------------------------------------------
def test_a_mixed_site_is_one_japanese_index() -> None:
    assert index_language([]) is None
    assert index_language(["en"]) == "en"
    assert index_language(["ja", "ja"]) == "ja"
    assert index_language(["en", "ja"]) == "ja"
    assert index_language(["en", "de"]) == "en"


# -- flowchart SVG ---------------------------------------------------------------------------
def test_flowchart_svg_is_checked_and_its_ids_made_unique() -> None:
    good = (
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink"><g id="graph0">'
        '<a xlink:href="#p-step-1"><text>1. a</text></a></g></svg>'
    )
    figure = _procedure_figure(good, "rb-fc1-")
    assert figure is not None
    assert figure.startswith("<svg") and 'id="rb-fc1-graph0"' in figure
    assert 'xlink:href="#p-step-1"' in figure
    for bad in (
        good.replace("<text>", "<script>alert(1)</script><text>"),
        good.replace("<g id", '<g onload="alert(1)" id'),
        good.replace("#p-step-1", "javascript:alert(1)"),
        "not svg",
    ):
        assert _procedure_figure(bad, "rb-fc1-") is None


# -- the built site ---------------------------------------------------------------------------
def test_every_page_and_asset_is_written(site: Path) -> None:
    for path in (
        "index.html",
        "search.html",
        f"{SEED_ID}.html",
        "en/agent.html",
        "hostile.html",
        "codes/index.html",
        "codes/34513.html",
        "codes/0x1FC07.html",
        "_static/runbooks.css",
        "_static/runbooks.js",
        "_static/search.js",
        "_static/codes.js",
    ):
        assert (site / path).is_file(), path


def test_seed_page_has_cards_steps_jumps_checklist_and_notes(site: Path) -> None:
    text = read(site, f"{SEED_ID}.html")
    page = Parsed(text)
    assert page.find("html", lang="ja-JP")
    assert len(page.find("article", class_="card error")) == 6
    assert page.find("a", id="code-34513", href="codes/34513.html")
    assert page.find("a", id="code-0x1FC07", href="codes/0x1FC07.html")
    steps = [a for t, a in page.tags if t == "li" and a.get("class") == "step"]
    assert [s["id"] for s in steps] == [f"{PROC}-step-{n}" for n in range(1, 10)]
    assert [a["id"] for a in page.find("span", class_="alias")] == [
        f"step-{n}" for n in range(1, 10)
    ]
    assert page.find("a", class_="jump jump-forward", href=f"#{PROC}-step-7")
    assert "→</span> 手順 7 へ （条件: 見つかった場合は）</a>" in text
    assert "それでも回復が失敗する場合は" in text
    assert len(page.find("input", type="checkbox")) == 5
    assert page.find("div", class_="note note-tip", role="note")
    assert "ソース: 000_seed_mars_agent_ja.md、92 行目" in text
    assert '<time datetime="2019-02-18">' in text
    assert "Get-ExecutionPolicy -List</code></pre>" in text
    assert page.find("article", class_="runbook", **{"data-pagefind-body": ""})


def test_seed_page_inlines_the_flowchart_or_a_placeholder(site: Path) -> None:
    text = read(site, f"{SEED_ID}.html")
    if "<svg" in text:
        assert f'xlink:href="#{PROC}-step-7"' in text
        assert "<title>" in text
    else:
        assert 'class="flowchart-pending"' in text


def test_english_page_uses_english_words_and_rewrites_doc_links(site: Path) -> None:
    text = read(site, "en/agent.html")
    page = Parsed(text)
    assert page.find("html", lang="en")
    assert "Recommended actions" in text
    assert page.find("a", class_="jump jump-forward", href="#restart-the-agent-procedure-step-4")
    assert page.find("a", href=f"../{SEED_ID}.html", rel="noopener noreferrer")
    assert "missing.md" not in text
    assert page.find("div", class_="note note-warning", role="note")
    assert page.find("link", rel="stylesheet", href="../_static/runbooks.css")
    assert "Restart-Service obengine" in text


def test_ids_are_unique_on_every_page(site: Path) -> None:
    for file in sorted(site.rglob("*.html")):
        if "pagefind" in file.parts:
            continue
        ids = Parsed(file.read_text(encoding="utf-8")).ids()
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        assert not dupes, f"{file}: {dupes}"


def _site_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.relative_to(site).parts)


def check_links(site: Path) -> int:
    """Every href/src/action is http(s)/mailto or relative, and resolves (with its #id)."""
    parsed = {
        file.relative_to(site).as_posix(): Parsed(file.read_text(encoding="utf-8"))
        for file in _site_pages(site)
    }
    ids_of = {path: set(page.ids()) for path, page in parsed.items()}
    checked = 0
    for here, page in parsed.items():
        for tag, attrs in page.tags:
            for name in ("href", "src", "action", "xlink:href"):
                value = attrs.get(name)
                if not value:
                    continue
                checked += 1
                parts = urlsplit(value)
                if parts.scheme in ("http", "https", "mailto"):
                    assert tag in ("a", "img"), (here, tag, value)
                    continue
                assert not parts.scheme and not value.startswith("/"), (here, value)
                target = here
                if parts.path:
                    joined = posixpath.join(posixpath.dirname(here), unquote(parts.path))
                    target = posixpath.normpath(joined)
                if target.startswith("pagefind/") and not (site / "pagefind").is_dir():
                    continue
                assert (site / target).exists(), (here, value)
                if parts.fragment and target in ids_of:
                    assert unquote(parts.fragment) in ids_of[target], (here, value)
    return checked


def test_every_link_is_relative_and_resolves(site: Path) -> None:
    assert check_links(site) > 100


@pytest.fixture
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip Pagefind (about 2 s per build) where a test does not look at the index."""
    monkeypatch.setattr(
        "compiler.generators.html.search.start_index",
        lambda *a, **k: search.IndexHandle.finished(IndexResult(True, "")),
    )


@pytest.mark.usefixtures("no_search_index")
def test_every_link_of_the_corpus_site_is_relative_and_resolves(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # With the checkout's runbooks.toml: the language switches and card links, the code pages
    # of both versions and translations.html link to pages and cards that exist.
    config = load_config(ROOT / "runbooks.toml")
    result = build(SOURCE_DOCS, out, config, formats=["html"], jobs=1)
    assert not [d for d in result.compilation.diagnostics if d.rule.startswith("html-")]
    assert check_links(out / "html") > 5000
    assert (out / "html" / "translations.html").is_file()
    pages = _site_pages(out / "html")
    assert (
        len([p for p in pages if p.parent.name == "codes"])
        == len(result.compilation.graph.codes()) + 1
    )


def test_code_pages_list_every_entry_with_a_link_back(site: Path) -> None:
    text = read(site, "codes/0x1FC07.html")
    page = Parsed(text)
    assert page.find("a", href=f"../{SEED_ID}.html#the-activation-did-not-complete-successfully")
    assert page.find("a", href="../en/agent.html#activation")
    assert len(page.find("article", class_="card error")) == 2
    assert "id" not in page.find("a", class_="code")[0]
    index = Parsed(read(site, "codes/index.html"))
    assert index.find("a", class_="code", href="34513.html")


def test_lookup_table_maps_codes_to_cards(site: Path) -> None:
    script = read(site, "_static/codes.js")
    prefix = "window.RUNBOOK_CODES = "
    assert script.startswith(prefix)
    table = json.loads(script[len(prefix) :].rstrip().rstrip(";"))
    assert table["34513"] == {
        "c": "34513",
        "p": "codes/34513.html",
        "e": [f"{SEED_ID}.html#code-34513"],
    }
    assert table["0x1fc07"]["e"] == [f"{SEED_ID}.html#code-0x1FC07", "en/agent.html#code-0x1FC07"]


def test_index_groups_runbooks_by_folder(site: Path) -> None:
    text = read(site, "index.html")
    page = Parsed(text)
    assert page.find("html", lang="en")
    assert [a for t, a in page.tags if t == "section" and a.get("class") == "group"]
    assert page.find("a", href=f"{SEED_ID}.html", lang="ja-JP")
    assert page.find("a", href="en/agent.html", lang="en")
    assert "<h2>en</h2>" in text and "<h2>(top level)</h2>" in text
    rows = [a for t, a in page.tags if t == "tr" and "data-filter-text" in a]
    assert len(rows) == 3
    assert any("34513" in r["data-filter-text"] for r in rows)
    assert page.find("input", id="rb-filter")


def test_hostile_document_yields_no_active_content(site: Path) -> None:
    text = read(site, "hostile.html")
    scripts = re.findall(r"<script\b[^>]*>", text, re.I)
    assert scripts == [
        '<script src="_static/codes.js" defer>',
        '<script src="_static/runbooks.js" defer>',
    ]
    body = re.sub(r"<svg.*?</svg>", "", text.lower(), flags=re.S)
    for bad in ("onerror=", "onclick=", "onload=", "<iframe", "<style", "<object", "<svg onload"):
        assert bad not in body, bad
    assert "Hostile &lt;script&gt;window.__pwned=1&lt;/script&gt; doc" in text
    for tag, attrs in Parsed(text).tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "xlink:href"):
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)


def test_search_index_is_built_with_the_extended_pagefind(site: Path) -> None:
    if find_pagefind() is None:
        pytest.skip("pagefind is not installed (make venv installs pagefind[extended])")
    state = json.loads(read(site, "pagefind/shards.json"))
    bundles = [s["bundle"] for s in state["shards"].values() if s.get("bundle")]
    assert bundles  # the site is split into shards, each its own Pagefind bundle
    for bundle in bundles:
        entry = json.loads(read(site, f"pagefind/shards/{bundle}/pagefind-entry.json"))
        assert list(entry["languages"]) == ["ja"]
    assert (site / "pagefind" / "pagefind-ui.js").is_file()
    assert (site / "pagefind" / "shards.js").is_file()


def test_the_index_is_the_same_without_the_flowcharts(site: Path) -> None:
    # Pagefind is given each page without its flowchart figures (inline SVG it ignores
    # but parses): the template must open them as search.searchable expects, and the
    # bundle must not change.
    page = read(site, f"{SEED_ID}.html")
    assert page.count(search.FLOWCHART_FIGURE) == page.count('<figure class="flowchart"') > 0
    lean = search.searchable(page)
    assert search.FLOWCHART_FIGURE not in lean and 'class="flowchart-svg"' not in lean
    assert len(lean) < len(page) * 0.8
    pagefind = find_pagefind()
    if pagefind is None:
        pytest.skip("pagefind is not installed (make venv installs pagefind[extended])")
    service = pagefind_service.Service(pagefind.executable, site)
    try:
        full = service.index({"seed.html": page}, "ja")
        assert service.index({"seed.html": lean}, "ja") == full
    finally:
        service.close()


def test_site_is_byte_identical_when_built_again(site: Path, tmp_path: Path) -> None:
    src = write_sources(tmp_path)
    build(src, tmp_path / "out", Config(root=src), formats=["html"], jobs=1)
    again = tmp_path / "out" / "html"
    first = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    second = {p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file()}
    assert first == second
    for name in sorted(first):
        assert (site / name).read_bytes() == (again / name).read_bytes(), name


@pytest.mark.usefixtures("no_search_index")
def test_admin_templates_and_static_files_win(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text(ENGLISH, encoding="utf-8")
    theme = src / "theme"
    (theme / "html" / "_static").mkdir(parents=True)
    (theme / "html" / "_static" / "runbooks.css").write_text("/* intranet */\n", encoding="utf-8")
    (theme / "html" / "_static" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    base = (Path(__file__).parent.parent / "templates" / "html" / "base.html").read_text(
        encoding="utf-8"
    )
    (theme / "html" / "base.html").write_text(
        base.replace("<footer", "<footer data-intranet"), encoding="utf-8"
    )
    (theme / "strings").mkdir()
    (theme / "strings" / "en.toml").write_text('[html]\nnav_codes = "Fault codes"\n', "utf-8")
    out = tmp_path / "out"
    build(src, out, Config(root=src, templates="theme"), formats=["html"], jobs=1)
    assert (out / "html" / "_static" / "runbooks.css").read_text(encoding="utf-8") == (
        "/* intranet */\n"
    )
    assert (out / "html" / "_static" / "logo.svg").is_file()
    assert (out / "html" / "_static" / "runbooks.js").is_file()
    page = (out / "html" / "a.html").read_text(encoding="utf-8")
    assert "<footer data-intranet" in page
    assert ">Fault codes</a>" in page


@pytest.mark.usefixtures("no_search_index")
def test_source_images_are_copied_next_to_the_site(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "docs" / "media").mkdir(parents=True)
    (src / "docs" / "media" / "shot.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (src / "docs" / "a.md").write_text(
        "# A\n\nTo fix it, do this:\n\n1. Open it.\n\n   ![The console](./media/shot.png)\n\n"
        "2. Close it.\n\n   ![Gone](./media/gone.png)\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    build(src, out, Config(root=src), formats=["html"], jobs=1)
    page = (out / "html" / "docs" / "a.html").read_text(encoding="utf-8")
    assert '<img src="../_media/docs/media/shot.png" alt="The console">' in page
    assert (out / "html" / "_media" / "docs" / "media" / "shot.png").read_bytes().endswith(b"fake")
    assert "Image not included:</span> Gone" in page


_SEGMENT = st.sampled_from(["a", "b", "codes", "_static", "x~doc", "p.html", "日本"])


@given(
    st.lists(_SEGMENT, min_size=1, max_size=4).map("/".join),
    st.lists(_SEGMENT, min_size=1, max_size=4).map("/".join),
)
def test_relative_links_are_what_relpath_gives(from_page: str, to_path: str) -> None:
    start = posixpath.dirname(from_page) or "."
    assert relative(from_page, to_path) == posixpath.relpath(to_path, start)


@given(st.text().filter(lambda t: sanitize._PLAIN.fullmatch(t) is not None))
def test_text_the_sanitizer_passes_as_it_is_is_what_nh3_returns(text: str) -> None:
    assert nh3.clean(text, **sanitize._NH3_OPTIONS) == text


def test_every_code_point_the_sanitizer_passes_as_it_is_is_what_nh3_returns() -> None:
    """Every character between others (all at once), and each of the Basic Multilingual
    Plane at the start of a text (a byte order mark is dropped there only: random texts
    found it once in thousands of runs)."""
    plain = [
        chr(code)
        for code in range(0x110000)
        if not 0xD800 <= code < 0xE000 and sanitize._PLAIN.fullmatch(chr(code))
    ]
    between = "a" + "a".join(plain) + "b"
    assert nh3.clean(between, **sanitize._NH3_OPTIONS) == between
    for char in plain:
        if ord(char) > 0xFFFF:
            break
        assert nh3.clean(f"{char}x", **sanitize._NH3_OPTIONS) == f"{char}x", hex(ord(char))
