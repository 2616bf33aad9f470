"""Tables written in raw HTML (``<table><tr><td>…``), read as rows like Markdown tables.

Such tables are often loose: ``<tr>`` and ``<td>`` left unclosed, a header row of bare
``<th>`` cells, Markdown lists inside cells, blank lines that end markdown-it's HTML
block midway, another table inside a cell. So the table is read from the source lines,
from its ``<table>`` to the ``</table>`` that closes it, and only the outer table's rows
are rows: a nested table stays in its cell as that cell's HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from compiler.parse.cells import Row

_CELLS = ("td", "th")


@dataclass(slots=True)
class HtmlTable:
    rows: list[Row]
    """Each cell's inner HTML, as written."""
    end_line: int
    """The last source line of the table (1-based)."""


def read_html_table(source_lines: list[str], first_line: int) -> HtmlTable | None:
    """The table that starts on ``first_line`` (1-based), or None when no ``<table>``
    opens there."""
    text = "\n".join(source_lines[first_line - 1 :])
    start = text.lower().find("<table")
    if start < 0 or "\n" in text[:start]:
        return None
    reader = _RowReader(text)
    try:
        reader.feed(text)
        reader.close()
    except AssertionError:  # html.parser gives up on some broken markup
        return None
    reader.finish()
    if not reader.rows:
        return None
    end = text.count("\n", 0, reader.end_offset)
    rows = [
        Row(first_line + line, [cell.strip() for cell in cells])
        for line, cells in reader.rows
        if any(cell.strip() for cell in cells)
    ]
    return HtmlTable(rows, first_line + end) if rows else None


class _RowReader(HTMLParser):
    """Rows of the outermost table: (0-based line, inner HTML of each cell)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.line_starts.append(i + 1)
        self.depth = 0
        self.rows: list[tuple[int, list[str]]] = []
        self.cell_start: int | None = None
        self.end_offset = len(text)
        self.done = False

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _close_cell(self, at: int) -> None:
        if self.cell_start is not None and self.rows:
            self.rows[-1][1].append(self.text[self.cell_start : at])
        self.cell_start = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        at = self._offset()
        if tag == "table":
            self.depth += 1
            return
        if self.depth != 1:
            return
        if tag == "tr":
            self._close_cell(at)
            self.rows.append((self.getpos()[0] - 1, []))
        elif tag in _CELLS:
            self._close_cell(at)
            if not self.rows:
                self.rows.append((self.getpos()[0] - 1, []))
            tag_text = self.get_starttag_text() or ""
            self.cell_start = at + len(tag_text)

    def handle_endtag(self, tag: str) -> None:
        if self.done:
            return
        at = self._offset()
        if tag == "table":
            if self.depth == 1:
                self._close_cell(at)
                self.end_offset = at
                self.done = True
            self.depth = max(0, self.depth - 1)
        elif self.depth == 1 and (tag in _CELLS or tag == "tr"):
            self._close_cell(at)

    def finish(self) -> None:
        """A table never closed ends with the text: its last cell too."""
        if not self.done:
            self._close_cell(len(self.text))
