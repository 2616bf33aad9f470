"""Jumps between steps.

"If you locate it, go directly to step 7.", "見つかった場合は、手順 7. に進みます。".
"""

from __future__ import annotations

import re

from compiler.model import Jump
from compiler.parse.vocab import Vocabulary

# Sentence ends: Japanese full stops, or ./!/? followed by space and a capital or bracket.
# "手順 7. に進みます" is not split: the period after a step number is followed by kana.
_SENTENCE = re.compile(r"(?<=[。！？!?])\s*|(?<=[.])\s+(?=[A-Z(\[*「])|\n+")
_CLAUSE_SEP = re.compile(r"[、,，;；]")
_CLAUSE_LEAD = re.compile(r"^[\s、,，;；]+")
_LEAD_NOISE = re.compile(r"^[\s(（\[「*_]+")
_TRAIL_NOISE = re.compile(r"[\s、,，:：;；*_\u2013\u2014-]+$")
_ENUMERATOR = re.compile(r"^(?:[A-Za-z]|\d{1,2})[.)\uff0e\uff09]\s*")
"""An option's letter or number before its answer: "b. いいえ - ", "a) Yes:"."""
_THEN = re.compile(r"(?:\s*,?\s*\b(?:then|and)\b\s*|\s*(?:次に|その後|そして)\s*)$", re.IGNORECASE)
_INNER_CONDITION = re.compile(
    r"(?:^|[\s(（,，])(if|when|unless|once|in case)\b"
    r"(?!.*[\s(（,，](?:if|when|unless|once|in case)\b)",
    re.IGNORECASE,
)
_TRAIL_SO = re.compile(r"[\s,，]*\b(?:so|then|and)$", re.IGNORECASE)
_LABEL = re.compile(r"^([^:：]{2,80})(?::\s|：\s*)")


def find_jumps(text: str, line: int, number: int, vocab: Vocabulary) -> list[Jump]:
    """Every jump phrase in a step's text, with its condition clause when there is one."""
    jumps: list[Jump] = []
    if not _DIGIT.search(text):
        return jumps  # every jump names its step by number (``to`` is read with int())
    label = _LABEL.match(text)
    for sentence in (s.strip() for s in _SENTENCE.split(text)):
        if not sentence:
            continue
        matches: list[tuple[re.Match[str], str]] = []
        for pattern in vocab.jumps:
            for m in pattern.regex.finditer(sentence):
                if not any(a.start() <= m.start() < a.end() for a, _ in matches):
                    matches.append((m, pattern.kind))
        previous_end = 0
        for m, kind in sorted(matches, key=lambda mk: mk[0].start()):
            to = int(m.group("to"))
            last_group = m.groupdict().get("last")
            last = int(last_group) if last_group else None
            if kind == "forward" and to <= number:
                kind = "back"
            # "If running, go to step 4; otherwise, go to step 3": each jump's own clause.
            condition = _condition(sentence, previous_end, m.start(), m.end(), vocab)
            previous_end = m.end()
            if condition is None and label is not None:
                # "iOS 12.2 and later: ... Then continue to step 3." — the label is the case.
                condition = label.group(1).strip()
            phrase = m.group(0)
            if kind == "skip":
                jumps.extend(
                    Jump(to=t, condition=condition, line=line, kind=kind, phrase=phrase)
                    for t in _skipped(to, last, m.groupdict().get("more"))
                )
                continue
            jumps.append(
                Jump(to=to, condition=condition, line=line, kind=kind, last=last, phrase=phrase)
            )
    return jumps


_NUMBER = re.compile(r"\d+")
_DIGIT = re.compile(r"\d")
_LONGEST_SKIP = 20
"""A longer "skip steps 2-400" is a typo, not a range to spell out."""


def _skipped(first: int, last: int | None, more: str | None) -> list[int]:
    """The steps a skip names: "2 and 4" -> [2, 4]; "2-4" -> [2, 3, 4]."""
    steps = [first]
    if last is not None and first < last <= first + _LONGEST_SKIP:
        steps.extend(range(first + 1, last + 1))
    steps.extend(int(n) for n in _NUMBER.findall(more or ""))
    return list(dict.fromkeys(steps))


def _condition(sentence: str, begin: int, start: int, end: int, vocab: Vocabulary) -> str | None:
    before = _LEAD_NOISE.sub("", _CLAUSE_LEAD.sub("", sentence[begin:start]))
    before = _THEN.sub("", _TRAIL_NOISE.sub("", before))
    before = _TRAIL_NOISE.sub("", before)
    if before:
        # The condition is the last clause before the jump.
        clauses = [c for c in _CLAUSE_SEP.split(before) if c.strip()]
        candidates = [clauses[-1], before] if clauses else [before]
        for clause in candidates:
            clause = _TRAIL_NOISE.sub("", _ENUMERATOR.sub("", _LEAD_NOISE.sub("", clause))).strip()
            lowered = clause.lower()
            if any(_starts_with_word(lowered, w) for w in vocab.condition_leading):
                return clause
            if any(clause.endswith(w) for w in vocab.condition_trailing):
                return clause
        # "… appears (if you already have it, you won't see this screen so skip to step 2)"
        inner = _INNER_CONDITION.search(before)
        if inner and inner.group(1).lower() in vocab.condition_leading:
            return _TRAIL_SO.sub("", before[inner.start(1) :]).strip()
    after = _LEAD_NOISE.sub("", sentence[end:]).strip().rstrip(".。)）")
    lowered = after.lower()
    if after and any(_starts_with_word(lowered, w) for w in vocab.condition_leading):
        return after
    return None


def _starts_with_word(text: str, word: str) -> bool:
    return text.startswith(word) and (len(text) == len(word) or not text[len(word)].isalnum())
