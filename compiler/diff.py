"""A diff of two graphs (as JSON exports): what changed for an on-call engineer.

Not a text diff: codes added and removed, entries whose causes or actions changed,
steps added and removed, jumps changed. Entries are matched by their codes (else by
message), procedures by id (else by title), so renamed anchors do not count as change.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compiler.translations import PairDrift

Export = Mapping[str, Any]


@dataclass(slots=True)
class DocumentDiff:
    id: str
    status: str
    """``added``, ``removed`` or ``changed``."""
    title: str = ""
    codes_added: list[str] = field(default_factory=list)
    codes_removed: list[str] = field(default_factory=list)
    entries_added: list[str] = field(default_factory=list)
    entries_removed: list[str] = field(default_factory=list)
    entries_changed: list[str] = field(default_factory=list)
    """Entries whose causes or actions changed, with what changed."""
    procedures: list[str] = field(default_factory=list)
    """One line per procedure change: steps added/removed, jumps changed."""

    @property
    def empty(self) -> bool:
        return self.status == "changed" and not any(
            (
                self.codes_added,
                self.codes_removed,
                self.entries_added,
                self.entries_removed,
                self.entries_changed,
                self.procedures,
            )
        )


@dataclass(slots=True)
class PairChange:
    """A translation and its original that drifted apart or came back together."""

    original: str
    translation: str
    status: str
    """``paired``, ``unpaired``, ``apart`` (in step before, not now), ``together`` (the
    other way round) or ``changed`` (they differ in other ways than before)."""
    langs: tuple[str, str] = ("", "")
    """The original's language and the translation's."""
    new: list[str] = field(default_factory=list)
    """Differences that are new (:meth:`compiler.translations.PairDrift.differences`)."""
    gone: list[str] = field(default_factory=list)
    """Differences that are gone."""


def translation_changes(old: Export, new: Export) -> list[PairChange]:
    """How each pair of language versions changed from ``old`` to ``new`` (exports with
    each document's ``versions``); pairs that did not change are left out."""
    from compiler.translations import drift, shape

    old_docs = {d["id"]: d for d in old.get("documents", [])}
    new_docs = {d["id"]: d for d in new.get("documents", [])}
    before, after = _pairs(old_docs), _pairs(new_docs)
    out: list[PairChange] = []
    for pair in sorted(before.keys() | after.keys()):
        original, translation = pair
        if pair not in before:
            now = drift(shape(new_docs[original]), shape(new_docs[translation]))
            langs = (now.original.lang, now.translation.lang)
            out.append(PairChange(original, translation, "paired", langs, now.differences()))
            continue
        if pair not in after:
            langs = (_lang(old_docs[original]), _lang(old_docs[translation]))
            out.append(PairChange(original, translation, "unpaired", langs))
            continue
        if all(_same(old_docs[d], new_docs[d]) for d in pair):
            continue  # neither version changed: nor did their drift
        was = drift(shape(old_docs[original]), shape(old_docs[translation]))
        now = drift(shape(new_docs[original]), shape(new_docs[translation]))
        old_lines, new_lines = _drift_lines(was), _drift_lines(now)
        added = [line for line in new_lines if line not in old_lines]
        gone = [line for line in old_lines if line not in new_lines]
        if not added and not gone:
            continue
        if was.in_sync and not now.in_sync:
            status = "apart"
        elif now.in_sync and not was.in_sync:
            status = "together"
        else:
            status = "changed"
        langs = (now.original.lang, now.translation.lang)
        out.append(PairChange(original, translation, status, langs, added, gone))
    return out


def _pairs(docs: Mapping[str, Mapping[str, Any]]) -> dict[tuple[str, str], None]:
    """(original id, translation id) of every pair the documents' ``versions`` name."""
    out: dict[tuple[str, str], None] = {}
    for doc_id, doc in docs.items():
        for version in doc.get("versions", []):
            if version.get("original") and version.get("id") in docs:
                out[(version["id"], doc_id)] = None
    return out


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return {k: v for k, v in a.items() if k != "versions"} == {
        k: v for k, v in b.items() if k != "versions"
    }


def _lang(doc: Mapping[str, Any]) -> str:
    return str(doc.get("locale", "")).split("-")[0].lower()


def _drift_lines(d: PairDrift) -> list[str]:
    """A pair's differences, and whether the translation is older than its original."""
    lines = list(d.differences())
    if d.older:
        lines.append(f"{d.translation.lang} is older than {d.original.lang}")
    return lines


def diff_exports(old: Export, new: Export) -> list[DocumentDiff]:
    """Per-document changes from ``old`` to ``new``; unchanged documents are left out."""
    old_docs = {d["id"]: d for d in old.get("documents", [])}
    new_docs = {d["id"]: d for d in new.get("documents", [])}
    out: list[DocumentDiff] = []
    for doc_id in sorted(old_docs.keys() | new_docs.keys()):
        before, after = old_docs.get(doc_id), new_docs.get(doc_id)
        if before is None:
            assert after is not None
            out.append(_whole(after, "added"))
        elif after is None:
            out.append(_whole(before, "removed"))
        elif before != after:  # most documents are the same: compared in C, no walk
            change = _document(before, after)
            if not change.empty:
                out.append(change)
    return out


def diff_single(old: Export, new: Export) -> list[DocumentDiff]:
    """Two exports of one document each (the same runbook under different ids)."""
    (before,), (after,) = old["documents"], new["documents"]
    change = _document(before, after)
    return [] if change.empty else [change]


def _whole(doc: Mapping[str, Any], status: str) -> DocumentDiff:
    codes = sorted({c for e in doc["errors"] for c in e["codes"]}, key=str.casefold)
    change = DocumentDiff(doc["id"], status, doc.get("title", ""))
    if status == "added":
        change.codes_added = codes
    else:
        change.codes_removed = codes
    return change


def _document(before: Mapping[str, Any], after: Mapping[str, Any]) -> DocumentDiff:
    change = DocumentDiff(after["id"], "changed", after.get("title", ""))
    old_codes = _codes(before)
    new_codes = _codes(after)
    change.codes_added = sorted((new_codes - old_codes), key=str.casefold)
    change.codes_removed = sorted((old_codes - new_codes), key=str.casefold)
    old_entries = {_entry_key(e): e for e in before["errors"]}
    new_entries = {_entry_key(e): e for e in after["errors"]}
    for key in sorted(new_entries.keys() - old_entries.keys()):
        change.entries_added.append(_label(new_entries[key]))
    for key in sorted(old_entries.keys() - new_entries.keys()):
        change.entries_removed.append(_label(old_entries[key]))
    for key in sorted(old_entries.keys() & new_entries.keys()):
        what = _entry_changes(old_entries[key], new_entries[key])
        if what:
            change.entries_changed.append(f"{_label(new_entries[key])}: {what}")
    change.procedures = _procedures(before["procedures"], after["procedures"])
    return change


def _codes(doc: Mapping[str, Any]) -> set[str]:
    return {c for e in doc["errors"] for c in e["codes"]}


def _entry_key(entry: Mapping[str, Any]) -> str:
    if entry["codes"]:
        return "codes:" + ",".join(sorted(c.casefold() for c in entry["codes"]))
    return "message:" + " ".join(entry["message"].split())[:120]


def _label(entry: Mapping[str, Any]) -> str:
    codes = ", ".join(entry["codes"])
    first = entry["message"].split("\n", 1)[0]
    short = first if len(first) <= 60 else first[:59] + "…"
    return f"{codes} ({short})" if codes else short


def _entry_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    parts = []
    causes = _counted_change(before["causes"], after["causes"])
    if causes:
        parts.append(f"causes {causes}")
    actions = _counted_change(_flatten(before["actions"]), _flatten(after["actions"]))
    if actions:
        parts.append(f"actions {actions}")
    return "; ".join(parts)


def _flatten(items: Iterable[Mapping[str, Any]]) -> list[str]:
    out: list[str] = []
    stack = list(reversed(list(items)))
    while stack:
        item = stack.pop()
        out.append(item["text"])
        stack.extend(reversed(item["children"]))
    return out


def _counted_change(before: list[str], after: list[str]) -> str:
    """ "+2 -1" style summary of added/removed texts (spacing differences ignored)."""
    norm_before = [" ".join(t.split()) for t in before]
    norm_after = [" ".join(t.split()) for t in after]
    if norm_before == norm_after:
        return ""
    added = removed = 0
    matcher = difflib.SequenceMatcher(a=norm_before, b=norm_after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return f"+{added} -{removed}"


def _procedures(before: list[Mapping[str, Any]], after: list[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    old_by_id = {p["id"]: p for p in before}
    old_by_title = {p["title"]: p for p in before}
    matched: set[str] = set()
    for proc in after:
        old = old_by_id.get(proc["id"]) or old_by_title.get(proc["title"])
        if old is None or old["id"] in matched:
            # A renamed section: the same procedure if most of its steps are the same.
            old = _most_similar(proc, [p for p in before if p["id"] not in matched])
        if old is None:
            lines.append(f"procedure '{proc['title']}' added ({len(proc['steps'])} steps)")
            continue
        matched.add(old["id"])
        steps = _counted_change(
            [s["text"] for s in old["steps"]], [s["text"] for s in proc["steps"]]
        )
        if len(old["steps"]) != len(proc["steps"]) or steps:
            lines.append(
                f"procedure '{proc['title']}': steps {steps or '+0 -0'} "
                f"({len(old['steps'])} → {len(proc['steps'])})"
            )
        old_jumps, new_jumps = _jumps(old), _jumps(proc)
        for jump in sorted(new_jumps - old_jumps):
            lines.append(f"procedure '{proc['title']}': jump added: {_jump_text(jump)}")
        for jump in sorted(old_jumps - new_jumps):
            lines.append(f"procedure '{proc['title']}': jump removed: {_jump_text(jump)}")
    for proc in before:
        if proc["id"] not in matched:
            lines.append(f"procedure '{proc['title']}' removed")
    return lines


def _most_similar(
    proc: Mapping[str, Any], candidates: list[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    def text(p: Mapping[str, Any]) -> str:
        return "".join("".join(s["text"].split()) for s in p["steps"])

    scored = [
        (difflib.SequenceMatcher(a=text(c), b=text(proc), autojunk=False).ratio(), i)
        for i, c in enumerate(candidates)
    ]
    best = max(scored, default=(0.0, -1))
    return candidates[best[1]] if best[0] >= 0.6 else None


def _jumps(proc: Mapping[str, Any]) -> set[tuple[int, int, str]]:
    return {(s["number"], j["to"], j["condition"] or "") for s in proc["steps"] for j in s["jumps"]}


def _jump_text(jump: tuple[int, int, str]) -> str:
    src, dst, condition = jump
    return f"step {src} → step {dst}" + (f" ({condition})" if condition else "")


PAIR_STATUS = {
    "paired": "are now versions of one runbook",
    "unpaired": "are no longer versions of one runbook",
    "apart": "drifted apart",
    "together": "came back together",
    "changed": "drifted differently",
}


def render_markdown(
    changes: list[DocumentDiff],
    *,
    heading: str = "Changes",
    pairs: Sequence[PairChange] = (),
) -> str:
    """The change report as Markdown (``build/CHANGES.md``, ``runbooks diff``)."""
    lines = [f"# {heading}", ""]
    if not changes and not pairs:
        lines.append("No runbook changed.")
        return "\n".join(lines) + "\n"
    for change in changes:
        lines.append(f"## {change.id} — {change.status}")
        if change.title:
            lines.append(f"_{change.title}_")
        lines.append("")
        for label, values in (
            ("codes added", change.codes_added),
            ("codes removed", change.codes_removed),
            ("entries added", change.entries_added),
            ("entries removed", change.entries_removed),
            ("entries changed", change.entries_changed),
            ("procedures", change.procedures),
        ):
            if values:
                lines.append(f"- {label}:")
                lines.extend(f"  - {v}" for v in values)
        lines.append("")
    if pairs:
        lines += ["## Language versions", ""]
    for pair in pairs:
        o, t = pair.langs
        lines.append(
            f"- {pair.translation} ({t}) and its original {pair.original} ({o}) "
            f"{PAIR_STATUS.get(pair.status, pair.status)}"
        )
        lines.extend(f"  - {'now: ' if pair.status != 'paired' else ''}{v}" for v in pair.new)
        lines.extend(f"  - no longer: {v}" for v in pair.gone)
    if pairs:
        lines.append("")
    return "\n".join(lines)
