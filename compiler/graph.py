"""All documents in one networkx MultiDiGraph; the one thing generators read.

Node keys are strings with a kind prefix (``doc:``, ``err:``, ``code:``, ``step:`` …);
each node has ``kind``, ``obj`` (the model object), ``path`` and ``line``. Edge keys
are the edge types: contains, next, jump (with ``condition``), has_cause,
resolved_by, has_code, links_to, translation (both ways between the language versions
of one runbook, with ``by`` and ``original``). An ErrorCode node is shared by every entry
that names the code, compared case-insensitively: that is the error index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from compiler.model import WAY_ON_KINDS, Document, ErrorEntry, Jump, Procedure, Step

if TYPE_CHECKING:
    from compiler.translations import VersionGroup

AddNode = Callable[[str, str, object, int], str]


@dataclass(slots=True, frozen=True)
class ErrorCode:
    code: str
    """As first written (in document order); lookups ignore case."""
    variants: tuple[str, ...]


def code_key(code: str) -> str:
    return f"code:{code.casefold()}"


def doc_key(doc_id: str) -> str:
    return f"doc:{doc_id}"


def error_key(doc_id: str, entry_id: str) -> str:
    return f"err:{doc_id}#{entry_id}"


def procedure_key(doc_id: str, proc_id: str) -> str:
    return f"proc:{doc_id}#{proc_id}"


def step_key(doc_id: str, proc_id: str, number: int) -> str:
    return f"step:{doc_id}#{proc_id}/{number}"


class RunbookGraph:
    """The graph plus the queries every generator and check needs.

    The graph is complete when made (:func:`build_graph`) and only read afterwards, so the
    queries that walk every node keep their answer: a build asks for the documents and
    the codes dozens of times, and a walk of 30,000 nodes was 5 ms each time."""

    __slots__ = ("_memo", "g")

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.g = graph
        self._memo: dict[str, list[Any]] = {}

    # -- documents ---------------------------------------------------------
    def documents(self) -> list[Document]:
        """Every document, sorted by id (deterministic output everywhere)."""
        if "documents" not in self._memo:
            docs = [d["obj"] for _, d in self.g.nodes(data=True) if d["kind"] == "document"]
            self._memo["documents"] = sorted(docs, key=lambda d: d.id)
        return list(self._memo["documents"])

    def document(self, doc_id: str) -> Document | None:
        data = self.g.nodes.get(doc_key(doc_id))
        return data["obj"] if data else None

    def cached(self, key: str, make: Callable[[], list[Any]]) -> list[Any]:
        """``make()``, made once per graph (the graph does not change once made)."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    # -- language versions -------------------------------------------------
    def version_groups(self) -> list[list[Document]]:
        """Every runbook with versions in several languages: its documents, the original
        first, then by language (groups sorted by their original's id)."""
        if "version_groups" not in self._memo:
            groups: list[list[Document]] = []
            for doc in self.documents():
                versions = self.versions(doc.id)
                if versions and self.original_of(doc.id) == doc.id:
                    groups.append([doc, *versions])
            self._memo["version_groups"] = groups
        return [list(g) for g in self._memo["version_groups"]]

    def versions(self, doc_id: str) -> list[Document]:
        """The other language versions of a document (by language, then id)."""
        found = self._versions().get(doc_id)
        if found is None:
            return []
        return [self.g.nodes[doc_key(other)]["obj"] for other in found[1]]

    def original_of(self, doc_id: str) -> str | None:
        """The id of the original among a document's versions (None: it has no versions)."""
        found = self._versions().get(doc_id)
        return found[0] if found else None

    def _versions(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Document id -> (its runbook's original, its other versions by language then id):
        read from the ``translation`` edges once (a walk of a document's edges was a walk of
        all its entries and steps, for each code page that lists it)."""
        table: dict[str, tuple[str, tuple[str, ...]]] | None = self.g.graph.get("versions")
        if table is None:
            table = {}
            pairs: dict[str, list[tuple[str, str]]] = {}
            for u, v, k, data in self.g.edges(keys=True, data=True):
                if k == "translation":
                    pairs.setdefault(u, []).append((v, str(data["original"])))
            for u, found in pairs.items():
                others = sorted(
                    (self.g.nodes[v]["obj"] for v, _ in found), key=lambda d: (d.lang, d.id)
                )
                table[self.g.nodes[u]["obj"].id] = (found[0][1], tuple(d.id for d in others))
            self.g.graph["versions"] = table
        return table

    def paired_by(self, doc_id: str, other: str) -> str:
        """How two versions were paired: ``config``, ``folder`` or ``identity``."""
        data = self.g.get_edge_data(doc_key(doc_id), doc_key(other), key="translation")
        return str(data["by"]) if data else ""

    def linked_documents(self, doc_id: str) -> list[str]:
        """Ids of the documents this one links to."""
        return sorted(
            self.g.nodes[v]["obj"].id
            for _, v, k in self.g.out_edges(doc_key(doc_id), keys=True)
            if k == "links_to"
        )

    # -- error index -------------------------------------------------------
    def codes(self) -> list[ErrorCode]:
        if "codes" not in self._memo:
            found = [d["obj"] for _, d in self.g.nodes(data=True) if d["kind"] == "code"]
            self._memo["codes"] = sorted(found, key=lambda c: (c.code.casefold(), c.code))
        return list(self._memo["codes"])

    def entries_for_code(self, code: str) -> list[tuple[Document, ErrorEntry]]:
        """Every entry, in every document, that names ``code`` (case-insensitive)."""
        key = code_key(code.strip())
        if key not in self._memo:
            out = []
            if key in self.g:
                for err, _, kind in self.g.in_edges(key, keys=True):
                    if kind == "has_code":
                        data = self.g.nodes[err]
                        out.append((self.g.nodes[doc_key(data["doc"])]["obj"], data["obj"]))
            self._memo[key] = sorted(out, key=lambda de: (de[0].id, de[1].line))
        return list(self._memo[key])

    def code_index(self) -> dict[str, list[str]]:
        """``{code: ["<document id>#<error id>", ...]}`` as in the JSON export."""
        return {
            c.code: [f"{d.id}#{e.id}" for d, e in self.entries_for_code(c.code)]
            for c in self.codes()
        }

    # -- procedures --------------------------------------------------------
    def step_edges(
        self, doc_id: str, proc: Procedure
    ) -> list[tuple[int, int, str, dict[str, object]]]:
        """(from, to, kind, data) for the next/jump edges between a procedure's steps."""
        out = []
        for step in proc.steps:
            for _, v, kind, data in self.g.out_edges(
                step_key(doc_id, proc.id, step.number), keys=True, data=True
            ):
                if kind in ("next", "jump"):
                    out.append((step.number, self.g.nodes[v]["obj"].number, str(kind), dict(data)))
        return sorted(out, key=lambda e: (e[0], e[1], e[2]))

    def dump(self) -> str:
        """A stable text dump of nodes and edges, for golden tests."""
        lines = []
        for node in sorted(self.g.nodes):
            data = self.g.nodes[node]
            lines.append(f"{node} [{data['kind']}] line={data.get('line', '')}")
        for u, v, k, data in sorted(
            self.g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])
        ):
            extra = " ".join(f"{a}={data[a]!r}" for a in sorted(data))
            lines.append(f"{u} -{k}-> {v} {extra}".rstrip())
        return "\n".join(lines) + "\n"


def build_graph(
    documents: Iterable[Document], versions: Iterable[VersionGroup] = ()
) -> RunbookGraph:
    """The graph of ``documents``; ``versions``: the groups of language versions among them
    (:func:`compiler.translations.pair_documents`)."""
    g = nx.MultiDiGraph()
    docs = sorted(documents, key=lambda d: d.id)
    for doc in docs:
        _add_document(g, doc)
    table: dict[str, tuple[str, tuple[str, ...]]] = {}
    for group in versions:
        members = [d for d in group.documents if doc_key(d) in g]
        for a in members:
            for b in members:
                if a != b:
                    # How b was paired with the group, seen from a (the original's way for it).
                    by = group.paired_by(b) if b != group.original else group.paired_by(a)
                    g.add_edge(
                        doc_key(a), doc_key(b), key="translation", by=by, original=group.original
                    )
        for a in members:
            others = sorted(
                (g.nodes[doc_key(b)]["obj"] for b in members if b != a),
                key=lambda d: (d.lang, d.id),
            )
            if others:
                table[a] = (group.original, tuple(d.id for d in others))
    g.graph["versions"] = table
    for doc in docs:
        for link in doc.links:
            if link.kind == "doc" and link.target:
                target = doc_key(link.target.split("#", 1)[0])
                if target in g and not g.has_edge(doc_key(doc.id), target, key="links_to"):
                    g.add_edge(doc_key(doc.id), target, key="links_to", line=link.line)
    return RunbookGraph(g)


def procedure_graph(doc: Document) -> RunbookGraph:
    """One document with its procedures and steps only: what the document rules walk
    (jumps, reachability, loops). Entries, causes and codes are read from the document;
    building their nodes again for every parsed document cost more than the rules."""
    g = nx.MultiDiGraph()
    g.add_node(doc_key(doc.id), kind="document", obj=doc, path=doc.source, line=1)

    def node(key: str, kind: str, obj: object, line: int) -> str:
        g.add_node(key, kind=kind, obj=obj, path=doc.source, line=line, doc=doc.id)
        return key

    for proc in doc.procedures:
        _add_procedure(g, doc, proc, node)
    return RunbookGraph(g)


def _add_document(g: nx.MultiDiGraph, doc: Document) -> None:
    dk = doc_key(doc.id)
    g.add_node(dk, kind="document", obj=doc, path=doc.source, line=1)

    def node(key: str, kind: str, obj: object, line: int) -> str:
        g.add_node(key, kind=kind, obj=obj, path=doc.source, line=line, doc=doc.id)
        return key

    for section in doc.sections:
        g.add_edge(
            dk,
            node(f"sec:{doc.id}#{section.anchor}", "section", section, section.line),
            key="contains",
        )
    for entry in doc.errors:
        ek = node(error_key(doc.id, entry.id), "error", entry, entry.line)
        g.add_edge(dk, ek, key="contains")
        for i, cause in enumerate(entry.causes, 1):
            g.add_edge(
                ek,
                node(f"cause:{doc.id}#{entry.id}/{i}", "cause", cause, cause.line),
                key="has_cause",
            )
        for i, action in enumerate(entry.actions, 1):
            g.add_edge(
                ek,
                node(f"action:{doc.id}#{entry.id}/{i}", "action", action, action.line),
                key="resolved_by",
            )
        for code in entry.codes:
            _add_code(g, code)
            g.add_edge(ek, code_key(code), key="has_code")
    for proc in doc.procedures:
        _add_procedure(g, doc, proc, node)
    for checklist in doc.checklists:
        g.add_edge(
            dk,
            node(f"check:{doc.id}#{checklist.id}", "checklist", checklist, checklist.line),
            key="contains",
        )
    for i, note in enumerate(doc.notes, 1):
        g.add_edge(dk, node(f"note:{doc.id}#{i}", "note", note, note.line), key="contains")


def _add_code(g: nx.MultiDiGraph, code: str) -> None:
    key = code_key(code)
    if key not in g:
        g.add_node(key, kind="code", obj=ErrorCode(code, (code,)), line=0)
        return
    existing: ErrorCode = g.nodes[key]["obj"]
    if code not in existing.variants:
        g.nodes[key]["obj"] = ErrorCode(existing.code, (*existing.variants, code))


def _add_procedure(g: nx.MultiDiGraph, doc: Document, proc: Procedure, add: AddNode) -> None:
    pk = add(procedure_key(doc.id, proc.id), "procedure", proc, proc.line)
    g.add_edge(doc_key(doc.id), pk, key="contains")
    for step in proc.steps:
        g.add_edge(
            pk, add(step_key(doc.id, proc.id, step.number), "step", step, step.line), key="contains"
        )
    for index, step in enumerate(proc.steps):
        sk = step_key(doc.id, proc.id, step.number)
        # One jump edge per target: two phrasings of the same jump share it, conditions joined.
        by_target: dict[int, list[Jump]] = {}
        for jump in proc.ways_on(step):
            by_target.setdefault(jump.to, []).append(jump)
        for target, jumps in by_target.items():
            conditions = list(dict.fromkeys(j.condition for j in jumps if j.condition))
            g.add_edge(
                sk,
                step_key(doc.id, proc.id, target),
                key="jump",
                condition=" / ".join(conditions),
                kind=jumps[0].kind,
            )
        if index + 1 < len(proc.steps) and not _always_jumps(step):
            g.add_edge(sk, step_key(doc.id, proc.id, proc.steps[index + 1].number), key="next")


def _always_jumps(step: Step) -> bool:
    """An unconditional "go to step N" (or "skip step N") replaces the way on; a repeat
    comes back, so it does not."""
    return any(j.condition is None and j.kind in WAY_ON_KINDS for j in step.jumps)
