"""``make bench``: ratios against named baselines, measured in one run on this machine.

Not a test: timings are noisy, so targets are reported, never asserted.
Corpus: every document of source_docs/ replicated to 300, each copy made unique
(a different heading, code and sentence), so no cache can help.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from markdown_it import MarkdownIt  # noqa: E402

from compiler.checks import run_checks  # noqa: E402
from compiler.diagnostics import Diagnostics  # noqa: E402
from compiler.graph import build_graph  # noqa: E402
from compiler.links import resolve_links  # noqa: E402
from compiler.parse.document import parse_document  # noqa: E402
from compiler.parse.vocab import build_vocabulary  # noqa: E402


def corpus(count: int) -> list[tuple[str, str]]:
    sources = sorted(p for p in (ROOT / "source_docs").rglob("*.md") if p.name != "NOTICE.md")
    texts = [(p.relative_to(ROOT / "source_docs").as_posix(), p.read_text("utf-8")) for p in sources]
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
    vocab = build_vocabulary()

    bare_md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

    def bare() -> None:
        for _, text in docs:
            bare_md.parse(text)

    def parse_and_graph() -> None:
        diags = Diagnostics()
        parsed = {}
        for path, text in docs:
            doc = parse_document(text, path=path, doc_id=path[:-3], vocab=vocab, diags=diags)
            parsed[doc.id] = doc
        resolve_links(parsed, {p for p, _ in docs}, diags)
        graph = build_graph(parsed.values())
        run_checks(graph, diags)

    t_bare = best_of(args.runs, bare)
    t_ours = best_of(args.runs, parse_and_graph)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {len(docs)} documents, {size / 1e6:.1f} MB, best of {args.runs} runs")
    print(f"{'measure':<44}{'seconds':>10}{'ratio':>10}{'target':>10}")
    print(f"{'markdown-it-py bare parse (baseline)':<44}{t_bare:>10.3f}{1.0:>10.2f}{'':>10}")
    print(f"{'parse + graph + checks':<44}{t_ours:>10.3f}{t_ours / t_bare:>10.2f}{'<= 1.5':>10}")
    print(f"{'peak RSS (MB)':<44}{rss_mb:>10.0f}{'':>10}{'< 500':>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
