"""Finding the source documents: order, hidden names, links, folders named like files."""

from __future__ import annotations

import os
from pathlib import Path

from compiler.diagnostics import Diagnostics
from compiler.sources import find_sources


def test_find_sources_order_hidden_links_and_exclusions(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    for relative in ["a/b.md", "a-b/c.md", ".hidden/h.md", "a/.h.md", "dir.md/in.md",
                     "UP.MD", "img.png", "drafts/d.md"]:  # fmt: skip
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("# x\n", encoding="utf-8")
    os.symlink(tmp_path, root / "out")  # leads out of the folder
    os.symlink(root / "a", root / "alink")  # a folder link inside: not walked
    os.symlink(root / "a" / "b.md", root / "blink.md")
    diags = Diagnostics()
    markdown, known = find_sources(root, ("drafts/*",), diags)
    # Sorted by path parts, as pathlib sorts: "a/b.md" before "a-b/c.md".
    assert [p.relative_to(root.resolve()).as_posix() for p in markdown] == [
        "UP.MD",
        "a/b.md",
        "a-b/c.md",
        "blink.md",
        "dir.md/in.md",
    ]
    assert known == {"UP.MD", "a/b.md", "a-b/c.md", "blink.md", "dir.md/in.md", "img.png",
                     "drafts/d.md"}  # fmt: skip
    assert sorted((d.path, d.rule) for d in diags.items) == [
        ("dir.md", "read"),
        ("out", "symlink"),
    ]
