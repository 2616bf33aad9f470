"""YAML front matter: split it off (keeping line numbers) and normalise the keys we use."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from compiler.diagnostics import Diagnostics

# libyaml's safe loader when the wheel has it: same results, several times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_LOCALE_KEYS = ("ms.contentlocale", "ms.locale", "locale", "lang", "language")
_DATE_KEYS = ("ms.date", "date", "updated", "lastmod")
_DATE_FORMATS = (
    "%m/%d/%Y",
    "%m/%d/%y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%Y年%m月%d日",
)


@dataclass(slots=True)
class FrontMatter:
    meta: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    description: str | None = None
    date: str | None = None
    locale: str | None = None
    line_count: int = 0
    """Lines the front matter occupied (blanked in the body, so line numbers stay true)."""


def split_front_matter(text: str, path: str, diags: Diagnostics) -> tuple[FrontMatter, str]:
    """Return the front matter and the body with the front-matter lines blanked out.

    Blanking instead of cutting keeps every markdown-it ``Token.map`` equal to the
    real source line, so no rule ever has to add an offset.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return FrontMatter(), text
    end = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
    if end is None:
        diags.warning(
            path,
            1,
            "front matter opened with '---' but never closed; read as Markdown",
            "front-matter",
        )
        return FrontMatter(), text
    fm = parse_front_matter("\n".join(lines[1:end]), path, diags, first_line=2)
    fm.line_count = end + 1
    body = "\n" * (end + 1) + "\n".join(lines[end + 1 :])
    return fm, body


def parse_front_matter(
    source: str, path: str, diags: Diagnostics, *, first_line: int
) -> FrontMatter:
    try:
        loaded = yaml.load(source, Loader=_Loader)  # _Loader is a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark is not None else 0)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        diags.warning(
            path,
            line,
            f"invalid YAML front matter ({problem}); title, date and locale fall back to defaults",
            "front-matter",
        )
        return FrontMatter()
    if loaded is None:
        return FrontMatter()
    if not isinstance(loaded, dict):
        diags.warning(
            path,
            first_line,
            "front matter is not a mapping of keys to values; ignored",
            "front-matter",
        )
        return FrontMatter()
    meta = {str(k): _plain(v) for k, v in loaded.items()}
    lowered = {k.lower(): v for k, v in meta.items()}
    fm = FrontMatter(meta=meta)
    fm.title = _text(lowered.get("title"))
    fm.description = _text(lowered.get("description"))
    locale = next((_text(lowered[k]) for k in _LOCALE_KEYS if lowered.get(k)), None)
    fm.locale = normalise_locale(locale) if locale else None
    raw_date = next((lowered[k] for k in _DATE_KEYS if lowered.get(k)), None)
    if raw_date is not None:
        fm.date = normalise_date(raw_date)
        if fm.date is None:
            diags.warning(
                path,
                first_line,
                f"date {raw_date!r} is not in a known format "
                "(MM/DD/YYYY, YYYY-MM-DD, ...); left out",
                "front-matter",
            )
    return fm


def normalise_locale(value: str) -> str:
    """BCP 47 casing: ``ja-jp`` -> ``ja-JP``, ``EN_us`` -> ``en-US``, ``zh-hans`` -> ``zh-Hans``."""
    parts = value.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 2:
            out.append(part.upper())
        elif len(part) == 4:
            out.append(part.title())
        else:
            out.append(part.lower())
    return "-".join(out)


def normalise_date(value: object) -> str | None:
    """ISO ``YYYY-MM-DD`` from the formats seen in real front matter."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    # Day-first when the first number cannot be a month (18/02/2019).
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if m and int(m.group(1)) > 12:
        try:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        except ValueError:
            return None
    m = re.match(r"(\d{4}-\d{2}-\d{2})[T ]", text)
    return m.group(1) if m else None


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


def _plain(value: object) -> Any:
    """JSON-safe values: dates become ISO strings, everything else is kept."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
