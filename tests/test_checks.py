"""Each check rule: a document that breaks it gets the diagnostic, a clean one does not."""

from __future__ import annotations

from pathlib import Path

from compiler.compile import compile_sources
from compiler.config import Config

from .conftest import MakeSource


def _diagnostics(make_source: MakeSource, files: dict[str, str | bytes]) -> list[str]:
    root: Path = make_source(files)
    compilation = compile_sources(root, Config(root=root))
    return [str(d) for d in compilation.diagnostics.sorted()]


PROCEDURE = """# Fix it

1. Open the console.
2. Look for the service. If you find it, go to step {target}.
3. Install the service.
4. Restart the service.
"""


def test_dangling_jump_is_an_error(make_source: MakeSource) -> None:
    out = _diagnostics(make_source, {"a.md": PROCEDURE.format(target=9)})
    assert any(
        line.startswith("a.md:4:1: error:") and line.endswith("[jump-target]") for line in out
    ), out


def test_valid_jump_is_clean(make_source: MakeSource) -> None:
    assert _diagnostics(make_source, {"a.md": PROCEDURE.format(target=4)}) == []


def test_unreachable_step(make_source: MakeSource) -> None:
    text = "# X\n\n1. One.\n2. Go to step 4.\n3. Never reached.\n4. End.\n"
    out = _diagnostics(make_source, {"a.md": text})
    assert any(
        "a.md:5:1: warning: step 3" in line and "[unreachable-step]" in line for line in out
    ), out


def test_loop_without_exit(make_source: MakeSource) -> None:
    text = "# X\n\n1. One.\n2. Two.\n3. Return to step 2.\n4. End.\n"
    out = _diagnostics(make_source, {"a.md": text})
    assert any("[jump-loop]" in line and ": error:" in line for line in out), out


def test_conditional_loop_is_fine(make_source: MakeSource) -> None:
    text = "# X\n\n1. One.\n2. Two.\n3. If it still fails, return to step 2.\n4. End.\n"
    assert not any("[jump-loop]" in line for line in _diagnostics(make_source, {"a.md": text}))


def test_entry_without_action(make_source: MakeSource) -> None:
    text = "# X\n\n| Error | Resolution |\n| --- | --- |\n| Boom (ID: 1234) | |\n"
    out = _diagnostics(make_source, {"a.md": text})
    assert out == ["a.md:5:1: warning: error entry '1234' has no recommended action [no-action]"]


def test_wrong_cell_count(make_source: MakeSource) -> None:
    text = "# X\n\n| Error | Resolution |\n| --- | --- |\n| Boom | Fix | extra |\n| Bang |\n"
    out = _diagnostics(make_source, {"a.md": text})
    assert any(line.startswith("a.md:5:1: warning: table row has 3 cells") for line in out), out
    assert any(line.startswith("a.md:6:1: warning: table row has 1 cells") for line in out), out


def test_broken_links_and_anchors(make_source: MakeSource) -> None:
    files = {
        "a.md": "# A\n\n[ok](b.md#there) [bad anchor](b.md#nowhere) [gone](missing.md) [self](#a) [x](#nope)\n",
        "b.md": '# B\n\n## <a name="there"></a>There\n',
    }
    out = _diagnostics(make_source, files)
    broken = [line for line in out if "[broken-link]" in line]
    assert len(broken) == 3, broken
    assert any("b.md has no anchor '#nowhere'" in line for line in broken)
    assert any("'missing.md': no such file" in line for line in broken)
    assert any("'#nope'" in line for line in broken)


def test_unresolved_include(make_source: MakeSource) -> None:
    files = {
        "a.md": "# A\n\n[!INCLUDE [d](../includes/d.md)]\n\n[!INCLUDE [ok](inc.md)]\n",
        "inc.md": "x\n",
    }
    out = _diagnostics(make_source, files)
    assert [line for line in out if "[include]" in line] == [
        "a.md:3:1: warning: include '../includes/d.md' not found in the source folder; its text is "
        "missing from this runbook — copy the include next to the documents or remove it [include]"
    ]


def test_duplicate_anchor(make_source: MakeSource) -> None:
    text = '# A\n\n## <a name="x"></a>One\n\n## <a name="x"></a>Two\n'
    out = _diagnostics(make_source, {"a.md": text})
    assert any(line.startswith("a.md:5:1: warning: duplicate anchor 'x'") for line in out), out


def test_code_guidance_differs_between_documents(make_source: MakeSource) -> None:
    table = "# {t}\n\n| Error | Resolution |\n| --- | --- |\n| Boom (ID: 4242) | {fix} |\n"
    files = {
        "a.md": table.format(t="A", fix="Restart the agent."),
        "b.md": table.format(t="B", fix="Reinstall the agent."),
        "c.md": table.format(t="C", fix="Restart the agent."),
    }
    out = [line for line in _diagnostics(make_source, files) if "[code-guidance]" in line]
    assert out == [
        "b.md:5:1: warning: code 4242: the recommended actions differ from a.md; check which "
        "guidance is current [code-guidance]"
    ]
