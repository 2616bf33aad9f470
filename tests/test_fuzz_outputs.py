"""Fuzzing parse -> graph -> every generator (PDF aside: see test_pdf): no exception,
and every output is valid — JSON loads, SVG is XML, each .ps1 parses with
tree-sitter-pwsh, HTML has no script or handler the site did not put there.

A short run in ``make test``; ``make fuzz`` runs many more examples.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.build import build
from compiler.compile import compile_text
from compiler.config import Config

from .test_powershell import parse_ps
from .test_properties import FRAGMENTS

HOSTILE = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">a</a>',
    "<iframe src=//evil></iframe>",
    "<style>body{display:none}</style>",
    '"; Remove-Item C:\\ -Recurse; "',
    "$(Remove-Item C:\\)",
    "`r`n'@\n'@ | Remove-Item",
    '\\"] [label=<b>x</b>] // ',
    '" URL="javascript:alert(1)',
    "{{ 7*7 }} {% raw %}",
    "\u202e\u0000\ufeff",
    "C:\\Program Files\\Agent\\Bin",
]
FORMATS = ["html", "json", "md", "ps1", "svg"]


class _Html(HTMLParser):
    """Collects what must never come from a document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if (
                name in ("href", "src", "action")
                and value
                and re.match(r"\s*(javascript|data|vbscript):", value, re.I)
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not re.search(r"(^|/)(_static|pagefind)/[\w.-]+\.js$", src):
                self.problems.append(f"<script src={src!r}>")
        if tag == "form" and dict(attrs).get("id") != "rb-lookup":
            self.problems.append("<form> not the lookup box")
        if tag in ("iframe", "object", "embed", "style", "base"):
            self.problems.append(f"<{tag}>")


def _check_outputs(out: Path) -> None:
    json.loads((out / "runbooks.json").read_text(encoding="utf-8"))
    for svg in out.rglob("*.svg"):
        if "_static" not in svg.parts:
            ElementTree.fromstring(svg.read_bytes())
    for ps1 in out.rglob("*.ps1"):
        parsed = parse_ps(ps1.read_bytes().removeprefix(b"\xef\xbb\xbf"))
        assert not parsed.problems, (ps1, parsed.problems[:3])
    for md in out.rglob("md/**/*.md"):
        compile_text(md.read_text(encoding="utf-8"), md.name)
    for page in (out / "html").rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        checker = _Html()
        checker.feed(page.read_text(encoding="utf-8"))
        checker.close()
        assert not checker.problems, (page, checker.problems[:5])


documents = st.lists(
    st.sampled_from(FRAGMENTS) | st.sampled_from(HOSTILE) | st.text(max_size=20),
    min_size=1,
    max_size=20,
).map("".join)


# Each example is a whole build: a few in `make test`, many in `make fuzz`.
EXAMPLES = 400 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 12


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents, min_size=1, max_size=2))
def test_every_generator_on_any_document(texts: list[str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="fuzz-src-"))
    out = Path(tempfile.mkdtemp(prefix="fuzz-out-"))
    try:
        for i, text in enumerate(texts):
            (root / f"doc{i}.md").write_text(text, encoding="utf-8", errors="surrogatepass")
        result = build(root, out, Config(root=root), formats=FORMATS, jobs=1)
        assert not [d for d in result.compilation.diagnostics if d.rule == "generator"]
        _check_outputs(out)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def test_hostile_snippets_everywhere(tmp_path: Path) -> None:
    """Every hostile snippet in every place a document can put text."""
    blocks = []
    for i, bad in enumerate(HOSTILE):
        blocks.append(
            f"## Error {bad} (ID: {1000 + i})\n\n**Error code**: Code{i}X{bad}\n\n**Cause:** {bad}\n\n"
            f"**Resolution:** {bad}\n\n1. {bad} If found, go to step 2.\n2. `{bad}`\n\n"
            f"| Error | Cause | Resolution |\n|---|---|---|\n| {bad} (ID: {2000 + i}) | {bad} | <ul><li>{bad} |\n\n"
            f"- check {bad}\n- `Get-Service {bad}`\n\n> [!NOTE]\n> {bad}\n"
        )
    src = tmp_path / "src"
    src.mkdir()
    (src / "hostile.md").write_text(
        "# Hostile\n\n" + "\n".join(blocks), encoding="utf-8", errors="surrogatepass"
    )
    result = build(src, tmp_path / "out", Config(root=src), formats=FORMATS, jobs=1)
    assert not [d for d in result.compilation.diagnostics if d.rule == "generator"]
    _check_outputs(tmp_path / "out")
