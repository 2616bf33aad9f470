"""Any text gives a document (and a graph, checks and JSON), never an exception."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from compiler.checks import run_checks
from compiler.compile import compile_text
from compiler.diagnostics import Diagnostics
from compiler.generators.json_export import dumps, export
from compiler.graph import build_graph
from compiler.links import resolve_links

FRAGMENTS = [
    "# Title\n",
    '## <a name="x"></a>Heading\n',
    "---\ntitle: t\nms.date: 02/18/2019\n---\n",
    "---\n: bad: [yaml\n---\n",
    "| Error | Cause | Resolution |\n| --- | --- | --- |\n",
    "| エラーの詳細 | 考えられる原因 | 推奨アクション |\n|---|---|---|\n",
    "| **Error** </br> *msg (ID: 34513)* | <ul><li>a<li>b | <ol><li>x</li><ol> |\n",
    "| a | b |\n",
    "1. Step one. If found, go to step 7.\n",
    "2. 見つかった場合は、手順 7. に進みます。\n",
    "1. Repeat steps 2-4.\n",
    "3. Return to step 1.\n",
    "   ```powershell\n   Get-Service\n   ```\n",
    "- check `Get-ExecutionPolicy -List`\n",
    "> [!NOTE]\n> note\n",
    "> [!TIP] same line\n",
    "[!INCLUDE [x](../x.md)]\n",
    ':::image type="content" source="a.png" alt-text="b":::\n',
    "**Error code**: UserErrorX <br> **Error message**: boom\n",
    "**Cause:** c\n\n**Resolution:** r\n",
    "#### Resolution\n",
    "##### Cause 1: [x](#x)\n",
    "それでも回復が失敗する場合は、再起動します。\n",
    "<ul><li>raw\n",
    "[link](other.md#anchor) [web](https://example.com) [bad](javascript:alert(1))\n",
    "\n",
    "    indented code\n",
]


@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    _compile_all(text)


@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=30), max_size=25))
def test_any_mix_of_real_shapes(parts: list[str]) -> None:
    _compile_all("".join(parts))


def _compile_all(text: str) -> None:
    diags = Diagnostics()
    doc = compile_text(text, "fuzz.md", diags=diags)
    resolve_links({doc.id: doc}, {"fuzz.md"}, diags)
    graph = build_graph([doc])
    run_checks(graph, diags)
    json.loads(dumps(export(graph)))
    for d in diags:
        assert str(d).startswith("fuzz.md:")
