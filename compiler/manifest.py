"""The build manifest (``OUT/.runbooks-manifest.json``): what the last build read and wrote.

It says why each document is rebuilt (new, changed, or everything because the
compiler, the configuration or the templates changed), lets generators skip what
did not change, and lets the build remove outputs that no document produces any more.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson

from compiler.config import Config
from compiler.strings import TEMPLATES

MANIFEST = ".runbooks-manifest.json"
SCHEMA = 1
OUTPUT_DIRS = ("html", "pdf", "svg", "ps1", "md")
"""Folders whose files are named after document ids (``html/<id>.html``, ``svg/<id>/…``)."""


@dataclass(slots=True)
class Manifest:
    schema: int = SCHEMA
    compiler: str = ""
    config: str = ""
    templates: str = ""
    documents: dict[str, str] = field(default_factory=dict)
    """document id -> sha256 of its source."""
    outputs: list[str] = field(default_factory=list)
    """Every file the build wrote or kept, relative to the output folder."""
    request: str = ""
    """The formats asked for (``html,pdf``; empty: the default ones)."""
    formats: list[str] = field(default_factory=list)
    """The formats built."""
    tools: str = ""
    """Versions of the libraries and tools the outputs depend on."""
    settled: bool = False
    """Nothing changed since the build before and nothing failed: the next build with the
    same inputs has nothing to do (see :mod:`compiler.uptodate`)."""
    summary: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    """What the build holds: ``documents``, ``error_entries``, ``codes``, ``procedures``,
    ``checklists``, and its ``errors`` and ``warnings`` (``runbooks publish`` reports them)."""
    source: str = ""
    """The source folder the build read (absolute): ``runbooks publish`` names its commit."""
    diagnostics: list[list[Any]] = field(default_factory=list)
    """What the build reported, replayed when the next one has nothing to do."""


def load_manifest(out: Path) -> Manifest | None:
    try:
        data = orjson.loads((out / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    known = {f.name for f in fields(Manifest)}
    try:
        return Manifest(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        return None


def manifest_json(manifest: Manifest) -> str:
    # orjson: thousands of outputs and diagnostics, written by every build that did work.
    # Its fields as they are, not dataclasses.asdict, which copies every list and record
    # first (20-40 ms of a one-document rebuild at 300 runbooks).
    top = {f.name: getattr(manifest, f.name) for f in fields(manifest)}
    data = orjson.dumps(top, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    return data.decode("utf-8") + "\n"


def config_fingerprint(config: Config) -> str:
    # Where the site is published changes no output: it rebuilds nothing.
    data: dict[str, Any] = {
        f.name: getattr(config, f.name) for f in fields(Config) if f.name not in ("root", "publish")
    }
    return hashlib.sha256(json.dumps(data, default=str, sort_keys=True).encode()).hexdigest()


def templates_fingerprint(config: Config) -> str:
    digest = hashlib.sha256()
    folders = [TEMPLATES] + ([config.path(config.templates)] if config.templates else [])
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(slots=True)
class Plan:
    """What this build must regenerate, and why."""

    changed: set[str]
    """Ids of documents whose outputs must be written again."""
    reasons: dict[str, str]
    """Document id -> why it is rebuilt (or "unchanged")."""
    removed: list[str]
    global_reason: str | None = None


def plan(previous: Manifest | None, current: Manifest, *, force: bool = False) -> Plan:
    removed = sorted(set(previous.documents) - set(current.documents)) if previous else []
    why_all = None
    if force:
        why_all = "--force"
    elif previous is None:
        why_all = "no previous build"
    elif previous.compiler != current.compiler:
        why_all = "the compiler changed"
    elif previous.config != current.config:
        why_all = "runbooks.toml changed"
    elif previous.templates != current.templates:
        why_all = "templates changed"
    elif previous.tools != current.tools:
        why_all = "a library or tool the outputs depend on changed"
    reasons: dict[str, str] = {}
    for doc_id, sha in sorted(current.documents.items()):
        if why_all:
            reasons[doc_id] = why_all
        elif previous is not None and doc_id not in previous.documents:
            reasons[doc_id] = "new document"
        elif previous is not None and previous.documents[doc_id] != sha:
            reasons[doc_id] = "source changed"
        else:
            reasons[doc_id] = "unchanged"
    changed = {d for d, why in reasons.items() if why != "unchanged"}
    return Plan(changed=changed, reasons=reasons, removed=removed, global_reason=why_all)


def owner(output: str, doc_ids: Iterable[str]) -> str | None:
    """The document an output file belongs to, by the naming convention of OUTPUT_DIRS."""
    head, _, rest = output.partition("/")
    if head not in OUTPUT_DIRS or not rest:
        return None
    best = None
    for doc_id in doc_ids:
        if (rest.startswith(doc_id + ".") or rest.startswith(doc_id + "/")) and (
            best is None or len(doc_id) > len(best)
        ):
            best = doc_id
    return best
