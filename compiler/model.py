"""The typed model of a troubleshooting document.

Every node keeps the 1-based source line it came from (markdown-it's ``Token.map``
plus the front-matter offset), so diagnostics and "edit source" links are free.
Nodes are plain slotted dataclasses: generators read them through the graph and
never see Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Item:
    """One entry of a (possibly nested) list: an action, a sub-step, a cell bullet."""

    text: str
    """Plain text, inline markup removed, line breaks kept as ``\\n``."""
    line: int
    """Source line (1-based)."""
    children: list[Item] = field(default_factory=list)
    """Nested items, in source order."""
    html: str = ""
    """The item's own inline content as raw (unsanitised) HTML, without its children."""
    ordered: bool = False
    """Numbered in the source (``1.`` in a list or written by hand in a table cell)."""


@dataclass(slots=True)
class Command:
    """A command the document gives: a fenced block or a stand-alone code span."""

    code: str
    lang: str | None
    """Fence info (``powershell``, ``cmd``) or a guess for code spans; None when unknown."""
    line: int


@dataclass(slots=True)
class Image:
    src: str
    alt: str
    line: int


@dataclass(slots=True)
class Link:
    href: str
    """The link exactly as written."""
    line: int
    kind: str = "web"
    """``web`` (absolute URL), ``doc`` (another source document), ``anchor`` (same
    document), ``site`` (site-rooted path we cannot check) or ``missing``."""
    target: str | None = None
    """``<document id>#<anchor>`` (anchor may be empty) for ``doc``/``anchor`` links."""


WAY_ON_KINDS = frozenset({"forward", "back", "skip"})
"""Jump kinds that, unconditional, replace a step's way on (a repeat comes back)."""


@dataclass(slots=True)
class Jump:
    """A step's instruction to continue at another step of the same procedure."""

    to: int
    """Target step number, as a reader counts them."""
    condition: str | None
    """The condition clause ("見つかった場合は", "If you locate it"), or None."""
    line: int
    kind: str = "forward"
    """``forward``, ``back``, ``repeat`` or ``skip`` ("skip step 4": ``to`` is the step left
    out, the reader goes on after it)."""
    last: int | None = None
    """For "repeat steps 2-4": the last step of the repeated range."""
    phrase: str = ""
    """The matched text, for diagnostics and tooltips."""


@dataclass(slots=True)
class Step:
    number: int
    text: str
    line: int
    html: str = ""
    children: list[Item] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    jumps: list[Jump] = field(default_factory=list)


@dataclass(slots=True)
class Procedure:
    id: str
    title: str
    line: int
    section: str
    """Anchor of the section the procedure sits in."""
    steps: list[Step] = field(default_factory=list)
    fallback: str | None = None
    """What to do when every step failed ("それでも回復が失敗する場合は…")."""
    fallback_line: int | None = None

    def ways_on(self, step: Step) -> list[Jump]:
        """``step``'s jumps as moves: each jump to an existing step, and each skip phrase
        ("if so, skip steps 2 and 4") as one jump of kind ``skip`` to the first later step
        it does not leave out (none when it skips to the end or names a missing step).
        The graph, flowcharts and scripts follow these; pages show the jumps as written."""
        if not step.jumps:
            return []  # most steps: no need to number the procedure's steps
        numbers = {s.number for s in self.steps}
        moves: list[Jump] = []
        skips: dict[tuple[int, str, str | None], list[Jump]] = {}
        for jump in step.jumps:
            if jump.kind == "skip":
                skips.setdefault((jump.line, jump.phrase, jump.condition), []).append(jump)
            elif jump.to in numbers:
                moves.append(jump)
        if not skips:
            return moves
        later = self.steps[next(i for i, s in enumerate(self.steps) if s is step) + 1 :]
        for group in skips.values():
            skipped = {j.to for j in group}
            if not skipped <= numbers:
                continue
            resume = next((s.number for s in later if s.number not in skipped), None)
            if resume is not None:
                first = group[0]
                moves.append(Jump(resume, first.condition, first.line, "skip", phrase=first.phrase))
        return moves


@dataclass(slots=True)
class Cause:
    text: str
    line: int
    html: str = ""


@dataclass(slots=True)
class ErrorEntry:
    id: str
    section: str
    line: int
    message: str
    codes: list[str] = field(default_factory=list)
    """Every error code/ID, exactly as written, de-duplicated, in order of appearance."""
    causes: list[Cause] = field(default_factory=list)
    actions: list[Item] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    shape: str = "table"
    """Which rule found it: ``table``, ``code-table``, ``vertical-table``, ``heading``,
    ``symptom-list``, ``code-list`` or ``labelled`` (error paragraphs and their fix)."""
    context: str = ""
    """The situation the error occurs in, from a table's Operation/Scenario column."""


@dataclass(slots=True)
class ChecklistItem:
    text: str
    line: int
    html: str = ""
    commands: list[Command] = field(default_factory=list)
    children: list[Item] = field(default_factory=list)


@dataclass(slots=True)
class Checklist:
    id: str
    title: str
    line: int
    section: str
    items: list[ChecklistItem] = field(default_factory=list)


@dataclass(slots=True)
class Note:
    kind: str
    """``note``, ``tip``, ``important``, ``warning`` or ``caution``."""
    text: str
    line: int
    html: str = ""


@dataclass(slots=True)
class Section:
    anchor: str
    title: str
    level: int
    line: int


@dataclass(slots=True)
class Document:
    id: str
    """Source path relative to the source folder, without ``.md``, with ``/``."""
    source: str
    """Source path relative to the source folder."""
    title: str
    line_offset: int = 0
    description: str | None = None
    locale: str = "en"
    date: str | None = None
    """ISO date (YYYY-MM-DD) from the front matter, or None."""
    meta: dict[str, Any] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    errors: list[ErrorEntry] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    checklists: list[Checklist] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    includes: list[Link] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    """Every distinct command the document gives, anywhere, in order of first appearance."""
    anchors: list[str] = field(default_factory=list)
    """Every anchor a link may target: section anchors and ``<a name>``/``id`` elsewhere."""
    sha256: str = ""
    """Hash of the source bytes (change detection, evidence logs)."""

    @property
    def lang(self) -> str:
        """Primary language subtag: ``ja`` for ``ja-JP``."""
        return self.locale.split("-")[0].lower()
