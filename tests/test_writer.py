"""The output writer: atomic writes, confined to the output folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from compiler.writer import UnsafePathError, Writer


def test_writes_land_under_the_root_readable_and_without_temporaries(tmp_path: Path) -> None:
    writer = Writer(tmp_path / "out")
    writer.write_text("html/a/b/page.html", "one")
    writer.write_text("html/a/b/other.html", "two")
    writer.write_bytes("top.txt", b"three")
    root = tmp_path / "out"
    assert (root / "html/a/b/page.html").read_text(encoding="utf-8") == "one"
    assert (root / "top.txt").read_bytes() == b"three"
    assert sorted(p.name for p in (root / "html/a/b").iterdir()) == ["other.html", "page.html"]
    mask = os.umask(0)
    os.umask(mask)
    mode = stat.S_IMODE((root / "top.txt").stat().st_mode)
    assert mode == 0o666 & ~mask
    assert [writer.relative(p) for p in writer.written] == [
        "html/a/b/page.html",
        "html/a/b/other.html",
        "top.txt",
    ]


def test_a_file_is_written_once_per_build(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    writer.write_text("a.txt", "x")
    with pytest.raises(UnsafePathError):
        writer.write_text("./a.txt", "y")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("name", ["../x.txt", "/etc/x.txt", "a/../../x.txt"])
def test_names_that_leave_the_root_are_refused(tmp_path: Path, name: str) -> None:
    writer = Writer(tmp_path / "out")
    with pytest.raises(UnsafePathError):
        writer.write_text(name, "x")
    assert not (tmp_path / "x.txt").exists()


def test_a_linked_folder_that_leads_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "out"
    root.mkdir()
    os.symlink(outside, root / "html")
    writer = Writer(root)
    with pytest.raises(UnsafePathError):
        writer.write_text("html/page.html", "x")
    assert list(outside.iterdir()) == []


def test_a_link_below_a_folder_made_by_the_build_is_still_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "out"
    (root / "html/a").mkdir(parents=True)
    os.symlink(outside, root / "html/a/b")
    writer = Writer(root)
    writer.write_text("html/new/page.html", "made here")
    with pytest.raises(UnsafePathError):
        writer.write_text("html/a/b/c/page.html", "x")
    assert list(outside.iterdir()) == []


def test_new_folders_are_made_without_resolving_each_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = Writer(tmp_path / "out")
    resolved: list[Path] = []
    real_resolve = Path.resolve

    def counting(self: Path, strict: bool = False) -> Path:
        resolved.append(self)
        return real_resolve(self, strict=strict)

    monkeypatch.setattr(Path, "resolve", counting)
    for i in range(20):
        writer.write_text(f"svg/copy{i}/doc/chart.svg", "x")
    # Only the root, made when the first file is placed; each folder below is made by
    # this build inside one already checked.
    assert len(resolved) <= 1
    assert len(list((tmp_path / "out/svg").iterdir())) == 20


def test_bytes_are_written_without_a_file_object_or_a_pid_lookup_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = Writer(tmp_path)
    writer.write_text("warm.txt", "x")  # the folder is made
    calls: list[str] = []
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: calls.append("fdopen"))
    monkeypatch.setattr(os, "getpid", lambda: calls.append("getpid") or 1)
    for i in range(5):
        writer.write_bytes(f"f{i}.bin", bytes(range(256)) * 1000)
    assert calls == []
    assert (tmp_path / "f4.bin").read_bytes() == bytes(range(256)) * 1000


def test_a_link_at_the_file_name_is_replaced_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("keep", encoding="utf-8")
    root = tmp_path / "out"
    root.mkdir()
    os.symlink(secret, root / "page.html")
    Writer(root).write_text("page.html", "new")
    assert secret.read_text(encoding="utf-8") == "keep"
    assert not (root / "page.html").is_symlink()
    assert (root / "page.html").read_text(encoding="utf-8") == "new"


def test_a_folder_removed_during_the_build_is_made_again(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    writer.write_text("svg/doc/a.svg", "a")
    (tmp_path / "svg/doc/a.svg").unlink()
    (tmp_path / "svg/doc").rmdir()
    writer.write_text("svg/doc/b.svg", "b")
    assert (tmp_path / "svg/doc/b.svg").read_text(encoding="utf-8") == "b"


def test_a_failed_fill_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old", encoding="utf-8")
    writer = Writer(tmp_path)

    def fail(handle: object) -> None:
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        writer.write_with("a.txt", fail)
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_replaced_file_can_be_freed_in_the_background(tmp_path: Path) -> None:
    (tmp_path / "book.pdf").write_bytes(b"old" * 1000)
    reader = (tmp_path / "book.pdf").open("rb")  # someone still reading the old book
    writer = Writer(tmp_path)
    writer.write_with("book.pdf", lambda out: out.write(b"new"), free_old_later=True)
    writer.write_with("first.pdf", lambda out: out.write(b"one"), free_old_later=True)
    writer.finish()
    assert (tmp_path / "book.pdf").read_bytes() == b"new"
    assert reader.read() == b"old" * 1000
    reader.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.pdf", "first.pdf"]


def test_the_second_name_of_a_replaced_file_is_a_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed before the old file is deleted: the next build sweeps its second name."""
    (tmp_path / "book.pdf").write_bytes(b"old")
    writer = Writer(tmp_path)
    monkeypatch.setattr("compiler.writer._unlink_quietly", lambda path: None)
    writer.write_with("book.pdf", lambda out: out.write(b"new"), free_old_later=True)
    writer.finish()
    assert len(list(tmp_path.iterdir())) == 2
    Writer(tmp_path).clean_temporaries()
    assert [p.name for p in tmp_path.iterdir()] == ["book.pdf"]
    assert (tmp_path / "book.pdf").read_bytes() == b"new"


def test_the_same_bytes_twice_are_one_file_with_two_names(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    writer.write_bytes("runbooks.json", b"graph 1")
    writer.write_same(".cache/last.json", "runbooks.json", b"graph 1")
    first, second = tmp_path / "runbooks.json", tmp_path / ".cache/last.json"
    assert second.read_bytes() == b"graph 1"
    assert first.stat().st_ino == second.stat().st_ino
    assert [writer.relative(p) for p in writer.written] == ["runbooks.json", ".cache/last.json"]
    # The next build replaces one name: the other keeps what it had.
    Writer(tmp_path).write_bytes("runbooks.json", b"graph 2")
    assert second.read_bytes() == b"graph 1"


def test_the_same_bytes_are_written_out_where_no_link_can_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = Writer(tmp_path)
    writer.write_same("b.json", "a.json", b"not written by this build")
    writer.write_same("d.json", "never/made.json", b"d")
    assert not (tmp_path / "never").exists()  # looked up, not made
    writer.write_bytes("a.json", b"x")

    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError("no links on this file system")

    monkeypatch.setattr(os, "link", no_links)
    writer.write_same("c.json", "a.json", b"x")
    assert (tmp_path / "b.json").read_bytes() == b"not written by this build"
    assert (tmp_path / "c.json").read_bytes() == b"x"
    assert (tmp_path / "c.json").stat().st_ino != (tmp_path / "a.json").stat().st_ino
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json", "c.json", "d.json"]
