"""Error codes and IDs, found in error cells, headings and labelled parts.

Codes are kept exactly as written (``0x1FC07``, ``34513``); lookups compare them
case-insensitively. Patterns are general shapes of error identifiers, not lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Each pattern's group 1 is the code.
_IN_TEXT = (
    # "(ID: 34513)", "ID 403", "Event ID: 1004"
    re.compile(r"\bID\s*[:：#]?\s*(0x[0-9A-Fa-f]+|\d{2,})\b", re.IGNORECASE),
    # "0x1FC07", "[0x80070570]"
    re.compile(r"(?<![0-9A-Za-z])(0x[0-9A-Fa-f]{4,16})(?![0-9A-Za-z])"),
    # "エラー 34506", "Error 34506", "error code 150097", "エラー コード: 8614"
    re.compile(
        r"(?:エラー|error)\s*(?:code|コード|番号|number)?\s*[:：#]?\s*(\d{3,})(?!\d|[.,]\d)",
        re.IGNORECASE,
    ),
    # "(407) Proxy Authentication Required": a status at the start of a line, or any
    # 3-digit one; "Windows 10 (1903)" mid-sentence is a version, not a code.
    re.compile(r"(?:^\s*|(?<=\n)\s*)[(（](\d{3,6})[)）]|[(（](\d{3})[)）]"),
    # HRESULTs written without 0x: "80180014", "8018000a" (not the first group of a GUID)
    re.compile(r"(?<![-0-9A-Za-z])([89Cc][0-9A-Fa-f]{7})(?![-0-9A-Za-z])"),
)
# Identifier-style codes: UserErrorGuestAgentStatusUnavailable, ExtensionSnapshotFailedNoNetwork.
_CAMEL = re.compile(r"(?<![\w.])([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*){2,})(?![\w.])")
_SCREAMING = re.compile(r"(?<![\w.])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+){2,})(?![\w.])")
# The leading token of a cell in an "Error code" column.
_LEADING = re.compile(r"^\s*[`*_\[]*\s*(0x[0-9A-Fa-f]+|-?\d+|[A-Za-z][\w.-]*[\w])")


def codes_in_text(text: str) -> list[str]:
    """Codes in free text: an error message, a heading, an error cell."""
    found: list[tuple[int, str]] = []
    for rx in _IN_TEXT:
        found.extend(_matches(rx, text))
    return _unique(code for _, code in sorted(found))


def _matches(rx: re.Pattern[str], text: str) -> list[tuple[int, str]]:
    """(position, code) of each match: the first group that matched is the code."""
    out = []
    for m in rx.finditer(text):
        index = next((i for i in range(1, (rx.groups or 0) + 1) if m.group(i) is not None), 0)
        if index:
            out.append((m.start(index), m.group(index)))
    return out


def codes_in_code_context(text: str) -> list[str]:
    """Codes where the text is known to name a code (a code column, an **Error code:** label).

    Also takes identifier-style codes and the leading token of the text.
    """
    found: list[tuple[int, str]] = []
    lead = _LEADING.match(text)
    if lead and _looks_like_code(lead.group(1)):
        found.append((lead.start(1), lead.group(1)))
    for rx in (*_IN_TEXT, _CAMEL, _SCREAMING):
        found.extend(_matches(rx, text))
    return _unique(code for _, code in sorted(found))


def identifier_codes(text: str) -> list[str]:
    """Identifier-style codes only (for headings that are nothing but an error name)."""
    return _unique(m.group(1) for m in _CAMEL.finditer(text))


def _looks_like_code(token: str) -> bool:
    if token.lower().startswith("0x") or token.lstrip("-").isdigit():
        return True
    # A word is a code when it is identifier-shaped: CamelCase humps, digits or underscores.
    return bool(_CAMEL.fullmatch(token) or _SCREAMING.fullmatch(token) or re.search(r"\d|_", token))


def _unique(codes: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for code in codes:
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out
