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
    "publish": dict,
}
_PUBLISH_TYPES: dict[str, type] = {"to": str, "keep": int, "switch": str}
_TYPE_NAMES = {str: "a string", int: "a whole number", list: "a list", dict: "a table"}
VALID_KEYS = tuple(f.name for f in fields(Config) if f.name != "root")


def load_config(path: Path | None, *, root: Path | None = None) -> Config:
    """Read ``path`` (or return the defaults when it is None)."""
    if path is None:
        return Config(root=(root or Path.cwd()).resolve())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    return config_from_mapping(data, path)


def config_from_mapping(data: dict[str, Any], path: Path) -> Config:
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
