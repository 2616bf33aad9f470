"""The search index's shards: which pages each holds, and the files that publish them.

Everything lands in ``<site>/pagefind/``:

``pagefind/pagefind-ui.js``, ``pagefind-ui.css``, ...
    Pagefind's UI, where it always was.
``pagefind/shards/<key>-<digest>/``
    One Pagefind bundle per shard; the first listed also holds the engine
    (``pagefind.js``, its worker and wasm) that the search page imports. ``<key>`` is
    ``<group>-<count>-<bucket>``: pages are grouped (``codes/`` pages; ``seg`` pages,
    in a language written without spaces, whose indexing loads Pagefind's segmentation
    dictionary, ~1 s and 340 MB, so an English edit never pays for it; ``text``, the
    rest), then spread over a power-of-two count of buckets by a hash of their path.
    ``<digest>`` hashes the bundle's index files: a new bundle gets a new folder, and
    the old one serves searches until ``shards.js`` names the new one (a build killed
    mid-index leaves a working search).
``pagefind/shards.js``
    ``window.RUNBOOKS_SEARCH_SHARDS``: the bundles the search page merges; a script, not
    JSON, so that it loads from ``file://`` too.
``pagefind/shards.json``
    What each shard holds: the next build compares it with the pages it is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.html.paths import CODES, SEARCH_BUNDLE

SEGMENTED_LANGUAGES = ("ja", "zh", "ko", "th")
"""Languages written without spaces between words: only the extended build splits them."""
PAGES_PER_SHARD = {"seg": 16, "text": 40, "codes": 40}
"""About this many pages per shard, by group. Pagefind indexes an English page in ~6 ms,
a Japanese one in ~25 ms after a 1.1 s dictionary load, and writes a bundle in ~30 ms:
one edit re-indexes in ~0.3 s (English) or ~1.3 s (Japanese) at 300 runbooks, and a
search fetches from about 16 bundles."""
MAX_SHARDS_PER_GROUP = 64
"""A search fetches a few small files from every shard: beyond this, shards grow instead."""
SHARDS_DIR = "shards"
SHARDS_SCRIPT = "shards.js"
SHARDS_STATE = "shards.json"
SCRIPT_VARIABLE = "RUNBOOKS_SEARCH_SHARDS"
STATE_FORMAT = 1
"""Bumped when shards.json or the shard layout changes: an older index is rebuilt whole."""

_DATA_FILES = re.compile(r"pagefind-entry\.json|pagefind\..+\.pf_meta|index|fragment|filter")
"""Top-level names in a Pagefind bundle that hold its index: every shard has its own."""
_RUNTIME_FILES = re.compile(r"pagefind\.js|pagefind-worker\.js|wasm\..+\.pagefind")
"""The search engine: only the first bundle of ``shards.js`` needs it (the search page
imports it from there; merged bundles run in the same engine). Pagefind's other files
are its UI, which the site keeps once, in ``pagefind/``."""
_HTML_LANG = re.compile(rb"<html\b[^>]*?\slang\s*=\s*[\"']?([A-Za-z]+)", re.IGNORECASE)
_TEMPORARY = ".tmp-"


@dataclass(slots=True, frozen=True)
class ShardState:
    pages: tuple[str, ...]
    """Site-relative pages assigned to the shard, sorted."""
    bundle: str | None
    """Its folder under ``pagefind/shards/``; None when none of its pages is indexed."""
    bodies: int
    """How many of its pages mark their text with ``data-pagefind-body``."""
    stale: bool = False
    """Indexing it failed: ``bundle`` is older than ``pages``; the next build retries."""


@dataclass(slots=True, frozen=True)
class IndexState:
    engine: str
    language: str | None
    custom_body: bool
    """Some page has ``data-pagefind-body``: pages without it are not indexed (Pagefind's
    own rule, applied to the whole site rather than to each shard)."""
    shards: Mapping[str, ShardState]


# -- shard assignment ----------------------------------------------------------------
def page_group(page: str, head: bytes) -> str:
    """``codes``, ``seg`` or ``text`` for a page, from its path and its first bytes."""
    if page.startswith(f"{CODES}/"):
        return "codes"
    match = _HTML_LANG.search(head)
    if match and match.group(1).decode("ascii").lower() in SEGMENTED_LANGUAGES:
        return "seg"
    return "text"


def shard_count(pages: int, per_shard: int) -> int:
    """Buckets for a group of ``pages``: a power of two, so that it changes rarely."""
    count = 1
    while count * per_shard < pages and count < MAX_SHARDS_PER_GROUP:
        count *= 2
    return count


def bucket(page: str, count: int) -> int:
    """A stable bucket of ``page`` among ``count`` (sha256: no per-process hash seed)."""
    return int.from_bytes(hashlib.sha256(page.encode("utf-8")).digest()[:8], "big") % count


def assign_shards(
    groups: Mapping[str, str], per_shard: Mapping[str, int] = PAGES_PER_SHARD
) -> dict[str, tuple[str, ...]]:
    """Shard key -> its sorted pages, from page -> group; sorted by key.

    A pure function of the pages, their groups and ``per_shard`` (pages per shard, by
    group): the same site gives the same shards.
    """
    by_group: dict[str, list[str]] = {}
    for page, group in groups.items():
        by_group.setdefault(group, []).append(page)
    shards: dict[str, list[str]] = {}
    for group, pages in by_group.items():
        count = shard_count(len(pages), per_shard.get(group, per_shard["text"]))
        for page in pages:
            shards.setdefault(f"{group}-{count}-{bucket(page, count)}", []).append(page)
    return {key: tuple(sorted(shards[key])) for key in sorted(shards)}


# -- the files -----------------------------------------------------------------------
def read_state(bundle: Path) -> IndexState | None:
    """The shards of the previous build (None when there are none or the file is odd)."""
    try:
        data = json.loads((bundle / SHARDS_STATE).read_text(encoding="utf-8"))
        if data.get("format") != STATE_FORMAT:
            return None
        shards = {
            str(key): ShardState(
                tuple(str(page) for page in shard["pages"]),
                None if shard["bundle"] is None else str(shard["bundle"]),
                int(shard["bodies"]),
                bool(shard.get("stale", False)),
            )
            for key, shard in data["shards"].items()
        }
        language = data["language"]
        return IndexState(
            str(data["engine"]),
            None if language is None else str(language),
            bool(data["custom_body"]),
            shards,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def state_json(state: IndexState) -> str:
    shards: dict[str, Any] = {}
    for key, shard in state.shards.items():
        shards[key] = {"bundle": shard.bundle, "bodies": shard.bodies, "pages": list(shard.pages)}
        if shard.stale:
            shards[key]["stale"] = True
    data = {
        "format": STATE_FORMAT,
        "engine": state.engine,
        "language": state.language,
        "custom_body": state.custom_body,
        "shards": shards,
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def shards_script(state: IndexState) -> str:
    bundles = [f"{SHARDS_DIR}/{shard.bundle}/" for shard in state.shards.values() if shard.bundle]
    listed = "".join(f"\n  {json.dumps(path)}," for path in bundles)
    return (
        "/* The Pagefind bundles of this site's search index, relative to this folder:\n"
        " * the search page merges them (written by the runbook compiler). */\n"
        f"window.{SCRIPT_VARIABLE} = [{listed}\n];\n"
    )


def store_bundle(bundle: Path, key: str, data: Mapping[str, bytes]) -> str:
    """Write a shard's index files (path -> bytes) under ``shards/``; its folder's name."""
    name = f"{key}-{_digest(data)}"
    final = bundle / SHARDS_DIR / name
    if not final.is_dir():  # else: the same bundle, byte for byte, is there already
        # Written aside, then renamed: the folder a search may load is always whole.
        temporary = bundle / SHARDS_DIR / f"{_TEMPORARY}{key}"
        if temporary.exists():
            shutil.rmtree(temporary)
        for path, content in sorted(data.items()):
            target = temporary / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        temporary.rename(final)
    return name


def publish(bundle: Path, state: IndexState, runtime: Mapping[str, bytes]) -> None:
    """Point the search page at the new bundles, then delete what nothing uses any more.

    The engine goes into the first bundle before ``shards.js`` names it first; ``runtime``
    is the engine Pagefind gave this build, else the one an older first bundle has.
    """
    bundle.mkdir(parents=True, exist_ok=True)
    shards = bundle / SHARDS_DIR
    used = [shard.bundle for shard in state.shards.values() if shard.bundle]
    if used and (runtime or used[0] not in runtime_folders(bundle)):
        for name, content in sorted((runtime or _find_runtime(bundle)).items()):
            write_if_changed(shards / used[0] / name, content)
    write_if_changed(bundle / SHARDS_SCRIPT, shards_script(state))
    write_if_changed(bundle / SHARDS_STATE, state_json(state))
    for path in sorted(shards.iterdir()) if shards.is_dir() else []:
        if path.name not in used:
            _remove(path)
        elif path.name != used[0]:
            for file in sorted(path.iterdir()):
                if _RUNTIME_FILES.fullmatch(file.name):
                    file.unlink()  # the first bundle of an older build
    for path in sorted(bundle.iterdir()):
        if _DATA_FILES.fullmatch(path.name) or _RUNTIME_FILES.fullmatch(path.name):
            _remove(path)  # the single bundle of a build before shards


def runtime_folders(bundle: Path) -> list[str]:
    """Bundles under ``shards/`` that hold the engine (normally one, the first)."""
    shards = bundle / SHARDS_DIR
    return [
        folder.name
        for folder in (sorted(shards.iterdir()) if shards.is_dir() else [])
        if not folder.name.startswith(".") and (folder / "pagefind.js").is_file()
    ]


def _find_runtime(bundle: Path) -> dict[str, bytes]:
    """The engine files of a bundle that has them (empty when none has)."""
    for name in runtime_folders(bundle)[:1]:
        folder = bundle / SHARDS_DIR / name
        return {
            file.name: file.read_bytes()
            for file in sorted(folder.iterdir())
            if _RUNTIME_FILES.fullmatch(file.name) and file.is_file()
        }
    return {}


def is_data_file(path: str) -> bool:
    """A file of a bundle's index (its own in every shard), by its bundle-relative path."""
    return _DATA_FILES.fullmatch(path.split("/")[0]) is not None


def is_runtime_file(path: str) -> bool:
    """A file of the search engine, which only the first bundle of ``shards.js`` keeps."""
    return _RUNTIME_FILES.fullmatch(path) is not None


def write_if_changed(path: Path, content: str | bytes) -> None:
    """Replace ``path`` atomically, and only when its bytes change."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")  # swept by Writer.clean_temporaries
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _digest(files: Mapping[str, bytes]) -> str:
    """A hash of every file's path and bytes: the name of a bundle's folder."""
    digest = hashlib.sha256()
    for path, data in sorted(files.items()):
        digest.update(path.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:12]


def bundle_files(site: Path) -> tuple[str, ...]:
    """Every file under ``pagefind/`` but temporaries, site-relative and sorted."""
    bundle = site / SEARCH_BUNDLE
    try:
        return tuple(
            sorted(
                path.relative_to(site).as_posix()
                for path in bundle.rglob("*")
                if path.is_file()
                and not any(part.startswith(".") for part in path.relative_to(bundle).parts)
            )
        )
    except OSError:
        return ()
