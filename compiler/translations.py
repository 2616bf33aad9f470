"""Language versions of one runbook: which documents they are, and how far they drifted apart.

Three pure steps, each over plain data:

- **pairing** (:func:`pair_documents`, on the parsed documents, before the graph is made):
  documents are versions of one runbook when ``runbooks.toml`` says so (``pairs``, then
  ``folders`` matched by relative path), else when their front matter shares an identity
  (``ms.assetid``, Hugo's ``translationKey``, ``original_content_git_url``). A group holds
  one document per language; its *original* is the one whose front matter does not mark
  it as a translation (``ms.translationtype``…), else the one in ``translations.original``
  (default: the default locale's language). Two documents in different languages that
  share most of their error codes and procedure shapes, but are not paired, are a
  suggestion (``translation-suggest``) with the line to add to ``runbooks.toml``.
- **matching** (:func:`match`): sections by anchor (translations of Microsoft's docs keep
  the English anchors), by similar anchors of the same level, by the error codes and the
  procedure shapes they hold, in document order; entries by shared error codes first,
  then by order within matched sections; procedures by order within matched sections.
- **drift** (:func:`drift`): dates, codes, entries, procedures and sections that differ
  between the original and a translation, as :class:`PairDrift`.

Matching and drift read documents in the JSON export's form (``runbooks.json``), so the
change report compares the last build's export with this one's the same way the site
compares the graph's documents.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compiler.config import DeclaredVersions, TranslationSettings
from compiler.diagnostics import Diagnostics, Severity
from compiler.model import Document

if TYPE_CHECKING:
    from compiler.graph import RunbookGraph

RULE_PAIR = "translation-pair"
RULE_SUGGEST = "translation-suggest"
RULES = (RULE_PAIR, RULE_SUGGEST)

IDENTITY_KEYS = ("ms.assetid", "translationkey", "original_content_git_url")
"""Front-matter keys (lower case) whose value names the runbook whatever its language."""
TRANSLATION_MARKERS = (
    "ms.translationtype",
    "ms.openlocfilehash",
    "ms.sourcegitcommit",
    "ms.lasthandoff",
    "ms.locfileid",
)
"""Front-matter keys (lower case) that only a translated document carries."""

Export = Mapping[str, Any]


# -- pairing -------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class VersionGroup:
    """The language versions of one runbook: one document per language."""

    documents: tuple[str, ...]
    """Document ids, the original first, then by language."""
    original: str
    by: tuple[tuple[str, str], ...]
    """(document id, how it was paired: ``config``, ``folder`` or ``identity``)."""

    def paired_by(self, doc_id: str) -> str:
        return dict(self.by).get(doc_id, "")


class _Groups:
    """Union of documents into groups that hold one document per language."""

    def __init__(self, docs: Mapping[str, Document]) -> None:
        self.docs = docs
        self.group_of: dict[str, int] = {}
        self.members: list[dict[str, str]] = []
        self.by: dict[str, str] = {}

    def lang(self, doc_id: str) -> str:
        return self.docs[doc_id].lang

    def conflict(self, a: str, b: str) -> tuple[str, str] | None:
        """Two documents of one language that joining ``a`` and ``b`` (and the groups they
        are in) would put in one group; None when they can be joined."""
        ga, gb = self.group_of.get(a), self.group_of.get(b)
        if ga is not None and ga == gb:
            return None
        left = self.members[ga] if ga is not None else {self.lang(a): a}
        right = self.members[gb] if gb is not None else {self.lang(b): b}
        for lang, doc in right.items():
            if lang in left and left[lang] != doc:
                return doc, left[lang]
        return None

    def join(self, a: str, b: str, tier: str) -> None:
        """Put ``a`` and ``b`` in one group (:meth:`conflict` must be None)."""
        ga, gb = self.group_of.get(a), self.group_of.get(b)
        for doc in (a, b):
            self.by.setdefault(doc, tier)
        if ga is None and gb is None:
            self.members.append({self.lang(a): a, self.lang(b): b})
            self.group_of[a] = self.group_of[b] = len(self.members) - 1
        elif ga is None or gb is None:
            group = ga if ga is not None else gb
            assert group is not None
            new = a if ga is None else b
            self.members[group][self.lang(new)] = new
            self.group_of[new] = group
        elif ga != gb:
            self.members[ga].update(self.members[gb])
            for doc in self.members[gb].values():
                self.group_of[doc] = ga
            self.members[gb] = {}

    def groups(self) -> list[dict[str, str]]:
        return [m for m in self.members if len(m) > 1]


def pair_documents(
    docs: Mapping[str, Document],
    settings: TranslationSettings,
    default_locale: str,
    diags: Diagnostics,
) -> list[VersionGroup]:
    """The groups of language versions among ``docs`` (id -> document), sorted by their
    original's id; what cannot be paired as declared is reported (``translation-pair``),
    documents that look paired but are not are suggested (``translation-suggest``)."""
    groups = _Groups(docs)
    by_path = {doc.source: doc.id for doc in docs.values()}
    declared: dict[str, tuple[int, str]] = {}  # doc id -> (line, tier) that paired it
    _pair_declared(settings.pairs, "config", settings, docs, by_path, groups, declared, diags)
    _pair_folders(settings, docs, groups, declared, diags)
    _pair_identities(docs, groups, diags)
    original_lang = (settings.original or default_locale).split("-")[0].lower()
    out = []
    for members in groups.groups():
        ids = sorted(members.values())
        original = _original(ids, docs, original_lang)
        ordered = [
            original,
            *sorted((d for d in ids if d != original), key=lambda d: (docs[d].lang, d)),
        ]
        out.append(
            VersionGroup(tuple(ordered), original, tuple((d, groups.by[d]) for d in ordered))
        )
    out.sort(key=lambda g: g.original)
    _suggest(docs, groups, diags)
    return out


def _resolve(path: str, by_path: Mapping[str, str]) -> str | None:
    """The id of the document at ``path`` (relative to the source folder, ``.md`` optional)."""
    clean = path.strip().replace("\\", "/").removeprefix("./")
    for candidate in (clean, f"{clean}.md"):
        if candidate in by_path:
            return by_path[candidate]
    return None


def _pair_declared(
    entries: Sequence[DeclaredVersions],
    tier: str,
    settings: TranslationSettings,
    docs: Mapping[str, Document],
    by_path: Mapping[str, str],
    groups: _Groups,
    declared: dict[str, tuple[int, str]],
    diags: Diagnostics,
) -> None:
    """``pairs``: each entry's documents become one group; an entry that names a missing
    document, or a document another entry already paired in that language, is left out."""
    config = settings.file
    for entry in entries:
        found: list[str] = []
        missing = False
        for lang, path in entry.paths:
            doc_id = _resolve(path, by_path)
            if doc_id is None:
                diags.warning(
                    config,
                    entry.line,
                    f"translations.pairs: no document '{path}' ({lang}) in the source "
                    "folder; this pair is left out (a renamed or deleted document? "
                    "paths are relative to the source folder)",
                    RULE_PAIR,
                )
                missing = True
                continue
            doc = docs[doc_id]
            if doc.lang != lang.split("-")[0].lower():
                diags.warning(
                    config,
                    entry.line,
                    f"translations.pairs: '{path}' is declared as '{lang}' but its language "
                    f"is '{doc.locale}' (from its front matter, folder or text)",
                    RULE_PAIR,
                )
            if doc_id in found:
                diags.error(
                    config,
                    entry.line,
                    f"translations.pairs: '{path}' is named twice in one pair; "
                    "this pair is left out",
                    RULE_PAIR,
                )
                missing = True
            found.append(doc_id)
        if missing or len(found) < 2:
            continue
        _join_all(found, tier, entry.line, config, docs, groups, declared, diags, "pairs")


def _join_all(
    found: Sequence[str],
    tier: str,
    line: int,
    config: str,
    docs: Mapping[str, Document],
    groups: _Groups,
    declared: dict[str, tuple[int, str]],
    diags: Diagnostics,
    key: str,
) -> bool:
    """Join ``found`` into one group, unless that pairs a document twice: then the entry is
    left out (an error naming the document, and the entry that paired it first), or, when
    a stronger entry paired it (``pairs`` over ``folders``), left out without a word."""
    first = found[0]
    for other in found[1:]:
        clash = groups.conflict(first, other)
        if clash is None:
            continue
        a, b = clash  # two documents of one language
        tiers = {declared.get(d, (0, ""))[1] for d in (a, b)}
        if tier != "config" and "config" in tiers:
            return False  # the admin's pairs entry wins over a folder
        lang = docs[a].lang
        grouped = [d for d in (a, b) if d in groups.group_of]
        if not grouped:
            message = (
                f"'{docs[a].source}' and '{docs[b].source}' are both in '{lang}'; a runbook "
                "has one version per language"
            )
        elif len(grouped) == 2:
            lines = sorted({declared[d][0] for d in grouped if d in declared})
            where = f" (lines {', '.join(map(str, lines))})" if len(lines) > 1 else ""
            message = (
                f"'{docs[a].source}' and '{docs[b].source}' are both in '{lang}' and already "
                f"versions of two runbooks{where}: this entry would make them one"
            )
        else:
            existing, new = grouped[0], (b if grouped[0] == a else a)
            group = groups.group_of[existing]
            held = next(
                (d for d in found if groups.group_of.get(d) == group and d != existing),
                existing,
            )
            prior = declared.get(existing)
            where = f" (line {prior[0]})" if prior and prior[1] == tier else ""
            message = (
                f"'{docs[held].source}' is paired twice: its {lang} version is already "
                f"'{docs[existing].source}'{where}, this entry would make it '{docs[new].source}'"
            )
        diags.error(
            config,
            line,
            f"translations.{key}: {message}; this entry is left out",
            RULE_PAIR,
        )
        return False
    for other in found[1:]:
        groups.join(first, other, tier)
    for doc in found:
        declared.setdefault(doc, (line, tier))
    return True


def _pair_folders(
    settings: TranslationSettings,
    docs: Mapping[str, Document],
    groups: _Groups,
    declared: dict[str, tuple[int, str]],
    diags: Diagnostics,
) -> None:
    """``folders``: documents at the same path inside each folder. Documents ``pairs``
    already paired keep those partners (an admin's ``pairs`` entry overrides a folder)."""
    config = settings.file
    for entry in settings.folders:
        inside: list[dict[str, str]] = []
        for lang, folder in entry.paths:
            prefix = folder.strip().replace("\\", "/").strip("/") + "/"
            found = {
                doc.source[len(prefix) :]: doc.id
                for doc in docs.values()
                if doc.source.startswith(prefix)
            }
            if not found:
                diags.warning(
                    config,
                    entry.line,
                    f"translations.folders: no document under '{folder}' ({lang}) in the "
                    "source folder",
                    RULE_PAIR,
                )
            inside.append(found)
        for relative in sorted({r for found in inside for r in found}):
            same = [found[relative] for found in inside if relative in found]
            # An untranslated copy (in the folder's other language) is no version.
            same = list({docs[d].lang: d for d in reversed(same)}.values())[::-1]
            if len(same) > 1:
                _join_all(
                    same, "folder", entry.line, config, docs, groups, declared, diags, "folders"
                )


def identity_of(doc: Document) -> list[str]:
    """The front-matter identities of ``doc`` (``ms.assetid:…``), normalised."""
    meta = {str(k).lower(): v for k, v in doc.meta.items()}
    out = []
    for key in IDENTITY_KEYS:
        value = meta.get(key)
        if isinstance(value, str | int) and str(value).strip():
            text = str(value).strip().casefold()
            if key == "original_content_git_url":
                text = re.sub(r"[?#].*$", "", text).removesuffix(".md")
            out.append(f"{key}:{text}")
    return out


def _pair_identities(docs: Mapping[str, Document], groups: _Groups, diags: Diagnostics) -> None:
    """Documents sharing a front-matter identity, one per language; an identity shared by
    two documents of one language pairs none of them (said once, at the first)."""
    shared: dict[str, list[str]] = {}
    for doc_id in sorted(docs):
        for key in identity_of(docs[doc_id]):
            shared.setdefault(key, []).append(doc_id)
    for key, ids in sorted(shared.items()):
        if len(ids) < 2:
            continue
        langs = Counter(docs[d].lang for d in ids)
        if len(langs) < 2:
            continue
        if max(langs.values()) > 1:
            name, _, value = key.partition(":")
            twice = sorted(lang for lang, n in langs.items() if n > 1)
            diags.warning(
                docs[ids[0]].source,
                1,
                f"{name} {value} is shared by {len(ids)} documents, several of them in "
                f"{', '.join(twice)}: none is paired by it; declare the pairs in "
                "runbooks.toml ([translations] pairs)",
                RULE_PAIR,
            )
            continue
        for other in ids[1:]:
            if groups.conflict(ids[0], other) is None:
                groups.join(ids[0], other, "identity")


def _original(ids: Sequence[str], docs: Mapping[str, Document], original_lang: str) -> str:
    unmarked = [d for d in ids if not is_marked_translation(docs[d])]
    if len(unmarked) == 1:
        return unmarked[0]
    candidates = unmarked or list(ids)
    for doc_id in candidates:
        if docs[doc_id].lang == original_lang:
            return doc_id
    return candidates[0]


def is_marked_translation(doc: Document) -> bool:
    """Front matter that only a translated document carries (``ms.translationtype``…)."""
    return any(str(k).lower() in TRANSLATION_MARKERS for k in doc.meta)


# -- suggestions ---------------------------------------------------------------------------

SUGGEST_CODES = 0.6
"""Share of the smaller document's error codes the other must have too."""
SUGGEST_SHAPES = 0.5
"""Share of the smaller document's procedure shapes the other must have too."""


def _codes(doc: Document) -> set[str]:
    return {c.casefold() for e in doc.errors for c in e.codes}


def _shapes(doc: Document) -> Counter[tuple[int, tuple[tuple[int, int], ...]]]:
    """A procedure's shape: its step count and its jumps."""
    return Counter(
        (len(p.steps), tuple(sorted((s.number, j.to) for s in p.steps for j in s.jumps)))
        for p in doc.procedures
    )


def _suggest(docs: Mapping[str, Document], groups: _Groups, diags: Diagnostics) -> None:
    """Pairs of documents in different languages, not paired, that share most of their
    error codes and procedure shapes: the best first, each document suggested once."""
    codes = {d: _codes(doc) for d, doc in docs.items()}
    holders: dict[str, list[str]] = {}
    for doc_id in sorted(docs):
        for code in codes[doc_id]:
            holders.setdefault(code, []).append(doc_id)
    scored: list[tuple[float, str, str, int, int, int, int]] = []
    seen: set[tuple[str, str]] = set()
    for a in sorted(docs):
        for code in sorted(codes[a]):
            for b in holders[code]:
                if b <= a or (a, b) in seen:
                    continue
                seen.add((a, b))
                if docs[a].lang == docs[b].lang or not _unpaired(groups, a, b):
                    continue
                shared = len(codes[a] & codes[b])
                fewer = min(len(codes[a]), len(codes[b]))
                if shared < SUGGEST_CODES * fewer:
                    continue
                sa, sb = _shapes(docs[a]), _shapes(docs[b])
                same_shapes = sum((sa & sb).values())
                fewer_shapes = min(sum(sa.values()), sum(sb.values()))
                if fewer_shapes and same_shapes < SUGGEST_SHAPES * fewer_shapes:
                    continue
                if shared < 2 and not same_shapes:
                    continue  # one code in common says little alone
                score = shared / fewer + (same_shapes / fewer_shapes if fewer_shapes else 0.0)
                scored.append((-score, a, b, shared, fewer, same_shapes, fewer_shapes))
    taken: set[str] = set()
    for _, a, b, shared, fewer, same, fewer_shapes in sorted(scored):
        if a in taken or b in taken:
            continue
        taken.update((a, b))
        # Said at the translation (the document marked as one, else the second by id).
        first, second = (b, a) if is_marked_translation(docs[a]) else (a, b)
        here, there = docs[second], docs[first]
        line = (
            "{ "
            + ", ".join(
                f'{d.lang} = "{d.source}"' for d in sorted((here, there), key=lambda d: d.lang)
            )
            + " }"
        )
        shapes = f" and {same} of {fewer_shapes} procedure shapes" if fewer_shapes else ""
        diags.report(
            here.source,
            1,
            Severity.INFO,
            f"this looks like the {here.lang} version of '{there.source}' ({there.lang}): "
            f"they share {shared} of {fewer} error codes{shapes}; to pair them, add "
            f"{line} to 'pairs' under [translations] in runbooks.toml",
            RULE_SUGGEST,
        )


def _unpaired(groups: _Groups, a: str, b: str) -> bool:
    """Neither already has a version in the other's language (nor are they paired)."""
    ga, gb = groups.group_of.get(a), groups.group_of.get(b)
    if ga is not None and ga == gb:
        return False
    if ga is not None and groups.lang(b) in groups.members[ga]:
        return False
    return not (gb is not None and groups.lang(a) in groups.members[gb])


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
        out += [f"entry '{d.label}': {_changes(d, o, t)}" for d in self.entries_differ]
        out += [f"procedure '{i.label}' only in {o}" for i in self.procedures_only_original]
        out += [f"procedure '{i.label}' only in {t}" for i in self.procedures_only_translation]
        out += [f"procedure '{d.label}': {_changes(d, o, t)}" for d in self.procedures_differ]
        out += [f"section '{i.label}' only in {o}" for i in self.sections_only_original]
        out += [f"section '{i.label}' only in {t}" for i in self.sections_only_translation]
        return out


def _changes(d: Differs, o: str, t: str) -> str:
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
                lines += [f"    {x.label}: {_changes(x, o.lang, t.lang)}" for x in differing]
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
