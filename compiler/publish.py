"""``runbooks publish``: a built site into a destination folder, one whole release at a time.

The destination, once publish has made it::

    .runbooks-publish.json   what publish made here: only that is ever deleted
    .runbooks-publish.lock   held while a publish or a rollback runs
    releases/<id>/           one whole site per publish, with release.json and web.config
    current                  the live release
    nginx-location.conf      nginx's settings, serving current/ at base_path

A release is written whole into its own folder, then made live in one step, so that a
reader gets every file from one build, never half a copy:

``link``
    ``current`` is a symbolic link, ``releases/<id>``; a new link is made beside it and
    renamed over it (``rename(2)`` replaces it at once). Each request the web server
    serves opens its file through the link as it is at that moment.
``rename``
    Where a destination cannot hold a link (a Windows share; Windows itself, where a
    link to a folder cannot be renamed over another), ``current`` is the live release's
    folder itself: it is renamed back to ``releases/<id>`` and the new one renamed to
    ``current``. Never a mix either, but for the instant between the two renames a request
    finds nothing (a 404); on Windows a rename waits while a file in the folder is open.

A page loaded before a switch goes on searching the index it loaded with: the search
index's shards live in folders named after their hash (``pagefind/shards/<key>-<digest>``,
see :mod:`compiler.html.search_shards`), and the files of the shards of the release that
was live are linked into the one that goes live (``carried``), so a shard list fetched
before the switch still finds every file it names after it.

Each release's ``release.json`` (its id, when it was built and published, the source
commit, what it holds) is what the site's footer shows.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.config import MIN_KEEP, SWITCHES, Config
from compiler.diagnostics import Diagnostics
from compiler.html.paths import SEARCH_BUNDLE
from compiler.html.search_shards import SHARDS_DIR, read_state
from compiler.manifest import MANIFEST, Manifest, load_manifest
from compiler.uptodate import IN_PROGRESS
from compiler.webserver import (
    CURRENT,
    IIS_FILE,
    NGINX_FILE,
    SettingsError,
    iis_web_config,
    nginx_location,
    url_path,
)

MARKER = ".runbooks-publish.json"
LOCK = ".runbooks-publish.lock"
RELEASES = "releases"
RELEASE_INFO = "release.json"
SITE = "html"
"""The site's folder in the build's output folder."""
MARKER_FORMAT = 1
INFO_FORMAT = 1
RENAME_WAIT_SECONDS = 10.0
"""How long a rename of the live folder (``rename``) is retried while Windows refuses it."""

_RELEASE_ID = re.compile(r"\d{8}T\d{6}Z(?:-[1-9]\d*)?")
_BUNDLE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_NO_LINKS = frozenset(
    {errno.EXDEV, errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}
    | {errno.ENOSYS, errno.EINVAL}
)
"""Why a hard link may not be made where a copy can: the file is copied instead."""

__all__ = [
    "LOCK",
    "MARKER",
    "RELEASES",
    "RELEASE_INFO",
    "Published",
    "Refused",
    "SettingsError",
    "Target",
    "publish",
    "rollback",
]


class Refused(Exception):
    """Nothing was published (or rolled back): the message says why and what to do.
    The live release is the one that was live before."""


@dataclass(slots=True, frozen=True)
class Target:
    """Where and how to publish: the command line over ``[publish]`` of runbooks.toml."""

    destination: Path
    """Absolute and normalised (not resolved: a link the admin made on the way is kept)."""
    keep: int = 5
    switch: str = "auto"
    location: str = "/"
    """URL path the web server settings serve the site at (``base_path``)."""

    @classmethod
    def of(
        cls,
        config: Config,
        *,
        to: Path | None = None,
        keep: int | None = None,
        switch: str | None = None,
    ) -> Target:
        """The target named by ``to``/``keep``/``switch``, else by the config;
        SettingsError when one is missing or cannot be used."""
        settings = config.publish
        if to is None and settings.to is None:
            raise SettingsError(
                "no destination: give one with --to FOLDER, or in runbooks.toml as\n"
                '    [publish]\n    to = "/srv/www/runbooks"'
            )
        destination = to if to is not None else config.path(settings.to or "")
        keep = settings.keep if keep is None else keep
        if keep < MIN_KEEP:
            raise SettingsError(
                f"--keep must be at least {MIN_KEEP} (the live release and the one "
                f"--rollback returns to), not {keep}"
            )
        switch = settings.switch if switch is None else switch
        if switch not in SWITCHES:
            raise SettingsError(f"--switch must be one of {', '.join(SWITCHES)}, not {switch!r}")
        target = cls(Path(os.path.abspath(destination)), keep, switch, url_path(config.base_path))
        if os.name != "nt":  # nginx's settings name the folder: it must be safe to write there
            nginx_location(target.location, str(target.destination))
        return target


@dataclass(slots=True, frozen=True)
class Published:
    """What a publish or a rollback did."""

    destination: Path
    release: str
    """The release now live."""
    previous: str | None
    """The release that was live before (None: the first publish)."""
    switch: str
    """``link`` or ``rename`` (see the module's docstring)."""
    files: int = 0
    """Files of the site in the new release (0 for a rollback)."""
    copied: bool = False
    """The files were copied (the destination is on another file system), not linked."""
    carried: int = 0
    """Search files of the release that was live, linked into this one."""
    removed: tuple[str, ...] = ()
    """Releases deleted (beyond ``keep``)."""
    notes: tuple[str, ...] = ()
    """What the admin should know (the sources changed since the build, ...)."""
    nginx: Path | None = None
    """The nginx block written beside the releases."""


# -- the build -------------------------------------------------------------------------------
@dataclass(slots=True, frozen=True)
class _Build:
    out: Path
    manifest: Manifest
    files: tuple[str, ...]
    """The site's files, relative to ``out/html``, as the manifest lists them."""
    stamp: tuple[int, int, int]
    """The manifest's inode, size and mtime: another build changes them."""
    errors: int
    """Errors the build reported (publishing them takes ``--force``)."""


def _check_build(out: Path, *, force: bool) -> _Build:
    if not (out / MANIFEST).is_file():
        raise Refused(
            f"there is no build in {out} (no {MANIFEST}): build the site first with "
            "`make runbooks` or `runbooks build`"
        )
    manifest = load_manifest(out)
    if manifest is None:
        raise Refused(f"{out / MANIFEST} cannot be read: build the site again with `make runbooks`")
    if (out / IN_PROGRESS).exists():
        raise Refused(
            f"a build is writing {out}, or one was stopped before it finished: "
            "wait for it, or run `make runbooks` again, then publish"
        )
    if SITE not in manifest.formats:
        built = ", ".join(manifest.formats) or "none"
        raise Refused(
            f"the last build in {out} did not write the html site (formats: {built}): "
            "build it with `make runbooks` or `runbooks build --format html`"
        )
    prefix = SITE + "/"
    files = tuple(o[len(prefix) :] for o in manifest.outputs if o.startswith(prefix))
    if not files:
        raise Refused(f"the build in {out} holds no html site: build it with `make runbooks`")
    errors = [record for record in manifest.diagnostics if record[3:4] == ["error"]]
    if errors and not force:
        path, line, _col, _severity, message, rule = errors[0]
        raise Refused(
            f"the build in {out} has {len(errors)} error(s), e.g. {path}:{line}: {message} "
            f"[{rule}]; fix them and build again (`runbooks check` lists them all), or "
            "publish anyway with --force"
        )
    return _Build(out, manifest, files, _stamp(out / MANIFEST), len(errors))


def _stamp(path: Path) -> tuple[int, int, int]:
    try:
        status = path.stat()
    except OSError:
        return (0, 0, 0)
    return (status.st_ino, status.st_size, status.st_mtime_ns)


def _still_the_same(build: _Build) -> None:
    """Refused if a build started or ended while the site was being linked: the release
    might hold files of two builds."""
    if (build.out / IN_PROGRESS).exists() or _stamp(build.out / MANIFEST) != build.stamp:
        raise Refused(
            f"a build wrote {build.out} while it was being published, so nothing was "
            "published; publish again when the build has finished"
        )


# -- the destination -------------------------------------------------------------------------
@dataclass(slots=True)
class _Marker:
    """``.runbooks-publish.json``: every release publish made, and which went live when."""

    switch: str
    releases: list[str] = field(default_factory=list)
    """Release folders made here and not deleted yet, oldest first."""
    live: list[str] = field(default_factory=list)
    """Releases in the order they went live; the last is live, the one before it is where
    ``--rollback`` returns."""
    pending: str | None = None
    """A release being written: a publish stopped before its switch leaves it behind."""
    removing: list[str] = field(default_factory=list)
    """Releases being deleted: a publish stopped while deleting one leaves it behind."""

    def to_json(self) -> str:
        data = {
            "format": MARKER_FORMAT,
            "made_by": "runbook-compiler (runbooks publish); it deletes only the releases "
            "listed here",
            "switch": self.switch,
            "releases": self.releases,
            "live": self.live,
            "pending": self.pending,
            "removing": self.removing,
        }
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> _Marker:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != MARKER_FORMAT:
            raise ValueError(f"not format {MARKER_FORMAT}")
        switch = data.get("switch")
        if switch not in ("link", "rename"):
            raise ValueError(f"'switch' is {switch!r}")
        lists = {}
        for key in ("releases", "live", "removing"):
            value = data.get(key, [])
            if not isinstance(value, list) or not all(_is_id(v) for v in value):
                raise ValueError(f"'{key}' is not a list of release ids")
            lists[key] = list(value)
        pending = data.get("pending")
        if pending is not None and not _is_id(pending):
            raise ValueError("'pending' is not a release id")
        return cls(switch, lists["releases"], lists["live"], pending, lists["removing"])


def _is_id(value: object) -> bool:
    return isinstance(value, str) and _RELEASE_ID.fullmatch(value) is not None


class _Destination:
    """An opened destination: locked, its marker read and squared with what is on disk."""

    __slots__ = ("folder", "keep", "location", "marker")

    def __init__(self, target: Target, marker: _Marker) -> None:
        self.folder = target.destination
        self.keep = target.keep
        self.location = target.location
        self.marker = marker

    @property
    def current(self) -> Path:
        return self.folder / CURRENT

    @property
    def releases(self) -> Path:
        return self.folder / RELEASES

    @property
    def live(self) -> str | None:
        return self.marker.live[-1] if self.marker.live else None

    def folder_of(self, release: str) -> Path:
        """Where a release's files are now (``current`` for the live one, when renamed)."""
        if self.marker.switch == "rename" and release == self.live:
            return self.current
        return self.releases / release

    def save(self) -> None:
        _write_atomically(self.folder / MARKER, self.marker.to_json())

    # -- squaring the marker with the folder
    def recover(self) -> None:
        """Finish what a publish stopped midway left: the marker says what it meant to do,
        the folder what was done."""
        marker = self.marker
        live = self.on_disk()
        if marker.pending is not None:
            if live == marker.pending:  # switched, stopped before the marker said so
                if marker.pending not in marker.releases:
                    marker.releases.append(marker.pending)
                marker.live.append(marker.pending)
            else:
                self._delete(marker.pending)
            marker.pending = None
        if live is None and marker.switch == "rename" and marker.live:
            # Stopped between the two renames: the release that was live goes back.
            self._rename(self.releases / marker.live[-1], self.current)
            live = marker.live[-1]
        if live is not None and live != self.live:
            if live not in marker.live:
                raise Refused(
                    f"{self.current} holds release {live}, which {self.folder / MARKER} "
                    "does not list as live: it was changed by hand; make `current` the "
                    f"release {self.live} again, or publish into a new folder"
                )
            # A rollback switched, then stopped before the marker said so.
            del marker.live[marker.live.index(live) + 1 :]
        for release in list(marker.removing):
            self._delete(release)
        marker.removing.clear()
        marker.live = [r for r in marker.live if r in marker.releases]
        self.save()

    def on_disk(self) -> str | None:
        """The id of the release ``current`` is (None when there is none)."""
        current = self.current
        if self.marker.switch == "link":
            if not current.is_symlink():
                if os.path.lexists(current):
                    raise Refused(
                        f"{current} is not the link publish made: it was replaced by hand; "
                        "move it away, or publish into a new folder"
                    )
                return None
            target = os.readlink(current).replace("\\", "/")
            head, _, release = target.partition("/")
            if head != RELEASES or not _is_id(release):
                raise Refused(
                    f"{current} points at {target}, not at a release publish made; "
                    "move it away, or publish into a new folder"
                )
            return release
        if not current.is_dir() or current.is_symlink():
            return None
        try:
            info = json.loads((current / RELEASE_INFO).read_text(encoding="utf-8"))
            release = info["release"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise Refused(
                f"{current} is not a release publish made (its {RELEASE_INFO} cannot be "
                f"read: {exc}); move it away, or publish into a new folder"
            ) from exc
        if not _is_id(release):
            raise Refused(f"{current / RELEASE_INFO} names no release id: move it away")
        return str(release)

    # -- releases
    def new_id(self, now: float) -> str:
        base = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        taken = set(self.marker.releases) | set(self.marker.removing)
        release, n = base, 1
        while release in taken or os.path.lexists(self.releases / release):
            n += 1
            release = f"{base}-{n}"
        return release

    def switch_to(self, release: str) -> None:
        """Make ``release`` live, in one step (see the module's docstring)."""
        previous = self.live
        if self.marker.switch == "link":
            link = self.folder / f".{CURRENT}-{release}.tmp"
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            os.symlink(f"{RELEASES}/{release}", link, target_is_directory=True)
            try:
                os.replace(link, self.current)
            except OSError:
                link.unlink()
                raise
        else:
            if previous is not None:
                self._rename(self.current, self.releases / previous)
            try:
                self._rename(self.releases / release, self.current)
            except OSError:
                if previous is not None:
                    self._rename(self.releases / previous, self.current)
                raise
        _sync_folder(self.folder)

    def _rename(self, source: Path, target: Path) -> None:
        """``os.rename``, retried for a while where Windows refuses it (a file open)."""
        deadline = time.monotonic() + RENAME_WAIT_SECONDS
        while True:
            try:
                os.rename(source, target)
                return
            except PermissionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def prune(self, left: str | None) -> tuple[str, ...]:
        """Delete the oldest releases beyond ``keep``. Never the live one, the one
        ``--rollback`` returns to, nor ``left`` (live until this command switched away
        from it: a request may still be reading it)."""
        marker = self.marker
        kept = {r for r in (*marker.live[-2:], left) if r is not None}
        others = [r for r in marker.releases if r not in kept]
        room = max(self.keep - len(kept), 0)
        doomed = others[: max(len(others) - room, 0)]
        if not doomed:
            return ()
        marker.releases = [r for r in marker.releases if r not in doomed]
        marker.live = [r for r in marker.live if r not in doomed]
        marker.removing.extend(doomed)
        self.save()
        for release in doomed:
            self._delete(release)
        marker.removing.clear()
        self.save()
        return tuple(doomed)

    def discard(self, release: str) -> None:
        """Delete the pending ``release``, which did not go live."""
        self._delete(release)
        self.marker.pending = None
        self.save()

    def _delete(self, release: str) -> None:
        """Delete a release folder publish made (an id checked against the pattern: a
        marker edited by hand cannot lead anywhere else)."""
        if not _is_id(release):
            return
        folder = self.releases / release
        if folder.is_symlink() or not folder.is_dir():
            return
        if sys.version_info >= (3, 12):
            shutil.rmtree(folder, onexc=_writable_and_retry)
        else:
            shutil.rmtree(folder, onerror=_writable_and_retry)

    def write_server_settings(self) -> Path | None:
        if os.name == "nt":  # nginx is not what serves a Windows folder
            return None
        path = self.folder / NGINX_FILE
        _write_atomically(path, nginx_location(self.location, str(self.folder)))
        return path


@contextlib.contextmanager
def _opened(target: Target, *, create: bool) -> Iterator[_Destination]:
    folder = target.destination
    if os.path.lexists(folder) and not folder.is_dir():
        raise Refused(f"the destination {folder} is not a folder")
    marker_path = folder / MARKER
    if not marker_path.is_file():
        if not create:
            raise Refused(f"nothing was published to {folder}: it has no {MARKER}")
        if folder.is_dir() and any(folder.iterdir()):
            raise Refused(
                f"{folder} already holds files that `runbooks publish` did not make (it has "
                f"no {MARKER}), and publish never deletes what it did not make: publish into "
                "a new or empty folder"
            )
        folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / LOCK):
        if not marker_path.is_file():  # looked at again: another publish may have made it
            switch = target.switch
            if switch == "auto":
                switch = "link" if _links_work(folder) else "rename"
            marker = _Marker(switch)
            (folder / RELEASES).mkdir(exist_ok=True)
            destination = _Destination(target, marker)
            destination.save()
        else:
            try:
                marker = _Marker.from_json(marker_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise Refused(
                    f"{marker_path} cannot be read ({exc}), so publish cannot tell what it "
                    "made there: publish into a new folder"
                ) from exc
            if target.switch not in ("auto", marker.switch):
                raise SettingsError(
                    f"{folder} switches releases by {marker.switch} (its {MARKER} says so); "
                    f"--switch {target.switch} cannot change that: publish into a new folder"
                )
            destination = _Destination(target, marker)
            (folder / RELEASES).mkdir(exist_ok=True)
            destination.recover()
        yield destination


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Held by one publish or rollback at a time (where the system has ``flock``)."""
    try:
        import fcntl
    except ImportError:  # Windows: one admin publishes at a time
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused(
                f"another `runbooks publish` is running for {path.parent}: wait for it"
            ) from None
        yield
    finally:
        os.close(fd)


def _links_work(folder: Path) -> bool:
    """Can ``folder`` hold a symbolic link that a rename replaces (not on Windows)?"""
    if os.name == "nt":
        return False
    probe = folder / ".runbooks-link-probe"
    try:
        os.symlink(RELEASES, probe, target_is_directory=True)
    except OSError:
        return False
    probe.unlink()
    return True


# -- files -----------------------------------------------------------------------------------
class _Placer:
    """Puts files into a release: a hard link where it can (the build replaces a file by
    renaming a new one over it, never rewrites one in place, so a release's files stay as
    they were published), else a copy."""

    __slots__ = ("copied", "count", "link")

    def __init__(self) -> None:
        self.link = True
        self.copied = False
        self.count = 0

    def place(self, source: str, target: str) -> None:
        if self.link:
            try:
                os.link(source, target, follow_symlinks=False)
                self.count += 1
                return
            except OSError as exc:
                if exc.errno not in _NO_LINKS:
                    raise
                self.link = False
        shutil.copy2(source, target, follow_symlinks=False)
        self.copied = True
        self.count += 1


def _fill(build: _Build, folder: Path, placer: _Placer) -> None:
    site = str(build.out / SITE)
    root = str(folder)
    os.mkdir(root)
    made = {""}
    for relative in build.files:
        parent = relative.rpartition("/")[0]
        if parent not in made:
            os.makedirs(os.path.join(root, parent), exist_ok=True)
            made.add(parent)
        try:
            placer.place(os.path.join(site, relative), os.path.join(root, relative))
        except FileNotFoundError as exc:
            raise Refused(
                f"the build in {build.out} is incomplete: {SITE}/{relative} is missing; "
                "run `make runbooks` again"
            ) from exc


def _carry(source: Path, into: Path, placer: _Placer) -> int:
    """Link the files of ``source``'s own search shards that ``into`` lacks (see the
    module's docstring); how many."""
    state = read_state(source / SEARCH_BUNDLE)
    if state is None:
        return 0
    count = 0
    for shard in state.shards.values():
        if shard.bundle is None or not _BUNDLE.fullmatch(shard.bundle):
            continue
        base = source / SEARCH_BUNDLE / SHARDS_DIR / shard.bundle
        for folder, _dirs, names in os.walk(base):
            relative = os.path.relpath(folder, base)
            there = into / SEARCH_BUNDLE / SHARDS_DIR / shard.bundle / relative
            for name in names:
                target = there / name
                if os.path.lexists(target) or name.startswith("."):
                    continue
                there.mkdir(parents=True, exist_ok=True)
                placer.place(os.path.join(folder, name), str(target))
                count += 1
    return count


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where folders can be opened: not Windows)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _writable_and_retry(function: Callable[..., Any], path: str, _info: object) -> None:
    """rmtree on Windows: a read-only file is made writable, then deleted."""
    os.chmod(path, stat.S_IWRITE)
    function(path)


# -- release.json ----------------------------------------------------------------------------
def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _release_info(
    release: str, build: _Build, now: float, source: dict[str, Any] | None, files: int
) -> str:
    counts = dict(build.manifest.counts)
    if not counts:  # a build before counts were recorded
        counts["documents"] = len(build.manifest.documents)
    if "errors" not in counts:
        severities = [record[3] for record in build.manifest.diagnostics if len(record) > 3]
        counts["errors"] = severities.count("error")
        counts["warnings"] = severities.count("warning")
    counts["files"] = files
    data = {
        "format": INFO_FORMAT,
        "release": release,
        "published": _iso(now),
        "built": _iso(build.stamp[2] / 1e9),
        "source": source,
        "counts": counts,
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def source_commit(
    manifest: Manifest, fallback: Path | None, exclude: tuple[str, ...]
) -> tuple[dict[str, Any] | None, str | None]:
    """``{"commit", "modified"}`` of the git checkout holding the build's sources (None when
    they are not in one), and a note when the build is not of that commit as it is.
    ``modified``: files of the source folder differ from the commit, or changed since the
    build."""
    from compiler import processes
    from compiler.sources import find_sources

    folder = Path(manifest.source) if manifest.source else fallback
    git = shutil.which("git")
    if folder is None or git is None or not folder.is_dir():
        return None, None
    try:
        git_c = [git, "-C", str(folder)]
        head = processes.run([*git_c, "rev-parse", "--verify", "HEAD"], b"")
        status = processes.run([*git_c, "status", "--porcelain", "--", "."], b"")
    except OSError:
        return None, None
    if head.returncode != 0 or status.returncode != 0:
        return None, None  # not a git checkout (or one without a commit)
    commit = head.stdout.decode("ascii", "replace").strip()
    uncommitted = bool(status.stdout.strip())
    paths, _known = find_sources(folder, exclude, Diagnostics())
    root = folder.resolve()
    now: dict[str, str] = {}
    for path in paths:
        relative = path.relative_to(root).as_posix()
        doc_id = relative[:-3] if relative.lower().endswith(".md") else relative
        with contextlib.suppress(OSError):
            now[doc_id] = hashlib.sha256(path.read_bytes()).hexdigest()
    changed = now != manifest.documents
    note = None
    if changed:
        note = (
            f"the sources in {folder} changed since the build: release.json marks commit "
            f"{commit[:12]} as modified; run `make runbooks` and publish again to publish them"
        )
    elif uncommitted:
        note = (
            f"the sources in {folder} hold changes not committed: release.json marks commit "
            f"{commit[:12]} as modified"
        )
    return {"commit": commit, "modified": changed or uncommitted}, note


# -- the two commands ------------------------------------------------------------------------
def publish(
    out: Path,
    target: Target,
    *,
    force: bool = False,
    source: Path | None = None,
    exclude: tuple[str, ...] = (),
    clock: Callable[[], float] = time.time,
) -> Published:
    """Publish the site built in ``out`` (``out/html``) as a new release of ``target`` and
    make it live; Refused when it cannot be (the live release stays as it was).

    ``force``: publish a build that has errors. ``source``: the source folder, for builds
    whose manifest does not name it; ``exclude``: its patterns of files that are not
    runbooks (the config's). ``clock``: what time it is (tests).
    """
    build = _check_build(out, force=force)
    info_source, note = source_commit(build.manifest, source, exclude)
    with _opened(target, create=True) as destination:
        marker = destination.marker
        now = clock()
        release = destination.new_id(now)
        marker.pending = release
        destination.save()
        folder = destination.releases / release
        placer = _Placer()
        previous = destination.live
        carried = 0
        try:
            _fill(build, folder, placer)
            files = placer.count
            text = _release_info(release, build, now, info_source, files)
            _write_atomically(folder / RELEASE_INFO, text)
            _write_atomically(folder / IIS_FILE, iis_web_config())
            if previous is not None:
                carried = _carry(destination.folder_of(previous), folder, placer)
            _still_the_same(build)
            _sync_folder(folder)
            destination.switch_to(release)
        except BaseException as exc:
            # Not live: the release goes (a publish stopped harder leaves it in the
            # marker as pending, for the next one to delete).
            with contextlib.suppress(OSError, Refused):
                if destination.on_disk() != release:  # else it went live: the next one adopts it
                    destination.discard(release)
            if isinstance(exc, OSError):
                raise Refused(
                    f"the release could not be written ({exc}); nothing was published"
                ) from exc
            raise
        marker.releases.append(release)
        marker.live.append(release)
        marker.pending = None
        destination.save()
        removed = destination.prune(previous)
        nginx = destination.write_server_settings()
    notes: tuple[str, ...] = (note,) if note else ()
    if build.errors:
        notes += ("published with --force: the build has errors",)
    return Published(
        target.destination,
        release,
        previous,
        marker.switch,
        files,
        placer.copied,
        carried,
        removed,
        notes,
        nginx,
    )


def rollback(target: Target) -> Published:
    """Make the release that was live before the live one live again; Refused when there
    is none. The release rolled back from is kept (until ``keep`` removes it)."""
    with _opened(target, create=False) as destination:
        marker = destination.marker
        if len(marker.live) < 2:
            raise Refused(
                f"there is no earlier release in {destination.folder} to roll back to "
                f"(live: {destination.live or 'none'})"
            )
        left, back = marker.live[-1], marker.live[-2]
        if not destination.folder_of(back).is_dir():
            raise Refused(f"release {back} is missing from {destination.releases}")
        placer = _Placer()
        into = destination.releases / back
        carried = _carry(destination.folder_of(left), into, placer)
        _sync_folder(into)
        destination.switch_to(back)
        marker.live.pop()
        destination.save()
        removed = destination.prune(left)
        nginx = destination.write_server_settings()
    return Published(
        target.destination,
        back,
        left,
        marker.switch,
        copied=placer.copied,
        carried=carried,
        removed=removed,
        nginx=nginx,
    )
