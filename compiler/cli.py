"""Command line: arguments -> library calls.

``run(argv) -> int`` is testable without a subprocess; ``main`` only exits with it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from compiler import processes
from compiler.build import UnknownFormatError, build, print_diagnostics
from compiler.config import SWITCHES, Config, ConfigError, find_config, load_config
from compiler.processes import Stopped
from compiler.progress import progress_for

if TYPE_CHECKING:
    from compiler.graph import RunbookGraph
    from compiler.model import Document, ErrorEntry

# Each command imports what it needs: `runbooks build` with nothing to do must not
# pay for the parser, the graph or the generators.


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="runbooks", description="Compile troubleshooting Markdown into runbooks."
    )
    parser.add_argument(
        "--config", type=Path, help="runbooks.toml to use (default: ./runbooks.toml if present)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p_build = sub.add_parser("build", help="compile the documents and write every output format")
    p_build.add_argument("source", nargs="?", type=Path, help="folder of Markdown documents")
    p_build.add_argument("--out", type=Path, help="output folder (default: build)")
    p_build.add_argument(
        "--format",
        action="append",
        dest="formats",
        metavar="FORMAT",
        # Not listed from the registry here: that would import every generator (WeasyPrint
        # included) just to print --help.
        help="format to build, repeatable or comma-separated (html, json, md, pdf, ps1, svg)",
    )
    p_build.add_argument("--strict", action="store_true", help="warnings make the exit status 1")
    p_build.add_argument("-q", "--quiet", action="store_true", help="print diagnostics only")
    p_build.add_argument("-j", "--jobs", type=int, help="parallel workers (default: CPU count)")
    p_build.add_argument(
        "-v", "--verbose", action="store_true", help="say why each document is rebuilt"
    )
    p_build.add_argument("--force", action="store_true", help="rebuild everything, ignoring caches")
    p_build.add_argument(
        "--lang",
        action="append",
        dest="languages",
        metavar="LANG",
        help="also write pdf/handbook-LANG.pdf: one version of each runbook, in LANG where "
        "there is one (repeatable or comma-separated)",
    )

    p_check = sub.add_parser("check", help="print diagnostics only; exit 1 on errors")
    p_check.add_argument("source", nargs="?", type=Path)
    p_check.add_argument("--strict", action="store_true", help="warnings make the exit status 1")
    p_check.add_argument("-j", "--jobs", type=int, help="parallel workers (default: CPU count)")
    p_check.add_argument(
        "-v", "--verbose", action="store_true", help="print an internal error's traceback"
    )

    p_serve = sub.add_parser("serve", help="serve the built site on 127.0.0.1 (preview)")
    p_serve.add_argument("source", nargs="?", type=Path)
    p_serve.add_argument("--out", type=Path, help="output folder (default: build)")
    p_serve.add_argument("--port", type=int, default=8000)
    p_serve.add_argument(
        "--watch", action="store_true", help="rebuild on change and reload the page"
    )

    p_publish = sub.add_parser(
        "publish", help="make the built site live in a folder a web server serves"
    )
    p_publish.add_argument("--out", type=Path, help="the build's output folder (default: build)")
    p_publish.add_argument(
        "--to", type=Path, metavar="FOLDER", help="destination (default: [publish] to)"
    )
    p_publish.add_argument(
        "--keep", type=int, metavar="N", help="releases kept, the live one included (default: 5)"
    )
    p_publish.add_argument(
        "--switch",
        choices=SWITCHES,
        help="how a release goes live: a renamed symbolic link, renamed folders, or "
        "auto (a link where the destination can hold one; the default)",
    )
    p_publish.add_argument(
        "--rollback", action="store_true", help="make the release live before this one live again"
    )
    p_publish.add_argument(
        "--force", action="store_true", help="publish even a build that reported errors"
    )

    p_diff = sub.add_parser("diff", help="what changed between two JSON exports (runbooks.json)")
    p_diff.add_argument("old", type=Path)
    p_diff.add_argument("new", type=Path)

    p_drift = sub.add_parser(
        "drift", help="how each translation differs from its original (dates, codes, entries…)"
    )
    p_drift.add_argument("source", nargs="?", type=Path, help="folder of Markdown documents")
    p_drift.add_argument("--json", action="store_true", help="print the report as JSON")
    p_drift.add_argument("-j", "--jobs", type=int, help="parallel workers (default: CPU count)")

    p_lookup = sub.add_parser("lookup", help="every entry for an error code, from every runbook")
    p_lookup.add_argument("code")
    p_lookup.add_argument("--source", type=Path, help="folder of Markdown documents")
    p_lookup.add_argument("--json", action="store_true", help="print the entries as JSON")
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config_path = args.config or find_config(Path.cwd())
        config = load_config(config_path)
    except ConfigError as exc:
        print(f"runbooks: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "build":
            return _build(args, config)
        if args.command == "check":
            return _check(args, config)
        if args.command == "diff":
            return _diff(args)
        if args.command == "serve":
            return _serve(args, config)
        if args.command == "drift":
            return _drift(args, config)
        if args.command == "publish":
            return _publish(args, config)
        return _lookup(args, config)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (processes.Stopped)
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        done = ""
        if args.command == "build":
            # The writer renames each finished file into place, the manifest last.
            done = (
                "; every output is whole (as the last build or this one wrote it), "
                "and the next build completes them"
            )
        print(f"runbooks: stopped by {signal.Signals(signum).name}{done}", file=sys.stderr)
        return 128 + signum


def _source(arg: Path | None, config: Config) -> Path | None:
    source = arg if arg is not None else config.path(config.source)
    if not source.is_dir():
        print(
            f"runbooks: source folder '{source}' does not exist or is not a folder", file=sys.stderr
        )
        return None
    return source


def _build(args: argparse.Namespace, config: Config) -> int:
    source = _source(args.source, config)
    if source is None:
        return 2
    formats = [f.strip() for value in args.formats or [] for f in value.split(",") if f.strip()]
    languages = sorted(
        {
            lang.strip().split("-")[0].lower()  # a language: ja-JP is ja
            for value in args.languages or []
            for lang in value.split(",")
        }
        - {""}
    )
    out = args.out if args.out is not None else config.path(config.out)
    progress = progress_for(quiet=args.quiet)
    try:
        result = build(
            source,
            out,
            config,
            formats=formats or None,
            jobs=args.jobs,
            force=args.force,
            progress=progress,
            languages=languages,
        )
    except UnknownFormatError as exc:
        print(f"runbooks: {exc}", file=sys.stderr)
        return 2
    except BaseException:
        progress.finish()  # a bar on a terminal: put the cursor back
        raise
    print_diagnostics(result.diagnostics, verbose=args.verbose)
    if args.verbose:
        for doc_id, why in sorted(result.plan.reasons.items()):
            print(f"{doc_id}: {why}")
        for doc_id in result.plan.removed:
            print(f"{doc_id}: removed (source deleted)")
        for relative in result.removed:
            print(f"removed {relative}")
        for step, seconds in result.timings.items():
            print(f"time: {step}: {seconds:.2f} s")
    if not args.quiet:
        settled = " (up to date)" if result.up_to_date else ""
        print(f"{result.summary} -> {out} ({', '.join(result.formats)}){settled}")
    return 1 if result.diagnostics.failed(strict=args.strict) else 0


def _check(args: argparse.Namespace, config: Config) -> int:
    source = _source(args.source, config)
    if source is None:
        return 2
    from compiler.build import summary
    from compiler.compile import compile_sources

    compilation = compile_sources(source, config, jobs=args.jobs)
    print_diagnostics(compilation.diagnostics, sys.stdout, verbose=args.verbose)
    print(summary(compilation), file=sys.stderr)
    return 1 if compilation.diagnostics.failed(strict=args.strict) else 0


def _serve(args: argparse.Namespace, config: Config) -> int:
    from compiler.serve import Generation, make_server, watch_and_rebuild

    out = args.out if args.out is not None else config.path(config.out)
    source = _source(args.source, config) if args.watch else None
    if args.watch and source is None:
        return 2
    generation = Generation() if args.watch else None
    stop = threading.Event()

    def rebuild() -> None:
        assert source is not None
        result = build(source, out, config, progress=progress_for(quiet=True))
        if stop.is_set():
            return  # cut short by Ctrl-C: its processes were ended under it
        print_diagnostics(result.diagnostics)
        print(f"rebuilt: {result.summary}", file=sys.stderr)

    def rebuild_watched() -> None:
        """A rebuild in the watching thread: one that fails is reported in a line (the
        next change is built again), one cut short by Ctrl-C is not reported at all."""
        try:
            rebuild()
        except Exception as exc:
            if not stop.is_set():
                why = f"{type(exc).__name__}: {exc}"
                print(f"runbooks: the rebuild failed ({why})", file=sys.stderr)

    if source is not None:
        rebuild()
    site = out / "html"
    if not site.is_dir():
        print(f"runbooks: {site} does not exist; build the html format first", file=sys.stderr)
        return 2
    server = make_server(site, port=args.port, generation=generation)
    if source is not None and generation is not None:
        watched = [source] + ([config.path(config.templates)] if config.templates else [])
        thread = threading.Thread(
            target=watch_and_rebuild,
            args=(watched, rebuild_watched, generation, stop),
            daemon=True,
        )
        thread.start()
    print(f"serving {site} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    status = 0
    try:
        server.serve_forever()
    except KeyboardInterrupt as exc:  # Ctrl-C is how it stops; SIGTERM too (143)
        status = exc.status if isinstance(exc, Stopped) and exc.signum != signal.SIGINT else 0
    finally:
        stop.set()
        server.server_close()
        # A rebuild may be running in the watching thread: its processes end now.
        processes.end_all()
    return status


def _publish(args: argparse.Namespace, config: Config) -> int:
    from compiler.publish import Refused, SettingsError, Target, publish, rollback

    try:
        target = Target.of(config, to=args.to, keep=args.keep, switch=args.switch)
        if args.rollback:
            result = rollback(target)
        else:
            out = args.out if args.out is not None else config.path(config.out)
            result = publish(
                out,
                target,
                force=args.force,
                source=config.path(config.source),
                exclude=config.exclude,
            )
    except SettingsError as exc:
        print(f"runbooks: {exc}", file=sys.stderr)
        return 2
    except Refused as exc:
        done = "rolled back" if args.rollback else "published"
        print(f"runbooks: nothing {done}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # after the switch: the new release is live
        print(f"runbooks: {target.destination}: {exc}", file=sys.stderr)
        return 1
    for note in result.notes:
        print(f"runbooks: note: {note}", file=sys.stderr)
    live = result.destination / "current"
    if args.rollback:
        print(f"rolled back to release {result.release} at {live} (from {result.previous})")
    else:
        how = "copied" if result.copied else "linked"
        line = f"published release {result.release} at {live} ({result.files} files {how}"
        if result.carried:
            line += f"; {result.carried} search files of {result.previous} kept for open pages"
        print(line + ")")
    if result.removed:
        print(f"removed releases: {', '.join(result.removed)}")
    if result.nginx is not None:
        print(f"nginx: include {result.nginx} in a server block; IIS: serve {live}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    from compiler.diff import diff_exports, diff_single, render_markdown, translation_changes

    exports = []
    for path in (args.old, args.new):
        try:
            exports.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            print(f"runbooks: cannot read {path} as a JSON export: {exc}", file=sys.stderr)
            return 2
    old, new = exports
    pairs = []
    if len(old.get("documents", [])) == 1 == len(new.get("documents", [])):
        changes = diff_single(old, new)  # two versions of one runbook, whatever their ids
    else:
        changes = diff_exports(old, new)
        pairs = translation_changes(old, new)
    heading = f"Changes from {args.old} to {args.new}"
    print(render_markdown(changes, heading=heading, pairs=pairs), end="")
    return 0


def _lookup(args: argparse.Namespace, config: Config) -> int:
    from compiler.compile import compile_sources
    from compiler.generators.json_export import dumps

    source = _source(args.source, config)
    if source is None:
        return 2
    compilation = compile_sources(source, config)
    graph = compilation.graph
    found = graph.entries_for_code(args.code)
    if not found:
        print(f"runbooks: no entry for code '{args.code}' in {source}", file=sys.stderr)
        return 1
    groups = _version_groups(graph, found)
    if args.json:
        from compiler.generators.json_export import error

        ordered = [i for group in groups for i in group[1]]
        print(
            dumps(
                {
                    "code": args.code,
                    "entries": [
                        {"document": d.id, "source": d.source, **error(e)}
                        for d, e in (found[i] for i in ordered)
                    ],
                    "groups": [
                        {
                            "documents": [d.id for d in docs],
                            "entries": [ordered.index(i) for i in entries],
                            "without_entry": [
                                d.id for d in docs if all(found[i][0] is not d for i in entries)
                            ],
                        }
                        for docs, entries in groups
                    ],
                }
            ),
            end="",
        )
        return 0
    for docs, entries in groups:
        if len(docs) > 1:
            original = docs[0]
            names = ", ".join(
                f"{d.source} ({d.lang}{', original' if d is original else ''})" for d in docs
            )
            print(f"== one runbook in {len(docs)} languages: {names}")
        for i in entries:
            doc, entry = found[i]
            print(f"{doc.source}:{entry.line}: {doc.title}")
            print(f"  codes:   {', '.join(entry.codes)}")
            for line in entry.message.splitlines():
                print(f"  message: {line}")
            for cause in entry.causes:
                print(f"  cause:   {_one_line(cause.text)}")
            _print_items(entry.actions, "  action:  ", 0)
            print()
        for doc in docs:
            if all(found[i][0] is not doc for i in entries):
                print(f"  (no entry for this code in the {doc.lang} version, {doc.source})")
                print()
    return 0


def _version_groups(
    graph: RunbookGraph, found: Sequence[tuple[Document, ErrorEntry]]
) -> list[tuple[list[Document], list[int]]]:
    """The entries of ``found`` by runbook: each group's documents (the original first, then
    by language) and its entries' indices in ``found`` (in that order); groups in the order
    of their first entry in ``found``."""
    groups: dict[str, tuple[list[Document], list[int]]] = {}
    for i, (doc, _) in enumerate(found):
        key = graph.original_of(doc.id) or doc.id
        if key not in groups:
            original = graph.document(key) or doc
            groups[key] = ([original, *graph.versions(original.id)], [])
        groups[key][1].append(i)
    for docs, entries in groups.values():
        rank = {d.id: n for n, d in enumerate(docs)}
        entries.sort(key=lambda i: (rank.get(found[i][0].id, len(rank)), i))
    return list(groups.values())


def _drift(args: argparse.Namespace, config: Config) -> int:
    from compiler.compile import compile_sources
    from compiler.generators.json_export import dumps
    from compiler.translations import RULES, render_text, report, report_json

    source = _source(args.source, config)
    if source is None:
        return 2
    compilation = compile_sources(source, config, jobs=args.jobs)
    pairing = [d for d in compilation.diagnostics.sorted() if d.rule in RULES]
    if pairing:
        print("".join(f"{d}\n" for d in pairing), end="", file=sys.stderr)
    drifts = report(compilation.graph)
    if args.json:
        print(dumps(report_json(drifts)), end="")
    else:
        print(render_text(drifts), end="")
    return 0


def _print_items(items: Sequence[object], prefix: str, depth: int) -> None:
    from compiler.model import Item

    for number, item in enumerate(items, 1):
        assert isinstance(item, Item)
        print(f"{prefix}{'   ' * depth}{number}. {_one_line(item.text)}")
        _print_items(item.children, prefix, depth + 1)


def _one_line(text: str) -> str:
    return " / ".join(part for part in text.splitlines() if part.strip())


def main() -> None:
    # Ctrl-C and SIGTERM unwind the command (a build ends its processes), which then
    # exits 130 or 143 after one line on stderr.
    processes.stop_on_signals()
    # One command, then the process ends: the cyclic collector stays off (a build turns
    # it off anyway, and turned back on, its first pass walks every object it made).
    # Not for `serve`, which runs a build after another for as long as it serves.
    if "serve" not in sys.argv[1:]:
        gc.disable()
    status = run()
    # The command is done: a late Ctrl-C changes nothing now.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    # Nothing is left by a build (it ends its processes); `check` and `lookup` parse in
    # workers, which are ended with the work they were given. Anything else: now.
    processes.end_all()
    # The build leaves millions of objects behind: freeing them one by one at exit takes
    # a quarter of a second after all the work is done and every file is closed. Flush
    # what is printed, then leave without the interpreter's teardown.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`runbooks lookup X | head`)
            stream.flush()
    os._exit(status)
