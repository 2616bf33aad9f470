"""Atomic writes confined to the output folder (Pelican's sanitised_join, made atomic)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
"""Flags of a temporary: made with mode 0o666 less the umask, as any new file (a
published site must be readable; ``mkstemp`` makes 0o600)."""


_PID = [os.getpid()]
"""This process's id, in temporary names: asked once, not per file (a system call each)."""
os.register_at_fork(after_in_child=lambda: _PID.__setitem__(0, os.getpid()))


class UnsafePathError(ValueError):
    """An output path that would land outside the output folder."""


class Writer:
    """Writes files under ``root`` only, each via a temporary file and a rename."""

    __slots__ = (
        "_claimed",
        "_folders",
        "_freeing",
        "_root_name",
        "_serial",
        "_written_names",
        "kept",
        "root",
        "written",
    )

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._root_name = str(self.root)
        self.written: list[Path] = []
        self.kept: list[str] = []
        """Files a generator chose not to rewrite (unchanged document), relative names:
        still this build's outputs."""
        self._claimed: set[str] = set()
        """written + kept, as a set: a site of 10,000 pages must not cost 10,000² comparisons."""
        self._folders: dict[str, str] = {}
        """Folder (relative) -> its real path, checked to be inside the root and made."""
        self._serial = 0
        self._written_names: set[str] = set()
        self._freeing: list[threading.Thread] = []

    def target(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if path != self.root and self.root not in path.parents:
            raise UnsafePathError(f"refusing to write '{relative}': it is outside {self.root}")
        return path

    def write_bytes(self, relative: str, data: bytes) -> Path:
        # Straight to the descriptor: a file object costs an fstat, an lseek and an ioctl
        # per file, 20,000 system calls of a clean build.
        return self._write(relative, lambda fd: _write_all(fd, data), free_old_later=False)

    def write_same(self, relative: str, written: str, data: bytes) -> Path:
        """Write ``data`` at ``relative``, where this build already wrote the same bytes
        at ``written``: as a second link to that file (the 12 MB graph export is kept
        twice), or as the bytes themselves where a link cannot be made. Neither name is
        ever changed in place (every write replaces the file), so each keeps its bytes."""
        parent, _, name = self._normal(written).rpartition("/")
        folder = self._folders.get(parent)  # looked up, not made: a file written has one
        source = os.path.join(folder, name) if folder is not None else None
        if source not in self._written_names:
            source = None
        return self._write(
            relative, lambda fd: _write_all(fd, data), free_old_later=False, link_from=source
        )

    def write_with(
        self, relative: str, fill: Callable[[BinaryIO], object], *, free_old_later: bool = False
    ) -> Path:
        """Like :meth:`write_bytes`, with ``fill`` writing into the open temporary file
        (a 130 MB handbook need not be held in memory first).

        ``free_old_later``: the file it replaces is deleted in the background (see
        :meth:`finish`). The rename that replaces a large file also frees its blocks,
        which took the kernel a twentieth of a second for a 60 MB handbook, in the
        middle of a one-document rebuild."""

        def through_a_file(fd: int) -> None:
            with os.fdopen(fd, "wb", closefd=False) as handle:
                fill(handle)

        return self._write(relative, through_a_file, free_old_later=free_old_later)

    def _write(
        self,
        relative: str,
        fill: Callable[[int], object],
        *,
        free_old_later: bool,
        link_from: str | None = None,
    ) -> Path:
        folder, name = self._place(relative)
        final = os.path.join(folder, name)
        if final in self._written_names:
            raise UnsafePathError(f"'{relative}' was already written by this build")
        self._serial += 1
        tmp = os.path.join(folder, f".{name}.{_PID[0]}-{self._serial}.tmp")
        if link_from is not None:
            try:
                os.link(link_from, tmp, follow_symlinks=False)
            except OSError:
                link_from = None  # no links here: the bytes, below
        try:
            fd = -1 if link_from is not None else os.open(tmp, _NEW_FILE, 0o666)
        except FileNotFoundError:  # the folder went away during the build: make it again
            self._folders.pop(os.path.dirname(os.path.normpath(relative)), None)
            self._place(relative)
            fd = os.open(tmp, _NEW_FILE, 0o666)
        try:
            if fd >= 0:
                try:
                    fill(fd)
                finally:
                    os.close(fd)
            old = self._hold_old(final, tmp) if free_old_later else None
            # A link at the final name is replaced, not followed: nothing leaves the root.
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if old is not None:
            freeing = threading.Thread(target=_unlink_quietly, args=(old,), daemon=True)
            freeing.start()
            self._freeing.append(freeing)
        path = Path(final)
        self.written.append(path)
        self._written_names.add(final)
        self._claimed.add(final)
        return path

    @staticmethod
    def _hold_old(final: str, tmp: str) -> str | None:
        """A second name for the file at ``final`` (swept as a temporary if the build is
        killed), so that replacing it frees nothing; None if there is no file."""
        old = tmp[: -len(".tmp")] + "-old.tmp"
        try:
            os.link(final, old, follow_symlinks=False)
        except OSError:
            return None
        return old

    def finish(self) -> None:
        """Wait until the files replaced with ``free_old_later`` are deleted."""
        for thread in self._freeing:
            thread.join()
        self._freeing.clear()

    def _place(self, relative: str) -> tuple[str, str]:
        """(real folder, file name) of ``relative``: the folder resolved, checked and made
        once per build, not per file (a clean build writes thousands of charts into a few
        hundred folders; resolving every path was a tenth of its time in this process)."""
        normal = self._normal(relative)
        folder, _, name = normal.rpartition("/")
        if not name or name == ".":
            raise UnsafePathError(f"refusing to write '{relative}': it is not a file name")
        return self._folder(folder), name

    def _folder(self, folder: str) -> str:
        """The real path of ``folder`` (relative, normalised), made if missing."""
        real = self._folders.get(folder)
        if real is not None:
            return real
        if folder:
            parent, _, name = folder.rpartition("/")
            made = os.path.join(self._folder(parent), name)
            try:
                # Made here, now, in a folder already checked: a plain folder, nothing to
                # resolve (a clean build makes 2,500, and resolving each one stat'ed every
                # folder above it).
                os.mkdir(made)
                real = self._folders[folder] = made
                return real
            except OSError:
                pass  # there already (perhaps a link), or its parent went away: resolve
        path = self.target(folder) if folder else self.root
        path.mkdir(parents=True, exist_ok=True)
        real = self._folders[folder] = str(path)
        return real

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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
