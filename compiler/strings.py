"""UI words per language (``templates/strings/<lang>.toml``), for every output format."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
"""The built-in templates folder (``templates/`` at the project root)."""
FALLBACK_LANGUAGE = "en"


@lru_cache(maxsize=32)
def ui_strings(lang: str, table: str, extra_dir: Path | None = None) -> dict[str, str]:
    """``[common]`` plus ``[table]`` for ``lang``, each key falling back to English.

    ``extra_dir`` (the admin's template folder) may hold ``strings/<lang>.toml`` too;
    its words win.
    """
    merged: dict[str, str] = {}
    for language in dict.fromkeys([FALLBACK_LANGUAGE, lang]):
        for folder in (TEMPLATES, extra_dir):
            if folder is None:
                continue
            path = folder / "strings" / f"{language}.toml"
            if not path.is_file():
                continue
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            for name in ("common", table):
                merged.update({k: str(v) for k, v in data.get(name, {}).items()})
    return merged


def template_dirs(fmt: str, extra_dir: Path | None = None) -> list[Path]:
    """Where a format's templates are looked up: the admin's folder first, then ours."""
    dirs = [extra_dir / fmt] if extra_dir is not None else []
    dirs.append(TEMPLATES / fmt)
    return dirs


class _KeepMissing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fmt(template: str, **values: object) -> str:
    """``template.format(**values)`` that never raises on an admin's odd template:
    unknown ``{names}`` stay as written, a malformed template is returned as it is."""
    try:
        return template.format_map(_KeepMissing(values))
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        return template
