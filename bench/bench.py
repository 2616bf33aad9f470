"""``make bench``: ratios against named baselines, measured in one run on this machine.

Not a test: timings are noisy, so targets are reported, never asserted.
Corpus: every document of source_docs/ replicated to 300, each copy made unique
(a different heading, code and sentence), so no cache can help.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from markdown_it import MarkdownIt  # noqa: E402

from compiler.compile import compile_sources  # noqa: E402
from compiler.config import Config  # noqa: E402


def corpus(count: int) -> list[tuple[str, str]]:
    sources = sorted(p for p in (ROOT / "source_docs").rglob("*.md") if p.name != "NOTICE.md")
    texts = [
        (p.relative_to(ROOT / "source_docs").as_posix(), p.read_text("utf-8")) for p in sources
    ]
    out = []
    for i in range(count):
        path, text = texts[i % len(texts)]
        stem = path[:-3]
        unique = f"\n\n## Copy {i}\n\nCopy {i} of {stem}: error {100000 + i} seen on host-{i}.\n"
        out.append((f"copy{i:03d}/{stem}.md", text + unique))
    return out


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    docs = corpus(args.docs)
    size = sum(len(t.encode("utf-8")) for _, t in docs)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for relative, text in docs:
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
        files = sorted(root.rglob("*.md"))
        bare_md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

        def bare() -> None:
            for path in files:
                bare_md.parse(path.read_text(encoding="utf-8"))

        config = Config(root=root)
        t_bare = best_of(args.runs, bare)
        t_serial = best_of(args.runs, lambda: compile_sources(root, config, jobs=1))
        t_parallel = best_of(args.runs, lambda: compile_sources(root, config))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cores = os.cpu_count() or 1
    rows = [
        ("markdown-it-py bare parse (baseline)", t_bare, ""),
        ("read + parse + graph + checks, -j 1", t_serial, ""),
        (f"read + parse + graph + checks, -j {cores} (default)", t_parallel, "<= 1.5"),
    ]
    print(
        f"corpus: {len(docs)} documents, {size / 1e6:.1f} MB, "
        f"best of {args.runs} runs, {cores} cores"
    )
    print(f"{'measure':<52}{'seconds':>9}{'ratio':>8}{'target':>9}")
    for name, seconds, target in rows:
        print(f"{name:<52}{seconds:>9.3f}{seconds / t_bare:>8.2f}{target:>9}")
    print(f"{'peak RSS of this process (MB)':<52}{rss_mb:>9.0f}{'':>8}{'< 500':>9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
