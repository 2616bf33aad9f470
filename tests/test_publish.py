"""``runbooks publish``: releases, the atomic switch, rollback, keep, refusals, release.json,
and the web server settings it writes (the nginx block and web.config are golden files).

Most tests publish a small stand-in build (a manifest and a few files, made here); one
publishes a real build. ``tests/e2e/test_publish_nginx.py`` serves a published site with
nginx to Chromium while it is published again.
"""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler import publish as publishing
from compiler.build import build
from compiler.cli import run
from compiler.config import Config, ConfigError, PublishConfig, config_from_mapping
from compiler.html.search_shards import IndexState, ShardState, state_json
from compiler.manifest import MANIFEST, Manifest, manifest_json
from compiler.publish import MARKER, Published, Refused, Target, publish, rollback
from compiler.uptodate import IN_PROGRESS
from compiler.webserver import SettingsError, iis_web_config, nginx_location, url_path
from tests.conftest import MakeSource, check_golden

T0 = 1_735_689_600.0  # 2025-01-01T00:00:00Z


class Clock:
    """Seconds that go on by a minute at each publish: release ids are distinct."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        self.now += 60
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def fake_build(
    out: Path,
    version: str,
    *,
    bundles: tuple[str, ...] = ("text-1-0-aaaaaaaaaaaa",),
    errors: int = 0,
    formats: tuple[str, ...] = ("html", "json"),
) -> Path:
    """A build's output folder as publish reads it: pages whose text names ``version``, a
    search index of ``bundles`` (the first holds the engine), and the manifest."""
    files = {
        "index.html": f"<html><body>index {version}</body></html>",
        "codes/34513.html": f"<html><body>34513 {version}</body></html>",
        "_static/runbooks.js": f"/* {version} */",
        "pagefind/shards.js": json.dumps([f"shards/{b}/" for b in bundles]),
    }
    for n, bundle in enumerate(bundles):
        files[f"pagefind/shards/{bundle}/pagefind-entry.json"] = f'{{"v": "{version}"}}'
        files[f"pagefind/shards/{bundle}/fragment/en_{n}.pf_fragment"] = version
        if n == 0:
            files[f"pagefind/shards/{bundle}/pagefind.js"] = "// engine"
    shards = {
        f"text-{n}": ShardState((f"page{n}.html",), bundle, 0) for n, bundle in enumerate(bundles)
    }
    files["pagefind/shards.json"] = state_json(IndexState("pagefind test", None, False, shards))
    if out.exists():
        for old in sorted((out / "html").rglob("*"), reverse=True):
            old.rmdir() if old.is_dir() else old.unlink()
    for relative, text in files.items():
        path = out / "html" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    diagnostics = [["doc.md", 3, 1, "error", "broken", "jump-target"]] * errors
    diagnostics.append(["doc.md", 5, 1, "warning", "hmm", "broken-link"])
    manifest = Manifest(
        documents={"doc": "0" * 64},
        outputs=sorted(f"html/{relative}" for relative in files),
        formats=list(formats),
        counts={"documents": 1, "error_entries": 2, "codes": 3, "procedures": 1},
        diagnostics=diagnostics,
    )
    (out / MANIFEST).write_text(manifest_json(manifest), encoding="utf-8")
    return out


def target(tmp_path: Path, **kwargs: object) -> Target:
    settings = {"destination": tmp_path / "www" / "runbooks", "location": "/runbooks/"}
    settings.update(kwargs)
    return Target(**settings)  # type: ignore[arg-type]


def served(dest: Path, relative: str) -> str:
    """A file as the web server would serve it: through ``current``."""
    return (dest / "current" / relative).read_text(encoding="utf-8")


def marker(dest: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((dest / MARKER).read_text(encoding="utf-8"))
    return data


def listing(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# -- publishing ------------------------------------------------------------------------------
def test_first_publish_makes_a_release_and_links_current_to_it(
    tmp_path: Path, clock: Clock
) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path)
    result = publish(out, where, clock=clock)
    dest = where.destination
    assert result == Published(
        dest, "20250101T000100Z", None, "link", files=8, nginx=dest / "nginx-location.conf"
    )
    assert os.readlink(dest / "current") == "releases/20250101T000100Z"
    assert served(dest, "index.html") == "<html><body>index v1</body></html>"
    release = dest / "releases" / result.release
    assert listing(release) == listing(out / "html") | {"release.json", "web.config"}
    # Linked, not copied: the build replaces a file by a rename, never rewrites it.
    assert (release / "index.html").stat().st_ino == (out / "html" / "index.html").stat().st_ino
    assert marker(dest)["releases"] == marker(dest)["live"] == [result.release]
    assert sorted(p.name for p in dest.iterdir()) == [
        ".runbooks-publish.json",
        ".runbooks-publish.lock",
        "current",
        "nginx-location.conf",
        "releases",
    ]


def test_release_json_says_what_was_published(tmp_path: Path, clock: Clock) -> None:
    out = fake_build(tmp_path / "build", "v1")
    built = 1_700_000_000
    os.utime(out / MANIFEST, (built, built))
    publish(out, target(tmp_path), clock=clock)
    info = json.loads(served(target(tmp_path).destination, "release.json"))
    assert info == {
        "format": 1,
        "release": "20250101T000100Z",
        "published": "2025-01-01T00:01:00Z",
        "built": "2023-11-14T22:13:20Z",
        "source": None,  # the manifest names no source folder, and none was given
        "counts": {
            "documents": 1,
            "error_entries": 2,
            "codes": 3,
            "procedures": 1,
            "errors": 0,
            "warnings": 1,
            "files": 8,
        },
    }


def test_the_source_commit_is_named_and_marked_when_the_build_is_not_of_it(
    tmp_path: Path, make_source: MakeSource, clock: Clock
) -> None:
    source = make_source({"doc.md": "# Doc\n"})
    git = ["git", "-C", str(source), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "doc"], check=True)
    commit = subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, capture_output=True, encoding="utf-8"
    ).stdout.strip()
    out = fake_build(tmp_path / "build", "v1")
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    manifest["source"] = str(source)
    manifest["documents"] = {"doc": publishing.hashlib.sha256(b"# Doc\n").hexdigest()}
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    where = target(tmp_path)

    result = publish(out, where, clock=clock)
    info = json.loads(served(where.destination, "release.json"))
    assert info["source"] == {"commit": commit, "modified": False}
    assert result.notes == ()

    (source / "doc.md").write_text("# Doc, edited after the build\n", encoding="utf-8")
    result = publish(out, where, clock=clock)
    info = json.loads(served(where.destination, "release.json"))
    assert info["source"] == {"commit": commit, "modified": True}
    assert "changed since the build" in result.notes[0]


def test_a_second_publish_switches_current_and_keeps_the_first(
    tmp_path: Path, clock: Clock
) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path)
    first = publish(out, where, clock=clock)
    fake_build(out, "v2")
    second = publish(out, where, clock=clock)
    dest = where.destination
    assert second.previous == first.release
    assert served(dest, "index.html") == "<html><body>index v2</body></html>"
    assert (dest / "releases" / first.release / "index.html").read_text(encoding="utf-8") == (
        "<html><body>index v1</body></html>"
    )
    assert marker(dest)["live"] == [first.release, second.release]
    # The switch leaves nothing behind: no temporary link.
    assert not [p for p in dest.iterdir() if p.name.endswith(".tmp")]


def test_rollback_makes_the_previous_release_live_again(tmp_path: Path, clock: Clock) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path)
    first = publish(out, where, clock=clock)
    fake_build(out, "v2")
    second = publish(out, where, clock=clock)
    back = rollback(where)
    dest = where.destination
    assert (back.release, back.previous) == (first.release, second.release)
    assert served(dest, "index.html") == "<html><body>index v1</body></html>"
    assert json.loads(served(dest, "release.json"))["release"] == first.release
    # The release rolled back from is kept (keep removes it in time).
    assert (dest / "releases" / second.release).is_dir()
    assert marker(dest)["live"] == [first.release]
    with pytest.raises(Refused, match="no earlier release"):
        rollback(where)
    assert served(dest, "index.html") == "<html><body>index v1</body></html>"


def test_rollback_of_nothing_published_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Refused, match="nothing was published"):
        rollback(target(tmp_path))
    assert not target(tmp_path).destination.exists()


def test_keep_removes_the_oldest_releases_and_never_the_live_one(
    tmp_path: Path, clock: Clock
) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path, keep=3)
    made = [publish(out, where, clock=clock).release for _ in range(5)]
    dest = where.destination
    assert sorted(p.name for p in (dest / "releases").iterdir()) == made[2:]
    assert marker(dest)["releases"] == made[2:]
    assert marker(dest)["live"] == made[2:]
    back = rollback(where)
    assert back.release == made[3]
    # Live (3), where a rollback would go now (2), and the one just left (4): all kept.
    assert sorted(p.name for p in (dest / "releases").iterdir()) == made[2:]
    fake_build(out, "v2")
    newest = publish(out, where, clock=clock)
    # Live (new), where a rollback goes (3), the newest of the others up to keep=3.
    assert sorted(p.name for p in (dest / "releases").iterdir()) == [
        made[3],
        made[4],
        newest.release,
    ]
    assert newest.removed == (made[2],)
    assert rollback(where).release == made[3]


def test_keep_two_after_a_rollback_keeps_the_release_just_left(
    tmp_path: Path, clock: Clock
) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path, keep=2)
    made = [publish(out, where, clock=clock).release for _ in range(3)]
    assert sorted(p.name for p in (where.destination / "releases").iterdir()) == made[1:]
    assert rollback(where).removed == ()
    assert sorted(p.name for p in (where.destination / "releases").iterdir()) == made[1:]


def test_only_releases_it_made_are_ever_deleted(tmp_path: Path, clock: Clock) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path, keep=2)
    publish(out, where, clock=clock)
    dest = where.destination
    theirs = dest / "releases" / "20000101T000000Z"  # looks like a release, not in the marker
    theirs.mkdir()
    (theirs / "keep.txt").write_text("mine", encoding="utf-8")
    for _ in range(4):
        publish(out, where, clock=clock)
    assert (theirs / "keep.txt").read_text(encoding="utf-8") == "mine"
    # A marker edited to name a folder outside releases/ is refused, and nothing is deleted.
    data = marker(dest)
    data["releases"] = ["../../etc", *data["releases"]]  # type: ignore[misc]
    (dest / MARKER).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(Refused, match="cannot be read"):
        publish(out, where, clock=clock)


# -- refusals --------------------------------------------------------------------------------
def test_a_build_with_errors_is_refused_unless_forced(tmp_path: Path, clock: Clock) -> None:
    out = fake_build(tmp_path / "build", "v1", errors=2)
    where = target(tmp_path)
    with pytest.raises(Refused, match=r"has 2 error\(s\), e.g. doc.md:3: broken.*--force"):
        publish(out, where, clock=clock)
    assert not where.destination.exists()
    forced = publish(out, where, force=True, clock=clock)
    assert forced.notes == ("published with --force: the build has errors",)
    assert json.loads(served(where.destination, "release.json"))["counts"]["errors"] == 2


def test_a_destination_it_did_not_make_is_refused_and_left_alone(
    tmp_path: Path, clock: Clock
) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path)
    where.destination.mkdir(parents=True)
    (where.destination / "index.html").write_text("someone else's site", encoding="utf-8")
    with pytest.raises(Refused, match="did not make"):
        publish(out, where, clock=clock)
    assert listing(where.destination) == {"index.html"}
    file_target = target(tmp_path, destination=where.destination / "index.html")
    with pytest.raises(Refused, match="is not a folder"):
        publish(out, file_target, clock=clock)


def test_an_empty_destination_is_taken(tmp_path: Path, clock: Clock) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path)
    where.destination.mkdir(parents=True)
    publish(out, where, clock=clock)
    assert served(where.destination, "index.html").endswith("v1</body></html>")


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda out: (out / MANIFEST).unlink(), "there is no build"),
        (lambda out: (out / MANIFEST).write_text("{", encoding="utf-8"), "cannot be read"),
        (lambda out: fake_build(out, "v1", formats=("json",)), "did not write the html site"),
        (lambda out: (out / IN_PROGRESS).parent.mkdir() or (out / IN_PROGRESS).touch(), "a build"),
        (lambda out: (out / "html" / "codes" / "34513.html").unlink(), "is incomplete"),
    ],
    ids=["no-build", "bad-manifest", "no-html", "in-progress", "file-missing"],
)
def test_a_missing_or_unfinished_build_is_refused_and_the_live_release_stays(
    tmp_path: Path, clock: Clock, spoil: object, message: str
) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path)
    first = publish(out, where, clock=clock)
    fake_build(out, "v2")
    spoil(out)  # type: ignore[operator]
    with pytest.raises(Refused, match=message):
        publish(out, where, clock=clock)
    dest = where.destination
    assert served(dest, "index.html") == "<html><body>index v1</body></html>"
    assert sorted(p.name for p in (dest / "releases").iterdir()) == [first.release]
    assert marker(dest)["pending"] is None


def test_a_build_that_writes_while_publishing_stops_the_publish(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path)
    publish(out, where, clock=clock)
    fill = publishing._fill

    def fill_while_a_build_starts(*args: object) -> None:
        fill(*args)  # type: ignore[arg-type]
        (out / IN_PROGRESS).parent.mkdir(exist_ok=True)
        (out / IN_PROGRESS).touch()

    monkeypatch.setattr(publishing, "_fill", fill_while_a_build_starts)
    with pytest.raises(Refused, match="while it was being published"):
        publish(out, where, clock=clock)
    assert len(list((where.destination / "releases").iterdir())) == 1


def test_a_publish_stopped_midway_is_finished_by_the_next(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path)
    publish(out, where, clock=clock)
    dest = where.destination

    # Stopped while linking files: the half release is deleted by the next publish.
    def killed(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(publishing, "_carry", killed)
    with pytest.raises(KeyboardInterrupt):
        publish(out, where, clock=clock)
    assert len(list((dest / "releases").iterdir())) == 1  # deleted on the way out
    monkeypatch.undo()
    # Harder: the process died after the switch, before the marker was saved.
    data = marker(dest)
    fake_build(out, "v2")
    second = publish(out, where, clock=clock)
    data["pending"] = second.release
    (dest / MARKER).write_text(json.dumps(data), encoding="utf-8")
    third = publish(out, where, clock=clock)
    assert marker(dest)["live"][-3:] == [data["live"][-1], second.release, third.release]  # type: ignore[index]


def test_a_rollback_stopped_after_its_switch_is_finished_by_the_next_command(
    tmp_path: Path, clock: Clock
) -> None:
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path)
    first = publish(out, where, clock=clock)
    publish(out, where, clock=clock)
    dest = where.destination
    # The link went back to the first release; the marker was not saved after it.
    os.symlink(f"releases/{first.release}", dest / "link.tmp")
    os.replace(dest / "link.tmp", dest / "current")
    with pytest.raises(Refused, match="no earlier release"):
        rollback(where)  # the marker now says what the folder does: the first is live
    assert marker(dest)["live"] == [first.release]
    # A link someone pointed elsewhere is not taken for a release.
    os.symlink("/etc", dest / "link.tmp")
    os.replace(dest / "link.tmp", dest / "current")
    with pytest.raises(Refused, match="not at a release publish made"):
        publish(out, where, clock=clock)


def test_settings_that_cannot_be_used_are_errors(tmp_path: Path) -> None:
    config = Config(root=tmp_path)
    with pytest.raises(SettingsError, match="no destination"):
        Target.of(config)
    with pytest.raises(SettingsError, match="at least 2"):
        Target.of(config, to=tmp_path / "x", keep=1)
    with pytest.raises(SettingsError, match="holds ' '"):
        Target.of(config, to=tmp_path / "my site")
    with pytest.raises(SettingsError, match="holds ';'"):
        Target.of(config, to=tmp_path / "x;y")
    bad_path = Config(root=tmp_path, base_path="/run books/")
    with pytest.raises(SettingsError, match="base_path"):
        Target.of(bad_path, to=tmp_path / "x")
    configured = Config(
        root=tmp_path, base_path="/runbooks", publish=PublishConfig(to="www", keep=3)
    )
    assert Target.of(configured) == Target(tmp_path / "www", 3, "auto", "/runbooks/")
    assert Target.of(configured, to=Path("/srv/x"), keep=4, switch="rename") == Target(
        Path("/srv/x"), 4, "rename", "/runbooks/"
    )


def test_the_publish_table_of_runbooks_toml(tmp_path: Path) -> None:
    toml = tmp_path / "runbooks.toml"
    config = config_from_mapping({"publish": {"to": "/srv/www/runbooks", "keep": 4}}, toml)
    assert config.publish == PublishConfig("/srv/www/runbooks", 4, "auto")
    for table, message in (
        ({"dest": "x"}, "unknown key 'publish.dest'; valid keys are: to, keep, switch"),
        ({"keep": 1}, "'publish.keep' must be at least 2"),
        ({"keep": "5"}, "'publish.keep' must be a whole number"),
        ({"switch": "copy"}, "'publish.switch' must be one of auto, link, rename"),
    ):
        with pytest.raises(ConfigError, match=message):
            config_from_mapping({"publish": table}, toml)


def test_publishing_settings_do_not_rebuild_anything() -> None:
    from compiler.manifest import config_fingerprint

    assert config_fingerprint(Config()) == config_fingerprint(
        Config(publish=PublishConfig("/srv/www/runbooks", 9, "rename"))
    )


# -- the search index stays whole for pages loaded before a switch ---------------------------
def test_the_live_release_s_shards_stay_reachable_after_a_switch(
    tmp_path: Path, clock: Clock
) -> None:
    out = fake_build(tmp_path / "build", "v1", bundles=("text-1-0-aaaaaaaaaaaa",))
    where = target(tmp_path)
    first = publish(out, where, clock=clock)
    fake_build(out, "v2", bundles=("text-1-0-bbbbbbbbbbbb", "codes-1-0-cccccccccccc"))
    second = publish(out, where, clock=clock)
    dest = where.destination
    assert second.carried == 3
    # A page of v1 with v1's shard list still finds its bundle, engine included.
    old = "pagefind/shards/text-1-0-aaaaaaaaaaaa/"
    assert served(dest, old + "pagefind-entry.json") == '{"v": "v1"}'
    assert served(dest, old + "pagefind.js") == "// engine"
    # The new release's own index is untouched, and lists only its own bundles.
    assert json.loads(served(dest, "pagefind/shards.js")) == [
        "shards/text-1-0-bbbbbbbbbbbb/",
        "shards/codes-1-0-cccccccccccc/",
    ]
    fake_build(out, "v3", bundles=("text-1-0-dddddddddddd",))
    publish(out, where, clock=clock)
    # Only the release that was live is carried, not what it carried itself.
    assert not (dest / "current" / old).exists()
    assert (dest / "current" / "pagefind/shards/text-1-0-bbbbbbbbbbbb").is_dir()
    # A rollback carries the shards of the release it leaves into the one it returns to.
    rollback(where)
    assert (dest / "current" / "pagefind/shards/text-1-0-dddddddddddd/pagefind.js").is_file()
    assert json.loads(served(dest, "release.json"))["release"] == second.release
    assert first.release in marker(dest)["releases"]  # type: ignore[operator]


# -- no links: folders renamed ---------------------------------------------------------------
def test_where_links_cannot_be_made_folders_are_renamed(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(os, "symlink", no_links)
    out = fake_build(tmp_path / "build", "v1")
    where = target(tmp_path)
    first = publish(out, where, clock=clock)
    dest = where.destination
    assert first.switch == "rename" and marker(dest)["switch"] == "rename"
    current = dest / "current"
    assert current.is_dir() and not current.is_symlink()
    assert served(dest, "index.html") == "<html><body>index v1</body></html>"
    assert list((dest / "releases").iterdir()) == []
    fake_build(out, "v2", bundles=("text-1-0-bbbbbbbbbbbb",))
    second = publish(out, where, clock=clock)
    assert served(dest, "index.html") == "<html><body>index v2</body></html>"
    assert [p.name for p in (dest / "releases").iterdir()] == [first.release]
    assert second.carried == 3
    back = rollback(where)
    assert back.release == first.release
    assert json.loads(served(dest, "release.json"))["release"] == first.release
    assert [p.name for p in (dest / "releases").iterdir()] == [second.release]
    # A stop between the two renames: the release that was live is put back.
    os.rename(current, dest / "releases" / first.release)
    third = publish(out, where, clock=clock)
    assert third.previous == first.release
    assert json.loads(served(dest, "release.json"))["release"] == third.release


def test_the_switch_mode_of_a_destination_is_kept(tmp_path: Path, clock: Clock) -> None:
    out = fake_build(tmp_path / "build", "v1")
    publish(out, target(tmp_path, switch="rename"), clock=clock)
    assert not (target(tmp_path).destination / "current").is_symlink()
    with pytest.raises(SettingsError, match="switches releases by rename"):
        publish(out, target(tmp_path, switch="link"), clock=clock)
    publish(out, target(tmp_path, switch="auto"), clock=clock)


def test_files_are_copied_where_they_cannot_be_linked(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def other_file_system(*args: object, **kwargs: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", other_file_system)
    out = fake_build(tmp_path / "build", "v1")
    result = publish(out, target(tmp_path), clock=clock)
    assert result.copied
    page = target(tmp_path).destination / "current" / "index.html"
    assert page.stat().st_ino != (out / "html" / "index.html").stat().st_ino
    assert page.read_text(encoding="utf-8") == "<html><body>index v1</body></html>"


# -- web server settings ---------------------------------------------------------------------
def test_nginx_location_block() -> None:
    check_golden("publish-nginx-location.conf", nginx_location("/runbooks/", "/srv/www/runbooks"))


def test_nginx_block_for_the_server_root_has_no_redirect() -> None:
    block = nginx_location("/", "/srv/www/runbooks/")
    assert "location / {\n    # Each" in block and "return 301" not in block
    assert "alias /srv/www/runbooks/current/;" in block
    assert "location /pagefind/shards/ {" in block


def test_iis_web_config() -> None:
    text = iis_web_config()
    check_golden("publish-web.config", text)
    root = ElementTree.fromstring(text.encode("utf-8"))
    maps = {m.get("fileExtension"): m.get("mimeType") for m in root.iter("mimeMap")}
    assert maps[".pf_fragment"] == maps[".pagefind"] == "application/octet-stream"
    assert maps[".wasm"] == "application/wasm"
    shards = root.find("location[@path='pagefind/shards']")
    assert shards is not None and shards.find(".//clientCache") is not None


@pytest.mark.parametrize("bad", ["/a b/", "/x;y/", "/{x}/", '/"/', "/../", "/./", "runbooks"])
def test_url_paths_that_cannot_be_served_are_refused(bad: str) -> None:
    with pytest.raises(SettingsError):
        url_path(bad)


@pytest.mark.parametrize("bad", ["/srv/my site", "/srv/a;b", "/srv/{x}", "/srv/$x", "/srv/a\nb"])
def test_folders_nginx_cannot_hold_are_refused(bad: str) -> None:
    with pytest.raises(SettingsError):
        nginx_location("/runbooks/", bad)


# -- the command line ------------------------------------------------------------------------
@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def test_cli_publish_and_rollback(
    in_folder: Path, capsys: pytest.CaptureFixture[str], clock: Clock
) -> None:
    out = fake_build(in_folder / "build", "v1")
    (in_folder / "runbooks.toml").write_text(
        'base_path = "/runbooks/"\n[publish]\nto = "www"\nkeep = 3\n', encoding="utf-8"
    )
    assert run(["publish"]) == 0
    printed = capsys.readouterr().out
    assert "published release " in printed and "(8 files linked)" in printed
    assert f"nginx: include {in_folder / 'www' / 'nginx-location.conf'}" in printed
    block = (in_folder / "www" / "nginx-location.conf").read_text(encoding="utf-8")
    assert f"alias {in_folder / 'www' / 'current'}/;" in block
    fake_build(out, "v2")
    assert run(["publish"]) == 0
    assert run(["publish", "--rollback"]) == 0
    assert "rolled back to release " in capsys.readouterr().out
    assert run(["publish", "--rollback"]) == 1
    assert "nothing rolled back: there is no earlier release" in capsys.readouterr().err


def test_cli_exit_statuses(in_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["publish"]) == 2
    assert "no destination: give one with --to FOLDER" in capsys.readouterr().err
    assert run(["publish", "--to", "www", "--keep", "1"]) == 2
    assert run(["publish", "--to", "www"]) == 1
    assert "nothing published: there is no build in" in capsys.readouterr().err
    fake_build(in_folder / "build", "v1", errors=1)
    assert run(["publish", "--to", "www"]) == 1
    assert "--force" in capsys.readouterr().err
    assert run(["publish", "--to", "www", "--force"]) == 0
    assert "note: published with --force" in capsys.readouterr().err


# -- a real build ----------------------------------------------------------------------------
def test_a_real_build_is_published_whole(
    tmp_path: Path, make_source: MakeSource, clock: Clock
) -> None:
    source = make_source(
        {
            "a.md": "# A\n\n## Error 34513\n\n| Error | Cause | Fix |\n| --- | --- | --- |\n"
            "| 34513 | The agent is old | Update the agent |\n",
            "b.md": "# B\n\n1. Open the console.\n2. Restart the service.\n",
        }
    )
    out = tmp_path / "build"
    build(source, out, Config(root=source), formats=["html"])
    where = target(tmp_path)
    result = publish(out, where, clock=clock)
    live = where.destination / "current"
    assert listing(live) == listing(out / "html") | {"release.json", "web.config"}
    info = json.loads((live / "release.json").read_text(encoding="utf-8"))
    assert info["counts"]["documents"] == 2 and info["counts"]["codes"] == 1
    assert info["counts"]["files"] == result.files
    assert str(source.resolve()) == json.loads((out / MANIFEST).read_text("utf-8"))["source"]
    page = (live / "a.html").read_text(encoding="utf-8")
    assert 'id="rb-release"' in page and 'data-src="release.json"' in page
    code_page = (live / "codes" / "34513.html").read_text(encoding="utf-8")
    assert 'data-src="../release.json"' in code_page
