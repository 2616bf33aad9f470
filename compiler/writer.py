"""Atomic writes confined to the output folder (Pelican's sanitised_join, made atomic)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


class UnsafePathError(ValueError):
    """An output path that would land outside the output folder."""


class Writer:
    """Writes files under ``root`` only, each via a temporary file and a rename."""

    __slots__ = ("_claimed", "_root_name", "kept", "root", "written")

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._root_name = str(self.root)
        self.written: list[Path] = []
        self.kept: list[str] = []
        """Files a generator chose not to rewrite (unchanged document), relative names:
        still this build's outputs."""
        self._claimed: set[str] = set()
        """written + kept, as a set: a site of 10,000 pages must not cost 10,000² comparisons."""

    def target(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if path != self.root and self.root not in path.parents:
            raise UnsafePathError(f"refusing to write '{relative}': it is outside {self.root}")
        return path

    def write_bytes(self, relative: str, data: bytes) -> Path:
        return self.write_with(relative, lambda handle: handle.write(data))

    def write_with(self, relative: str, fill: Callable[[BinaryIO], object]) -> Path:
        """Like :meth:`write_bytes`, with ``fill`` writing into the open temporary file
        (a 130 MB handbook need not be held in memory first)."""
        path = self.target(relative)
        if str(path) in self._claimed and path in self.written:
            raise UnsafePathError(f"'{relative}' was already written by this build")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                fill(handle)
            # mkstemp makes 0600 files; a published site needs them readable (umask applies).
            os.chmod(tmp, 0o666 & ~_UMASK)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.written.append(path)
        self._claimed.add(str(path))
        return path

    def write_text(self, relative: str, text: str) -> Path:
        return self.write_bytes(relative, text.encode("utf-8"))

    def keep(self, relative: str) -> bool:
        """Keep an output from the previous build as it is; False when it is not there.

        Checked by its name, not resolved: nothing is written here, and a no-op build
        keeps thousands of files (resolving each cost a second on a 300-runbook site).
        A name that leaves the folder is refused; deleting goes through :meth:`target`.
        """
        normal = self._normal(relative)
        name = os.path.join(self._root_name, normal)
        if not os.path.isfile(name):
            return False
        self.kept.append(normal)
        self._claimed.add(name)
        return True

    def keep_folder(self, folder: str, suffix: str, expected: Iterable[str]) -> bool:
        """Keep every file of ``folder`` whose name ends with ``suffix``, if every name in
        ``expected`` is among them; False (nothing kept) if one is not. One read of the
        folder: a chart folder holds dozens of files, and a stat of each, twice, was
        a tenth of a second of a one-document rebuild."""
        normal = self._normal(folder)
        try:
            with os.scandir(os.path.join(self._root_name, normal)) as entries:
                names = {e.name for e in entries if e.name.endswith(suffix) and e.is_file()}
        except OSError:
            return False
        if not names.issuperset(expected):
            return False
        for name in sorted(names):
            kept = f"{normal}/{name}"
            self.kept.append(kept)
            self._claimed.add(os.path.join(self._root_name, kept))
        return True

    def exists(self, relative: str) -> bool:
        """Is there a file at ``relative`` (checked by name, like :meth:`keep`)?"""
        return os.path.isfile(os.path.join(self._root_name, self._normal(relative)))

    def _normal(self, relative: str) -> str:
        """``relative`` normalised, refused if it leaves the root; strings, not paths:
        pathlib's parsing cost more than the check when a build keeps thousands of files."""
        if not relative or relative.startswith("/") or ".." in relative.split("/"):
            raise UnsafePathError(f"refusing '{relative}': it is outside {self.root}")
        return os.path.normpath(relative)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def remove_stale(self, relatives: list[str]) -> list[str]:
        """Delete outputs of earlier builds that no document produces any more."""
        removed = []
        for relative in relatives:
            try:
                path = self.target(relative)
            except UnsafePathError:
                continue  # a manifest edited by hand: never delete outside the folder
            if path.is_file() and str(path) not in self._claimed:
                path.unlink()
                removed.append(relative)
        return removed

    def clean_temporaries(self) -> None:
        """Temporary files left by a build that was killed mid-write."""
        if self.root.is_dir():
            for tmp in self.root.rglob(".*.tmp"):
                if tmp.is_file():
                    tmp.unlink()
