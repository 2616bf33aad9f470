"""What a person runs: commands in code spans and code blocks.

One question decides it, :func:`runnable`: does this line start the way a command
does — a PowerShell cmdlet (``Verb-Noun`` with an approved verb, any case), a known
program (``vocab [commands] programs``), a ``$variable``, a path to a program, a
``.msc`` snap-in, ``(Get-X).Y``, ``[Type]::Member(...)`` or ``& "path\\tool.exe"``.

Code spans must pass it (and a lone program name, a lone file or variable name, or a
program and one bare word — "using `docker run`" — are names, not commands). Blocks in
a shell language are commands unless their first line reads like output; blocks in a
data or query language never are; any other block is one when its first line passes.
Where lines carry prompts (``$ ``, ``PS C:\\> ``, ``C:\\> ``), the prompted lines are
the commands, prompts stripped, and the rest is output.
"""

from __future__ import annotations

import re

from compiler.model import Command
from compiler.parse.vocab import Vocabulary

_PS_PROMPT = re.compile(r"^PS(?:\s+[^<>\n|]*)?>\s*")
# C:\Users\admin> — not "C:\k\tool.exe --iface=<IP>" (a path run with options).
_CMD_PROMPT = re.compile(r"^[A-Za-z]:\\(?:(?!\.exe\b|\s[-/])[^<>\n=|\"])*>\s*")
_SH_PROMPT = re.compile(r"^[$#]\s+")
_SPAN_PROMPTS = ((_PS_PROMPT, "powershell"), (_CMD_PROMPT, "cmd"), (_SH_PROMPT, "sh"))
_LINE_PROMPTS = ((_PS_PROMPT, "powershell"), (_CMD_PROMPT, "cmd"), (re.compile(r"^\$\s+"), "sh"))
"""Prompts at the start of a block's line: ``#`` is not one there (a shell comment)."""

_VERB_NOUN = re.compile(r"^([A-Za-z]+)-[A-Za-z][A-Za-z0-9]*$")
_PS_VARIABLE = re.compile(r"^\$[A-Za-z_][\w]*(?::[\w]+)?")
_BARE_VARIABLE = re.compile(r"^\$[A-Za-z_][\w]*(?::[\w]+)?$")
_STATIC_MEMBER = re.compile(r"^\[[A-Za-z_][\w.]*\]::[A-Za-z_]")
_ENV_PREFIX = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)+")
_FIRST_TOKEN = re.compile(r"^[^\s(){};|]+")
_COMMAND_WORD = re.compile(r"^[\w.\\/~%:-]+$")
_BARE_WORD = re.compile(r"^[A-Za-z][A-Za-z-]*$")
_TITLE_WORD = re.compile(r"^[A-Z][a-z]")
_WITH_PARAMETER = re.compile(r"\S+\s+-[A-Za-z]")
_PATH_SEP = re.compile(r"[\\/]")
_CONTINUED = re.compile(r"[`\\^]\s*$")
_SCRIPT_EXT = (".exe", ".com", ".cmd", ".bat", ".ps1", ".sh", ".vbs", ".js", ".py")
_SNAP_IN_EXT = (".msc", ".cpl")


def runnable(text: str, vocab: Vocabulary) -> tuple[bool, str | None]:
    """Whether one command line (prompt already stripped) starts like a command, and
    its language when the form tells (``powershell``)."""
    line = text.strip()
    if not line:
        return False, None
    rest = _ENV_PREFIX.sub("", line, count=1)
    if rest and rest != line:
        return runnable(rest, vocab)  # MSYS_NO_PATHCONV=1 docker run ...
    if line[0] == "&":  # & "$env:ProgramFiles\...\tool.exe" connect
        called = line[1:].lstrip()
        return called[:1] in ("'", '"', "$") or runnable(called, vocab)[0], "powershell"
    if line[0] == "(":  # (Get-SbecActiveConfig).text
        return runnable(line[1:], vocab)[0], "powershell"
    if _STATIC_MEMBER.match(line) or _PS_VARIABLE.match(line):
        return True, "powershell"
    m = _FIRST_TOKEN.match(line)
    if m is None:
        return False, None
    first = m.group(0)
    if _is_cmdlet(first, line, vocab):
        return True, "powershell"
    if not _COMMAND_WORD.match(first) or first.endswith(":") or first[0].isdigit():
        return False, None  # "nxautom+ 8567 ...", "Error:", "2017/06/20 ..." are output
    name = first.casefold().strip("'\"")
    base = _PATH_SEP.split(name)[-1]
    if base.endswith(_SNAP_IN_EXT):
        return True, None
    if name.startswith(("./", ".\\")):
        return True, None
    stem = base[:-4] if base.endswith((".exe", ".com")) else base
    if stem in vocab.programs or stem in vocab.standalone_programs:
        return True, None
    if base.endswith(_SCRIPT_EXT) and (base != name or " " in line):
        return True, None  # C:\k\kube-proxy.exe --hostname-override=..., tool.exe /q
    return False, None


def _is_cmdlet(first: str, line: str, vocab: Vocabulary) -> bool:
    m = _VERB_NOUN.match(first)
    if m is None:
        return False
    if first[0].islower() and first == line.strip():
        return False  # `test-task`: a lower-case name alone is no cmdlet call
    verb = m.group(1).casefold()
    if verb in vocab.cmdlet_verbs:
        return True
    # Check-SbecConfig -Path ...: an unapproved verb, written as a cmdlet with a parameter.
    return first[0].isupper() and bool(_WITH_PARAMETER.match(line))


def as_command(code: str, line: int, vocab: Vocabulary) -> Command | None:
    """A code span as a command when it looks like one; prompts are stripped."""
    text = code.strip()
    if not text:
        return None
    for prompt, kind in _SPAN_PROMPTS:
        m = prompt.match(text)
        if m and len(text) > m.end():
            return Command(code=text[m.end() :], lang=kind, line=line)
    words = text.split()
    if len(words) == 1:
        if not _lone_command(text, vocab):
            return None
    elif _names_a_command(words, vocab):
        return None
    ok, lang = runnable(text, vocab)
    return Command(code=text, lang=lang, line=line) if ok else None


def _lone_command(word: str, vocab: Vocabulary) -> bool:
    """One word alone: a cmdlet, a program that is run as it is (``iisreset``), a snap-in,
    an expression (``$result.ErrorString``) — not a program, file or variable named."""
    if _BARE_VARIABLE.match(word):
        return False
    lowered = word.casefold()
    if lowered in vocab.standalone_programs or lowered.endswith(_SNAP_IN_EXT):
        return True
    if word[0] in "$([&":
        return True
    return _is_cmdlet(word, word, vocab)


def _names_a_command(words: list[str], vocab: Vocabulary) -> bool:
    """A program named, not run: "using `docker run`", "`kubectl port-forward` fails",
    "the `Dism RestoreHealth` command", "`Docker Desktop Access Denied`" — bare words
    after it that are one subcommand name or capitalised prose (no option, path, value
    or placeholder)."""
    first = words[0].casefold()
    if first.endswith((".exe", ".com")):
        first = first[:-4]
    rest = words[1:]
    if first not in vocab.programs or not all(_BARE_WORD.match(w) for w in rest):
        return False
    return len(rest) == 1 or any(_TITLE_WORD.match(w) for w in rest)


def block_command(code: str, lang: str | None, line: int, vocab: Vocabulary) -> Command | None:
    """A code block as a command, or None when it is output, data or a query."""
    if lang is not None and lang in vocab.not_command_langs:
        return None
    lines = code.rstrip("\n").split("\n")
    prompted, prompt_lang = _prompted_lines(lines)
    if prompted:
        return Command(code="\n".join(prompted), lang=lang or prompt_lang, line=line)
    first = next((x for x in lines if x.strip() and not _comment(x)), None)
    if first is None:
        return None
    if lang is not None and lang in vocab.shell_langs:
        if _reads_like_output(first):
            return None
        return Command(code="\n".join(lines), lang=lang, line=line)
    ok, guess = runnable(first, vocab)
    return Command(code="\n".join(lines), lang=lang or guess, line=line) if ok else None


def _prompted_lines(lines: list[str]) -> tuple[list[str], str | None]:
    """The lines after a prompt (with the lines they continue onto), prompts stripped."""
    out: list[str] = []
    lang: str | None = None
    continuing = False
    for raw in lines:
        stripped = raw.lstrip()
        if continuing:
            out.append(raw)
            continuing = bool(_CONTINUED.search(raw))
            continue
        for prompt, kind in _LINE_PROMPTS:
            m = prompt.match(stripped)
            if m and stripped[m.end() :].strip():
                out.append(stripped[m.end() :])
                lang = lang or kind
                continuing = bool(_CONTINUED.search(raw))
                break
    return out, lang


def _comment(line: str) -> bool:
    return line.lstrip().startswith(("#", "//", "::", "REM ", "rem "))


def _reads_like_output(line: str) -> bool:
    """A shell block's first line that no shell would take: "nxautom+  8567 ...", "Error: ..."."""
    text = line.strip()
    if text[0] in "$&([.'\"@~/\\%":
        return False
    if _PROPERTY_LINE.match(text):
        return True  # "ComputerName     : server01": PowerShell's list output
    m = _FIRST_TOKEN.match(text)
    first = m.group(0) if m else text
    return not _COMMAND_WORD.match(first) or first.endswith(":") or first[0].isdigit()


_PROPERTY_LINE = re.compile(r"^[A-Za-z][\w.\-]*(?: [\w.\-]+)*\s+:(?:\s|$)")
