"""PowerShell checklist scripts (build/ps1/): grammar, safety, 5.1 constraints, seed golden.

No ``pwsh`` exists here, so every generated script is parsed with tree-sitter-pwsh (a
real PowerShell grammar): no ERROR or MISSING node, and the same command invocations
whatever the document says. Tests that run the scripts are at the end; they are
skipped where ``pwsh`` is absent and run where it is installed.

Golden file: ``tests/golden/ps1/000_seed_mars_agent_ja.ps1`` holds the seed's script
as text with LF line ends and without the BOM (readable diffs); the bytes written are
that text with a BOM and CRLF, which ``test_scripts_are_utf8_bom_crlf`` checks.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_pwsh

from compiler.build import build
from compiler.compile import compile_sources
from compiler.config import Config
from compiler.graph import RunbookGraph, build_graph
from compiler.model import (
    Cause,
    Checklist,
    ChecklistItem,
    Command,
    Document,
    ErrorEntry,
    Item,
    Jump,
    Note,
    Procedure,
    Section,
    Step,
)
from compiler.powershell.commands import classify, load_rules
from compiler.powershell.literals import KEYWORDS, clean, quote, render
from compiler.powershell.questions import ask, load_questions
from compiler.powershell.script import (
    BOM,
    encode_script,
    make_kit,
    render_script,
    runbook_data,
    script_path,
)
from compiler.strings import template_dirs

from .conftest import SEED, SOURCE_DOCS, MakeSource, check_golden

CORPUS = sorted(p for p in SOURCE_DOCS.rglob("*.md") if p.name != "NOTICE.md")
SEED_ID = "000_seed_mars_agent_ja"
SEED_PROC = "troubleshoot-restore-issues-procedure"
SEED_CHECKLIST = "backups-dont-run-according-to-the-schedule-checklist"


# -- a PowerShell grammar ------------------------------------------------------------


@dataclass
class Parsed:
    """What tree-sitter-pwsh sees in a script."""

    problems: list[str]
    """ERROR and MISSING nodes, with their position."""
    commands: list[str]
    """Every command invocation: its invocation operator (if any) and name."""
    parameters: dict[str, set[str]] = field(default_factory=dict)
    """Parameter names used per command name."""
    strings: list[str] = field(default_factory=list)
    """The value of every single-quoted literal."""
    expandable: list[str] = field(default_factory=list)
    """Every double-quoted string, as written."""
    variables: set[str] = field(default_factory=set)
    node_types: set[str] = field(default_factory=set)
    skeleton: str = ""
    """The tree with string and number values left out: the script's shape."""


_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_pwsh.language()))
_QUOTES = "'\u2018\u2019\u201a\u201b"


def parse_ps(data: bytes) -> Parsed:
    tree = _PARSER.parse(data)
    out = Parsed(problems=[], commands=[])
    shape: list[str] = []

    def text(node: tree_sitter.Node) -> str:
        return data[node.start_byte : node.end_byte].decode("utf-8")

    def visit(node: tree_sitter.Node, depth: int) -> None:
        out.node_types.add(node.type)
        if node.is_error or node.is_missing:
            out.problems.append(f"{node.type} at {node.start_point}: {text(node)[:80]!r}")
        if node.type == "string_literal":
            raw = text(node)
            if raw[:1] in _QUOTES:
                out.strings.append(unquote(raw))
            else:
                out.expandable.append(raw)
            shape.append(f"{depth} STRING")
            return
        if node.type in ("decimal_integer_literal", "hexadecimal_integer_literal"):
            shape.append(f"{depth} NUMBER")
            return
        if node.type == "variable":
            out.variables.add(text(node).lower())
        if node.type == "command":
            name = node.child_by_field_name("command_name")
            ops = [text(c) for c in node.children if c.type == "command_invocation_operator"]
            command = " ".join([*ops, text(name) if name else "?"])
            out.commands.append(command)
            params = out.parameters.setdefault(command, set())
            for elements in node.children:
                if elements.type == "command_elements":
                    params.update(
                        text(c).rstrip(":").lower()
                        for c in elements.children
                        if c.type == "command_parameter"
                    )
        leaf = node.child_count == 0
        shape.append(f"{depth} {node.type}" + (f" {text(node)}" if leaf and node.is_named else ""))
        for child in node.children:
            visit(child, depth + 1)

    visit(tree.root_node, 0)
    out.skeleton = "\n".join(shape)
    return out


def unquote(literal: str) -> str:
    """A single-quoted literal's value, by PowerShell's rules (any of 4 quotes, doubled)."""
    assert literal[0] in _QUOTES and literal[-1] in _QUOTES, literal
    body = literal[1:-1]
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char in _QUOTES:
            assert i + 1 < len(body) and body[i + 1] in _QUOTES, f"lone quote in {literal!r}"
            i += 1
        out.append(char)
        i += 1
    return "".join(out)


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ps1")
    build(SOURCE_DOCS, out, Config(root=SOURCE_DOCS.parent), formats=["ps1"], jobs=1)
    return out


@pytest.fixture(scope="module")
def seed_graph(tmp_path_factory: pytest.TempPathFactory) -> RunbookGraph:
    folder = tmp_path_factory.mktemp("seed")
    shutil.copyfile(SEED, folder / SEED.name)
    return compile_sources(folder, Config(root=folder), jobs=1).graph


def corpus_id(path: Path) -> str:
    return path.relative_to(SOURCE_DOCS).as_posix()[: -len(".md")]


# -- every corpus document ------------------------------------------------------------

# What the runtime may call: its own functions and cmdlets that exist in Windows PowerShell
# 5.1, each with the parameters it has there.
RUNTIME_FUNCTIONS = {
    "Get-UiText",
    "Write-Evidence",
    "Find-Choice",
    "Read-Answer",
    "Write-Heading",
    "Write-Lines",
    "Invoke-DocCommand",
    "Invoke-CheckItem",
    "Write-Notes",
    "Invoke-Entry",
    "Invoke-Procedure",
    "Invoke-Checklist",
    "Invoke-MenuItem",
    "Select-MenuItem",
}
CMDLETS_51 = {
    "ConvertFrom-Json": {"-inputobject"},
    "ConvertTo-Json": {"-inputobject", "-compress", "-depth"},
    "Get-Date": {"-format"},
    "Get-Location": set(),
    "Join-Path": {"-path", "-childpath"},
    "New-Module": {"-name", "-scriptblock"},
    "New-Object": {"-typename", "-argumentlist"},
    "Out-String": {"-width"},
    "Read-Host": {"-prompt"},
    "Sort-Object": set(),
    "Write-Host": {"-foregroundcolor"},
    "Write-Warning": set(),
}
INVOKED_VARIABLES = {"& $block", ". $Script:DocSession", "& $env:ComSpec"}
PS7_ONLY_NODES = {"ternary_expression", "null_coalesce_expression", "pipeline_chain_tail"}
PS7_ONLY_VARIABLES = {"$psstyle", "$iswindows", "$islinux", "$ismacos", "$iscoreclr"}


@pytest.mark.parametrize("path", CORPUS, ids=corpus_id)
def test_every_corpus_script_parses(corpus_out: Path, path: Path) -> None:
    data = (corpus_out / script_path(corpus_id(path))).read_bytes()
    parsed = parse_ps(data)
    assert parsed.problems == []
    assert parsed.commands, "the runtime is missing"


def test_scripts_are_utf8_bom_crlf(corpus_out: Path) -> None:
    scripts = sorted((corpus_out / "ps1").rglob("*.ps1"))
    assert len(scripts) == len(CORPUS)
    for script in scripts:
        data = script.read_bytes()
        assert data.startswith(BOM), script
        assert data.count(b"\n") == data.count(b"\r\n"), f"{script}: a line ends without CR"
        assert data.count(b"\r") == data.count(b"\r\n"), f"{script}: a lone CR"
        data[len(BOM) :].decode("utf-8")  # strict
        assert BOM not in data[len(BOM) :]


def test_scripts_keep_to_windows_powershell_51(corpus_out: Path) -> None:
    """No PowerShell 7 syntax, variables or cmdlets; every cmdlet with 5.1's parameters."""
    template = (template_dirs("powershell")[-1] / "runbook.ps1.j2").read_text(encoding="utf-8")
    for script in sorted((corpus_out / "ps1").rglob("*.ps1")):
        parsed = parse_ps(script.read_bytes())
        assert not parsed.node_types & PS7_ONLY_NODES, script
        assert not parsed.variables & PS7_ONLY_VARIABLES, script
        for command, params in parsed.parameters.items():
            if command in RUNTIME_FUNCTIONS or command in INVOKED_VARIABLES:
                continue
            assert command in CMDLETS_51, f"{script}: {command} is not known to exist in 5.1"
            assert params <= CMDLETS_51[command], f"{script}: {command} {params}"
        # Double-quoted strings are the runtime's own, never the document's.
        for literal in parsed.expandable:
            assert literal in template, literal
    for token in ("??", "?.", "&&", "||", "-Parallel", "-AsHashtable", "utf8NoBOM", "::new("):
        assert token not in template, token


# -- safety: document text is data --------------------------------------------------------

HOSTILE = (
    "x'; Remove-Item -Recurse C:\\ ; 'y\n"
    "'@\n"
    "Remove-Item C:\\ -Recurse -Force\n"
    "@'\n"
    '$(Stop-Computer -Force) `$(whoami)` "$(Get-Process)" ${env:PATH} `n `" \n'
    "; | Remove-Item . && rm -rf / || Stop-Service x # <# #>\n"
    "\u2019; Stop-Service w \u2018 \u201a \u201b \u201c \u201d ''\n"
    "{{ data }} {% if true %}x{% endif %} \r\n\x00\x07\u2028\ufeff end"
)
HARMLESS = "plain words"


def _document(text: str, lang: str = "powershell") -> Document:
    """Every text field of the model set to ``text``; the same shape for any text."""
    code = Command(code=text, lang=lang, line=5)
    steps = [
        Step(
            number=n,
            text=text,
            line=10 + n,
            children=[Item(text=text, line=10 + n, children=[Item(text=text, line=10 + n)])],
            commands=[code] if n == 2 else [],
            jumps=[Jump(to=4, condition=text, line=13, phrase=text)] if n == 3 else [],
        )
        for n in range(1, 5)
    ]
    return Document(
        id=f"hostile/{text[:12]}",
        source=f"hostile/{text[:12]}.md",
        title=text,
        locale="ja-JP",
        sha256=text,
        sections=[Section(anchor=text, title=text, level=2, line=1)],
        errors=[
            ErrorEntry(
                id=text,
                section=text,
                line=2,
                message=text,
                codes=[text, "34513"],
                causes=[Cause(text=text, line=3)],
                actions=[Item(text=text, line=4, children=[Item(text=text, line=4)])],
                context=text,
            )
        ],
        procedures=[
            Procedure(id=text, title=text, line=10, section=text, steps=steps, fallback=text)
        ],
        checklists=[
            Checklist(
                id=text,
                title=text,
                line=20,
                section=text,
                items=[ChecklistItem(text=text, line=21, commands=[code])],
            )
        ],
        notes=[Note(kind="tip", text=text, line=22)],
    )


def _script(doc: Document) -> bytes:
    graph = build_graph([doc])
    return encode_script(render_script(graph, doc, make_kit()))


def test_hostile_document_has_the_same_invocations_and_shape() -> None:
    hostile = parse_ps(_script(_document(HOSTILE)))
    harmless = parse_ps(_script(_document(HARMLESS)))
    assert hostile.problems == []
    assert Counter(hostile.commands) == Counter(harmless.commands)
    assert hostile.parameters == harmless.parameters
    assert hostile.variables == harmless.variables
    assert hostile.skeleton == harmless.skeleton
    # ... and the text arrives intact, as data (a line break in a literal is the file's CRLF).
    value = clean(HOSTILE).replace("\n", "\r\n")
    assert value in hostile.strings
    assert hostile.strings.count(value) == harmless.strings.count(HARMLESS) > 10


def test_hostile_markdown_through_the_whole_build(make_source: MakeSource, tmp_path: Path) -> None:
    """The same through parser and graph: a document full of PowerShell syntax."""
    line = (
        "$(Remove-Item C:\\) `whoami` ; \"x\" 'y' | Remove-Item -Recurse && Stop-Computer \u2019z"
    )
    hostile = f"""---
title: "{line.replace('"', "'")}"
---
# {line}

## Error {line}

**Error message:** {line} (ID: 34513)

**Cause:** {line}

**Resolution:**

- {line}
- Run `Remove-Item -Recurse C:\\; Stop-Computer`.

## Steps {line}

1. {line}
2. If you see it, go to step 4. {line}
3. Run this:

   ```powershell
   '@
   Remove-Item C:\\ -Recurse; Stop-Computer -Force
   @'
   $(Invoke-Expression 'x')
   ```

4. {line}

If it still fails, {line}
"""
    harmless = re.sub(r"[$`;\"'|&\\\u2019@]", "", hostile.replace(line, "plain"))
    src = make_source({"hostile.md": hostile, "plain.md": harmless})
    build(src, tmp_path, Config(root=src), formats=["ps1"], jobs=1)
    a = parse_ps((tmp_path / "ps1/hostile.ps1").read_bytes())
    b = parse_ps((tmp_path / "ps1/plain.ps1").read_bytes())
    assert a.problems == [] and b.problems == []
    assert Counter(a.commands) == Counter(b.commands)
    assert a.parameters == b.parameters
    assert "Remove-Item C:\\ -Recurse; Stop-Computer -Force" in "\n".join(a.strings).replace(
        "\r", ""
    )


def test_quote_doubles_every_powershell_quote() -> None:
    assert quote("it's") == "'it''s'"
    assert (
        quote("it\u2019s \u2018x\u201b \u201a")
        == "'it\u2019\u2019s \u2018\u2018x\u201b\u201b \u201a\u201a'"
    )
    assert quote('$(x) `n "y"') == "'$(x) `n \"y\"'"
    assert quote("a\r\nb\rc\x00\u2028") == "'a\nb\nc'"
    for text in (HOSTILE, "'", "''", "\u2019'", "'@\n@'"):
        assert unquote(quote(text)) == clean(text)


def test_render_writes_literals_only() -> None:
    assert render({"A": [1, True, None], "B": {}, "if": "x"}) == (
        "@{\n    A = @(\n        1,\n        $true,\n        $null\n    )\n    B = @{}\n    'if' = 'x'\n}"
    )
    assert render(["a", "b"]) == "@('a', 'b')"
    assert {"if", "from", "command", "data"} <= KEYWORDS
    with pytest.raises(TypeError):
        render(object())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("doc_id", "expected"),
    [
        ("000_seed_mars_agent_ja", "ps1/000_seed_mars_agent_ja.ps1"),
        ("azure-docs-en/backup", "ps1/azure-docs-en/backup.ps1"),
        ("../../etc/passwd", "ps1/_/_/etc/passwd.ps1"),
        ("a b/c'd$(x)", "ps1/a_b/c_d__x_.ps1"),
        ("日本語/トラブル", "ps1/日本語/トラブル.ps1"),
    ],
)
def test_script_path_is_sanitised(doc_id: str, expected: str) -> None:
    assert script_path(doc_id) == expected


# -- the seed ------------------------------------------------------------------------------


def test_seed_golden(seed_graph: RunbookGraph) -> None:
    doc = seed_graph.document(SEED_ID)
    assert doc is not None
    text = render_script(seed_graph, doc, make_kit())
    check_golden(f"ps1/{SEED_ID}.ps1", text)
    assert render_script(seed_graph, doc, make_kit()) == text  # deterministic


def test_seed_data(seed_graph: RunbookGraph) -> None:
    doc = seed_graph.document(SEED_ID)
    assert doc is not None
    data = runbook_data(seed_graph, doc, make_kit())
    runbook = data["Runbook"]
    assert isinstance(runbook, dict)
    assert runbook["Sha256"] == doc.sha256 and len(doc.sha256) == 64
    assert runbook["Source"] == "000_seed_mars_agent_ja.md"
    strings = data["Strings"]
    assert isinstance(strings, dict)
    assert strings["item_choices"] == "[Y] 完了 / [N] いいえ / [S] スキップ / [Q] 終了"
    entries = data["Entries"]
    assert isinstance(entries, list) and len(entries) == 6
    first = entries[0]
    assert isinstance(first, dict)
    assert first["Key"] == "entry:invalid-vault-credentials-provided"
    assert first["Codes"] == ["34513"]
    assert isinstance(first["Causes"], list) and len(first["Causes"]) == 5
    procs = data["Procedures"]
    assert isinstance(procs, list) and len(procs) == 1
    proc = procs[0]
    assert isinstance(proc, dict)
    assert proc["Key"] == f"proc:{SEED_PROC}"
    assert str(proc["Fallback"]).startswith("それでも回復が失敗する場合は")
    steps = proc["Steps"]
    assert isinstance(steps, list)
    step3 = steps[2]
    assert isinstance(step3, dict)
    assert step3["Next"] == 4
    assert step3["Jumps"] == [
        {
            "To": 7,
            "Kind": "forward",
            "Condition": "見つかった場合は",
            "Ask": True,
            "Question": "見つかりましたか?",
            "Skip": [],
        }
    ]
    assert walk(proc, {f"proc:{SEED_PROC}/step/3/condition": "yes"}) == [1, 2, 3, 7, 8, 9]
    assert walk(proc, {}) == list(range(1, 10))
    lists = data["Checklists"]
    assert isinstance(lists, list)
    commands = [
        c
        for item in lists[0]["Items"]
        for c in item["Commands"]  # type: ignore[index]
    ]
    assert commands == [
        {"Text": "$PSVersionTable.PSVersion", "Shell": "powershell", "Changes": False},
        {"Text": "Get-ExecutionPolicy -List", "Shell": "powershell", "Changes": False},
        {"Text": "Set-ExecutionPolicy Unrestricted", "Shell": "powershell", "Changes": True},
    ]
    notes = lists[0]["Notes"]  # type: ignore[index]
    assert notes == [{"Kind": "tip", "Text": doc.notes[0].text}]


def walk(proc: dict[str, object], answers: dict[str, str]) -> list[int]:
    """The runtime's walk (Invoke-Procedure) over the data, in Python."""
    steps = {s["Number"]: s for s in proc["Steps"]}  # type: ignore[attr-defined]
    current, seen, skipped = proc["Start"], [], set()
    while current and len(seen) < 100:
        step = steps[current]
        seen.append(current)
        target = step["Next"]
        for k, jump in enumerate(step["Jumps"], 1):
            key = f"{proc['Key']}/step/{current}/condition" + (f"/{k}" if k > 1 else "")
            if not jump["Ask"] or answers.get(key) == "yes":
                target = jump["To"]
                skipped.update(jump["Skip"])
                break
        while target and target in skipped and target in steps:
            target = steps[target]["Next"]
        current = target
    return seen


def test_skip_steps_pass_over_every_step_named(make_source: MakeSource) -> None:
    text = (
        "# Subnet\n\n1. Check. If the range is a subset, skip steps 2 and 4.\n"
        "2. Make a subnet.\n3. Make a gateway.\n4. Route.\n5. Done.\n"
    )
    root = make_source({"subnet.md": text})
    graph = compile_sources(root, Config(root=root), jobs=1).graph
    doc = graph.document("subnet")
    assert doc is not None
    procs = runbook_data(graph, doc, make_kit())["Procedures"]
    assert isinstance(procs, list)
    proc = procs[0]
    jumps = proc["Steps"][0]["Jumps"]  # type: ignore[index]
    assert [(j["To"], j["Kind"], j["Skip"]) for j in jumps] == [(3, "skip", [2, 4])]
    assert walk(proc, {f"{proc['Key']}/step/1/condition": "yes"}) == [1, 3, 5]
    assert walk(proc, {}) == [1, 2, 3, 4, 5]


def test_english_script_speaks_english(corpus_out: Path) -> None:
    data = (corpus_out / "ps1/azure-docs-en/backup-azure-mars-troubleshoot.ps1").read_bytes()
    strings = parse_ps(data).strings
    assert "[Y]es done / [N]o / [S]kip / [Q]uit" in strings
    assert "[Y] 完了 / [N] いいえ / [S] スキップ / [Q] 終了" not in strings


# -- rules: commands and questions ------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "lang", "shell", "changes"),
    [
        ("$PSVersionTable.PSVersion", "powershell", "powershell", False),
        ("Get-ExecutionPolicy -List", "powershell", "powershell", False),
        ("Set-ExecutionPolicy Unrestricted", "powershell", "powershell", True),
        ("Get-Service | Stop-Service", "powershell", "powershell", True),
        ("Get-Service | ForEach-Object { Restart-Service $_ }", None, "powershell", True),
        ("Get-WinEvent -FilterHashtable @{LogName='System'; ID=4625}", None, "powershell", False),
        ("Test-ComputerSecureChannel -Repair", None, "powershell", True),
        ("ipconfig /all", "cmd", "cmd", False),
        ("ipconfig /release", "cmd", "cmd", True),
        ("sc query wuauserv", "powershell", "powershell", True),  # Set-Content in 5.1
        ("sc.exe query wuauserv", "powershell", "powershell", False),
        ("sc query wuauserv", "cmd", "cmd", False),
        ("sc delete wuauserv", "cmd", "cmd", True),
        ("net stop wuauserv", "cmd", "cmd", True),
        ("reg add HKLM\\Software\\X /v Y /d 1", "cmd", "cmd", True),
        ("reg query HKLM\\Software\\X", "cmd", "cmd", False),
        ("del C:\\Windows\\Temp\\*.tmp", "cmd", "cmd", True),
        ("netsh winhttp show proxy", None, "powershell", False),
        ("netsh winhttp reset proxy", None, "powershell", True),
        ("repadmin /showrepl * /csv > showrepl.csv", None, "powershell", True),
        ("$vm.VM.ProvisionGuestAgent = $true", "powershell", "powershell", True),
        ("[IO.File]::Delete('x')", "powershell", "powershell", True),
        (".\\armclient.exe get https://x", None, "powershell", True),
        ("kubectl get pods", "sh", None, False),
        ("rm -rf /", "bash", None, True),
    ],
)
def test_command_classification(
    code: str, lang: str | None, shell: str | None, changes: bool
) -> None:
    info = classify(Command(code=code, lang=lang, line=1), load_rules(template_dirs("powershell")))
    assert (info.shell, info.changes) == (shell, changes)


@pytest.mark.parametrize(
    ("condition", "lang", "question"),
    [
        ("見つかった場合は", "ja", "見つかりましたか?"),
        ("もし、成功した場合", "ja", "成功しましたか?"),
        ("エラーが表示されない場合は", "ja", "「エラーが表示されない場合は」に当てはまりますか?"),
        ("If you locate it", "en", "Did you locate it?"),
        ("If the service is running", "en", "Is the service running?"),
        ("iOS 12.2 and later", "en", "iOS 12.2 and later?"),
    ],
)
def test_condition_questions(condition: str, lang: str, question: str) -> None:
    assert ask(condition, lang, load_questions(template_dirs("powershell"))) == question


def test_admin_templates_override(tmp_path: Path, seed_graph: RunbookGraph) -> None:
    """An admin's templates/powershell/ wins; an admin's template still quotes what it prints."""
    folder = tmp_path / "powershell"
    folder.mkdir()
    (folder / "runbook.ps1.j2").write_text(
        '# custom\n{{ data }}\nWrite-Host {{ "a\'b" }}\n', encoding="utf-8"
    )
    doc = seed_graph.document(SEED_ID)
    assert doc is not None
    text = render_script(seed_graph, doc, make_kit(tmp_path))
    assert text.startswith("# custom\n$Runbook = @{")
    assert text.endswith("Write-Host 'a''b'\n")


# -- running the scripts (where pwsh exists) -------------------------------------------------

requires_pwsh = pytest.mark.skipif(
    shutil.which("pwsh") is None, reason="pwsh is not installed here; these run where it is"
)


def run_seed(
    corpus_out: Path, tmp_path: Path, answers: dict[str, str], *args: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, object]]]:
    answers_file = tmp_path / "answers.json"
    answers_file.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    log = tmp_path / "evidence.jsonl"
    pwsh = shutil.which("pwsh")
    assert pwsh is not None
    command = [pwsh, "-NoLogo", "-NoProfile", "-NonInteractive", "-File"]
    command += [str(corpus_out / script_path(SEED_ID)), *args, "-NonInteractive"]
    command += ["-AnswersFile", str(answers_file), "-LogPath", str(log)]
    run = subprocess.run(
        command, capture_output=True, text=True, encoding="utf-8", timeout=300, check=False
    )
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return run, records


@requires_pwsh
def test_pwsh_walks_the_seed_procedure(corpus_out: Path, tmp_path: Path) -> None:
    key = f"proc:{SEED_PROC}"
    answers = {f"{key}/step/{n}": "Y" for n in range(1, 10)}
    answers[f"{key}/step/3/condition"] = "yes"
    run, records = run_seed(corpus_out, tmp_path, answers, "-Procedure", SEED_PROC)
    assert run.returncode == 0, run.stderr
    assert records[0]["event"] == "start"
    assert records[-1] == {**records[-1], "event": "end", "status": "completed"}
    assert {r["run"] for r in records} == {records[0]["run"]}
    assert {r["runbook"] for r in records} == {SEED_ID}
    assert len({r["sha256"] for r in records}) == 1 and len(str(records[0]["sha256"])) == 64
    assert records[0]["machine"] and records[0]["user"]
    answered = [
        int(str(r["step"]).rsplit("/", 1)[1])
        for r in records
        if r["event"] == "answer" and re.fullmatch(rf"{key}/step/\d+", str(r["step"]))
    ]
    assert answered == [1, 2, 3, 7, 8, 9]
    condition = next(r for r in records if r["step"] == f"{key}/step/3/condition")
    assert condition["answer"] == "yes" and condition["text"] == "見つかりましたか?"
    assert any(r["event"] == "fallback" for r in records)


@requires_pwsh
def test_pwsh_goes_straight_to_an_error_code(corpus_out: Path, tmp_path: Path) -> None:
    run, records = run_seed(corpus_out, tmp_path, {}, "-ErrorCode", "34513")
    assert run.returncode == 0, run.stderr
    opened = [r["step"] for r in records if r["event"] == "open"]
    assert opened == ["entry:invalid-vault-credentials-provided"]
    answers = [r for r in records if r["event"] == "answer"]
    assert len(answers) == 5 + 10 and {r["answer"] for r in answers} == {"S"}


@requires_pwsh
def test_pwsh_runs_reading_commands_and_whatif_skips_changes(
    corpus_out: Path, tmp_path: Path
) -> None:
    key = f"check:{SEED_CHECKLIST}"
    answers = {
        f"{key}/item/3/command/1": "run",  # $PSVersionTable.PSVersion
        f"{key}/item/5/command/1": "run",  # Get-ExecutionPolicy -List
        f"{key}/item/5/command/2": "run",  # Set-ExecutionPolicy Unrestricted
    }
    run, records = run_seed(corpus_out, tmp_path, answers, "-Procedure", SEED_CHECKLIST, "-WhatIf")
    assert run.returncode == 0, run.stderr
    commands = {r["step"]: r for r in records if r["event"] == "command"}
    assert commands[f"{key}/item/3/command/1"]["status"] == "ok"
    assert re.search(r"\d", str(commands[f"{key}/item/3/command/1"]["output"]))
    assert commands[f"{key}/item/5/command/1"]["status"] == "ok"
    assert commands[f"{key}/item/5/command/2"]["status"] == "whatif"


@requires_pwsh
def test_pwsh_never_runs_a_change_unattended(corpus_out: Path, tmp_path: Path) -> None:
    run, records = run_seed(corpus_out, tmp_path, {}, "-Procedure", SEED_CHECKLIST)
    assert run.returncode == 0, run.stderr
    statuses = {r["text"]: r["status"] for r in records if r["event"] == "command"}
    assert statuses["Set-ExecutionPolicy Unrestricted"] == "skipped"


@requires_pwsh
def test_pwsh_unknown_code_exits_2(corpus_out: Path, tmp_path: Path) -> None:
    run, records = run_seed(corpus_out, tmp_path, {}, "-ErrorCode", "99999999")
    assert run.returncode == 2
    assert records[-1]["status"] == "not-found"
