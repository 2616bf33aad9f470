"""How a translation differs from its original: shapes, matching, drift (see
:mod:`compiler.translations`). Documents are read in the JSON export's form."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Export = Mapping[str, Any]


# -- shapes: what matching and drift compare -------------------------------------------------


@dataclass(slots=True, frozen=True)
class SectionShape:
    anchor: str
    title: str
    level: int
    line: int
    label: str
    """The title, with its parent's when another section has the same title."""


@dataclass(slots=True, frozen=True)
class EntryShape:
    id: str
    section: str
    line: int
    codes: tuple[str, ...]
    label: str
    causes: int
    actions: int


@dataclass(slots=True, frozen=True)
class ProcedureShape:
    id: str
    section: str
    line: int
    label: str
    steps: int
    jumps: frozenset[tuple[int, int, str]]
    """(step, target, kind) of every jump."""
    commands: tuple[str, ...]
    """Every command of its steps, spacing normalised, sorted."""


@dataclass(slots=True, frozen=True)
class DocShape:
    id: str
    source: str
    title: str
    locale: str
    date: str | None
    sections: tuple[SectionShape, ...]
    entries: tuple[EntryShape, ...]
    procedures: tuple[ProcedureShape, ...]

    @property
    def lang(self) -> str:
        return self.locale.split("-")[0].lower()


def shape(doc: Export) -> DocShape:
    """What matching and drift read of a document in the JSON export's form."""
    sections = list(doc["sections"])
    titles = Counter(s["title"] for s in sections)
    parents: dict[str, str] = {}
    stack: list[Mapping[str, Any]] = []
    for s in sections:
        while stack and stack[-1]["level"] >= s["level"]:
            stack.pop()
        # The document's own title (level 1) tells two of its sections apart no better.
        parents[s["anchor"]] = stack[-1]["title"] if stack and stack[-1]["level"] > 1 else ""
        stack.append(s)

    def in_context(title: str, section: str) -> str:
        """``title``, after its parent section's when another section has that title."""
        parent = parents.get(section, "")
        return f"{parent} > {title}" if titles[title] > 1 and parent else title

    section_shapes = tuple(
        SectionShape(
            s["anchor"], s["title"], s["level"], s["line"], in_context(s["title"], s["anchor"])
        )
        for s in sections
    )
    labels = {s.anchor: s.label for s in section_shapes}
    procs = list(doc["procedures"])
    per_section = Counter(p["section"] for p in procs)
    seen: Counter[str] = Counter()
    procedures = []
    for p in procs:
        seen[p["section"]] += 1
        # A procedure is named by its section; a second one there by its number.
        label = labels.get(p["section"], p["title"])
        if p["title"] not in (label, label.rsplit(" > ", 1)[-1]):
            label = f"{label} > {p['title']}"
        if per_section[p["section"]] > 1:
            label = f"{label} ({seen[p['section']]})"
        procedures.append(
            ProcedureShape(
                p["id"],
                p["section"],
                p["line"],
                label,
                len(p["steps"]),
                frozenset(
                    (s["number"], j["to"], j["kind"]) for s in p["steps"] for j in s["jumps"]
                ),
                tuple(
                    sorted(" ".join(c["code"].split()) for s in p["steps"] for c in s["commands"])
                ),
            )
        )
    entries = tuple(
        EntryShape(
            e["id"],
            e["section"],
            e["line"],
            tuple(e["codes"]),
            entry_label(e["codes"], e["message"]),
            len(e["causes"]),
            len(e["actions"]),
        )
        for e in doc["errors"]
    )
    return DocShape(
        doc["id"],
        doc["source"],
        doc["title"],
        doc["locale"],
        doc["date"],
        section_shapes,
        entries,
        tuple(procedures),
    )


def entry_label(codes: Sequence[str], message: str) -> str:
    """``34513 (Invalid vault credentials…)``: the codes, and the message's first line."""
    first = message.split("\n", 1)[0].strip()
    short = first if len(first) <= 60 else first[:59] + "…"
    joined = ", ".join(codes)
    if joined and short:
        return f"{joined} ({short})"
    return joined or short


# -- matching ------------------------------------------------------------------------------


@dataclass(slots=True)
class Matching:
    """Indices of matched sections, entries and procedures: (in ``a``, in ``b``)."""

    sections: list[tuple[int, int]] = field(default_factory=list)
    entries: list[tuple[int, int]] = field(default_factory=list)
    procedures: list[tuple[int, int]] = field(default_factory=list)


_DEDUPE = re.compile(r"-\d+$")
ANCHOR_SIMILARITY = 0.7
"""Two anchors of the same level at least this similar (after their ``-N`` suffixes) are
one section renamed ("…-according-to-schedule" for "…-according-to-the-schedule")."""


def match(a: DocShape, b: DocShape) -> Matching:
    """Match the sections, entries and procedures of two versions of one runbook."""
    out = Matching()
    code_pairs = _match_entries_by_codes(a, b)
    linked: set[tuple[str, str]] = {
        (a.entries[i].section, b.entries[j].section) for i, j in code_pairs
    }
    out.sections = _match_sections(a, b, linked)
    used_a = {i for i, _ in code_pairs}
    used_b = {j for _, j in code_pairs}
    pairs = list(code_pairs)
    for i, j in out.sections:
        left = [
            k
            for k, e in enumerate(a.entries)
            if e.section == a.sections[i].anchor and k not in used_a
        ]
        right = [
            k
            for k, e in enumerate(b.entries)
            if e.section == b.sections[j].anchor and k not in used_b
        ]
        for x, y in zip(left, right, strict=False):
            pairs.append((x, y))
            used_a.add(x)
            used_b.add(y)
    out.entries = sorted(pairs)
    for i, j in out.sections:
        left = [k for k, p in enumerate(a.procedures) if p.section == a.sections[i].anchor]
        right = [k for k, p in enumerate(b.procedures) if p.section == b.sections[j].anchor]
        out.procedures += list(zip(left, right, strict=False))
    # A procedure moved to another section (a subsection of its own): the same shape, in
    # the same order among the procedures left.
    rest_a = [k for k in range(len(a.procedures)) if k not in {x for x, _ in out.procedures}]
    rest_b = [k for k in range(len(b.procedures)) if k not in {y for _, y in out.procedures}]

    def same_shape(x: int, y: int) -> float:
        pa, pb = a.procedures[rest_a[x]], b.procedures[rest_b[y]]
        return 1.0 if pa.steps == pb.steps >= 3 and pa.jumps == pb.jumps else 0.0

    moved = _align(range(len(rest_a)), range(len(rest_b)), same_shape)
    out.procedures += [(rest_a[x], rest_b[y]) for x, y in moved]
    out.procedures.sort()
    return out


def _match_entries_by_codes(a: DocShape, b: DocShape) -> list[tuple[int, int]]:
    """Entries sharing error codes (compared case-insensitively): the most shared first,
    then in document order; each entry matched once."""
    holders: dict[str, list[int]] = {}
    for i, entry in enumerate(a.entries):
        for code in {c.casefold() for c in entry.codes}:
            holders.setdefault(code, []).append(i)
    used: set[int] = set()
    out = []
    for j, entry in enumerate(b.entries):
        shared: Counter[int] = Counter()
        for code in {c.casefold() for c in entry.codes}:
            for i in holders.get(code, []):
                if i not in used:
                    shared[i] += 1
        if shared:
            best = min(shared, key=lambda i: (-shared[i], i))
            used.add(best)
            out.append((best, j))
    return out


def _match_sections(
    a: DocShape, b: DocShape, linked: set[tuple[str, str]]
) -> list[tuple[int, int]]:
    """Sections with the same anchor, in document order; then, between two of those, the
    most alike of the rest (similar anchors, the same codes, the same procedure shapes)."""
    index_b = {s.anchor.casefold(): j for j, s in enumerate(b.sections) if s.anchor}
    same = [
        (i, index_b[s.anchor.casefold()])
        for i, s in enumerate(a.sections)
        if s.anchor and s.anchor.casefold() in index_b
    ]
    fixed = _increasing(same)
    shapes_a = _section_procedures(a)
    shapes_b = _section_procedures(b)

    def score(i: int, j: int) -> float:
        sa, sb = a.sections[i], b.sections[j]
        value = 0.0
        if sa.level == sb.level:
            similar = anchor_similarity(sa.anchor, sb.anchor)
            if similar >= ANCHOR_SIMILARITY:
                value = 2 * similar
            procs_a, procs_b = shapes_a.get(sa.anchor), shapes_b.get(sb.anchor)
            if procs_a and procs_a == procs_b and max(n for n, _ in procs_a) >= 3:
                value += 1.0
        if (sa.anchor, sb.anchor) in linked:
            value += 2.0
        return value

    out: list[tuple[int, int]] = []
    start_a = start_b = 0
    for i, j in [*fixed, (len(a.sections), len(b.sections))]:
        out += _align(range(start_a, i), range(start_b, j), score)
        if i < len(a.sections):
            out.append((i, j))
        start_a, start_b = i + 1, j + 1
    return out


def _section_procedures(
    doc: DocShape,
) -> dict[str, list[tuple[int, frozenset[tuple[int, int, str]]]]]:
    out: dict[str, list[tuple[int, frozenset[tuple[int, int, str]]]]] = {}
    for p in doc.procedures:
        out.setdefault(p.section, []).append((p.steps, p.jumps))
    return out


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of ``pairs`` (sorted by the first index) increasing in the second."""
    if not pairs:
        return []
    best: list[list[tuple[int, int]]] = []
    for pair in pairs:
        chains = [c for c in best if c[-1][1] < pair[1]]
        longest = max(chains, key=len, default=[])
        best.append([*longest, pair])
    return max(best, key=len)


def _align(left: range, right: range, score: Callable[[int, int], float]) -> list[tuple[int, int]]:
    """The order-keeping matching of ``left`` with ``right`` of highest total score (pairs
    scoring 0 are never matched)."""
    if not left or not right:
        return []
    n, m = len(left), len(right)
    scores = [[score(left[x], right[y]) for y in range(m)] for x in range(n)]
    table = [[0.0] * (m + 1) for _ in range(n + 1)]
    for x in range(n):
        for y in range(m):
            take = table[x][y] + scores[x][y] if scores[x][y] > 0 else 0.0
            table[x + 1][y + 1] = max(table[x][y + 1], table[x + 1][y], take)
    out = []
    x, y = n, m
    while x and y:
        if scores[x - 1][y - 1] > 0 and table[x][y] == table[x - 1][y - 1] + scores[x - 1][y - 1]:
            out.append((left[x - 1], right[y - 1]))
            x, y = x - 1, y - 1
        elif table[x][y] == table[x - 1][y]:
            x -= 1
        else:
            y -= 1
    return out[::-1]


def anchor_similarity(a: str, b: str) -> float:
    """How alike two anchors are (0 to 1): the same but for a ``-N`` suffix is 0.75, else
    the larger of difflib's ratio and the shared start's share of the shorter (a heading
    whose anchor was glued to a link target, ``cause-1-xthe-vm…``). Only for ASCII anchors:
    a Japanese slug says nothing about an English one."""
    if not a or not b or not a.isascii() or not b.isascii():
        return 0.0
    base_a, base_b = _DEDUPE.sub("", a.casefold()), _DEDUPE.sub("", b.casefold())
    if min(len(base_a), len(base_b)) < 6:
        return 0.0
    if base_a == base_b:
        return 0.75
    matcher = difflib.SequenceMatcher(None, base_a, base_b, autojunk=False)
    ratio = matcher.ratio() if matcher.real_quick_ratio() >= ANCHOR_SIMILARITY else 0.0
    shorter = min(len(base_a), len(base_b))
    prefix = 0
    for x, y in zip(base_a, base_b, strict=False):
        if x != y:
            break
        prefix += 1
    return max(ratio, prefix / shorter if shorter >= 12 else 0.0)


# -- drift ---------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Side:
    """One version of a pair, as the report names it."""

    id: str
    source: str
    title: str
    locale: str
    date: str | None

    @property
    def lang(self) -> str:
        return self.locale.split("-")[0].lower()


@dataclass(slots=True, frozen=True)
class Item:
    """Something one version has and the other lacks (an entry, procedure or section)."""

    id: str
    label: str
    line: int
    detail: str = ""
    """Its size (``9 steps``), for procedures."""


@dataclass(slots=True, frozen=True)
class Differs:
    """A matched entry or procedure whose counts differ between the versions."""

    original: str
    """Its id in the original."""
    translation: str
    label: str
    changes: tuple[tuple[str, str, str], ...]
    """(what, in the original, in the translation): ``("causes", "3", "5")``."""


@dataclass(slots=True)
class PairDrift:
    """How a translation differs from its original."""

    original: Side
    translation: Side
    codes_only_original: list[str] = field(default_factory=list)
    codes_only_translation: list[str] = field(default_factory=list)
    entries_only_original: list[Item] = field(default_factory=list)
    entries_only_translation: list[Item] = field(default_factory=list)
    entries_differ: list[Differs] = field(default_factory=list)
    procedures_only_original: list[Item] = field(default_factory=list)
    procedures_only_translation: list[Item] = field(default_factory=list)
    procedures_differ: list[Differs] = field(default_factory=list)
    sections_only_original: list[Item] = field(default_factory=list)
    sections_only_translation: list[Item] = field(default_factory=list)
    entry_matches: list[tuple[str, str]] = field(default_factory=list)
    """(entry id in the original, entry id in the translation) of every matched entry."""

    @property
    def days(self) -> int | None:
        """How many days the translation's date is after the original's (negative: older)."""
        if not self.original.date or not self.translation.date:
            return None
        try:
            first = dt.date.fromisoformat(self.original.date)
            second = dt.date.fromisoformat(self.translation.date)
        except ValueError:
            return None
        return (second - first).days

    @property
    def older(self) -> bool:
        return (self.days or 0) < 0

    @property
    def behind(self) -> bool:
        """The translation is older than its original, or lacks codes or entries it has."""
        return self.older or bool(self.codes_only_original or self.entries_only_original)

    @property
    def in_sync(self) -> bool:
        """No structural difference (dates aside)."""
        return not self.differences()

    def differences(self) -> list[str]:
        """Every structural difference as one line (stable between builds: the change
        report compares two builds' lines)."""
        o, t = self.original.lang, self.translation.lang
        out = [f"code {c} only in {o}" for c in self.codes_only_original]
        out += [f"code {c} only in {t}" for c in self.codes_only_translation]
        out += [f"entry '{i.label}' only in {o}" for i in self.entries_only_original]
        out += [f"entry '{i.label}' only in {t}" for i in self.entries_only_translation]
        out += [f"entry '{d.label}': {changes_text(d, o, t)}" for d in self.entries_differ]
        out += [f"procedure '{i.label}' only in {o}" for i in self.procedures_only_original]
        out += [f"procedure '{i.label}' only in {t}" for i in self.procedures_only_translation]
        out += [f"procedure '{d.label}': {changes_text(d, o, t)}" for d in self.procedures_differ]
        out += [f"section '{i.label}' only in {o}" for i in self.sections_only_original]
        out += [f"section '{i.label}' only in {t}" for i in self.sections_only_translation]
        return out


def changes_text(d: Differs, o: str, t: str) -> str:
    """``causes en 3, ja 5; actions en 25, ja 10``: what differs, original language first."""
    return "; ".join(f"{what} {o} {x}, {t} {y}" for what, x, y in d.changes)


def side(doc: DocShape) -> Side:
    return Side(doc.id, doc.source, doc.title, doc.locale, doc.date)


def drift(original: DocShape, translation: DocShape) -> PairDrift:
    """How ``translation`` differs from ``original``."""
    m = match(original, translation)
    out = PairDrift(side(original), side(translation))
    codes_o = _spellings(original)
    codes_t = _spellings(translation)
    out.codes_only_original = sorted(
        (codes_o[k] for k in codes_o.keys() - codes_t.keys()), key=_natural
    )
    out.codes_only_translation = sorted(
        (codes_t[k] for k in codes_t.keys() - codes_o.keys()), key=_natural
    )
    matched_o = {i for i, _ in m.entries}
    matched_t = {j for _, j in m.entries}
    out.entries_only_original = [
        Item(e.id, e.label, e.line) for i, e in enumerate(original.entries) if i not in matched_o
    ]
    out.entries_only_translation = [
        Item(e.id, e.label, e.line) for j, e in enumerate(translation.entries) if j not in matched_t
    ]
    for i, j in m.entries:
        eo, et = original.entries[i], translation.entries[j]
        out.entry_matches.append((eo.id, et.id))
        changes = [
            (what, str(x), str(y))
            for what, x, y in (
                ("causes", eo.causes, et.causes),
                ("actions", eo.actions, et.actions),
            )
            if x != y
        ]
        if changes:
            out.entries_differ.append(Differs(eo.id, et.id, eo.label, tuple(changes)))
    matched_o = {i for i, _ in m.procedures}
    matched_t = {j for _, j in m.procedures}
    out.procedures_only_original = [
        Item(p.id, p.label, p.line, f"{p.steps} steps")
        for i, p in enumerate(original.procedures)
        if i not in matched_o
    ]
    out.procedures_only_translation = [
        Item(p.id, p.label, p.line, f"{p.steps} steps")
        for j, p in enumerate(translation.procedures)
        if j not in matched_t
    ]
    for i, j in m.procedures:
        po, pt = original.procedures[i], translation.procedures[j]
        changes = []
        if po.steps != pt.steps:
            changes.append(("steps", str(po.steps), str(pt.steps)))
        if po.jumps != pt.jumps:
            changes.append(("jumps", _jumps(po.jumps - pt.jumps), _jumps(pt.jumps - po.jumps)))
        if po.commands != pt.commands:
            only_o = list((Counter(po.commands) - Counter(pt.commands)).elements())
            only_t = list((Counter(pt.commands) - Counter(po.commands)).elements())
            changes.append(("commands", _commands(only_o), _commands(only_t)))
        if changes:
            out.procedures_differ.append(Differs(po.id, pt.id, po.label, tuple(changes)))
    matched_o = {i for i, _ in m.sections}
    matched_t = {j for _, j in m.sections}
    out.sections_only_original = [
        Item(s.anchor, s.label, s.line)
        for i, s in enumerate(original.sections)
        if i not in matched_o
    ]
    out.sections_only_translation = [
        Item(s.anchor, s.label, s.line)
        for j, s in enumerate(translation.sections)
        if j not in matched_t
    ]
    return out


def _spellings(doc: DocShape) -> dict[str, str]:
    """Casefolded code -> its first spelling in ``doc``."""
    out: dict[str, str] = {}
    for entry in doc.entries:
        for code in entry.codes:
            out.setdefault(code.casefold(), code)
    return out


def _jumps(jumps: Iterable[tuple[int, int, str]]) -> str:
    return ", ".join(f"{a}→{b}" for a, b, _ in sorted(jumps)) or "none"


def _commands(commands: Sequence[str]) -> str:
    if not commands:
        return "none"
    shown = [c if len(c) <= 40 else c[:39] + "…" for c in commands]
    return ", ".join(f"`{c}`" for c in shown)


def _natural(code: str) -> tuple[int, int, str]:
    """Decimal codes by value, then hexadecimal ones by value, then the rest."""
    if code.isdigit():
        return (0, int(code), "")
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", code):
        return (1, int(code, 16), "")
    return (2, 0, code.casefold())
