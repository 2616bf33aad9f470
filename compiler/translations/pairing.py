"""Which documents are language versions of one runbook (see :mod:`compiler.translations`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from compiler.config import DeclaredVersions, TranslationSettings
from compiler.diagnostics import Diagnostics, Severity
from compiler.model import Document

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
    holders: dict[str, dict[str, list[str]]] = {}  # language -> code -> documents
    for doc_id in sorted(docs):
        by_code = holders.setdefault(docs[doc_id].lang, {})
        for code in codes[doc_id]:
            by_code.setdefault(code, []).append(doc_id)
    scored: list[tuple[float, str, str, int, int, int, int]] = []
    seen: set[tuple[str, str]] = set()
    for a in sorted(docs):
        others = [by_code for lang, by_code in holders.items() if lang != docs[a].lang]
        for code in sorted(codes[a]) if others else ():
            for by_code in others:
                for b in by_code.get(code, ()):
                    if b <= a or (a, b) in seen:
                        continue
                    seen.add((a, b))
                    if not _unpaired(groups, a, b):
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
                    score = shared / fewer + (same_shapes / fewer_shapes if fewer_shapes else 0)
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
