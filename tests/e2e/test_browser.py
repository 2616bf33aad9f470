"""The html site in a real browser: Debian's Chromium, driven by Playwright.

The corpus is built once; the site is served by ``http.server`` on 127.0.0.1 twice,
at the server root and from a subfolder (``/sub/html/``), to prove every link is
relative. axe-core (``make node-deps`` puts it in ``node_modules/``) checks
accessibility. Screenshots land in ``build/test-artifacts/``.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from compiler.build import build
from compiler.config import Config, load_config
from compiler.html.search import find_pagefind
from tests.conftest import ROOT, SOURCE_DOCS
from tests.e2e.conftest import CHROMIUM
from tests.test_html import HOSTILE

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "build" / "test-artifacts"
SEED = "000_seed_mars_agent_ja.html"
PROC = "troubleshoot-restore-issues-procedure"

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.is_file(), reason="/usr/bin/chromium is missing (make deps installs it)"
    ),
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Base URLs: ``root`` (site at /), ``sub`` (site at /sub/html/), ``hostile``."""
    work = tmp_path_factory.mktemp("e2e")
    # The checkout's runbooks.toml: the corpus's language versions.
    build(SOURCE_DOCS, work / "sub", load_config(ROOT / "runbooks.toml"), formats=["html"])
    hostile_src = work / "hostile-src"
    hostile_src.mkdir()
    (hostile_src / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    build(hostile_src, work / "hostile", Config(root=hostile_src), formats=["html"])
    servers = []
    urls = {}
    for name, folder, prefix in (
        ("root", work / "sub" / "html", ""),
        ("sub", work, "sub/html/"),
        ("hostile", work / "hostile" / "html", ""),
    ):
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        urls[name] = f"http://127.0.0.1:{server.server_address[1]}/{prefix}"
    urls["file"] = (work / "sub" / "html").as_uri() + "/"
    yield urls
    for server in servers:
        server.shutdown()
        server.server_close()


def in_viewport(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                return r.top >= -2 && r.top < window.innerHeight; }""",
            selector,
        )
    )


def by_id(html_id: str) -> str:
    return f'[id="{html_id}"]'


# -- lookup box and code permalinks ------------------------------------------------------
def test_lookup_box_takes_a_code_to_its_card(sites: dict[str, str], page: Any) -> None:
    page.goto(sites["sub"] + SEED)
    page.fill("#rb-lookup-input", " 34513 ")
    page.press("#rb-lookup-input", "Enter")
    page.wait_for_function("location.hash === '#code-34513'")
    assert in_viewport(page, by_id("code-34513"))
    assert page.evaluate("document.activeElement.id") == "code-34513"


def test_lookup_box_from_the_index_reaches_the_mars_card(sites: dict[str, str], page: Any) -> None:
    page.goto(sites["sub"] + "index.html")
    page.fill("#rb-lookup-input", "0x1fc07")
    page.press("#rb-lookup-input", "Enter")
    page.wait_for_url("**/sub/html/codes/0x1FC07.html")
    link = page.locator(f'a[href="../{SEED}#the-activation-did-not-complete-successfully"]')
    link.first.click()
    page.wait_for_url(f"**/sub/html/{SEED}#the-activation-did-not-complete-successfully")
    assert in_viewport(page, by_id("the-activation-did-not-complete-successfully"))


def test_lookup_box_explains_an_unknown_code(sites: dict[str, str], page: Any) -> None:
    page.goto(sites["root"] + "index.html")
    page.fill("#rb-lookup-input", "0xDEADBEEF")
    page.press("#rb-lookup-input", "Enter")
    status = page.locator("#rb-lookup-status")
    status.wait_for(state="visible")
    assert "0xDEADBEEF" in status.inner_text()
    assert page.url.endswith("/index.html")
    assert status.locator("a").get_attribute("href") == "search.html?q=0xDEADBEEF"


def test_lookup_box_works_from_a_file_url(sites: dict[str, str], page: Any) -> None:
    page.goto(sites["file"] + SEED)
    page.fill("#rb-lookup-input", "0x1FC07")
    page.press("#rb-lookup-input", "Enter")
    page.wait_for_function("location.hash === '#code-0x1FC07'")


def test_code_permalink_lists_the_mars_entry(sites: dict[str, str], page: Any) -> None:
    page.goto(sites["root"] + "codes/0x1FC07.html")
    assert page.locator("h1").inner_text() == "Error code 0x1FC07"
    titles = page.locator(".code-entry h2, .code-entry .version h3 a").all_inner_texts()
    assert "Azure Backup エージェントのトラブルシューティング" in titles
    assert page.locator(".card-title", has_text="サービスの内部エラー [0x1FC07]").count() == 1


# -- language versions ------------------------------------------------------------------
MARS_EN = "azure-docs-en/backup-azure-mars-troubleshoot.html"
CARD = "invalid-vault-credentials-provided"


def test_language_switch_lands_on_the_same_card_in_the_other_version(
    sites: dict[str, str], page: Any
) -> None:
    """On the English MARS page, at the 34513 card: the header's switch leads to the same
    card on the Japanese page; the card's own link leads back."""
    page.goto(sites["sub"] + MARS_EN + "#code-34513")
    switch = page.locator("nav.lang-switch a[hreflang='ja-JP']")
    assert switch.inner_text() == "日本語"
    assert page.locator("link[rel=alternate][hreflang='ja-JP']").count() == 1
    page.wait_for_function(
        "document.querySelector(\"nav.lang-switch a[hreflang='ja-JP']\").getAttribute('href')"
        f".endsWith('#{CARD}')"
    )
    switch.click()
    page.wait_for_url(f"**/sub/html/{SEED}#{CARD}")
    assert page.evaluate("location.hash") == f"#{CARD}"
    card = page.locator(by_id(CARD))
    assert card.evaluate("el => el.matches('article.card.error')")
    assert card.locator("ul.codes").inner_text().strip() == "34513"
    assert in_viewport(page, by_id(CARD))
    assert page.evaluate("document.documentElement.lang") == "ja-JP"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "language-switch.png"))
    card.locator("a.version-link[hreflang='en']").click()
    page.wait_for_url(f"**/sub/html/{MARS_EN}#{CARD}")
    assert page.locator(by_id(CARD)).locator("ul.codes").inner_text().strip() == "34513"


def test_code_page_shows_the_versions_of_one_runbook_side_by_side(
    sites: dict[str, str], page: Any
) -> None:
    page.goto(sites["root"] + "codes/34513.html")
    group = page.locator(".code-versions")
    assert group.count() == 1
    columns = group.locator(".side-by-side > .version")
    assert columns.count() == 2
    assert [columns.nth(i).get_attribute("lang") for i in range(2)] == ["en", "ja-JP"]
    boxes = [columns.nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["x"] < boxes[1]["x"] and abs(boxes[0]["y"] - boxes[1]["y"]) < 2


# -- search ---------------------------------------------------------------------------------
@pytest.mark.skipif(find_pagefind() is None, reason="pagefind is not installed")
@pytest.mark.parametrize("query", ["34513", "資格情報"])
def test_pagefind_finds_the_mars_page(sites: dict[str, str], page: Any, query: str) -> None:
    page.goto(sites["sub"] + "search.html?q=" + query)
    page.wait_for_selector(".pagefind-ui__result-link")
    hrefs = page.eval_on_selector_all(
        ".pagefind-ui__result-link", "links => links.map(a => a.getAttribute('href'))"
    )
    assert any(h.split("#")[0].endswith("/sub/html/" + SEED) for h in hrefs), hrefs


# -- procedures ---------------------------------------------------------------------------
def test_flowchart_node_scrolls_to_its_step(sites: dict[str, str], page: Any) -> None:
    page.goto(sites["sub"] + SEED + f"#{PROC}")
    node = page.locator(f'.flowchart-svg a[*|href="#{PROC}-step-8"]')
    if node.count() == 0:
        pytest.skip("no flowchart on the page (Graphviz or the flowchart module is missing)")
    node.first.click()
    page.wait_for_function(f"location.hash === '#{PROC}-step-8'")
    assert in_viewport(page, by_id(f"{PROC}-step-8"))


def test_jump_link_reaches_its_target_step(sites: dict[str, str], page: Any) -> None:
    page.goto(sites["sub"] + SEED)
    jump = page.locator(f'a.jump[href="#{PROC}-step-7"]')
    assert "手順 7 へ" in jump.inner_text()
    jump.click()
    page.wait_for_function(f"location.hash === '#{PROC}-step-7'")
    assert in_viewport(page, by_id(f"{PROC}-step-7"))
    page.goto(sites["sub"] + SEED + "#step-3")
    assert in_viewport(page, by_id("step-3"))


def test_checklist_boxes_remember_their_state(sites: dict[str, str], page: Any) -> None:
    page.goto(sites["root"] + SEED)
    box = page.locator(".checklist input[type=checkbox]").nth(1)
    box.check()
    page.reload()
    assert page.locator(".checklist input[type=checkbox]").nth(1).is_checked()
    assert not page.locator(".checklist input[type=checkbox]").nth(0).is_checked()


def test_print_hides_navigation_and_keeps_cards_whole(sites: dict[str, str], page: Any) -> None:
    page.goto(sites["root"] + SEED)
    page.emulate_media(media="print")
    style = page.evaluate(
        """() => ({
            header: getComputedStyle(document.querySelector('.site-header')).display,
            lookup: getComputedStyle(document.querySelector('.lookup')).display,
            card: getComputedStyle(document.querySelector('.card')).breakInside,
            after: getComputedStyle(document.querySelector('.card a[href^="http"]'), '::after')
                .content,
        })"""
    )
    assert style["header"] == "none"
    assert style["lookup"] == "none"
    assert style["card"] == "avoid"
    assert "https://" in style["after"]
    page.emulate_media(media="screen")
    assert page.locator(".site-header").is_visible()


# -- safety ------------------------------------------------------------------------------
def test_hostile_document_runs_no_script(sites: dict[str, str], page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(sites["hostile"] + "hostile.html")
    page.wait_for_load_state("load")
    for link in page.locator("main a").all():
        if link.get_attribute("href") is None:
            link.click()
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not dialogs
    scripts = page.evaluate("[...document.scripts].map(s => s.getAttribute('src') || 'inline')")
    assert scripts == ["_static/codes.js", "_static/runbooks.js"]
    assert page.locator("iframe, object, embed, style").count() == 0


# -- accessibility and screenshots ----------------------------------------------------------------
def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ['violations'] });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
            }));
        }"""
    )
    return found


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is missing (make node-deps installs it)")
@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("index", "index.html"),
        ("seed", SEED),
        ("code", "codes/34513.html"),
        ("translations", "translations.html"),
        ("mars-en", "azure-docs-en/backup-azure-mars-troubleshoot.html"),
    ],
)
def test_no_serious_accessibility_violation(
    sites: dict[str, str], page: Any, name: str, path: str
) -> None:
    page.goto(sites["sub"] + path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=name != "index")
    violations = axe_violations(page)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, serious
