"""Which document commands a script may run, and which of them change the system.

The rules are data (``templates/powershell/commands.toml``): an allow-list of what
only reads. Anything else, including anything this rough reading cannot place (a
path to a program, a method call, an assignment to something other than a plain
variable, a redirection), counts as changing the system. Getting that wrong in the
safe direction costs one extra question; the other way would run a change unasked.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.model import Command

RULES_FILE = "commands.toml"


@dataclass(slots=True, frozen=True)
class ProgramRule:
    always: bool = False
    first: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    shells: frozenset[str] = frozenset()


@dataclass(slots=True, frozen=True)
class CommandRules:
    shells: dict[str, str]
    """Fence language (lower case, "" for none) -> ``powershell`` or ``cmd``."""
    read_only_verbs: frozenset[str]
    read_only_cmdlets: frozenset[str]
    changing_cmdlets: frozenset[str]
    changing_parameters: frozenset[str]
    read_only_methods: frozenset[str]
    read_only_aliases: frozenset[str]
    programs: dict[str, ProgramRule]


@dataclass(slots=True, frozen=True)
class CommandInfo:
    text: str
    shell: str | None
    """``powershell`` or ``cmd`` when the script may run it; None: shown only."""
    changes: bool
    """True unless every part of it is known to only read."""


def load_rules(folders: list[Path]) -> CommandRules:
    """The first ``commands.toml`` found in ``folders`` (admin's first, then ours)."""
    for folder in folders:
        path = folder / RULES_FILE
        if path.is_file():
            return parse_rules(tomllib.loads(path.read_text(encoding="utf-8")))
    raise FileNotFoundError(f"no {RULES_FILE} in {', '.join(map(str, folders))}")


def _lower(values: Any) -> frozenset[str]:
    return frozenset(str(v).casefold() for v in values or ())


def parse_rules(data: dict[str, Any]) -> CommandRules:
    shells = {
        str(lang).casefold(): shell
        for shell, langs in data.get("shells", {}).items()
        for lang in langs
    }
    cmdlets = data.get("cmdlets", {})
    programs = {
        str(name).casefold(): ProgramRule(
            always=bool(rule.get("always", False)),
            first=_lower(rule.get("first")),
            words=_lower(rule.get("words")),
            prefixes=tuple(sorted(_lower(rule.get("prefixes")))),
            never=tuple(sorted(_lower(rule.get("never")))),
            shells=_lower(rule.get("shells")),
        )
        for name, rule in data.get("programs", {}).items()
    }
    return CommandRules(
        shells=shells,
        read_only_verbs=_lower(cmdlets.get("read_only_verbs")),
        read_only_cmdlets=_lower(cmdlets.get("read_only")),
        changing_cmdlets=_lower(cmdlets.get("changes")),
        changing_parameters=_lower(cmdlets.get("changing_parameters")),
        read_only_methods=_lower(cmdlets.get("read_only_methods")),
        read_only_aliases=_lower(data.get("aliases", {}).get("read_only")),
        programs=programs,
    )


def classify(command: Command, rules: CommandRules) -> CommandInfo:
    shell = rules.shells.get((command.lang or "").casefold())
    return CommandInfo(command.code, shell, not reads_only(command.code, shell, rules))


_STRING = re.compile(
    r"'(?:[^'\u2018-\u201b]|['\u2018-\u201b]{2})*['\u2018-\u201b]"
    r'|"(?:[^"`\u201c-\u201e]|`.|["\u201c-\u201e]{2})*["\u201c-\u201e]',
    re.S,
)
_MERGE = re.compile(r"[0-9*]?>&[0-9]")
"""``2>&1``: stream merging, not a redirection to a file."""
_SEPARATORS = re.compile(r"\|\||&&|[|;\n(){}]|(?<![\w.])&(?!&)")
_METHOD = re.compile(r"(?:\.|::)\s*([A-Za-z_]\w*)\s*\(")
_PLAIN_ASSIGNMENT = re.compile(r"\$[A-Za-z_]\w*\s*=(?!=)")
_HASH_ENTRY = re.compile(r"[A-Za-z_][\w-]*\s*=(?!=)")
"""``@{LogName = 'System'}``: a key of a hashtable literal, then its value."""
_ANY_ASSIGNMENT = re.compile(r"^[$\[].*?(?<![-=!<>])[+\-*/%]?=(?!=)")
_CMDLET = re.compile(r"[A-Za-z]+-[A-Za-z][\w.]*\Z")


def reads_only(code: str, shell: str | None, rules: CommandRules) -> bool:
    """True when every command in ``code`` is one the rules know only reads."""
    text = _STRING.sub(" Q ", code)
    if ">" in _MERGE.sub(" ", text):
        return False
    for method in _METHOD.findall(text):
        if method.casefold() not in rules.read_only_methods:
            return False
    words_all = {w.casefold() for w in text.split()}
    if words_all & rules.changing_parameters:
        return False
    return all(_segment_reads_only(seg, shell, rules) for seg in _SEPARATORS.split(text))


def _segment_reads_only(segment: str, shell: str | None, rules: CommandRules) -> bool:
    segment = segment.strip()
    plain = _PLAIN_ASSIGNMENT.match(segment) or _HASH_ENTRY.match(segment)
    if plain:  # `$vm = Get-AzureVM ...`: a variable of the script's own, then a command
        segment = segment[plain.end() :].strip()
    elif _ANY_ASSIGNMENT.match(segment):  # `$env:X = ...`, `$vm.Prop = ...`, `[T]::P = ...`
        return False
    if not segment:
        return True
    words = segment.split()
    head = words[0]
    if head[0] in "$[@0123456789-+!'\"" or head == "Q":
        return True  # an expression; its method calls were checked above
    if head == ".":
        return False  # dot-sourcing a script
    name = head.casefold()
    if _CMDLET.match(head) and shell != "cmd":
        if name in rules.changing_cmdlets:
            return False
        return name in rules.read_only_cmdlets or name.split("-", 1)[0] in rules.read_only_verbs
    if shell != "cmd" and name in rules.read_only_aliases:
        return True
    return _program_reads_only(name, [w.casefold() for w in words[1:]], shell, rules)


def _program_reads_only(name: str, args: list[str], shell: str | None, rules: CommandRules) -> bool:
    if "/" in name or "\\" in name:
        return False  # a program by path: unknown
    rule = rules.programs.get(name)
    if rule is not None and rule.shells and (shell or "") not in rule.shells:
        rule = None
    if rule is None and name.endswith(".exe"):
        rule = rules.programs.get(name[:-4])  # sc.exe is never the sc alias
    if rule is None:
        return False
    if any(a.startswith(rule.never) for a in args if rule.never):
        return False
    if rule.always:
        return True
    first = args[0].split(":", 1)[0] if args else ""
    if first in rule.first:
        return True
    return any(a in rule.words or (rule.prefixes and a.startswith(rule.prefixes)) for a in args)


_PROMPT = re.compile(r"^(?:PS [^>]*>|[A-Za-z]:\\[^>]*>|\$|#|>)\s*")


def text_without_commands(text: str, commands: list[Command]) -> str:
    """``text`` without the lines that only repeat one of its commands (shown on their own).

    A checklist item "Run this:\\n`PS C:\\> Get-Service`" keeps "Run this:"; the command
    is offered (or written as a code block) by itself.
    """
    codes = {c.code.strip() for c in commands}
    single = {c for c in codes if "\n" not in c}
    kept = [
        line
        for line in text.split("\n")
        if line.strip() not in single and _PROMPT.sub("", line.strip()) not in single
    ]
    out = "\n".join(kept)
    for code in codes - single:
        out = out.replace(code, "")
    return out.strip()
