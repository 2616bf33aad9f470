"""Finding and decoding the source documents.

Bad bytes are a diagnostic with the byte offset, and that one document is skipped;
the rest of the build goes on.
"""

from __future__ import annotations

import codecs
import fnmatch
import hashlib
from dataclasses import dataclass
from pathlib import Path

from compiler.diagnostics import Diagnostics


@dataclass(slots=True, frozen=True)
class SourceFile:
    relative: str
    """Path relative to the source folder, with ``/``."""
    text: str
    """Decoded, with ``\\n`` line ends."""
    sha256: str

    @property
    def doc_id(self) -> str:
        return self.relative[:-3] if self.relative.lower().endswith(".md") else self.relative


def find_sources(
    root: Path, exclude: tuple[str, ...], diags: Diagnostics
) -> tuple[list[Path], set[str]]:
    """Markdown files under ``root`` (sorted) and every file's relative path (for link checks).

    Symlinks that lead outside the folder are refused: a doc set must not read /etc.
    """
    root = root.resolve()
    markdown: list[Path] = []
    known: set[str] = set()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        # rglob does not descend into symlinked folders, so only a link itself can lead
        # out; resolving every path instead cost a tenth of a second per 300 documents.
        try:
            real = path.resolve() if path.is_symlink() else path
        except OSError:
            continue
        if real != root and root not in real.parents:
            diags.warning(
                relative,
                1,
                f"symlink points outside the source folder ({real}); skipped",
                "symlink",
            )
            continue
        if path.is_dir():
            if path.suffix.lower() == ".md":
                diags.warning(
                    relative,
                    1,
                    "a folder named like a Markdown file; its contents are read as a folder",
                    "read",
                )
            continue
        known.add(relative)
        if path.suffix.lower() == ".md" and not any(
            fnmatch.fnmatch(relative, pat) for pat in exclude
        ):
            markdown.append(path)
    return markdown, known


def read_source(root: Path, path: Path, diags: Diagnostics) -> SourceFile | None:
    try:  # a path from find_sources: already under the resolved root
        relative = path.relative_to(root).as_posix()
    except ValueError:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        diags.error(relative, 1, "expected a Markdown file, found a directory", "read")
        return None
    except OSError as exc:
        diags.error(relative, 1, f"cannot read: {exc.strerror}", "read")
        return None
    text = decode(data, relative, diags)
    if text is None:
        return None
    return SourceFile(relative, text, hashlib.sha256(data).hexdigest())


def decode(data: bytes, relative: str, diags: Diagnostics) -> str | None:
    """UTF-8 (BOM or not) or UTF-16 with a BOM; anything else is reported and skipped."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diags.error(
            relative,
            line,
            f"not valid {encoding.upper().replace('-SIG', '')} at byte {exc.start} "
            f"(0x{data[exc.start]:02x}); document skipped — re-save it as UTF-8",
            "encoding",
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
