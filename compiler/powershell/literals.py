"""Document text as PowerShell data: single-quoted literals only.

Inside a single-quoted string PowerShell knows exactly one special character, the
quote, and it counts four code points as that quote (``'`` and the curly quotes
U+2018-U+201B, see ``CharExtensions.IsSingleQuote`` in the PowerShell tokenizer).
Each of them is doubled, as ``CodeGeneration.EscapeSingleQuotedStringContent``
does; nothing else (``$``, backtick, ``"``, ``;``, ``'@``) means anything there.
Here-strings are never used, so no terminator can be forged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
"""What PowerShell reads as a single quote."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\ufeff]")
"""Characters that have no place in a script: controls (but tab and newline), line
and paragraph separators (some editors break lines there), stray byte-order marks."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
KEYWORDS = frozenset(
    """assembly base begin break catch class clean command configuration continue data define do
    dynamicparam else elseif end enum exit filter finally for foreach from function hidden if in
    inlinescript interface module namespace parallel param private process public return sequence
    static switch throw trap try type until using var while workflow""".split()  # noqa: SIM905
)
"""PowerShell's reserved words: never written as bare hashtable keys."""


class PsCode(str):
    """Text that is already PowerShell (our own data section), inserted as is."""

    __slots__ = ()


def clean(text: str) -> str:
    """Newlines as ``\\n`` only; controls dropped (CR/LF become the file's CRLF on write)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


_DOUBLED = str.maketrans({quote: quote * 2 for quote in SINGLE_QUOTES})


def quote(text: str) -> str:
    """``text`` as one single-quoted PowerShell literal whose value is exactly ``text``
    (after :func:`clean`)."""
    return "'" + clean(text).translate(_DOUBLED) + "'"


PsValue = str | int | bool | None | Sequence["PsValue"] | Mapping[str, "PsValue"]


def render(value: PsValue, indent: int = 0) -> str:
    """A Python value as a PowerShell expression: hashtables, arrays, literals.

    Only literals and the operators ``@( )``/``@{ }``: the result invokes no command,
    whatever the strings in it say.
    """
    pad = "    " * indent
    inner = "    " * (indent + 1)
    if value is None:
        return "$null"
    if isinstance(value, bool):
        return "$true" if value else "$false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Mapping):
        if not value:
            return "@{}"
        lines = [f"{inner}{_key(k)} = {render(v, indent + 1)}" for k, v in value.items()]
        return "@{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(value, Sequence):
        if not value:
            return "@()"
        if all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
            items = [render(v) for v in value]
            if len(items) <= 4 and sum(len(i) for i in items) < 80:
                return "@(" + ", ".join(items) + ")"
        parts = [inner + render(v, indent + 1) for v in value]
        return "@(\n" + ",\n".join(parts) + f"\n{pad})"
    raise TypeError(f"cannot write {type(value).__name__} as PowerShell data")


def _key(key: str) -> str:
    """A hashtable key: bare when it is a plain identifier, else a quoted literal."""
    return key if _IDENTIFIER.match(key) and key.casefold() not in KEYWORDS else quote(key)


def assignment(name: str, value: PsValue) -> str:
    """``$Name = <value>`` for the data section; ``name`` is ours, never the document's."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a PowerShell variable name: {name!r}")
    return f"${name} = {render(value)}"
