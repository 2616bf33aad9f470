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
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import floor  # noqa: E402  (bench/, the script's own folder)
from markdown_it import MarkdownIt  # noqa: E402

from compiler.compile import compile_sources  # noqa: E402
from compiler.config import Config  # noqa: E402
from compiler.diagnostics import Diagnostics  # noqa: E402
from compiler.flowchart.bench import bench_flowcharts  # noqa: E402
from compiler.generators.base import BuildContext, available_formats  # noqa: E402
from compiler.generators.pdf import bench_pdf  # noqa: E402
from compiler.html import search  # noqa: E402
from compiler.writer import Writer  # noqa: E402

RUNBOOKS = Path(sys.executable).parent / "runbooks"


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


def run_timed(command: list[str], cwd: Path | None = None) -> float:
    """Wall seconds of ``command``, nothing else running (memory is sampled apart, by
    :func:`peak_memory`: sampling /proc every 20 ms costs a share of a core)."""
    start = time.perf_counter()
    quiet = subprocess.DEVNULL
    subprocess.run(command, cwd=cwd, stdout=quiet, stderr=quiet, check=True)
    return time.perf_counter() - start


def peak_memory(command: list[str], cwd: Path | None = None) -> float:
    """The largest summed memory (MB, PSS) of ``command`` and all its children (Pagefind,
    dot, workers), sampled while it runs: what the machine must hold at once."""
    with subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, command)
    return peak / 1e6


def _tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and its descendants now (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(_proportional_bytes(pid) for pid in tree)


def _proportional_bytes(pid: int) -> int:
    """The process's share of memory (PSS): pages it shares with forked workers are
    counted once across them, not once per process as RSS would."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def build_command(source: Path, out: Path, formats: list[str]) -> list[str]:
    return [
        str(RUNBOOKS),
        "build",
        str(source),
        "--out",
        str(out),
        "--format",
        ",".join(formats),
        "-q",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    docs = corpus(args.docs)
    size = sum(len(t.encode("utf-8")) for _, t in docs)
    cores = os.cpu_count() or 1
    rows: list[tuple[str, float, str, str]] = []  # (measure, value, ratio text, target)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "docs"
        for relative, text in docs:
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
        files = sorted(root.rglob("*.md"))
        bare_md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

        def bare() -> None:
            for path in files:
                bare_md.parse(path.read_text(encoding="utf-8"))

        # 1. parse + graph against markdown-it-py's bare parse of the same files.
        config = Config(root=root)
        t_bare = best_of(args.runs, bare)
        t_serial = best_of(args.runs, lambda: compile_sources(root, config, jobs=1))
        t_parallel = best_of(args.runs, lambda: compile_sources(root, config))
        rows += [
            ("markdown-it-py bare parse (baseline)", t_bare, "1.00", ""),
            ("read + parse + graph + checks, -j 1", t_serial, f"{t_serial / t_bare:.2f}", ""),
            (
                f"read + parse + graph + checks, -j {cores} (default)",
                t_parallel,
                f"{t_parallel / t_bare:.2f}",
                "<= 1.5",
            ),
        ]
        # Flowcharts: seconds per procedure page, batched vs one bare `dot -Tsvg` each.
        graph = compile_sources(root, config).graph
        charts = bench_flowcharts(graph, runs=1, limit=300)
        if charts.get("graphs"):
            rows += [
                (
                    "one bare `dot -Tsvg` per procedure (baseline, ms)",
                    charts["bare_s"] * 1e3,
                    "1.00",
                    "",
                ),
                (
                    "flowchart per procedure incl. DOT building (ms)",
                    (charts["batched_s"] + charts["dot_build_s"]) * 1e3,
                    f"{charts['ratio_with_dot_build']:.2f}",
                    "<= 1.2",
                ),
            ]
        # 4. PDF: seconds per runbook (the seed), the handbook against the sum of its parts,
        # on the real corpus (21 documents: the 300 copies would take minutes each run).
        corpus_root = ROOT / "source_docs"
        corpus_graph = compile_sources(corpus_root, Config(root=ROOT)).graph
        pdf_out = Path(tmp) / "pdf-bench"
        ctx = BuildContext(
            config=Config(root=ROOT),
            writer=Writer(pdf_out),
            diags=Diagnostics(),
            source_root=corpus_root,
        )
        pdf = bench_pdf(corpus_graph, ctx, seed="000_seed_mars_agent_ja")
        rows += [
            ("PDF: the seed runbook, 1 core (s)", pdf["seed_layout_s"], "", "<= 1 s"),
            ("PDF: sum of the corpus runbooks, 1 core (s)", pdf["parts_s"], "1.00", ""),
            (
                "PDF: handbook assembled from them (s)",
                pdf["handbook_s"],
                f"{pdf['handbook_ratio']:.2f}",
                "< 2.0",
            ),
        ]
        # 2. clean build of every format but PDF against `mkdocs build` (HTML only).
        formats = [f for f in available_formats() if f != "pdf"]
        (Path(tmp) / "mkdocs.yml").write_text(
            "site_name: bench\ndocs_dir: docs\nsite_dir: site\n", encoding="utf-8"
        )
        mkdocs = shutil.which("mkdocs", path=str(RUNBOOKS.parent))
        before = floor.children_cpu()
        t_mkdocs = run_timed([mkdocs, "build", "-q"], cwd=Path(tmp)) if mkdocs else float("nan")
        cpu_mkdocs = floor.children_cpu() - before
        clean_runs = []
        for i in range(args.runs):
            before, before_system = floor.children_cpu(), floor.children_system_cpu()
            wall = run_timed(build_command(root, Path(tmp) / f"clean{i}", formats))
            cpu = floor.children_cpu() - before
            clean_runs.append((wall, cpu, floor.children_system_cpu() - before_system))
        t_clean, cpu_clean, system_clean = min(clean_runs)
        # Publishing that site (linked into a release, made live): the issue's "less time
        # than building it". Twice: the second also keeps the first's shards reachable.
        site_out = Path(tmp) / "clean0"
        publishing = [
            run_timed([str(RUNBOOKS), "publish", "--out", str(site_out), "--to", str(www)])
            for www in (Path(tmp) / "www", Path(tmp) / "www")
        ]
        t_publish = max(publishing)
        memory: dict[str, float] = {}
        memory["clean build (no PDF)"] = peak_memory(build_command(root, Path(tmp) / "m", formats))
        # What the tools the build must run cost on their own, spread over every core.
        tools = {
            "markdown-it-py": floor.cpu_of(bare, floor.own_cpu),
            "Graphviz": floor.graphviz_cpu(graph),
            "Pagefind": floor.pagefind_cpu(
                Path(tmp) / "clean0" / "html",
                search.index_language(doc.lang for doc in graph.documents()),
            ),
        }
        t_floor = sum(tools.values()) / cores
        rows += [
            ("mkdocs build (baseline, HTML only)", t_mkdocs, "1.00", ""),
            ("mkdocs build, CPU seconds (one core)", cpu_mkdocs, "", ""),
            (
                f"clean build: {', '.join(formats)}",
                t_clean,
                f"{t_clean / t_mkdocs:.2f}",
                "<= 1.0",
            ),
            (f"clean build, CPU seconds ({cores} cores)", cpu_clean, "", ""),
            (
                "publish that site, whole CLI (s; ratio: to the clean build)",
                t_publish,
                f"{t_publish / t_clean:.2f}",
                "< 1.0 of the build",
            ),
            ("  of which in the kernel (system CPU s)", system_clean, "", ""),
            *((f"  of which {name} alone (CPU s)", cpu, "", "") for name, cpu in tools.items()),
            (
                f"  floor: those three tools' CPU / {cores} cores (s)",
                t_floor,
                f"{t_floor / t_mkdocs:.2f}",
                "",
            ),
        ]
        # 3. no-op rebuild and a one-document change, every format (PDF included).
        everything = available_formats()
        out = Path(tmp) / "incremental"
        memory["clean build, every format"] = peak_memory(build_command(root, out, everything))
        t_noop = min(run_timed(build_command(root, out, everything)) for _ in range(args.runs))
        timed_changes: dict[str, float] = {}
        for label, changed in (
            ("Japanese", files[0]),
            ("English", next(f for f in files if "-en" in f.as_posix() or "aws" in f.as_posix())),
        ):
            changes = []
            for i in range(args.runs):
                changed.write_text(
                    changed.read_text(encoding="utf-8") + f"\nEdit {i}.\n", encoding="utf-8"
                )
                changes.append(run_timed(build_command(root, out, everything)))
            timed_changes[label] = min(changes)
            changed.write_text(changed.read_text(encoding="utf-8") + "\nEdit.\n", encoding="utf-8")
            memory[f"one {label} document changed"] = peak_memory(
                build_command(root, out, everything)
            )
        rows += [
            ("no-op rebuild (wall, whole CLI)", t_noop, "", "< 0.5 s"),
            (
                "one document changed, Japanese (wall, whole CLI)",
                timed_changes["Japanese"],
                "",
                "< 1.5 s",
            ),
            (
                "one document changed, English (wall, whole CLI)",
                timed_changes["English"],
                "",
                "< 1.5 s",
            ),
        ]
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak RSS of a build, largest process (MB)", rss_mb, "", "< 500"))
    for what, mb in memory.items():
        rows.append((f"peak memory, all processes (PSS, MB): {what}", mb, "", "< 500"))
    rows.append(("peak RSS of the in-process compile (MB)", rss_self, "", "< 500"))
    print(
        f"corpus: {len(docs)} documents, {size / 1e6:.1f} MB, "
        f"best of {args.runs} runs, {cores} cores"
    )
    width = max(len(name) for name, *_ in rows)
    print(f"| {'measure':<{width}} | {'value':>9} | {'ratio':>6} | {'target':>8} |")
    print(f"| {'-' * width} | {'-' * 8}: | {'-' * 5}: | {'-' * 7}: |")
    for name, value, ratio, target in rows:
        print(f"| {name:<{width}} | {value:>9.3f} | {ratio:>6} | {target:>8} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
