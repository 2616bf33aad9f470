"""The graph: typed edges, shared code nodes, a stable text dump (golden for the seed)."""

from __future__ import annotations

import shutil
from pathlib import Path

from compiler.compile import compile_sources
from compiler.config import Config

from .conftest import SEED, MakeSource, check_golden


def test_seed_graph_dump(tmp_path: Path) -> None:
    src = tmp_path / "seed"
    src.mkdir()
    shutil.copy(SEED, src / SEED.name)
    graph = compile_sources(src, Config(root=tmp_path), jobs=1).graph
    check_golden("seed-graph.txt", graph.dump())


def test_edges_are_typed(tmp_path: Path) -> None:
    src = tmp_path / "seed"
    src.mkdir()
    shutil.copy(SEED, src / SEED.name)
    graph = compile_sources(src, Config(root=tmp_path), jobs=1).graph
    kinds = {k for _, _, k in graph.g.edges(keys=True)}
    assert kinds == {"contains", "next", "jump", "has_cause", "resolved_by", "has_code"}
    step3 = "step:000_seed_mars_agent_ja#troubleshoot-restore-issues-procedure/3"
    out = {
        (v.rsplit("/", 1)[1], k, d.get("condition"))
        for _, v, k, d in graph.g.out_edges(step3, keys=True, data=True)
    }
    assert out == {("4", "next", None), ("7", "jump", "見つかった場合は")}
    for node, data in graph.g.nodes(data=True):
        if data["kind"] != "code":
            assert data["path"] == SEED.name and data["line"] >= 1, node


def test_one_code_node_for_two_documents(make_source: MakeSource) -> None:
    table = "# {t}\n\n| Error | Resolution |\n| --- | --- |\n| Boom ({code}) | Fix. |\n"
    root = make_source(
        {
            "a.md": table.format(t="A", code="0x1FC07"),
            "b.md": table.format(t="B", code="0x1fc07"),
            "c.md": "# C\n\n[a](a.md)\n",
        }
    )
    graph = compile_sources(root, Config(root=root), jobs=1).graph
    codes = [n for n, d in graph.g.nodes(data=True) if d["kind"] == "code"]
    assert codes == ["code:0x1fc07"]
    assert [d.id for d, _ in graph.entries_for_code("0X1FC07")] == ["a", "b"]
    assert graph.code_index() == {"0x1FC07": ["a#a", "b#b"]}
    assert graph.linked_documents("c") == ["a"]


def test_queries_answer_the_same_after_a_caller_changes_a_list(tmp_path: Path) -> None:
    # The document and code lists are kept after the first walk: callers get copies.
    src = tmp_path / "seed"
    src.mkdir()
    shutil.copy(SEED, src / SEED.name)
    graph = compile_sources(src, Config(root=tmp_path), jobs=1).graph
    docs, codes = graph.documents(), graph.codes()
    entries = graph.entries_for_code(codes[0].code)
    docs.clear()
    codes.clear()
    entries.clear()
    assert graph.documents() and graph.codes() and graph.entries_for_code(graph.codes()[0].code)


SKIPS = """# Private subnet

1. Inspect the ranges. If the subnet range is a subset of the VPC range, skip steps 2 and 4.
2. Create a private subnet.
3. Create a NAT gateway.
4. Modify the routing table.
5. Skip step 6.
6. Create a key pair.
7. Done.
"""


def test_skip_steps_move_past_the_steps_named(make_source: MakeSource) -> None:
    root = make_source({"skips.md": SKIPS})
    graph = compile_sources(root, Config(root=root), jobs=1).graph
    doc = graph.document("skips")
    assert doc is not None
    edges = [
        (a, b, kind, data.get("kind"))
        for a, b, kind, data in graph.step_edges("skips", doc.procedures[0])
    ]
    # 1: next to 2, and (if so) a skip edge to 3, the first step not left out.
    assert (1, 2, "next", None) in edges and (1, 3, "jump", "skip") in edges
    assert not any(a == 1 and b == 4 for a, b, _, _ in edges)
    # 5: "Skip step 6." without a condition replaces the way on.
    assert [(a, b, k) for a, b, k, _ in edges if a == 5] == [(5, 7, "jump")]
