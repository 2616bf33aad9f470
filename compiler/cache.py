"""The parse cache: a document whose bytes, path, vocabulary and parser did not change
is loaded, not parsed again (no-op rebuilds in well under a second).

Keyed by content, so a stale entry can never be used: the key covers the source bytes,
its path, the configured vocabulary and locale, and a fingerprint of the parser's own
code and vocabulary files (a new compiler never reads an old cache). Entries are
written atomically; a corrupt or unreadable entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path

from compiler.config import Config
from compiler.diagnostics import Diagnostic
from compiler.model import Document
from compiler.sources import SourceFile

CACHE_FORMAT = 1
PACKAGE = Path(__file__).resolve().parent
_FINGERPRINTED = ("model.py", "diagnostics.py", "sources.py", "parse", "graph.py", "checks.py")
"""What a cached parse depends on: the parser, and the document rules run with it."""


@lru_cache(maxsize=2)
def compiler_fingerprint(*, whole: bool = False) -> str:
    """Hash of the parser's code and packaged vocabularies (``whole``: every module)."""
    digest = hashlib.sha256(f"cache-format-{CACHE_FORMAT}".encode())
    files: list[Path] = []
    for name in ("",) if whole else _FINGERPRINTED:
        path = PACKAGE / name
        files.extend(sorted(path.rglob("*")) if path.is_dir() else [path])
    for path in files:
        if path.is_file() and path.suffix in (".py", ".toml"):
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class ParseCache:
    __slots__ = ("_settings", "folder")

    def __init__(self, folder: Path, config: Config) -> None:
        self.folder = folder
        settings = json.dumps(
            {"vocab": config.vocab, "locale": config.default_locale},
            sort_keys=True,
            ensure_ascii=False,
        )
        self._settings = hashlib.sha256(
            (compiler_fingerprint() + settings).encode("utf-8")
        ).hexdigest()

    def _path(self, source: SourceFile) -> Path:
        key = hashlib.sha256(
            f"{self._settings}\0{source.relative}\0{source.sha256}".encode()
        ).hexdigest()
        return self.folder / key[:2] / f"{key}.pickle"

    def load(self, source: SourceFile) -> tuple[Document, list[Diagnostic]] | None:
        try:
            with self._path(source).open("rb") as handle:
                loaded = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
            return None
        if (
            not isinstance(loaded, tuple)
            or len(loaded) != 2
            or not isinstance(loaded[0], Document)
            or loaded[0].source != source.relative
        ):
            return None
        return loaded

    def store(self, source: SourceFile, result: tuple[Document, list[Diagnostic]]) -> None:
        path = self._path(source)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            return  # a cache that cannot be written only costs time
