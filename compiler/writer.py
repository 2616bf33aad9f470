"""Atomic writes confined to the output folder (Pelican's sanitised_join, made atomic)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class UnsafePathError(ValueError):
    """An output path that would land outside the output folder."""


class Writer:
    """Writes files under ``root`` only, each via a temporary file and a rename."""

    __slots__ = ("root", "written")

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.written: list[Path] = []

    def target(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if path != self.root and self.root not in path.parents:
            raise UnsafePathError(f"refusing to write '{relative}': it is outside {self.root}")
        return path

    def write_bytes(self, relative: str, data: bytes) -> Path:
        path = self.target(relative)
        if path in self.written:
            raise UnsafePathError(f"'{relative}' was already written by this build")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.written.append(path)
        return path

    def write_text(self, relative: str, text: str) -> Path:
        return self.write_bytes(relative, text.encode("utf-8"))
