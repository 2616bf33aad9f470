"""One document -> one PowerShell checklist script.

The script is a fixed runtime (``templates/powershell/runbook.ps1.j2``) plus a DATA
section that describes the runbook: entries, procedures (steps with their next step
and jumps), checklists, UI words. The data section is written by
:func:`compiler.powershell.literals.render`: hashtables, arrays and single-quoted
literals only, so the set of commands the script invokes never depends on the
document. The template itself can only insert values as quoted literals (see
:func:`_finalize`), except the data section, which is :class:`PsCode`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from compiler.graph import RunbookGraph
from compiler.model import (
    Checklist,
    Command,
    Document,
    ErrorEntry,
    Item,
    Jump,
    Note,
    Procedure,
    Step,
)
from compiler.powershell.commands import (
    CommandRules,
    classify,
    load_rules,
    text_without_commands,
)
from compiler.powershell.literals import PsCode, PsValue, assignment, quote
from compiler.powershell.questions import QuestionRules, ask, load_questions
from compiler.strings import template_dirs, ui_strings

TEMPLATE = "runbook.ps1.j2"
BOM = b"\xef\xbb\xbf"
OUTPUT_DIR = "ps1"
LABEL_WIDTH = 72
"""Longest menu label (characters) before it is cut with an ellipsis."""
_UNSAFE = re.compile(r"[^\w.\-]", re.UNICODE)


@dataclass(slots=True)
class ScriptKit:
    """What every script of one build shares: template, command and question rules."""

    env: jinja2.Environment
    commands: CommandRules
    questions: dict[str, QuestionRules]
    extra_dir: Path | None


def make_kit(extra_dir: Path | None = None, cache: jinja2.BytecodeCache | None = None) -> ScriptKit:
    folders = template_dirs("powershell", extra_dir)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        bytecode_cache=cache,
        autoescape=False,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return ScriptKit(env, load_rules(folders), load_questions(folders), extra_dir)


def _finalize(value: object) -> str:
    """Anything the template prints is a quoted literal, unless it is our own PsCode."""
    if isinstance(value, PsCode):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return quote(str(value))


def script_path(doc_id: str) -> str:
    """``ps1/<doc id>.ps1``, each folder name reduced to letters, digits, ``._-``."""
    parts = [_UNSAFE.sub("_", p).lstrip(".") or "_" for p in doc_id.split("/") if p]
    return f"{OUTPUT_DIR}/{'/'.join(parts or ['_'])}.ps1"


def render_script(graph: RunbookGraph, doc: Document, kit: ScriptKit) -> str:
    """The script text, with ``\\n`` line ends (see :func:`encode_script`)."""
    data = runbook_data(graph, doc, kit)
    section = "\n\n".join(assignment(name, value) for name, value in data.items())
    text = kit.env.get_template(TEMPLATE).render(data=PsCode(section))
    return text.replace("\r\n", "\n")


def encode_script(text: str) -> bytes:
    """UTF-8 with a byte-order mark and CRLF: what Windows PowerShell 5.1 reads correctly."""
    return BOM + text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


# -- the data section ------------------------------------------------------------


def runbook_data(graph: RunbookGraph, doc: Document, kit: ScriptKit) -> dict[str, PsValue]:
    strings = ui_strings(doc.lang, "powershell", kit.extra_dir)
    return {
        "Runbook": {
            "Id": doc.id,
            "Source": doc.source,
            "Sha256": doc.sha256,
            "Title": doc.title,
            "Locale": doc.locale,
            "LogName": script_path(doc.id).rsplit("/", 1)[-1][: -len(".ps1")],
        },
        "Strings": dict(sorted(strings.items())),
        "Entries": [_entry(doc, e) for e in doc.errors],
        "Procedures": [_procedure(graph, doc, p, kit, strings) for p in doc.procedures],
        "Checklists": [_checklist(doc, c, kit) for c in doc.checklists],
    }


def _entry(doc: Document, entry: ErrorEntry) -> dict[str, PsValue]:
    title = _section_title(doc, entry.section) or _first_line(entry.message)
    label = _first_line(entry.message) or title
    if entry.codes:
        label = f"{_cut(label, LABEL_WIDTH - 12)} ({', '.join(entry.codes)})"
    return {
        "Key": f"entry:{entry.id}",
        "Id": entry.id,
        "Title": title,
        "Label": _cut(label, LABEL_WIDTH + 40),
        "Message": entry.message,
        "Codes": list(entry.codes),
        "Context": entry.context,
        "Causes": [c.text for c in entry.causes],
        "Actions": [{"Text": a.text, "Children": _lines(a.children)} for a in entry.actions],
        "Notes": _notes(doc, entry.section),
        "Line": entry.line,
    }


def _procedure(
    graph: RunbookGraph, doc: Document, proc: Procedure, kit: ScriptKit, strings: dict[str, str]
) -> dict[str, PsValue]:
    following = {a: b for a, b, kind, _ in graph.step_edges(doc.id, proc) if kind == "next"}
    steps: list[PsValue] = []
    for step in proc.steps:
        steps.append(
            {
                "Number": step.number,
                "Text": text_without_commands(step.text, step.commands),
                "Children": _lines(step.children)
                + [
                    f"{strings.get('image', 'Picture')}: {img.alt or img.src}"
                    for img in step.images
                ],
                "Commands": [_command(c, kit) for c in step.commands],
                "Next": following.get(step.number, 0),
                "Jumps": [_jump(j, step, doc, kit, strings) for j in proc.ways_on(step)],
                "Line": step.line,
            }
        )
    return {
        "Key": f"proc:{proc.id}",
        "Id": proc.id,
        "Title": proc.title,
        "Start": proc.steps[0].number if proc.steps else 0,
        "Fallback": proc.fallback or "",
        "Notes": _notes(doc, proc.section),
        "Steps": steps,
        "Line": proc.line,
    }


def _jump(
    jump: Jump, step: Step, doc: Document, kit: ScriptKit, strings: dict[str, str]
) -> dict[str, PsValue]:
    """``Ask`` false: go there without asking (an unconditional "go to step N").

    ``Skip``: the steps a "skip steps 2 and 4" leaves out; the script passes over each
    of them when it comes to it, not only the first."""
    if jump.condition:
        question = ask(jump.condition, doc.lang, kit.questions)
    elif jump.kind == "repeat":
        template = strings.get("repeat_range" if jump.last else "repeat_from", "")
        question = template.replace("{0}", str(jump.to)).replace("{1}", str(jump.last or ""))
    else:
        question = ""
    return {
        "To": jump.to,
        "Kind": jump.kind,
        "Condition": jump.condition or "",
        "Ask": bool(question),
        "Question": question,
        "Skip": [
            j.to
            for j in step.jumps
            if j.kind == "skip" and (j.line, j.phrase) == (jump.line, jump.phrase)
        ]
        if jump.kind == "skip"
        else [],
    }


def _checklist(doc: Document, checklist: Checklist, kit: ScriptKit) -> dict[str, PsValue]:
    return {
        "Key": f"check:{checklist.id}",
        "Id": checklist.id,
        "Title": checklist.title,
        "Notes": _notes(doc, checklist.section),
        "Items": [
            {
                "Text": text_without_commands(item.text, item.commands),
                "Children": _lines(item.children),
                "Commands": [_command(c, kit) for c in item.commands],
                "Line": item.line,
            }
            for item in checklist.items
        ],
        "Line": checklist.line,
    }


def _command(command: Command, kit: ScriptKit) -> dict[str, PsValue]:
    info = classify(command, kit.commands)
    return {"Text": info.text, "Shell": info.shell, "Changes": info.changes}


def _lines(items: list[Item], depth: int = 0) -> list[PsValue]:
    """Nested items as indented lines (the runtime prints them under their parent)."""
    out: list[PsValue] = []
    for item in items:
        out.append("  " * depth + item.text)
        out.extend(_lines(item.children, depth + 1))
    return out


def _notes(doc: Document, anchor: str) -> list[PsValue]:
    """The notes (TIP, NOTE, ...) written in the section ``anchor``."""
    start = end = None
    for section in doc.sections:
        if start is not None:
            end = section.line
            break
        if section.anchor == anchor:
            start = section.line
    if start is None:
        return []
    return [_note(n) for n in doc.notes if n.line >= start and (end is None or n.line < end)]


def _note(note: Note) -> dict[str, Any]:
    return {"Kind": note.kind, "Text": note.text}


def _section_title(doc: Document, anchor: str) -> str:
    return next((s.title for s in doc.sections if s.anchor == anchor), "")


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip()


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
