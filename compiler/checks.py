"""Rules over the graph: jumps, reachability, loops, entries without guidance.

Each rule is a small function listed in :data:`RULES`; each reports diagnostics and
never raises. Parse-time rules (table cells, duplicate anchors) and link resolution
report earlier, in the same format.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx

from compiler.diagnostics import Diagnostics
from compiler.graph import RunbookGraph, procedure_graph
from compiler.model import Document, Procedure


def check_jump_targets(graph: RunbookGraph, diags: Diagnostics) -> None:
    for doc in graph.documents():
        for proc in doc.procedures:
            numbers = [s.number for s in proc.steps]
            for step in proc.steps:
                for jump in step.jumps:
                    targets = [jump.to] if jump.last is None else [jump.to, jump.last]
                    for to in targets:
                        if to not in numbers:
                            diags.error(
                                doc.source,
                                jump.line,
                                f"step {step.number} says '{jump.phrase}', "
                                f"but '{proc.title}' has steps "
                                f"{numbers[0]}-{numbers[-1]}; fix the step number",
                                "jump-target",
                            )


def check_reachability(graph: RunbookGraph, diags: Diagnostics) -> None:
    for doc in graph.documents():
        for proc in doc.procedures:
            flow = _step_flow(graph, doc, proc)
            first = proc.steps[0].number
            reached = nx.descendants(flow, first) | {first}
            for step in proc.steps:
                if step.number not in reached:
                    diags.warning(
                        doc.source,
                        step.line,
                        f"step {step.number} of '{proc.title}' is never reached: "
                        "every step before it "
                        "jumps past it",
                        "unreachable-step",
                    )


def check_loops(graph: RunbookGraph, diags: Diagnostics) -> None:
    """A set of steps that jump among themselves with no edge out and no last step."""
    for doc in graph.documents():
        for proc in doc.procedures:
            flow = _step_flow(graph, doc, proc)
            for component in nx.strongly_connected_components(flow):
                if len(component) < 2 and not any(flow.has_edge(n, n) for n in component):
                    continue
                exits = any(v not in component for n in component for v in flow.successors(n))
                ends = any(flow.out_degree(n) == 0 for n in component)
                if not exits and not ends:
                    steps = sorted(component)
                    line = next(s.line for s in proc.steps if s.number == steps[0])
                    diags.error(
                        doc.source,
                        line,
                        f"steps {', '.join(map(str, steps))} of '{proc.title}' "
                        "jump in a loop with no "
                        "way out; give one of the jumps a condition",
                        "jump-loop",
                    )


def check_entries_have_actions(graph: RunbookGraph, diags: Diagnostics) -> None:
    for doc in graph.documents():
        for entry in doc.errors:
            # A code catalogue ("Event ID | Name | Description") has no fix column to fill.
            if not entry.actions and entry.shape != "code-table":
                label = ", ".join(entry.codes) or entry.message.split("\n", 1)[0][:60]
                diags.warning(
                    doc.source,
                    entry.line,
                    f"error entry '{label}' has no recommended action",
                    "no-action",
                )


def check_code_guidance(graph: RunbookGraph, diags: Diagnostics) -> None:
    """The same code treated differently by two documents in the same language."""
    for code in graph.codes():
        entries = graph.entries_for_code(code.code)
        by_lang: dict[str, list[tuple[Document, frozenset[str]]]] = {}
        for doc, entry in entries:
            actions = frozenset(" ".join(a.text.split()) for a in entry.actions)
            by_lang.setdefault(doc.lang, []).append((doc, actions))
        for group in by_lang.values():
            first_doc, first_actions = group[0]
            for doc, actions in group[1:]:
                if doc.id != first_doc.id and actions != first_actions:
                    line = next(e.line for d, e in entries if d is doc)
                    diags.warning(
                        doc.source,
                        line,
                        f"code {code.code}: the recommended actions differ from "
                        f"{first_doc.source}; "
                        "check which guidance is current",
                        "code-guidance",
                    )


def _step_flow(graph: RunbookGraph, doc: Document, proc: Procedure) -> nx.DiGraph:
    flow = nx.DiGraph()
    flow.add_nodes_from(s.number for s in proc.steps)
    for src, dst, _kind, _data in graph.step_edges(doc.id, proc):
        flow.add_edge(src, dst)
    return flow


Rule = Callable[[RunbookGraph, Diagnostics], None]

DOCUMENT_RULES: tuple[Rule, ...] = (
    check_jump_targets,
    check_reachability,
    check_loops,
    check_entries_have_actions,
)
"""Rules that look at one document at a time: run when it is parsed, and cached with it."""
SITE_RULES: tuple[Rule, ...] = (check_code_guidance,)
"""Rules across documents: run on the whole graph of every build."""
RULES = DOCUMENT_RULES + SITE_RULES


def run_checks(graph: RunbookGraph, diags: Diagnostics) -> None:
    """Every rule over ``graph``."""
    for rule in RULES:
        rule(graph, diags)


def check_document(doc: Document, diags: Diagnostics) -> None:
    """The document rules over ``doc`` alone (what they find does not depend on the
    other documents, so it is cached with the parse)."""
    graph = procedure_graph(doc)
    for rule in DOCUMENT_RULES:
        rule(graph, diags)


def check_site(graph: RunbookGraph, diags: Diagnostics) -> None:
    for rule in SITE_RULES:
        rule(graph, diags)
