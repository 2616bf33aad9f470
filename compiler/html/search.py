"""Full-text search: Pagefind's *extended* build indexes the written site.

Only the extended binary (PyPI ``pagefind[extended]`` -> ``pagefind_bin_extended``)
segments Japanese; the plain one finds ``34513`` but not ``資格情報``. The index and
Pagefind's UI assets land in ``<site>/pagefind/``: no server code, no CDN.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from compiler.html.paths import SEARCH_BUNDLE

SEGMENTED_LANGUAGES = ("ja", "zh", "ko", "th")
"""Languages written without spaces between words: only the extended build splits them."""
TIMEOUT_SECONDS = 600


@dataclass(slots=True, frozen=True)
class Pagefind:
    executable: Path
    extended: bool


@dataclass(slots=True, frozen=True)
class IndexResult:
    ok: bool
    message: str
    """What went wrong and how to fix it (empty when ``ok``)."""


def find_pagefind() -> Pagefind | None:
    """The extended Pagefind binary if installed, else the plain one, else None."""
    for module, extended in (("pagefind_bin_extended", True), ("pagefind_bin", False)):
        try:
            found = importlib.import_module(module).get_executable()
        except (ImportError, AttributeError, OSError):
            continue
        if found is not None and Path(found).is_file():
            return Pagefind(Path(found), extended)
    return None


def index_language(languages: Iterable[str]) -> str | None:
    """The one language the whole site is indexed in (None for an empty site).

    Pagefind keeps one index per ``<html lang>`` and a search page searches its own
    language first. A runbook site with Japanese and English pages must find both from
    its (English) search page, so the whole site becomes one index, in the language
    that needs word segmentation when there is one (Latin-script words are still split
    at spaces and found by prefix).
    """
    found = sorted({lang.lower() for lang in languages if lang})
    if not found:
        return None
    for lang in SEGMENTED_LANGUAGES:
        if lang in found:
            return lang
    return "en" if "en" in found else found[0]


def build_index(site: Path, *, force_language: str | None) -> IndexResult:
    """Run Pagefind over ``site`` (replacing an older index); never raises."""
    pagefind = find_pagefind()
    if pagefind is None:
        return IndexResult(
            False,
            "Pagefind is not installed, so the site has no search index; "
            "install it with `pip install 'pagefind[extended]'` (make venv does)",
        )
    bundle = site / SEARCH_BUNDLE
    try:
        if bundle.is_dir() and not bundle.is_symlink():
            shutil.rmtree(bundle)
    except OSError as exc:
        return IndexResult(False, f"the old search index could not be removed ({exc})")
    command = [str(pagefind.executable), "--site", str(site), "--silent"]
    if force_language:
        command += ["--force-language", force_language]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return IndexResult(False, f"Pagefind could not run ({exc}); the site has no search index")
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit code {done.returncode}"
        return IndexResult(False, f"Pagefind failed: {last}; the site has no search index")
    if not pagefind.extended:
        return IndexResult(
            False,
            "Pagefind's plain build indexed the site: Japanese words will not be found; "
            "install the extended build with `pip install 'pagefind[extended]'`",
        )
    return IndexResult(True, "")
