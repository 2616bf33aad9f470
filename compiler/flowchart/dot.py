"""DOT source for procedure flowcharts and error-entry decision trees.

Shapes carry the meaning (colour only helps, so a black-and-white print reads the
same): ovals start and end, boxes are steps and actions, diamonds are decisions
(yes/no labels at the diamond), a rounded box with a double border is the fallback,
rounded boxes are an error's causes, a pentagon pointing down is an off-page
connector, a folded note stands for items left out. Solid edges go forward (bold:
"yes", or a chain of actions continued in the next column), dashed edges go back
(loops, repeats), dotted edges lead to the sub-items of an action.

The DOT is byte-stable for a given model (no ids from memory, sorted traversal), so
tests keep it as golden files; the SVG Graphviz makes of it varies with its version.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from compiler.flowchart.text import (
    ELLIPSIS,
    Quoted,
    clean,
    dot_label,
    dot_string,
    safe_url,
    tooltip_string,
    truncate,
    wrap_capped,
)
from compiler.graph import RunbookGraph, procedure_key
from compiler.model import WAY_ON_KINDS, Document, ErrorEntry, Item, Jump, Procedure, Step
from compiler.strings import fmt, ui_strings

FONT = "Noto Sans CJK JP"
FONT_SIZE = 10
STEP_WIDTH = 40
"""Display columns per line in step, action and terminal boxes."""
STEP_LINES = 4
QUESTION_WIDTH = 18
QUESTION_LINES = 4
FALLBACK_LINES = 6
ENTRY_COLUMNS = 200
"""An error entry's texts are cut after this many display columns (``…``)."""
TOOLTIP_COLUMNS = 600
MAX_STEPS_PER_PAGE = 12
PAGE_BUDGET = 900.0
"""Estimated chart height (points) above which a procedure is split into pages: the
printable height of A4 and Letter is 10 in (720 pt), so one page never prints smaller
than 80 %."""
META_PREFIX = "// runbooks-flowchart: "
"""First line of every DOT we write: title and description as one JSON object."""

StepLink = Callable[[Document, Procedure, Step], str]
EntryLink = Callable[[Document, ErrorEntry], str]

# Estimated heights (points) used only to decide where a long procedure breaks pages.
_LINE_HEIGHT = 11.0
_RANKSEP = 0.25
_RANK_GAP = _RANKSEP * 72


def step_anchor(proc: Procedure, step: Step) -> str:
    """The anchor a step's node links to on the HTML page: ``<procedure id>-step-<n>``."""
    return step_anchor_of(proc.id, step.number)


def step_anchor_of(proc_id: str, number: int) -> str:
    return f"{proc_id}-step-{number}"


def html_href(doc: Document, anchor: str) -> str:
    """From ``svg/<doc id>/<name>.svg`` to ``html/<doc id>.html#<anchor>``, percent-encoded."""
    up = "../" * (2 + doc.id.count("/"))
    return f"{up}html/{quote(doc.id, safe='/')}.html#{quote(anchor, safe='')}"


def default_step_link(doc: Document, proc: Procedure, step: Step) -> str:
    return html_href(doc, step_anchor(proc, step))


def default_entry_link(doc: Document, entry: ErrorEntry) -> str:
    return html_href(doc, entry.id)


def flowchart_strings(lang: str, extra_dir: Path | None = None) -> dict[str, str]:
    """``[common]`` + ``[flowchart]`` UI words for ``lang`` (English for missing keys)."""
    return ui_strings(lang, "flowchart", extra_dir)


def question(words: Mapping[str, str], text: str) -> str:
    """A condition as a decision: "見つかった場合は" -> "見つかった場合は？"."""
    text = clean(text).rstrip("。\uff0e.、,:：;；?？ ")
    return fmt(words.get("question", "{text}?"), text=text)


# -- a tiny DOT writer -----------------------------------------------------------------


def _attrs(attrs: Mapping[str, str | int | float | bool | None]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, Quoted):
            parts.append(f"{key}={value}")  # already a quoted label from dot_label
        else:
            parts.append(f"{key}={dot_string(str(value))}")
    return " [" + " ".join(parts) + "]" if parts else ""


@dataclass(slots=True)
class _Dot:
    name: str
    meta: dict[str, str]
    lines: list[str] = field(default_factory=list)

    def node(self, key: str, **attrs: str | int | float | bool | None) -> None:
        self.lines.append(f"  {key}{_attrs(attrs)};")

    def edge(self, a: str, b: str, **attrs: str | int | float | bool | None) -> None:
        self.lines.append(f"  {a} -> {b}{_attrs(attrs)};")

    def text(self) -> str:
        meta = json.dumps(self.meta, ensure_ascii=True, sort_keys=True)
        head = [
            f"{META_PREFIX}{meta}",
            f"digraph {dot_string(self.name)} {{",
            f'  graph [charset="UTF-8" fontname="{FONT}" fontsize={FONT_SIZE} '
            f"rankdir=TB nodesep=0.3 ranksep={_RANKSEP} pad=0.15 newrank=true];",
            f'  node [fontname="{FONT}" fontsize={FONT_SIZE} shape=box style=filled '
            f'fillcolor="#ffffff" margin="0.12,0.06" penwidth=1];',
            f'  edge [fontname="{FONT}" fontsize={FONT_SIZE - 1} arrowsize=0.7];',
        ]
        return "\n".join([*head, *self.lines, "}"]) + "\n"


def _tooltip(text: str) -> Quoted:
    return tooltip_string(truncate(clean(text), TOOLTIP_COLUMNS))


# -- procedures ------------------------------------------------------------------------


@dataclass(slots=True)
class _Flow:
    """Where each step leads, computed once for the whole procedure."""

    number: int
    decisions: list[Jump]
    """Conditional jumps to existing steps, in order: a chain of diamonds."""
    repeats: list[Jump]
    """Unconditional repeats: a loop edge from the step, the way on stays."""
    way_on: int | None
    """The step after this one (or an unconditional jump's target); None at the end."""
    way_on_loops: bool
    ends: bool
    """The last step with nowhere else to go: the flow ends (or falls back) here."""


def _nexts(doc: Document, proc: Procedure, graph: RunbookGraph) -> dict[int, int]:
    """{step: next step} from the graph; for a procedure the graph does not hold (a
    caller's own), the graph's rule: the next step, unless an unconditional jump."""
    if procedure_key(doc.id, proc.id) in graph.g:
        return {a: b for a, b, kind, _ in graph.step_edges(doc.id, proc) if kind == "next"}
    out = {}
    for step, after in zip(proc.steps, proc.steps[1:], strict=False):
        if not any(j.condition is None and j.kind in WAY_ON_KINDS for j in step.jumps):
            out[step.number] = after.number
    return out


def _flows(doc: Document, proc: Procedure, graph: RunbookGraph) -> dict[int, _Flow]:
    nexts = _nexts(doc, proc, graph)
    flows: dict[int, _Flow] = {}
    for index, step in enumerate(proc.steps):
        present = proc.ways_on(step)
        decisions = [j for j in present if j.condition is not None]
        repeats = [j for j in present if j.condition is None and j.kind == "repeat"]
        gotos = [j for j in present if j.condition is None and j.kind != "repeat"]
        way_on: int | None = nexts.get(step.number)
        loops = False
        if way_on is None and gotos:
            way_on = gotos[0].to
            loops = gotos[0].kind == "back" or gotos[0].to <= step.number
        dead_end = any(j.condition is None and j.kind != "repeat" for j in step.jumps)
        ends = way_on is None and index == len(proc.steps) - 1 and not dead_end
        flows[step.number] = _Flow(step.number, decisions, repeats, way_on, loops, ends)
    return flows


def _box_height(lines: int) -> float:
    return max(36.0, lines * _LINE_HEIGHT + 8) + _RANK_GAP


def _diamond_height(lines: int) -> float:
    return max(36.0, 2 * lines * _LINE_HEIGHT + 14) + _RANK_GAP


def _pages(proc: Procedure, flows: Mapping[int, _Flow]) -> list[list[Step]]:
    """Steps split into pages of about the same estimated height.

    One page when the whole chart fits ``PAGE_BUDGET`` and has at most
    ``MAX_STEPS_PER_PAGE`` steps; otherwise as few pages as keep both limits.
    """
    heights = []
    for step in proc.steps:
        height = _box_height(len(_step_lines(step)))
        for jump in flows[step.number].decisions:
            height += _diamond_height(len(_question_lines({}, jump)))
        heights.append(height)
    connector = _box_height(1)
    ending = connector
    if proc.fallback:
        ending += _diamond_height(1) + _box_height(len(_fallback_lines(proc.fallback)))
    if sum(heights) + connector + ending <= PAGE_BUDGET and len(heights) <= MAX_STEPS_PER_PAGE:
        return [list(proc.steps)]
    # Every page has room for a connector (or start) above and one (or the end) below.
    usable = PAGE_BUDGET - connector - max(connector, ending)
    steps = list(proc.steps)
    pages = len(_split(heights, usable, MAX_STEPS_PER_PAGE))
    return [steps[a:b] for a, b in _balanced(heights, pages, MAX_STEPS_PER_PAGE)]


def _balanced(heights: list[float], runs: int, most: int) -> list[tuple[int, int]]:
    """At most ``runs`` runs of at most ``most`` items each, as even in height as
    greedy filling allows: the smallest height cap that still needs no more runs."""
    low, high = max(heights), max(sum(heights), max(heights))
    if len(_split(heights, high, most)) > runs:
        return _split(heights, high, most)
    for _ in range(30):
        middle = (low + high) / 2
        if len(_split(heights, middle, most)) <= runs:
            high = middle
        else:
            low = middle
    return _split(heights, high, most)


def _split(heights: list[float], cap: float, most: int) -> list[tuple[int, int]]:
    """Greedy runs of at most ``cap`` height and ``most`` items: [(start, end)]."""
    runs = []
    start, used = 0, 0.0
    for i, height in enumerate(heights):
        if i > start and (used + height > cap or i - start >= most):
            runs.append((start, i))
            start, used = i, 0.0
        used += height
    runs.append((start, len(heights)))
    return runs


def _question_lines(words: Mapping[str, str], jump: Jump) -> list[str]:
    """The condition as a question, cut before the question mark so that it stays."""
    room = QUESTION_WIDTH * QUESTION_LINES - QUESTION_WIDTH // 2
    text = question(words, truncate(clean(jump.condition or ""), room))
    return wrap_capped(text, QUESTION_WIDTH, QUESTION_LINES)


def _fallback_lines(text: str) -> list[str]:
    return wrap_capped(text, STEP_WIDTH, FALLBACK_LINES)


def _step_lines(step: Step) -> list[str]:
    return wrap_capped(f"{step.number}. {step.text}", STEP_WIDTH, STEP_LINES)


def procedure_dot(
    doc: Document,
    proc: Procedure,
    graph: RunbookGraph,
    *,
    link: StepLink | None = None,
    strings: Mapping[str, str] | None = None,
) -> list[str]:
    """DOT for one procedure: one graph per printed page (most procedures: one).

    A conditional jump becomes a diamond (the condition as the question) with a
    "yes" edge to its target and a "no" edge onwards; back jumps and repeats are
    dashed loop edges; the fallback is a double octagon after the last step. Steps
    on another page are reached through numbered off-page connectors. ``link`` gives
    each step node's URL (default: the step on the document's HTML page).
    """
    if not proc.steps:
        return []
    words = strings if strings is not None else flowchart_strings(doc.lang)
    link = link or default_step_link
    flows = _flows(doc, proc, graph)
    pages = _pages(proc, flows)
    page_of = {s.number: i for i, page in enumerate(pages, 1) for s in page}
    decisions = sum(len(f.decisions) for f in flows.values())
    loops = sum(sum(1 for _, loop in _targets(f) if loop) for f in flows.values())
    summary = fmt(
        words.get("desc_procedure", ""),
        steps=len(proc.steps),
        decisions=decisions,
        loops=loops,
    )
    title = clean(proc.title) or clean(proc.id) or words.get("procedure", "Procedure")
    incoming: dict[int, set[tuple[int, int]]] = {}
    for n, flow in flows.items():
        for to, _ in _targets(flow):
            if page_of[to] != page_of[n]:
                incoming.setdefault(page_of[to], set()).add((page_of[n], to))
    out = []
    for number, page in enumerate(pages, 1):
        desc = summary
        page_title = title
        if len(pages) > 1:
            page_title = fmt(
                words.get("page_title", "{title}"), title=title, page=number, pages=len(pages)
            )
            desc += " " + fmt(
                words.get("desc_page", ""),
                page=number,
                pages=len(pages),
                first=page[0].number,
                last=page[-1].number,
            )
        dot = _Dot(page_title, {"title": page_title, "desc": desc})
        writer = _PageWriter(dot, doc, proc, words, link, flows, page_of, number)
        writer.write(page, sorted(incoming.get(number, set())))
        out.append(dot.text())
    return out


def _is_back(jump: Jump, number: int) -> bool:
    return jump.kind in ("back", "repeat") or jump.to <= number


def _targets(flow: _Flow) -> list[tuple[int, bool]]:
    """(target step, is a loop) for every edge that leaves a step or its diamonds."""
    out = [(j.to, True) for j in flow.repeats]
    out += [(j.to, _is_back(j, flow.number)) for j in flow.decisions]
    if flow.way_on is not None:
        out.append((flow.way_on, flow.way_on_loops))
    return out


@dataclass(slots=True)
class _PageWriter:
    dot: _Dot
    doc: Document
    proc: Procedure
    words: Mapping[str, str]
    link: StepLink
    flows: Mapping[int, _Flow]
    page_of: Mapping[int, int]
    page: int
    outgoing: dict[int, str] = field(default_factory=dict)

    def write(self, steps: list[Step], incoming: list[tuple[int, int]]) -> None:
        dot, words = self.dot, self.words
        if self.page == 1:
            dot.node("start", label=words.get("start", "Start"), shape="oval", fillcolor="#e8e8e8")
            dot.edge("start", f"s{self.proc.steps[0].number}", **{"class": "next"})
        for from_page, to in incoming:
            key = f"in{from_page}_{to}"
            dot.node(
                key,
                label=fmt(words.get("from_page", "{page}"), page=from_page),
                shape="invhouse",
                fillcolor="#e0ecff",
                **{"class": "connector"},
            )
            loop = from_page > self.page
            dot.edge(
                key,
                f"s{to}",
                style="dashed" if loop else None,
                **{"class": "loop" if loop else "next"},
            )
        for step in steps:
            self._step_node(step)
        for step in steps:
            self._step_edges(step)

    def _step_node(self, step: Step) -> None:
        full = f"{step.number}. {clean(step.text)}"
        href = safe_url(self.link(self.doc, self.proc, step))
        self.dot.node(
            f"s{step.number}",
            label=dot_label(_step_lines(step), "l"),
            group="steps",
            id=f"fc-{step_anchor(self.proc, step)}",
            URL=href or None,
            target="_top" if href else None,
            tooltip=_tooltip(full),
            **{"class": "step"},
        )

    def _target(self, to: int) -> str:
        """The node an edge to step ``to`` ends at: the step, or an off-page connector."""
        target_page = self.page_of[to]
        if target_page == self.page:
            return f"s{to}"
        if to not in self.outgoing:
            key = f"out{to}"
            self.outgoing[to] = key
            self.dot.node(
                key,
                label=fmt(self.words.get("to_page", "{page}: {step}"), page=target_page, step=to),
                shape="invhouse",
                fillcolor="#e0ecff",
                **{"class": "connector"},
            )
        return self.outgoing[to]

    def _step_edges(self, step: Step) -> None:
        dot, words, flow = self.dot, self.words, self.flows[step.number]
        here = f"s{step.number}"
        for jump in flow.repeats:
            self._edge(here, jump.to, loop=True, label=_repeat_label(words, jump), cls="repeat")
        current = here
        for i, jump in enumerate(flow.decisions, 1):
            diamond = f"d{step.number}_{i}"
            dot.node(
                diamond,
                label=dot_label(_question_lines(words, jump)),
                shape="diamond",
                fillcolor="#fff4cc",
                margin="0.02,0.02",
                tooltip=_tooltip(jump.condition or jump.phrase),
                **{"class": "decision"},
            )
            no = words.get("no", "No") if current != here else None
            dot.edge(current, diamond, **_tail(no), **{"class": "no" if no else "next"})
            label = words.get("yes", "Yes")
            if jump.kind == "repeat":
                label += " — " + _repeat_label(words, jump)
            elif jump.kind == "skip":
                # The move lands after the skipped steps; the document's words say which.
                label += " — " + truncate(clean(jump.phrase), QUESTION_WIDTH)
            self._edge(diamond, jump.to, loop=_is_back(jump, step.number), label=label, cls="yes")
            current = diamond
        no = words.get("no", "No") if current != here else None
        if flow.way_on is not None:
            self._edge(
                current, flow.way_on, loop=flow.way_on_loops, label=no, cls="no" if no else "next"
            )
        elif flow.ends:
            self._ending(current, no)

    def _edge(self, source: str, to: int, *, loop: bool, label: str | None, cls: str) -> None:
        target = self._target(to)
        self.dot.edge(
            source,
            target,
            **(_tail(label) if cls in ("yes", "no") else {"xlabel": label}),
            style="dashed" if loop else ("bold" if cls == "yes" else None),
            **{"class": f"{cls} loop" if loop else cls},
        )

    def _ending(self, source: str, label: str | None) -> None:
        dot, words, proc = self.dot, self.words, self.proc
        cls = "no" if label else "next"
        end = {"label": words.get("end", "End"), "shape": "oval", "fillcolor": "#e8e8e8"}
        if not proc.fallback:
            dot.node("end", **end, **{"class": "terminal"})
            dot.edge(source, "end", **_tail(label), **{"class": cls})
            return
        ask = "d_fallback"
        dot.node(
            ask,
            label=dot_label(
                wrap_capped(words.get("still_fails", "?"), QUESTION_WIDTH, QUESTION_LINES)
            ),
            shape="diamond",
            fillcolor="#fff4cc",
            margin="0.02,0.02",
            **{"class": "decision fallback-question"},
        )
        dot.edge(source, ask, **_tail(label), **{"class": cls})
        dot.node(
            "fallback",
            label=dot_label(_fallback_lines(proc.fallback)),
            shape="box",
            style="filled,rounded",
            peripheries=2,
            fillcolor="#fde2e2",
            tooltip=_tooltip(proc.fallback),
            **{"class": "terminal fallback"},
        )
        dot.node("end", **end, **{"class": "terminal"})
        dot.edge(
            ask, "fallback", **_tail(words.get("yes", "Yes")), style="bold", **{"class": "yes"}
        )
        dot.edge(ask, "end", **_tail(words.get("no", "No")), **{"class": "no"})


def _tail(label: str | None) -> dict[str, str | float | None]:
    """A yes/no label at the start of the edge, next to the diamond, as on paper."""
    if not label:
        return {}
    return {"taillabel": label, "labeldistance": 1.8, "labelangle": 40}


def _repeat_label(words: Mapping[str, str], jump: Jump) -> str:
    if jump.last and jump.last != jump.to:
        return fmt(words.get("repeat_range", ""), first=jump.to, last=jump.last)
    return fmt(words.get("repeat_one", ""), first=jump.to)


# -- error entries ---------------------------------------------------------------------

CAUSE_WIDTH = 22
MAX_BRANCH_ITEMS = 6
MAX_COLUMNS = 3
"""A long chain of actions is laid out in at most this many columns."""
"""Sub-items shown per action (or per cause's fix); the rest are one "+N" node."""


def entry_dot(
    doc: Document,
    entry: ErrorEntry,
    *,
    link: EntryLink | None = None,
    strings: Mapping[str, str] | None = None,
) -> str:
    """DOT for one error entry: symptom -> (which cause?) -> causes -> actions.

    The symptom (message and codes) links to the entry on the HTML page. Several
    causes hang off one decision; each leads to the recommended actions, a chain of
    boxes with each action's sub-items on a dotted side chain. Long texts are cut
    after ``ENTRY_COLUMNS`` display columns, so a big catalogue stays printable.
    """
    words = strings if strings is not None else flowchart_strings(doc.lang)
    link = link or default_entry_link
    message = (
        clean(entry.message.split("\n", 1)[0]) or clean(entry.id) or words.get("error", "Error")
    )
    title = truncate(message, 120)
    desc = fmt(
        words.get("desc_entry", ""),
        causes=len(entry.causes),
        actions=len(entry.actions),
    )
    dot = _Dot(title, {"title": title, "desc": desc})
    href = safe_url(link(doc, entry))
    lines = wrap_capped(truncate(message, ENTRY_COLUMNS), STEP_WIDTH, 99)
    if entry.codes:
        codes = ", ".join(clean(c) for c in entry.codes)
        lines += wrap_capped(f"{words.get('codes', 'Codes')}: {codes}", STEP_WIDTH, 3)
    dot.node(
        "symptom",
        label=dot_label(lines),
        style="filled,bold",
        penwidth=2,
        fillcolor="#fde2e2",
        id=f"fc-{entry.id}",
        URL=href or None,
        target="_top" if href else None,
        tooltip=_tooltip(entry.message),
        **{"class": "symptom"},
    )
    head = "symptom"
    if len(entry.causes) > 1:
        dot.node(
            "which",
            label=dot_label([question(words, words.get("cause", "Cause"))]),
            shape="diamond",
            fillcolor="#fff4cc",
            margin="0.02,0.02",
            **{"class": "decision"},
        )
        dot.edge("symptom", "which", **{"class": "next"})
        head = "which"
    matched = _match_actions(entry)
    tails = []
    for i, cause in enumerate(entry.causes, 1):
        key = f"c{i}"
        dot.node(
            key,
            label=dot_label(
                wrap_capped(truncate(clean(cause.text), ENTRY_COLUMNS), CAUSE_WIDTH, 99)
            ),
            shape="box",
            style="filled,rounded",
            fillcolor="#fff4cc",
            id=f"fc-{entry.id}-cause-{i}",
            tooltip=_tooltip(cause.text),
            **{"class": "cause"},
        )
        dot.edge(head, key, **{"class": "branch"})
        if i in matched:
            number = matched[i]
            children = _flatten(entry.actions[number - 1].children)
            _chain(dot, entry, key, f"a{number}", children, href, side=False)
        else:
            tails.append(key)
    common = [n for n in range(1, len(entry.actions) + 1) if n not in matched.values()]
    if common:
        _actions(dot, entry, tails or [head], common, href)
    return dot.text()


def _norm(text: str) -> str:
    return clean(text).casefold().rstrip("。\uff0e.:：")


def _match_actions(entry: ErrorEntry) -> dict[int, int]:
    """{cause number: action number} where an action repeats a cause's text as its
    heading (its sub-items are then that cause's fix)."""
    by_text: dict[str, int] = {}
    for n, action in enumerate(entry.actions, 1):
        if action.children:
            by_text.setdefault(_norm(action.text), n)
    out: dict[int, int] = {}
    for n, cause in enumerate(entry.causes, 1):
        found = by_text.get(_norm(cause.text))
        if found is not None and found not in out.values():
            out[n] = found
    return out


def _actions(dot: _Dot, entry: ErrorEntry, heads: list[str], numbers: list[int], href: str) -> None:
    """The recommended actions, one after another; a chain too long for a page goes on
    in a second (or third) column beside the first, joined by a "continued" edge."""
    first = f"a{numbers[0]}"
    for head in heads:
        dot.edge(head, first, **{"class": "next"})
    heights = [_box_height(len(_action_lines(entry.actions[n - 1], STEP_WIDTH))) for n in numbers]
    header = _box_height(6) + _diamond_height(1) + _box_height(6)
    columns = max(1, min(MAX_COLUMNS, math.ceil(sum(heights) / (PAGE_BUDGET - header))))
    starts = {numbers[a] for a, _ in _balanced(heights, columns, len(heights))[1:]}
    previous = None
    for number in numbers:
        action = entry.actions[number - 1]
        key = f"a{number}"
        _action_node(dot, entry, key, action, child=False)
        if previous and number in starts:
            dot.lines.append(f"  {{rank=same; {first}; {key}}}")
            dot.edge(previous, key, constraint=False, style="bold", **{"class": "next continued"})
        elif previous:
            dot.edge(previous, key, weight=10, **{"class": "next"})
        previous = key
        _chain(dot, entry, key, key, _flatten(action.children), href, side=True)


def _action_lines(item: Item, width: int) -> list[str]:
    return wrap_capped(truncate(clean(item.text), ENTRY_COLUMNS), width, 99)


def _chain(
    dot: _Dot,
    entry: ErrorEntry,
    parent: str,
    prefix: str,
    items: list[Item],
    href: str,
    *,
    side: bool,
) -> None:
    """Items one after another below ``parent`` (``side``: beside it, dotted, as the
    sub-items of an action); after ``MAX_BRANCH_ITEMS`` a "+N" node links to the entry."""
    shown = items if len(items) <= MAX_BRANCH_ITEMS else items[: MAX_BRANCH_ITEMS - 1]
    edge: dict[str, str | int | float | bool | None] = (
        {"style": "dotted", "arrowhead": "none", "class": "sub"} if side else {"class": "next"}
    )
    for j, item in enumerate(shown, 1):
        key = f"{prefix}_{j}"
        _action_node(dot, entry, key, item, child=side, width=STEP_WIDTH if side else 28)
        dot.edge(parent, key, **edge)
        if j == 1 and side:  # sub-items hang beside the main chain, not below it
            dot.lines.append(f"  {{rank=same; {parent}; {key}}}")
        parent = key
    if len(shown) < len(items):
        key = f"{prefix}_more"
        dot.node(
            key,
            label=f"+{len(items) - len(shown)} {ELLIPSIS}",
            shape="note",
            URL=href or None,
            target="_top" if href else None,
            id=f"fc-{entry.id}-action-{prefix[1:]}-more",
            tooltip=_tooltip(" / ".join(clean(i.text) for i in items[len(shown) :])),
            **{"class": "more"},
        )
        dot.edge(parent, key, **edge)


def _flatten(items: list[Item]) -> list[Item]:
    out = []
    for item in items:
        out.append(item)
        out.extend(_flatten(item.children))
    return out


def _action_node(
    dot: _Dot, entry: ErrorEntry, key: str, item: Item, *, child: bool, width: int = STEP_WIDTH
) -> None:
    dot.node(
        key,
        label=dot_label(_action_lines(item, width), "l"),
        id=f"fc-{entry.id}-action-{key[1:].replace('_', '-')}",
        tooltip=_tooltip(item.text),
        fillcolor="#f4f4f4" if child else None,
        fontsize=FONT_SIZE - 1 if child else None,
        **{"class": "action sub" if child else "action"},
    )
