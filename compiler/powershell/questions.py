"""A jump's condition as the yes/no question a script asks (rules in questions.toml)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RULES_FILE = "questions.toml"


@dataclass(slots=True, frozen=True)
class QuestionRules:
    strip: tuple[re.Pattern[str], ...]
    rules: tuple[tuple[re.Pattern[str], str], ...]
    fallback: str


def load_questions(folders: list[Path]) -> dict[str, QuestionRules]:
    for folder in folders:
        path = folder / RULES_FILE
        if path.is_file():
            return parse_questions(tomllib.loads(path.read_text(encoding="utf-8")))
    raise FileNotFoundError(f"no {RULES_FILE} in {', '.join(map(str, folders))}")


def parse_questions(data: dict[str, Any]) -> dict[str, QuestionRules]:
    out = {}
    for lang, table in data.items():
        out[lang] = QuestionRules(
            strip=tuple(re.compile(p, re.I) for p in table.get("strip", [])),
            rules=tuple((re.compile(p, re.I), r) for p, r in table.get("rules", [])),
            fallback=str(table.get("fallback", "{clause}?")),
        )
    return out


def ask(condition: str, lang: str, rules: dict[str, QuestionRules]) -> str:
    """The question for a condition.

    ``見つかった場合は`` -> ``見つかりましたか?``; ``If you locate it`` -> ``Did you locate it?``.
    """
    table = rules.get(lang) or rules.get("en")
    condition = " ".join(condition.split())
    if table is None:
        return condition + "?"
    clause = condition
    for pattern in table.strip:
        clause = pattern.sub("", clause)
    clause = clause.strip() or condition
    question = None
    for pattern, replacement in table.rules:
        if pattern.search(clause):
            try:
                question = pattern.sub(replacement, clause, count=1)
            except (re.error, IndexError):
                continue
            break
    if question is None:
        question = table.fallback.replace("{clause}", clause).replace("{condition}", condition)
    first = question.split(" ", 1)[0]
    return question[:1].upper() + question[1:] if first.islower() else question
