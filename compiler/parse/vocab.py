"""Language vocabularies: header words, labels, jump and fallback phrasings.

Words live in ``vocab/<lang>.toml`` (and in ``runbooks.toml`` for users), never in
code. Matching uses the union of all languages: Japanese docs keep English labels
(``**Error**``) and English docs quote Japanese UI, so a doc's locale is no guide.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

VOCAB_KEYS: dict[str, tuple[str, ...]] = {
    "headers": ("error", "code", "symbol", "context", "cause", "fix", "reference"),
    "labels": (
        "code",
        "message",
        "cause",
        "fix",
        "joiners",
        "fix_leads",
        "none",
        "informational",
    ),
    "jumps": ("forward", "back", "repeat", "skip"),
    "conditions": ("leading", "trailing"),
    "fallback": ("patterns",),
    "checklist": ("skip_headings",),
    "procedures": ("step_headings",),
    "symptoms": ("headings", "not_entries", "error_context"),
    "commands": ("programs", "standalone", "cmdlet_verbs", "shell_langs", "not_commands"),
}
"""The tables and keys a vocabulary file may have (used to validate user extensions)."""

RawVocab = Mapping[str, Mapping[str, Sequence[str]]]

_PLURAL_S = re.compile(r"\(s\)|\(es\)")
_MARKUP = re.compile(r"[*_`\s:：]+")
_ENUMERATOR = re.compile(
    r"(?:\s*#?\d{1,2}|\s+[A-Ha-h]|\s*[(（]\d{1,2}[)）]|\s*[\u2460-\u2473])[\s*_:：]*$"
)
"""The number or letter after a label: "Cause 1", "Solution A", "原因 (2)", "原因①"."""
_ERROR_TERMS = ("error", "エラー", "code", "コード")
_OTHER_LABEL = re.compile(r"^\s*([^:：]{1,30}?)\s*[:：]")


def normalise_label(text: str) -> str:
    """Header/label comparison key: NFKC, lower case, no markup, spaces, colons or '(s)'."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _PLURAL_S.sub("", text)
    return _MARKUP.sub("", text)


@dataclass(slots=True, frozen=True)
class JumpPattern:
    kind: str
    regex: re.Pattern[str]


@dataclass(slots=True, frozen=True)
class Vocabulary:
    error_headers: frozenset[str]
    code_headers: frozenset[str]
    symbol_headers: frozenset[str]
    """Columns that name a code another way ("Symbol", "Error string")."""
    context_headers: frozenset[str]
    reference_headers: frozenset[str]
    cause_headers: frozenset[str]
    fix_headers: frozenset[str]
    code_labels: frozenset[str]
    message_labels: frozenset[str]
    cause_labels: frozenset[str]
    fix_labels: frozenset[str]
    jumps: tuple[JumpPattern, ...]
    condition_leading: tuple[str, ...]
    condition_trailing: tuple[str, ...]
    fallback: tuple[re.Pattern[str], ...]
    checklist_skip: frozenset[str]
    step_headings: tuple[re.Pattern[str], ...]
    """A heading matching one of these is a step ("Step 1: …"); group ``n`` its number."""
    symptom_headings: tuple[re.Pattern[str], ...]
    """A heading matching one of these states a failure: it names an error by its symptom."""
    error_context: tuple[str, ...]
    """Words that make a sentence speak of an error ("error", "failed", "エラー"), lower case."""
    not_entry_labels: frozenset[str]
    """"Procedure: …", "手順: …": a heading so labelled heads something else than an error."""
    label_joiners: tuple[str, ...]
    no_action: frozenset[str]
    informational: frozenset[str]
    """Severity words of events that need no action ("Informational", "情報")."""
    """What a fix cell says when there is nothing to do ("None", "なし")."""
    fix_leads: re.Pattern[str] | None
    """Where a fix starts inside a cause item ("To resolve this issue, …")."""
    label_words: tuple[tuple[str, str], ...]
    """(role, word) of every part label as written, longest first, for in-cell labels."""
    programs: frozenset[str]
    """Programs a command line starts with (``netsh``, ``docker``); lower case."""
    standalone_programs: frozenset[str]
    """Programs that are a whole command by themselves (``iisreset``, ``systeminfo``)."""
    cmdlet_verbs: frozenset[str]
    """PowerShell verbs of ``Verb-Noun`` cmdlets (the approved verbs); lower case."""
    shell_langs: frozenset[str]
    """Code block languages whose blocks are commands (``powershell``, ``bash``)."""
    not_command_langs: frozenset[str]
    """Code block languages of output, data and queries (``output``, ``sql``, ``toml``)."""
    languages: tuple[str, ...]

    def header_role(self, header: str) -> str | None:
        """The role of a table header cell: code, symbol, error, context, cause, fix,
        reference (links to read more) — or None."""
        key = normalise_label(header)
        if key in self.code_headers:
            return "code"
        if key in self.symbol_headers:
            return "symbol"
        if key in self.context_headers:
            return "context"
        if key in self.reference_headers:
            return "reference"
        if key in self.error_headers:
            return "error"
        if key in self.cause_headers:
            return "cause"
        if key in self.fix_headers:
            return "fix"
        return self._joined_header_role(key) or self._qualified_header_role(key)

    def _qualified_header_role(self, key: str) -> str | None:
        """ "Server error code", "サーバー エラー メッセージ": a code or error header with a
        word in front (only headers that say error or code: "Resolution description" is
        no description of an error)."""
        if len(key) > 40:
            return None
        for role, words in (("code", self.code_headers), ("error", self.error_headers)):
            for word in words:
                if (
                    len(word) >= 6
                    and key.endswith(word)
                    and len(key) - len(word) <= 12
                    and any(term in word for term in _ERROR_TERMS)
                ):
                    return role
        return None

    def _joined_header_role(self, key: str) -> str | None:
        """ "Causes and solutions", "原因と解決策": the fix column when any part names a fix,
        else the role the parts share."""
        if not self.label_joiners or len(key) > 40:
            return None
        parts = [key]
        for joiner in self.label_joiners:
            parts = [piece for part in parts for piece in part.split(joiner)]
        if len(parts) < 2 or not all(parts):
            return None
        roles = {self._part_role(p) for p in parts}
        if "code" in roles:
            return "code"  # "Event ID and source": the cells start with the code
        if None in roles or "context" in roles:
            return None
        return "fix" if "fix" in roles else roles.pop() if len(roles) == 1 else None

    def _part_role(self, key: str) -> str | None:
        for role, words in (
            ("code", self.code_headers),
            ("fix", self.fix_headers),
            ("cause", self.cause_headers),
            ("error", self.error_headers),
            ("context", self.context_headers),
        ):
            if key in words:
                return role
        return None

    def is_symptom(self, title: str) -> bool:
        """Does a heading state a failure ("FSx can't reach the DNS servers", "接続できない")?"""
        return any(rx.search(title) for rx in self.symptom_headings)

    def is_error_context(self, text: str) -> bool:
        """Does the text speak of an error (where a code-shaped string is a code)?"""
        # Substrings, not a regex: this runs on every paragraph that holds digits.
        lowered = text.lower()
        return any(word in lowered for word in self.error_context)

    def step_heading(self, title: str) -> tuple[int, str] | None:
        """(number, the rest) for a heading numbered as a step ("Step 3: Create a key")."""
        for rx in self.step_headings:
            m = rx.match(title)
            if m:
                return int(m.group("n")), title[m.end() :].strip()
        return None

    def names_other(self, title: str) -> bool:
        """ "Procedure: Backups fail", "セクション: …": labelled as something else than an error."""
        m = _OTHER_LABEL.match(title)
        return m is not None and normalise_label(m.group(1)) in self.not_entry_labels

    def label_role(self, label: str, *, joined: bool = False) -> str | None:
        """``code``, ``message``, ``cause`` or ``fix`` for a part label, else None.

        With ``joined``, "Resolution and notes" / "解決策と説明" also count: a label,
        a joining word, and one more short word (table cells, not prose).
        """
        key = normalise_label(label)
        roles = (
            ("code", self.code_labels),
            ("cause", self.cause_labels),
            ("fix", self.fix_labels),
            ("message", self.message_labels),
        )
        for role, words in roles:
            if key in words:
                return role
        numbered = normalise_label(_ENUMERATOR.sub("", label))
        if numbered != key:
            # "**Cause 1**:", "### Solution 2", "原因 2", "Resolution A": one of several
            # causes or fixes (an error or code label with a number is a code, not a count).
            if numbered in self.cause_labels:
                return "cause"
            if numbered in self.fix_labels:
                return "fix"
        if joined and len(key) <= 40:
            for role, words in roles:
                for word in words:
                    if not key.startswith(word):
                        continue
                    rest = key[len(word) :]
                    if any(
                        rest.startswith(j) and 0 < len(rest) - len(j) <= 12
                        for j in self.label_joiners
                    ):
                        return role
        return None


def _phrases(phrases: list[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alternatives = "|".join(
        r"\s*".join(map(re.escape, p.split())) for p in sorted(set(phrases), key=len, reverse=True)
    )
    return re.compile(rf"(?:^|(?<=[\s.。、,]))(?:{alternatives})", re.IGNORECASE)


def packaged_languages() -> list[str]:
    folder = resources.files("compiler.parse") / "vocab"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_packaged(lang: str) -> RawVocab:
    text = (resources.files("compiler.parse") / "vocab" / f"{lang}.toml").read_text("utf-8")
    return tomllib.loads(text)


def build_vocabulary(extra: Mapping[str, RawVocab] | None = None) -> Vocabulary:
    """Merge every packaged language with the user's additions (``[vocab.<lang>]``)."""
    raws: dict[str, list[RawVocab]] = {lang: [load_packaged(lang)] for lang in packaged_languages()}
    for lang, raw in (extra or {}).items():
        raws.setdefault(lang, []).append(raw)

    def words(table: str, key: str) -> list[str]:
        out: list[str] = []
        for lang in sorted(raws):
            for raw in raws[lang]:
                out.extend(raw.get(table, {}).get(key, []))
        return out

    def labels(table: str, key: str) -> frozenset[str]:
        return frozenset(normalise_label(w) for w in words(table, key))

    jumps = tuple(
        JumpPattern(kind, re.compile(rx, re.IGNORECASE))
        for kind in VOCAB_KEYS["jumps"]
        for rx in words("jumps", kind)
    )
    return Vocabulary(
        error_headers=labels("headers", "error"),
        code_headers=labels("headers", "code"),
        symbol_headers=labels("headers", "symbol"),
        context_headers=labels("headers", "context"),
        reference_headers=labels("headers", "reference"),
        cause_headers=labels("headers", "cause"),
        fix_headers=labels("headers", "fix"),
        code_labels=labels("labels", "code"),
        message_labels=labels("labels", "message"),
        cause_labels=labels("labels", "cause"),
        fix_labels=labels("labels", "fix"),
        jumps=jumps,
        condition_leading=tuple(w.lower() for w in words("conditions", "leading")),
        condition_trailing=tuple(sorted(words("conditions", "trailing"), key=len, reverse=True)),
        fallback=tuple(re.compile(rx, re.IGNORECASE) for rx in words("fallback", "patterns")),
        checklist_skip=labels("checklist", "skip_headings"),
        step_headings=tuple(
            re.compile(rx, re.IGNORECASE) for rx in words("procedures", "step_headings")
        ),
        not_entry_labels=labels("symptoms", "not_entries"),
        error_context=tuple(sorted({w.lower() for w in words("symptoms", "error_context")})),
        symptom_headings=tuple(
            re.compile(rx, re.IGNORECASE) for rx in words("symptoms", "headings")
        ),
        fix_leads=_phrases(words("labels", "fix_leads")),
        no_action=labels("labels", "none"),
        informational=labels("labels", "informational"),
        label_joiners=tuple(
            normalise_label(w) for w in words("labels", "joiners") if normalise_label(w)
        ),
        label_words=tuple(
            sorted(
                {
                    (role, w)
                    for role in ("code", "message", "cause", "fix")
                    for w in words("labels", role)
                },
                key=lambda rw: (-len(rw[1]), rw),
            )
        ),
        programs=frozenset(w.lower() for w in words("commands", "programs")),
        standalone_programs=frozenset(w.lower() for w in words("commands", "standalone")),
        cmdlet_verbs=frozenset(w.lower() for w in words("commands", "cmdlet_verbs")),
        shell_langs=frozenset(w.lower() for w in words("commands", "shell_langs")),
        not_command_langs=frozenset(w.lower() for w in words("commands", "not_commands")),
        languages=tuple(sorted(raws)),
    )
