"""``runbooks.toml`` -> a frozen :class:`Config`. Every key is optional.

An unknown key or a value of the wrong type is a :class:`ConfigError` that names the
file, the key and what is valid: the admin fixes it in one go.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from compiler.parse.vocab import VOCAB_KEYS

CONFIG_NAME = "runbooks.toml"


class ConfigError(Exception):
    """A configuration file that cannot be used as written."""


SWITCHES = ("auto", "link", "rename")
"""How ``runbooks publish`` makes a release live (see :mod:`compiler.publish`)."""
MIN_KEEP = 2
"""The live release and the one ``--rollback`` returns to."""


@dataclass(slots=True, frozen=True)
class PublishConfig:
    """The ``[publish]`` table: where ``runbooks publish`` puts the site."""

    to: str | None = None
    """Destination folder (relative to the config file); ``--to`` overrides it."""
    keep: int = 5
    """Releases kept in the destination, the live one included (at least 2)."""
    switch: str = "auto"
    """``link`` (a symbolic link renamed over ``current``), ``rename`` (folders renamed,
    where links cannot be made) or ``auto`` (a link where the destination can hold one)."""


@dataclass(slots=True, frozen=True)
class DeclaredVersions:
    """One ``[translations]`` entry: documents (or folders) that are versions of each other."""

    paths: tuple[tuple[str, str], ...]
    """(language, path under the source folder), as written."""
    line: int
    """Line of the entry in the configuration file (1 when not known)."""


@dataclass(slots=True, frozen=True)
class TranslationSettings:
    """``[translations]``: which documents are language versions of one runbook."""

    pairs: tuple[DeclaredVersions, ...] = ()
    """``pairs = [{en = "a.md", ja = "ja/a.md"}]``: documents, by path under the source folder."""
    folders: tuple[DeclaredVersions, ...] = ()
    """``folders = [{en = "docs-en", ja = "docs-ja"}]``: folders whose documents at the same
    relative path are versions of each other."""
    original: str | None = None
    """Language of the original when front matter does not say (default: ``default_locale``)."""
    file: str = "runbooks.toml"
    """The configuration file, as diagnostics name it."""


@dataclass(slots=True, frozen=True)
class Config:
    source: str = "source_docs"
    """Folder of input Markdown, relative to the config file."""
    out: str = "build"
    """Output folder, relative to the config file."""
    default_locale: str = "en"
    """Locale of documents whose front matter names none and that are not recognisably Japanese."""
    formats: tuple[str, ...] = ()
    """Formats to build; empty means every available one."""
    site_title: str = "Runbooks"
    base_path: str = "/"
    """Where the site is served (links stay relative): the URL path of the web server
    settings ``runbooks publish`` writes (``/runbooks/``)."""
    templates: str | None = None
    """Folder of template overrides, searched before the built-in templates."""
    exclude: tuple[str, ...] = ("NOTICE.md",)
    """Glob patterns (relative to the source folder) of files that are not runbooks."""
    vocab: dict[str, dict[str, dict[str, list[str]]]] = field(default_factory=dict)
    """Extra vocabulary per language: ``[vocab.en.headers] fix = ["Remedy"]``."""
    translations: TranslationSettings = TranslationSettings()
    """Documents that are language versions of one runbook (``[translations]``)."""
    publish: PublishConfig = PublishConfig()
    """``[publish]``: where and how ``runbooks publish`` puts the site (no effect on builds)."""
    root: Path = Path(".")
    """Folder relative paths are resolved against (the config file's folder)."""

    def path(self, value: str) -> Path:
        return (self.root / value).resolve()


_TYPES: dict[str, type] = {
    "source": str,
    "out": str,
    "default_locale": str,
    "formats": list,
    "site_title": str,
    "base_path": str,
    "templates": str,
    "exclude": list,
    "vocab": dict,
    "translations": dict,
    "publish": dict,
}
TRANSLATION_KEYS = ("pairs", "folders", "original")
_PUBLISH_TYPES: dict[str, type] = {"to": str, "keep": int, "switch": str}
_TYPE_NAMES = {str: "a string", int: "a whole number", list: "a list", dict: "a table"}
VALID_KEYS = tuple(f.name for f in fields(Config) if f.name != "root")


def load_config(path: Path | None, *, root: Path | None = None) -> Config:
    """Read ``path`` (or return the defaults when it is None)."""
    if path is None:
        return Config(root=(root or Path.cwd()).resolve())
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    return config_from_mapping(data, path, text)


def config_from_mapping(data: dict[str, Any], path: Path, text: str = "") -> Config:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _TYPES:
            raise ConfigError(
                f"{path}: unknown key '{key}'; valid keys are: {', '.join(VALID_KEYS)}"
            )
        expected = _TYPES[key]
        if not isinstance(value, expected):
            raise ConfigError(
                f"{path}: '{key}' must be {_TYPE_NAMES[expected]}, "
                f"not {type(value).__name__} ({value!r})"
            )
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: '{key}' must be a list of strings")
            value = tuple(value)
        values[key] = value
    if "vocab" in values:
        _check_vocab(values["vocab"], path)
    if "publish" in values:
        values["publish"] = _publish_config(values["publish"], path)
    if "translations" in values:
        values["translations"] = _translations(values["translations"], path, text)
    return Config(**values, root=path.parent.resolve())


def _publish_config(table: dict[str, Any], path: Path) -> PublishConfig:
    for key, value in table.items():
        if key not in _PUBLISH_TYPES:
            raise ConfigError(
                f"{path}: unknown key 'publish.{key}'; valid keys are: {', '.join(_PUBLISH_TYPES)}"
            )
        expected = _PUBLISH_TYPES[key]
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ConfigError(
                f"{path}: 'publish.{key}' must be {_TYPE_NAMES[expected]}, "
                f"not {type(value).__name__} ({value!r})"
            )
    default = PublishConfig()
    keep = table.get("keep", default.keep)
    if keep < MIN_KEEP:
        raise ConfigError(
            f"{path}: 'publish.keep' must be at least {MIN_KEEP} (the live release and the "
            f"one --rollback returns to), not {keep}"
        )
    switch = table.get("switch", default.switch)
    if switch not in SWITCHES:
        raise ConfigError(
            f"{path}: 'publish.switch' must be one of {', '.join(SWITCHES)}, not {switch!r}"
        )
    if table.get("to") == "":
        raise ConfigError(f"{path}: 'publish.to' must name a folder")
    return PublishConfig(to=table.get("to"), keep=keep, switch=switch)


def _translations(table: dict[str, Any], path: Path, text: str) -> TranslationSettings:
    """``[translations]``, checked; each entry keeps its line (found in ``text``) for the
    diagnostics about the documents it names."""
    for key in table:
        if key not in TRANSLATION_KEYS:
            raise ConfigError(
                f"{path}: unknown key 'translations.{key}'; valid keys are: "
                f"{', '.join(TRANSLATION_KEYS)}"
            )
    original = table.get("original")
    if original is not None and (not isinstance(original, str) or not original.strip()):
        raise ConfigError(f"{path}: 'translations.original' must be a language such as \"en\"")
    lines = text.split("\n")
    at = 0  # entries are found in order, each after the one before

    def entries(key: str) -> tuple[DeclaredVersions, ...]:
        nonlocal at
        value = table.get(key, [])
        example = '[{en = "docs-en/a.md", ja = "docs-ja/a.md"}]'
        if not isinstance(value, list):
            raise ConfigError(f"{path}: 'translations.{key}' must be a list like {example}")
        out = []
        for number, entry in enumerate(value, 1):
            if (
                not isinstance(entry, dict)
                or len(entry) < 2
                or not all(isinstance(v, str) and v.strip() for v in entry.values())
            ):
                raise ConfigError(
                    f"{path}: entry {number} of 'translations.{key}' must name two or more "
                    f"languages and their paths, like {example[1:-1]}"
                )
            paths = tuple((str(lang), str(p)) for lang, p in entry.items())
            line, at = _line_of(lines, list(paths), at)
            out.append(DeclaredVersions(paths, line))
        return tuple(out)

    pairs = entries("pairs")
    at = 0
    folders = entries("folders")
    return TranslationSettings(
        pairs=pairs,
        folders=folders,
        original=original.strip() if isinstance(original, str) else None,
        file=_shown(path),
    )


def _line_of(lines: list[str], paths: list[tuple[str, str]], start: int) -> tuple[int, int]:
    """The 1-based line where a TOML entry naming ``paths`` (``en = "a.md"``) starts,
    searching from index ``start``, and where to search for the next one; 1 when it
    cannot be found."""
    import re

    patterns = [
        re.compile(rf"(?<![\w.-]){re.escape(lang)}\s*=\s*[\"']{re.escape(value)}[\"']")
        for lang, value in paths
    ]
    for index in range(start, len(lines)):
        if any(p.search(lines[index]) for p in patterns):
            return index + 1, index + 1
    return 1, start


def _shown(path: Path) -> str:
    """The configuration file as diagnostics name it: relative to the working folder when
    it is under it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _check_vocab(vocab: dict[str, Any], path: Path) -> None:
    for lang, tables in vocab.items():
        if not isinstance(tables, dict):
            raise ConfigError(f"{path}: 'vocab.{lang}' must be a table like [vocab.{lang}.headers]")
        for table, keys in tables.items():
            if table not in VOCAB_KEYS:
                raise ConfigError(
                    f"{path}: unknown key 'vocab.{lang}.{table}'; valid tables are: "
                    f"{', '.join(VOCAB_KEYS)}"
                )
            if not isinstance(keys, dict):
                raise ConfigError(f"{path}: 'vocab.{lang}.{table}' must be a table")
            for key, words in keys.items():
                if key not in VOCAB_KEYS[table]:
                    raise ConfigError(
                        f"{path}: unknown key 'vocab.{lang}.{table}.{key}'; valid keys are: "
                        f"{', '.join(VOCAB_KEYS[table])}"
                    )
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    raise ConfigError(
                        f"{path}: 'vocab.{lang}.{table}.{key}' must be a list of strings"
                    )


def find_config(start: Path) -> Path | None:
    """``runbooks.toml`` in ``start`` (the working folder), if there is one."""
    candidate = start / CONFIG_NAME
    return candidate if candidate.is_file() else None
