"""Table-cell HTML -> Item trees (compiler.parse.cells).

Cases are real cell contents from the Azure/Intune/Windows Server docs (English and
Japanese) as markdown-it renders them, written as ``input -> expected tree`` tables.
A tree is a list of ``(text, [children])`` pairs; a bare string is a leaf.
"""

from __future__ import annotations

from typing import TypeAlias

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.model import Item
from compiler.parse.cells import _MAX_DEPTH, cell_items, cell_lines

Tree: TypeAlias = list["str | tuple[str, Tree]"]


def shape(items: list[Item]) -> Tree:
    """Items as the compact tree notation used in the tables below."""
    return [(i.text, shape(i.children)) if i.children else i.text for i in items]


def walk(items: list[Item]) -> list[tuple[int, Item]]:
    """Every item with its depth (0 = top level), without recursion."""
    out: list[tuple[int, Item]] = []
    stack = [(0, item) for item in reversed(items)]
    while stack:
        depth, item = stack.pop()
        out.append((depth, item))
        stack.extend((depth + 1, child) for child in reversed(item.children))
    return out


# --------------------------------------------------------------------------- trees

MARS_CAUSES = (
    "<ul><li> コンテナーの資格情報が有効ではありません。"
    "<li>MARS エージェントが Windows の Temp ディレクトリにファイルをダウンロードできません。 "
    "<li>コンテナーの資格情報がネットワークの場所にあります。 "
    "<li>TLS 1.0 が無効です"
    "<li> 構成されたプロキシ サーバーが接続をブロックしています。 <br>"
)

ANTIVIRUS = (
    "<ul><li>a<li>b <ul><li>CBengine.exe<li>CSC.exe (.NET)。 <li>スクラッチ フォルダー。 "
    r"<br><em>既定の場所は C:\Program Files\Microsoft Azure Recovery Services Agent\Scratch "
    r"です</em>。<br><li>bin フォルダー C:\Program Files\X\Bin"
)

BROWSER = (
    "<ul><li> 別のブラウザーを使用するか、次の手順を実行します。 "
    "<ul><li> IE を起動して、F12 キーを押します。 </li>"
    "<li> <strong>[ネットワーク]</strong> タブに移動します </li> "
    "<li> ページを更新します<br>(または)</li></ul> "
    "<li> サブスクリプションが無効かどうかを確認します<br>(または)</li></ul>"
)

TREES: list[tuple[str, str, Tree]] = [
    (
        "unclosed li, trailing br",
        MARS_CAUSES,
        [
            "コンテナーの資格情報が有効ではありません。",
            "MARS エージェントが Windows の Temp ディレクトリにファイルをダウンロードできません。",
            "コンテナーの資格情報がネットワークの場所にあります。",
            "TLS 1.0 が無効です",
            "構成されたプロキシ サーバーが接続をブロックしています。",
        ],
    ),
    (
        "nested unclosed list, continuation line, backslashes",
        ANTIVIRUS,
        [
            "a",
            (
                "b",
                [
                    "CBengine.exe",
                    "CSC.exe (.NET)。",
                    "スクラッチ フォルダー。\n既定の場所は "
                    r"C:\Program Files\Microsoft Azure Recovery Services Agent\Scratch です。",
                    r"bin フォルダー C:\Program Files\X\Bin",
                ],
            ),
        ],
    ),
    (
        "loose text split by </br>",
        "<strong>Error</strong> </br> "
        "<em>無効なコンテナーの資格情報が指定されました。(ID: 34513)</em>",
        ["Error", "無効なコンテナーの資格情報が指定されました。(ID: 34513)"],
    ),
    (
        "loose text then an unclosed ol: the list items are its siblings",
        "<strong>Error</strong> <br /><ol><li><em>Agent は接続できませんでした。(ID: 100050)</em>"
        "<li><em>(407) プロキシの認証が必要です</em>",
        ["Error", "Agent は接続できませんでした。(ID: 100050)", "(407) プロキシの認証が必要です"],
    ),
    (
        "hand-numbered steps with lettered sub-steps",
        "1. Open the console. <br/> 2. Select the server. <br> a. Right-click. "
        "<br> b. Choose Properties.",
        ["Open the console.", ("Select the server.", ["Right-click.", "Choose Properties."])],
    ),
    (
        "pseudo-bullets, <br></br> and </br></br> are one break",
        "- Check the proxy.</br></br>- Check the firewall.<br></br>- Retry.",
        ["Check the proxy.", "Check the firewall.", "Retry."],
    ),
    (
        "nested list, closed and unclosed li, (または) continues its item",
        BROWSER,
        [
            (
                "別のブラウザーを使用するか、次の手順を実行します。",
                [
                    "IE を起動して、F12 キーを押します。",
                    "[ネットワーク] タブに移動します",
                    "ページを更新します\n(または)",
                ],
            ),
            "サブスクリプションが無効かどうかを確認します\n(または)",
        ],
    ),
    ("li then an ol left open at row end", "<li>x</li><ol>", ["x"]),
    ("extra closers are ignored", "<ul><li>a</li></ul></ul></ol><li>b", ["a", "b"]),
    ("ol around plain text, no li", "<ol><em>message (ID: 34513)</em>", ["message (ID: 34513)"]),
    ("ol around raw markdown, no li", "<ol>*plain text*", ["*plain text*"]),
    ("li without any list", "<li>a <li>b", ["a", "b"]),
    ("</li><ol> misnesting", "<ul><li>a</li><ol><li>b</ul><li>c", ["a", "b", "c"]),
    (
        "numbered lines inside an li are its children",
        "<ul><li>Do this:<br>1. Open.<br>2) Close.<br>a) Really.<li>Next",
        [("Do this:", ["Open.", ("Close.", ["Really."])]), "Next"],
    ),
    (
        "inside an li, a plain line after a numbered line continues that line",
        "<li>Steps:<br>1. Open the console.<br>It may take a minute.<br>2. Sign in.",
        [("Steps:", ["Open the console.\nIt may take a minute.", "Sign in."])],
    ),
    (
        "outside any li, every plain line is its own item, even after a numbered one",
        "1. Reset the ctk <br/> Check the disk <br/> Run a CC<br>a. not nested",
        ["Reset the ctk", "Check the disk", "Run a CC", "not nested"],
    ),
    (
        "angle-bracket placeholders that are not HTML elements stay as text",
        r"- %systemroot%\debug\adprep\<datetime>\csv.log<br>Run <Get-Thing /> on <vault name>",
        [r"%systemroot%\debug\adprep\<datetime>\csv.log", "Run <Get-Thing /> on <vault name>"],
    ),
    (
        "Japanese bullets and spaced / fullwidth numbers",
        "手順:<br>・サービスを停止します<br>・再起動します<br>1 . 確認します<br>\uff12\uff0e完了",
        ["手順:", "サービスを停止します", "再起動します", "確認します", "完了"],
    ),
    (
        "bullets nest under a numbered line, a number ends the nesting",
        "1. Check:<br>- proxy<br>- firewall<br>2. Retry.",
        [("Check:", ["proxy", "firewall"]), "Retry."],
    ),
    (
        "not markers: versions, addresses, e.g., file names, negative numbers",
        "1.5 GB free<br>10.0.0.1 reachable<br>e.g. this<br>a.txt exists<br>-1 returned",
        ["1.5 GB free", "10.0.0.1 reachable", "e.g. this", "a.txt exists", "-1 returned"],
    ),
    (
        "a bare marker takes its text from the next line",
        "1.<br>Open the console.<br>2.<br>Sign in.",
        ["Open the console.", "Sign in."],
    ),
    (
        "empty li with children is replaced by its children",
        "<ul><li><ul><li>a<li>b</ul><li>c</ul>",
        ["a", "b", "c"],
    ),
    ("empty items are dropped", "<ul><li> <li><br></li><li>&nbsp;</ul><p></p>", []),
    (
        "whitespace collapsed, entities decoded",
        "<ul><li>  a \t  b&nbsp;&nbsp;c &amp; d &lt;e&gt;  </ul>",
        ["a b c & d <e>"],
    ),
    (
        "<p> and </p> break lines",
        "<p>First</p><p>Second</p>Third",
        ["First", "Second", "Third"],
    ),
    (
        "text after a nested list continues the outer item",
        "<ul><li>a<ul><li>b</ul>c</ul>",
        [("a\nc", ["b"])],
    ),
    (
        "a list after a numbered line nests under it",
        "1. Open:<ul><li>the console</ul>2. Close.",
        [("Open:", ["the console"]), "Close."],
    ),
]


@pytest.mark.parametrize(("html", "expected"), [t[1:] for t in TREES], ids=[t[0] for t in TREES])
def test_tree(html: str, expected: Tree) -> None:
    assert shape(cell_items(html, 7)) == expected


def test_every_item_gets_the_line() -> None:
    items = walk(cell_items(ANTIVIRUS, 42))
    assert len(items) == 6
    assert {item.line for _, item in items} == {42}


def test_backslashes_preserved() -> None:
    scratch = cell_items(ANTIVIRUS, 1)[1].children[2]
    assert r"C:\Program Files\Microsoft Azure Recovery Services Agent\Scratch" in scratch.text
    assert r"C:\Program Files\Microsoft Azure Recovery Services Agent\Scratch" in scratch.html


# --------------------------------------------------------------------------- lines

LINES: list[tuple[str, str, list[str]]] = [
    (
        "</br> between inline markup",
        "<strong>Error</strong> </br> "
        "<em>無効なコンテナーの資格情報が指定されました。(ID: 34513)</em>",
        ["Error", "無効なコンテナーの資格情報が指定されました。(ID: 34513)"],
    ),
    (
        "br then unclosed ol",
        "<strong>Error</strong> <br /><ol><li><em>Agent は接続できませんでした。(ID: 100050)</em>"
        "<li><em>(407) プロキシの認証が必要です</em>",
        ["Error", "Agent は接続できませんでした。(ID: 100050)", "(407) プロキシの認証が必要です"],
    ),
    (
        "markers are kept: lines are the cell as written",
        "1. Open. <br/> 2. Select. <br> a. Right-click.",
        ["1. Open.", "2. Select.", "a. Right-click."],
    ),
    (
        "li, p and list boundaries split; empty lines dropped",
        "<p>x</p><ul><li>a<ul><li>b</ul>c</ul><br><br></br>",
        ["x", "a", "b", "c"],
    ),
    ("no markup", "  plain   text ", ["plain text"]),
    ("empty", "", []),
]


@pytest.mark.parametrize(("html", "expected"), [t[1:] for t in LINES], ids=[t[0] for t in LINES])
def test_lines(html: str, expected: list[str]) -> None:
    assert cell_lines(html) == expected


# --------------------------------------------------------------------------- html

HTML: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "inline tags and link attributes kept, text stripped",
        '<ul><li><strong>Sign in</strong> at <a href="https://example.com/x?a=1&amp;b=2">'
        "the portal</a>.</ul>",
        [
            (
                "Sign in at the portal.",
                '<strong>Sign in</strong> at <a href="https://example.com/x?a=1&amp;b=2">'
                "the portal</a>.",
            )
        ],
    ),
    (
        "entities re-escaped, Japanese menu path",
        "<li><strong>IE</strong> &gt; <strong>[設定]</strong>",
        [("IE > [設定]", "<strong>IE</strong> &gt; <strong>[設定]</strong>")],
    ),
    (
        "nested list excluded from the html",
        "<ul><li><code>CBengine.exe</code><ul><li>child</ul></ul>",
        [("CBengine.exe", "<code>CBengine.exe</code>")],
    ),
    (
        "continuation lines joined with <br>",
        "<li>スクラッチ フォルダー。 <br><em>既定の場所</em>。",
        [
            (
                "スクラッチ フォルダー。\n既定の場所。",
                "スクラッチ フォルダー。<br><em>既定の場所</em>。",
            )
        ],
    ),
    (
        "marker stripped from the html too, even inside a tag",
        "<strong>1.</strong> Open <em>x</em><br>2. <b>Close</b>",
        [("Open x", "Open <em>x</em>"), ("Close", "<b>Close</b>")],
    ),
    (
        "formatting spanning a break is closed and reopened per line",
        "<em>first<br>second</em>",
        [("first", "<em>first</em>"), ("second", "<em>second</em>")],
    ),
    (
        "unclosed inline tag closed at the item end, not leaked into the next",
        "<li><strong>a<li>b",
        [("a", "<strong>a</strong>"), ("b", "b")],
    ),
    (
        "stray closers and non-inline tags dropped from html, their text kept",
        "<font color=red>a</b></font> <u>b</u>",
        [("a b", "a <u>b</u>")],
    ),
    (
        "placeholders escaped in the html",
        r"Open C:\<folder>\log</folder> now",
        [(r"Open C:\<folder>\log</folder> now", r"Open C:\&lt;folder&gt;\log&lt;/folder&gt; now")],
    ),
    (
        "attribute values escaped, bare attributes kept, self-closing img",
        '<img src="x.png" alt="a &quot;b&quot; <c>" hidden/> see <span class=k>x</span>',
        [
            (
                "see x",
                '<img src="x.png" alt="a &quot;b&quot; &lt;c&gt;" hidden> see '
                '<span class="k">x</span>',
            )
        ],
    ),
    (
        "an image alone is an item",
        '<ul><li><img src="step.png" alt="step"></ul>',
        [("", '<img src="step.png" alt="step">')],
    ),
]


@pytest.mark.parametrize(("html", "expected"), [t[1:] for t in HTML], ids=[t[0] for t in HTML])
def test_html(html: str, expected: list[tuple[str, str]]) -> None:
    assert [(i.text, i.html) for i in cell_items(html, 1)] == expected


# --------------------------------------------------------------------------- robustness

HOSTILE = [
    "<",
    "a < b",
    "<ul",
    "<li",
    "x <a href='",
    "<![foo[ bar <li>kept",
    "<!-- unclosed <li>a",
    "<script>alert(1)<li>x",
    "</li></ul></ol></p></br>",
    "<ul>" * 5000 + "<li>deep",
    "<li>" * 5000,
    "<ul><li>x" * 3000,
    "<b>" * 3000 + "bold",
    "<em>a<br>" * 3000,
    "&#xD800; &#99999999; &bogus;",
    "\x00\ufffd",
]


@pytest.mark.parametrize("html", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_does_not_raise(html: str) -> None:
    items = cell_items(html, 1)
    assert all(depth <= _MAX_DEPTH + 4 for depth, _ in walk(items))
    cell_lines(html)


def test_unparseable_declaration_keeps_the_text() -> None:
    assert "kept" in " ".join(cell_lines("<![foo[ bar <li>kept"))


def test_deep_nesting_is_capped_and_keeps_the_text() -> None:
    items = cell_items("<ul><li>x" * 3000, 1)
    found = walk(items)
    assert len(found) == 3000
    assert max(depth for depth, _ in found) <= _MAX_DEPTH + 4


def test_absurd_inline_nesting_is_capped() -> None:
    (item,) = cell_items("<b>" * 40 + "x" + "</b>" * 40 + "<i>y</i>", 1)
    assert item.text == "xy"
    assert item.html.count("<b>") == item.html.count("</b>") < 40
    assert item.html.endswith("<i>y</i>")


def test_deterministic() -> None:
    assert cell_items(BROWSER, 3) == cell_items(BROWSER, 3)
    assert cell_lines(ANTIVIRUS) == cell_lines(ANTIVIRUS)


TAGS = [
    "<ul>",
    "</ul>",
    "<ol>",
    "</ol>",
    "<li>",
    "</li>",
    "<br>",
    "<br/>",
    "<br />",
    "</br>",
    "<p>",
    "</p>",
    "<strong>",
    "</strong>",
    "<em>",
    "</em>",
    "<code>",
    '<a href="https://example.com/?a=1&amp;b=2">',
    "</a>",
    '<img src="x.png">',
    "<",
    ">",
    "&",
    "&amp;",
    "<!--",
    "<![",
    "1. ",
    "a) ",
    "- ",
    "・",
    "\n",
    " ",
]
PIECES = st.one_of(st.sampled_from(TAGS), st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=60))
def test_never_raises(pieces: list[str]) -> None:
    html = "".join(pieces)
    items = cell_items(html, 5)
    lines = cell_lines(html)
    assert isinstance(items, list) and isinstance(lines, list)
    for depth, item in walk(items):
        assert isinstance(item, Item) and item.line == 5
        assert depth <= _MAX_DEPTH + 4
        # Empty items are dropped or replaced by their children.
        assert item.text or item.html
        assert item.text == item.text.strip() and "  " not in item.text
    assert all(line and line == line.strip() for line in lines)
    assert cell_items(html, 5) == items


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abc xyz", min_size=1, max_size=8), min_size=1, max_size=8))
def test_no_text_is_lost(words: list[str]) -> None:
    """Plain words wrapped in any list mess still all come out."""
    html = "<ul><li>" + "<li>".join(words) + "</ul></ul><ol>" + " trailer"
    text = " ".join(item.text for _, item in walk(cell_items(html, 1)))
    for word in words:
        assert word.split() == [] or all(w in text for w in word.split())
    assert "trailer" in text
