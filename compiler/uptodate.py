"""Is the output folder already what a build would write? Answered without parsing.

A build reads and hashes every source anyway; when the hashes, the compiler, the
settings, the templates, the tools and the requested formats are all those of the
last build, when that build ended settled (nothing changed, nothing failed) and
every file it recorded is still there, a new build would write the same bytes.
Then nothing is imported beyond this module's few, nothing is parsed, and the last
build's diagnostics are reported again, so the output and the exit status are those
of a full build.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from compiler.cache import compiler_fingerprint
from compiler.config import Config
from compiler.diagnostics import Diagnostic, Diagnostics, Severity
from compiler.manifest import (
    Manifest,
    config_fingerprint,
    load_manifest,
    templates_fingerprint,
)
from compiler.sources import Reading

IN_PROGRESS = ".cache/build-in-progress"
"""Present while a full build writes: a build killed before its manifest is not settled."""

TOOL_PACKAGES = (
    "jinja2",
    "markdown-it-py",
    "mdformat",
    "mdformat-gfm",
    "mdit-py-plugins",
    "networkx",
    "nh3",
    "pagefind",
    "pikepdf",
    "weasyprint",
)
"""Libraries whose version shapes the outputs: upgrading one rebuilds everything."""


@dataclass(slots=True)
class UpToDate:
    manifest: Manifest
    diagnostics: Diagnostics


def up_to_date(reading: Reading | None, out: Path, config: Config, request: str) -> UpToDate | None:
    """The last build's manifest and diagnostics if a build now would change nothing;
    None when a real build is needed (or when in doubt). ``reading``: the source
    documents, as the build read them (None: the folder could not be read)."""
    previous = load_manifest(out)
    if previous is None or not previous.settled or previous.request != request:
        return None
    if (out / IN_PROGRESS).exists():
        return None
    if reading is None:
        return None  # the build reads the folder again and says why it cannot
    documents = {found.doc_id: found.sha256 for found in reading.sources}
    if reading.diags.items or documents != previous.documents:
        return None  # what reading reported is the full build's to report, in order
    if (
        previous.compiler != compiler_fingerprint(whole=True)
        or previous.config != config_fingerprint(config)
        or previous.templates != templates_fingerprint(config)
        or previous.tools != tools_fingerprint()
    ):
        return None
    if not all(os.path.isfile(out / relative) for relative in previous.outputs):
        return None
    replay = Diagnostics()
    for record in previous.diagnostics:
        try:
            path, line, col, severity, message, rule = record
            replay.items.append(
                Diagnostic(str(path), int(line), int(col), Severity(severity), str(message), rule)
            )
        except (TypeError, ValueError):
            return None
    return UpToDate(previous, replay)


def tools_fingerprint() -> str:
    """Versions of the libraries and of Graphviz's ``dot`` that the outputs depend on."""
    parts = []
    for name in TOOL_PACKAGES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=-")
    dot = shutil.which("dot")
    if dot:
        try:
            stat = Path(dot).resolve().stat()
            parts.append(f"dot={dot}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append("dot=?")
    return ";".join(parts)


def diagnostic_records(diags: Diagnostics) -> list[list[str | int]]:
    """The diagnostics as JSON rows, sorted and unique, for :func:`up_to_date` to replay."""
    return [[d.path, d.line, d.col, d.severity.value, d.message, d.rule] for d in diags.sorted()]
