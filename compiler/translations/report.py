"""The drift of every pair of a graph, what the site needs of it, the report as text and
JSON, and a handbook's choice of versions (see :mod:`compiler.translations`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compiler.model import Document
from compiler.translations.drift import Differs, Item, PairDrift, Side, changes_text, drift, shape

if TYPE_CHECKING:
    from compiler.graph import RunbookGraph


# -- the report over the graph ---------------------------------------------------------------


def report(graph: RunbookGraph) -> list[PairDrift]:
    """The drift of every translation from its original, by original then language; made
    once per graph (every generator asks for it)."""

    def make() -> list[PairDrift]:
        from compiler.generators.json_export import document

        out = []
        for group in graph.version_groups():
            original = shape(document(group[0]))
            out += [drift(original, shape(document(doc))) for doc in group[1:]]
        return out

    return graph.cached("translation-drift", make)


@dataclass(slots=True)
class VersionIndex:
    """What the pages need: each document's drifts, and each card's card in the others."""

    drifts: list[PairDrift]
    by_doc: dict[str, list[PairDrift]] = field(default_factory=dict)
    cards: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    """(document id, entry id) -> {other version's id: its matching entry's id}."""

    def drift_of(self, doc_id: str) -> list[PairDrift]:
        return self.by_doc.get(doc_id, [])

    def card(self, doc_id: str, entry_id: str, other: str) -> str | None:
        return self.cards.get((doc_id, entry_id), {}).get(other)

    def behind(self, doc_id: str) -> list[PairDrift]:
        """The drifts that make this document, or one of its translations, behind."""
        return [d for d in self.drift_of(doc_id) if d.behind]


def version_index(graph: RunbookGraph) -> VersionIndex:
    drifts = report(graph)
    index = VersionIndex(drifts)
    for d in drifts:
        index.by_doc.setdefault(d.original.id, []).append(d)
        index.by_doc.setdefault(d.translation.id, []).append(d)
    # Cards of two translations meet through the original's card.
    through: dict[str, dict[str, str]] = {}  # original entry id -> {doc id: entry id}
    for d in drifts:
        for eo, et in d.entry_matches:
            index.cards.setdefault((d.original.id, eo), {})[d.translation.id] = et
            index.cards.setdefault((d.translation.id, et), {})[d.original.id] = eo
            through.setdefault(f"{d.original.id}#{eo}", {})[d.translation.id] = et
    for found in through.values():
        for doc_a, entry_a in found.items():
            for doc_b, entry_b in found.items():
                if doc_a != doc_b:
                    index.cards.setdefault((doc_a, entry_a), {})[doc_b] = entry_b
    return index


def report_json(drifts: Sequence[PairDrift]) -> dict[str, Any]:
    """The report as ``runbooks drift --json`` prints it."""

    def one(s: Side) -> dict[str, Any]:
        return {
            "id": s.id,
            "source": s.source,
            "title": s.title,
            "locale": s.locale,
            "date": s.date,
        }

    def items(values: Sequence[Item]) -> list[dict[str, Any]]:
        return [
            {
                "id": i.id,
                "label": i.label,
                "line": i.line,
                **({"size": i.detail} if i.detail else {}),
            }
            for i in values
        ]

    def differs(values: Sequence[Differs]) -> list[dict[str, Any]]:
        return [
            {
                "original": d.original,
                "translation": d.translation,
                "label": d.label,
                "changes": {what: {"original": x, "translation": y} for what, x, y in d.changes},
            }
            for d in values
        ]

    return {
        "pairs": [
            {
                "original": one(d.original),
                "translation": one(d.translation),
                "days_apart": d.days,
                "behind": d.behind,
                "in_sync": d.in_sync,
                "codes": {
                    "only_original": d.codes_only_original,
                    "only_translation": d.codes_only_translation,
                },
                "entries": {
                    "only_original": items(d.entries_only_original),
                    "only_translation": items(d.entries_only_translation),
                    "differ": differs(d.entries_differ),
                },
                "procedures": {
                    "only_original": items(d.procedures_only_original),
                    "only_translation": items(d.procedures_only_translation),
                    "differ": differs(d.procedures_differ),
                },
                "sections": {
                    "only_original": items(d.sections_only_original),
                    "only_translation": items(d.sections_only_translation),
                },
            }
            for d in drifts
        ]
    }


def dates_text(d: PairDrift) -> str:
    """``en 2019-07-15, ja 2019-02-18: ja is 147 days older``."""
    o, t = d.original, d.translation
    text = f"{o.lang} {o.date or 'undated'}, {t.lang} {t.date or 'undated'}"
    days = d.days
    if days is None:
        return text
    if days == 0:
        return f"{text}: the same day"
    return f"{text}: {t.lang} is {abs(days)} days {'older' if days < 0 else 'newer'}"


def render_text(drifts: Sequence[PairDrift]) -> str:
    """The report as ``runbooks drift`` prints it: a block per pair."""
    if not drifts:
        return "No runbook has versions in several languages.\n"
    lines: list[str] = []
    for d in drifts:
        o, t = d.original, d.translation
        state = "behind" if d.behind else ("in step" if d.in_sync else "differs")
        lines.append(f"{t.source} ({t.lang}) is a translation of {o.source} ({o.lang}): {state}")
        lines.append(f"  dates: {dates_text(d)}")
        for label, values in (
            (f"codes only in {o.lang}", d.codes_only_original),
            (f"codes only in {t.lang}", d.codes_only_translation),
        ):
            if values:
                lines.append(f"  {label}: {', '.join(values)}")
        for label, found in (
            (f"entries only in {o.lang}", d.entries_only_original),
            (f"entries only in {t.lang}", d.entries_only_translation),
            (f"procedures only in {o.lang}", d.procedures_only_original),
            (f"procedures only in {t.lang}", d.procedures_only_translation),
            (f"sections only in {o.lang}", d.sections_only_original),
            (f"sections only in {t.lang}", d.sections_only_translation),
        ):
            if found:
                lines.append(f"  {label}:")
                lines += [
                    f"    line {i.line}: {i.label}" + (f" ({i.detail})" if i.detail else "")
                    for i in found
                ]
        for label, differing in (
            ("entries that differ", d.entries_differ),
            ("procedures that differ", d.procedures_differ),
        ):
            if differing:
                lines.append(f"  {label}:")
                lines += [f"    {x.label}: {changes_text(x, o.lang, t.lang)}" for x in differing]
        if d.in_sync:
            lines.append("  no entry, procedure, section or code differs")
        lines.append("")
    return "\n".join(lines)


# -- a handbook per language ---------------------------------------------------------------


def handbook_selection(graph: RunbookGraph, lang: str) -> list[tuple[Document, bool]]:
    """One version of each runbook for a handbook in ``lang``: the one in ``lang`` where
    there is one, else the original (``True``: printed in another language), by id."""
    lang = lang.split("-")[0].lower()
    chosen: dict[str, Document] = {}
    for doc in graph.documents():
        group = [doc, *graph.versions(doc.id)]
        key = graph.original_of(doc.id) or doc.id
        if key in chosen:
            continue
        in_lang = [d for d in group if d.lang == lang]
        original = graph.document(key) or doc
        chosen[key] = in_lang[0] if in_lang else original
    return [(d, d.lang != lang) for d in sorted(chosen.values(), key=lambda d: d.id)]
