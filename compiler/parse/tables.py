"""Error tables: a header with an error column and a fix column; each row is one entry.

Also the vertical shape (``問題 | … / 現象 | … / 解決策 | …``: labels down the first
column). Cells are rendered to HTML by markdown-it and rebuilt as item trees by
:mod:`compiler.parse.cells`, so malformed ``<ul><li>`` never becomes run-on text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from compiler.diagnostics import Diagnostics
from compiler.model import Cause, ErrorEntry, Item
from compiler.parse.blocks import flatten_text, inline_of, line_of
from compiler.parse.cells import Row, cell_items, cell_lines
from compiler.parse.codes import (
    codes_in_code_context,
    codes_in_text,
    codes_of_code_value,
    leading_identifier,
    named_identifiers,
    sole_identifier,
)
from compiler.parse.inline import html_fragment_parts, strip_docfx_markers, strip_tags
from compiler.parse.markdown import render_inline
from compiler.parse.tree import Node
from compiler.parse.vocab import Vocabulary, normalise_label

_ROWS_KEY = "runbooks.rows"
_FIELD_CODES_KEY = "runbooks.field-codes"
FIELD_ROWS = 16
"""At most this many rows in a key/value table (``| HRESULT | 0x80c8305f |``)."""
_SEVERITY_CHARS = 40
"""A Type/Level cell ("Informational") is a word or two."""
_BARE_CODE = re.compile(r"^\s*(?:0[xX][0-9A-Fa-f]+|-?\d{2,})\s*$")
_LINE_START = r"(?:^|<br\s*/?>|</br>|<p>|</p>|<li>|\n)\s*"


@dataclass(slots=True)
class TableContext:
    path: str
    source_lines: list[str]
    vocab: Vocabulary
    diags: Diagnostics


def table_entries(table: Node, ctx: TableContext) -> list[ErrorEntry]:
    """Entries of an error table, or an empty list when the table is something else."""
    return _rows_entries(_rows(table), ctx, markdown=True)


def html_table_entries(rows: list[Row], ctx: TableContext) -> list[ErrorEntry]:
    """Entries of a table written in raw HTML (:mod:`compiler.parse.html_tables`)."""
    return _rows_entries(
        [Row(row.line, [strip_docfx_markers(c) for c in row.cells]) for row in rows],
        ctx,
        markdown=False,
    )


def _rows_entries(rows: list[Row], ctx: TableContext, *, markdown: bool) -> list[ErrorEntry]:
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    roles = [ctx.vocab.header_role(strip_tags(html)) for html in header.cells]
    vertical = _vertical_entry(rows, ctx)
    if vertical is not None:
        return [vertical]
    columns = _columns(roles)
    if columns is None:
        return []
    if markdown:
        _check_cell_counts(rows, ctx)
    entries: list[ErrorEntry] = []
    for row in body:
        if not any(strip_tags(cell) for cell in row.cells):
            continue  # "||||": an empty row, not an error without words
        entry = _row_entry(row, columns, ctx)
        if entry is not None:
            entries.append(entry)
    return entries


@dataclass(slots=True)
class _Columns:
    message: int
    code: int | None
    cause: int | None
    fix: int | None
    context: int | None = None
    described: list[int] | None = None
    """Catalogue tables: the columns that together describe the code."""
    symbols: tuple[int, ...] = ()
    """Columns that name the code another way ("Symbol", "Error string")."""
    spare: tuple[int, ...] = ()
    """Other error-like columns, read when the message cell is empty."""
    references: tuple[int, ...] = ()
    """Columns of links to read more ("More information"): their links only."""


def _rows(table: Node) -> list[Row]:
    """Rendered rows, kept on the table's opening token: two rules read each table."""
    opening = table.token
    assert opening is not None
    cached = opening.meta.get(_ROWS_KEY) if opening.meta else None
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    rows = _render_rows(table)
    if opening.meta is None:
        opening.meta = {}
    opening.meta[_ROWS_KEY] = rows
    return rows


def _render_rows(table: Node) -> list[Row]:
    rows: list[Row] = []
    for node in table.children:
        for tr in node.children:
            if tr.type != "tr":
                continue
            line = line_of(tr)
            cells = []
            for cell in tr.children:
                inline = inline_of(cell)
                children = inline.token.children if inline and inline.token else None
                cells.append(strip_docfx_markers(render_inline(children)))
            rows.append(Row(line, cells))
    return rows


def _columns(roles: list[str | None]) -> _Columns | None:
    references = tuple(i for i, r in enumerate(roles) if r == "reference")
    if references and "fix" not in roles and "code" not in roles and "error" in roles:
        # "Issue | More information": with no fix column, what to read more is the fix.
        roles = ["fix" if i == references[0] else r for i, r in enumerate(roles)]
        references = references[1:]
    columns = _roles_to_columns(roles)
    if columns is not None:
        columns.references = references
    return columns


def _roles_to_columns(roles: list[str | None]) -> _Columns | None:
    def first(*wanted: str) -> int | None:
        return next((i for i, r in enumerate(roles) if r in wanted), None)

    fix = first("fix")
    code = first("code")
    symbols = tuple(i for i, r in enumerate(roles) if r == "symbol")
    roles = [None if r == "symbol" else r for r in roles]
    context = first("context")
    message = first("error")
    if message is None and code is None:
        # "Operation | Workaround" with nothing better: the situation is the error.
        message, context = context, None
    if message is None and code is None:
        return None
    cause = first("cause")
    # "Error | Error description | Potential problem": what went wrong, no fix column.
    causes_only = fix is None and cause is not None and message is not None
    if fix is None and not causes_only and (code is None or len(roles) < 2):
        return None
    if cause is None and message is not None:
        # "Error message | Issue | Resolution": a second error-like column explains the first.
        cause = next((i for i, r in enumerate(roles) if r == "error" and i != message), None)
    if message is None:
        # "Exit code | Meaning | Remedy": an unnamed column beside the code is the message.
        message = next((i for i, r in enumerate(roles) if r is None), code)
    assert message is not None
    if fix is None and not causes_only:
        # A code catalogue, looked up but with no fix: "Event ID | Event name | Description",
        # "Status code | Hex code | Error message":
        # every column that describes the code (not those that name it another way).
        described = [i for i, r in enumerate(roles) if r in (None, "error") and i not in symbols]
        return _Columns(
            message=described[0] if described else message,
            code=code,
            cause=None,
            fix=None,
            context=None,
            described=described or None,
            symbols=symbols,
        )
    return _Columns(
        message=message,
        code=code,
        cause=cause,
        fix=fix,
        context=context,
        symbols=symbols,
        spare=_spare(roles, message, cause),
    )


def _spare(roles: list[str | None], message: int, cause: int | None) -> tuple[int, ...]:
    """Error-like and unnamed columns, those right of the message column first."""
    spare = [i for i, r in enumerate(roles) if r in ("error", None) and i not in (message, cause)]
    return tuple(sorted(spare, key=lambda i: (i < message, i)))


def _row_entry(row: Row, cols: _Columns, ctx: TableContext) -> ErrorEntry | None:
    def cell(i: int | None) -> str:
        return row.cells[i] if i is not None and i < len(row.cells) else ""

    if cols.fix is None and any(
        len(c) < _SEVERITY_CHARS and normalise_label(strip_tags(c)) in ctx.vocab.informational
        for c in row.cells
    ):
        return None  # "5200 | Adapter has been initialized | Informational": not an error
    message_parts = split_labelled(cell(cols.message), ctx.vocab)
    message_lines: list[str] = []
    codes: list[str] = []
    for role, fragment in message_parts:
        lines = cell_lines(fragment)
        if role == "code":
            codes.extend(codes_in_code_context(" ".join(lines)))
        else:
            message_lines.extend(lines)
    if cols.described:
        message_lines = [" — ".join(" ".join(cell_lines(cell(i))) for i in cols.described)]
    if cols.code is not None:
        code_lines = cell_lines(cell(cols.code))
        # Only the cell's first line is the code; the rest is text ("150039 <br> **Message** …").
        first = code_lines[0] if code_lines else ""
        codes = codes_of_code_value(first) + codes
        for more in code_lines[1:]:
            # "InvalidTemplateDeployment <br> InvalidTemplate": one name a line is a code too.
            codes.extend(sole_identifier(more) or codes_in_text(more))
        if cols.code == cols.message:
            # A code-only column: the message is what remains besides the bare code.
            message_lines = [ln for ln in message_lines if ln not in codes] or message_lines

    def spare_lines() -> list[str]:
        """The first other error-like column with text."""
        return next((lines for c in cols.spare if (lines := cell_lines(cell(c)))), [])

    if not message_lines:
        # "|Collector||No events in the ETL file.|…": an empty error cell; the next
        # error-like column describes the error.
        message_lines = spare_lines()
    if (
        len(message_lines) == 1
        and _BARE_CODE.match(message_lines[0])
        and not _links_to_itself(cell(cols.message), message_lines[0])
    ):
        # "|Dism.exe|87|Feature name not recognized|…": the cell is the code, and the
        # next error-like column says what the error is.
        codes.extend(codes_in_code_context(message_lines[0]))
        message_lines = spare_lines() or message_lines
    message = "\n".join(message_lines)
    codes.extend(leading_identifier(message))
    for column in cols.symbols:
        # "Error code | Symbol | Description": the symbol is the code's name, looked up too.
        symbol_lines = cell_lines(cell(column))
        codes.extend(codes_in_code_context(symbol_lines[0] if symbol_lines else ""))
    if cols.fix is None and _reports_success(codes, [cell(c) for c in cols.symbols]):
        return None  # "0 | scp_err_Success | 操作は成功しました。": a catalogue's success row
    context = " ".join(cell_lines(cell(cols.context)))
    codes = _unique(
        codes + codes_in_text(message) + named_identifiers(message) + codes_in_text(context)
    )
    causes: list[Cause] = []
    if cols.cause is not None and cols.cause != cols.message:
        causes.extend(_causes(cell(cols.cause), row.line))
    actions: list[Item] = []
    for role, fragment in split_labelled(cell(cols.fix), ctx.vocab):
        if role == "cause":
            causes.extend(_causes(fragment, row.line))
        else:
            actions.extend(
                item
                for item in cell_items(fragment, row.line)
                if item.children or normalise_label(item.text) not in ctx.vocab.no_action
            )
    # As for a heading entry: codes the causes and fixes name are the card's too.
    codes = _unique(
        codes
        + codes_in_text("\n".join([*(c.text for c in causes), *(flatten_text(a) for a in actions)]))
    )
    if not message and not codes:
        if actions or causes:
            ctx.diags.warning(
                ctx.path,
                row.line,
                "table row has guidance but no error text or code; it is left out",
                "table-row",
            )
        return None
    links = []
    for i in sorted(
        {
            cols.message,
            *(c for c in (cols.fix, cols.code, cols.cause) if c is not None),
            *cols.references,
        }
    ):
        links.extend(html_fragment_parts(cell(i), row.line)[0])
    return ErrorEntry(
        id="",
        section="",
        line=row.line,
        message=message,
        codes=codes,
        causes=causes,
        actions=actions,
        links=links,
        shape="code-table" if cols.fix is None and cols.cause is None else "table",
        context=context,
    )


_LINK_ONLY = re.compile(r"^\s*<a\b[^>]*\bhref=\"([^\"]*)\"[^>]*>[^<]*</a>\s*$", re.IGNORECASE)


def _links_to_itself(cell_html: str, number: str) -> bool:
    """``[2023007](https://support.microsoft.com/help/2023007)``: a number that is the name
    of the article it links to (a KB article), not an error code."""
    m = _LINK_ONLY.match(cell_html)
    return m is not None and number.strip() in m.group(1)


_SUCCESS_NAME = re.compile(r"(?:^|_|(?<=[a-z]))(?:SUCCESS|Success|success|OK|Ok)$")
_ZERO = re.compile(r"^(?:0x)?0+$", re.IGNORECASE)


def _reports_success(codes: list[str], symbols: list[str]) -> bool:
    """A row whose code is zero (S_OK, ERROR_SUCCESS) or whose symbol names success."""
    if codes and all(_ZERO.match(c) for c in codes):
        return True
    names = [strip_tags(s).strip(" `*_") for s in symbols]
    return any(_SUCCESS_NAME.search(n) for n in names if n)


def _causes(fragment: str, line: int) -> list[Cause]:
    """Each top-level item of a cause cell is one cause; nested items stay in its text."""
    out = []
    for item in cell_items(fragment, line):
        text = flatten_text(item)
        if text:
            out.append(Cause(text=text, line=line, html=item.html))
    return out


def cause_fix_rows(table: Node, ctx: TableContext) -> list[tuple[Item, list[Item]]]:
    """Rows of a table with a cause and a fix column but no error column: (cause, fixes)."""
    rows = _rows(table)
    if len(rows) < 2:
        return []
    roles = [ctx.vocab.header_role(strip_tags(html)) for html in rows[0].cells]
    if "error" in roles or "code" in roles or "cause" not in roles or "fix" not in roles:
        return []
    cause_col, fix_col = roles.index("cause"), roles.index("fix")
    _check_cell_counts(rows, ctx)
    out = []
    for row in rows[1:]:
        cause_html = row.cells[cause_col] if cause_col < len(row.cells) else ""
        fix_html = row.cells[fix_col] if fix_col < len(row.cells) else ""
        lines = cell_lines(cause_html)
        if not lines:
            continue
        cause = Item(text="\n".join(lines), line=row.line, html=cause_html)
        out.append((cause, cell_items(fix_html, row.line)))
    return out


def field_codes(table: Node, ctx: TableContext) -> list[str]:
    """Codes of a key/value table under an entry (``| HRESULT | 0x80c8305f |``,
    ``|イベント ID|3165|``): the values of the rows whose key is a code label."""
    opening = table.token
    assert opening is not None
    cached = opening.meta.get(_FIELD_CODES_KEY) if opening.meta else None
    if cached is not None:
        return list(cached)  # every heading above the table reads it again
    codes: list[str] = []
    rows = _rows(table)
    # A key/value table is narrow and short; a catalogue of hundreds of rows is not one.
    if len(rows) > FIELD_ROWS or any(len(row.cells) > 3 for row in rows[:1]):
        rows = []
    for row in rows:
        if len(row.cells) < 2:
            continue
        key = strip_tags(row.cells[0])
        if ctx.vocab.label_role(key) != "code":
            continue
        for value in row.cells[1:]:
            lines = cell_lines(value)
            codes.extend(codes_in_code_context(lines[0] if lines else ""))
    codes = _unique(codes)
    opening.meta = opening.meta or {}
    opening.meta[_FIELD_CODES_KEY] = tuple(codes)
    return codes


def _vertical_entry(rows: list[Row], ctx: TableContext) -> ErrorEntry | None:
    """Two-column key/value tables: the labels run down the first column."""
    if any(len(r.cells) != 2 for r in rows) or len(rows) < 2:
        return None
    roles = [ctx.vocab.label_role(strip_tags(r.cells[0]), joined=True) for r in rows]
    if "fix" not in roles or not any(r in ("message", "code") for r in roles):
        return None
    if sum(r is not None for r in roles) < len(rows) - 1:
        return None
    entry = ErrorEntry(id="", section="", line=rows[0].line, message="", shape="vertical-table")
    messages: list[str] = []
    for role, row in zip(roles, rows, strict=True):
        value = row.cells[1]
        if role == "message":
            messages.extend(cell_lines(value))
        elif role == "code":
            entry.codes.extend(codes_in_code_context(" ".join(cell_lines(value))))
        elif role == "cause":
            entry.causes.extend(_causes(value, row.line))
        elif role == "fix":
            entry.actions.extend(cell_items(value, row.line))
        entry.links.extend(html_fragment_parts(value, row.line)[0])
    entry.message = "\n".join(messages)
    entry.codes = _unique(entry.codes + codes_in_text(entry.message))
    return entry


def split_labelled(html: str, vocab: Vocabulary) -> list[tuple[str | None, str]]:
    """Split a cell at in-cell labels (``**Cause:**``, ``Recommended Action:``, ``**Message**``).

    Returns (role, fragment) pairs; the text before the first label has role None.
    A label counts only at the start of a line, so "the cause: …" mid-sentence stays text.
    """
    if "<" not in html and ":" not in html and "：" not in html:
        # No bold and no colon: no label can start here (most cells of a catalogue).
        return [(None, html)] if strip_tags(html) else []
    rx = _label_regex(vocab)
    out: list[tuple[str | None, str]] = []
    role: str | None = None
    pos = 0
    for m in rx.finditer(html):
        word = m.group("bold") or m.group("plain")
        found = vocab.label_role(word)
        if found is None:
            continue
        out.append((role, html[pos : m.start()]))
        role, pos = found, m.end()
    out.append((role, html[pos:]))
    return [(r, f) for r, f in out if strip_tags(f) or r is not None]


def _label_regex(vocab: Vocabulary) -> re.Pattern[str]:
    # Keyed by the vocabulary object: hashing its word lists on every cell cost more
    # than the split itself.
    cached = _LABEL_REGEXES.get(id(vocab))
    if cached is None or cached[0] is not vocab:
        cached = (vocab, _compile_labels(tuple(w for _, w in vocab.label_words)))
        _LABEL_REGEXES[id(vocab)] = cached
    return cached[1]


_LABEL_REGEXES: dict[int, tuple[Vocabulary, re.Pattern[str]]] = {}


@lru_cache(maxsize=8)
def _compile_labels(label_words: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(r"\s*".join(map(re.escape, w.split())) for w in label_words)
    return re.compile(
        rf"{_LINE_START}(?:<(?:strong|b)>\s*(?P<bold>{words})\s*[:：]?\s*</(?:strong|b)>\s*[:：]?"
        rf"|(?P<plain>{words})\s*[:：])",
        re.IGNORECASE,
    )


def _check_cell_counts(rows: list[Row], ctx: TableContext) -> None:
    """markdown-it pads short rows and drops extra cells silently; the source tells."""
    header_count = _count_cells(ctx.source_lines, rows[0].line)
    if header_count is None:
        return
    for row in rows[1:]:
        count = _count_cells(ctx.source_lines, row.line)
        if count is None or count == header_count:
            continue
        effect = "extra cells are dropped" if count > header_count else "missing cells are empty"
        ctx.diags.warning(
            ctx.path,
            row.line,
            f"table row has {count} cells, the header has {header_count}; {effect}",
            "table-cells",
        )


def _count_cells(lines: list[str], line: int) -> int | None:
    if not 0 < line <= len(lines):
        return None
    # As in GFM (and markdown-it), only an escaped "\|" is not a border, even in a code span.
    text = lines[line - 1].strip()
    cells = re.split(r"(?<!\\)\|", text)
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return len(cells)


def _unique(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))
