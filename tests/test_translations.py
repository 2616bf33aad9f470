"""Language versions of one runbook: pairing, matching, drift, and where they show."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compiler.build import build
from compiler.cli import run
from compiler.compile import compile_sources
from compiler.config import Config, ConfigError, load_config
from compiler.diagnostics import Severity
from compiler.generators.json_export import export
from compiler.parse.document import path_locale
from compiler.translations import (
    anchor_similarity,
    drift,
    handbook_selection,
    render_text,
    report,
    report_json,
    shape,
)

from .conftest import ROOT, SOURCE_DOCS, MakeSource, check_golden

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "translations"
CORPUS_CONFIG = ROOT / "runbooks.toml"
LABELLED = ROOT.parent / "shared" / "labelled"

EN = """---
title: Agent errors
ms.date: 07/15/2019
---
# Agent errors

## Invalid credentials

| Error | Cause | Recommended action |
| --- | --- | --- |
| Invalid vault credentials (ID: 34513) | The credentials expired. | Download new credentials. |

## Unable to connect

| Error | Cause | Recommended action |
| --- | --- | --- |
| Cannot connect to the service (ID: 100050) | A proxy blocks it. | Allow the proxy. |

## Restore problems

1. Cancel the mount.
2. Check the agent version.
3. Look for the initiator. If you locate it, go to step 5.
4. Update the driver.
5. Restart the service:

   ```powershell
   Restart-Service msiscsi
   ```
"""

JA = """---
title: エージェントのエラー
ms.date: 02/18/2019
ms.translationtype: HT
ms.contentlocale: ja-JP
---
# <a name="agent-errors"></a>エージェントのエラー

## <a name="invalid-credentials"></a>無効な資格情報

| エラー | 原因 | 推奨アクション |
| --- | --- | --- |
| 無効な資格情報です (ID: 34513) | <ul><li>資格情報の期限が切れています。<li>資格情報がネットワーク上にあります。</ul> | 新しい資格情報をダウンロードします。 |

## <a name="restore-issues"></a>復元の問題

1. マウントを取り消します。
2. エージェントのバージョンを確認します。
3. イニシエーターを探します。見つかった場合は、手順 5 に進みます。
4. ドライバーを更新します。
5. サービスを再起動します。
"""

FOLDERS = '[translations]\nfolders = [{ en = "en", ja = "ja" }]\n'


def _config(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "runbooks.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def _corpus_config() -> Config:
    return load_config(CORPUS_CONFIG)


# -- locale and configuration -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "locale"),
    [
        ("azure-docs-ja/a.md", "ja"),
        ("azure-docs-en/a.md", "en"),
        ("docs.ja-jp/a.md", "ja-JP"),
        ("ja/sub/a.md", "ja"),
        ("x/zh-hans/a.md", "zh-Hans"),
        ("kubernetes-website/a.md", None),
        ("build-id/a.md", None),  # "id" is not taken for a language
        ("a.md", None),
    ],
)
def test_a_folder_names_the_locale(path: str, locale: str | None) -> None:
    assert path_locale(path) == locale


def test_front_matter_wins_over_the_folder_and_the_folder_over_the_text(
    make_source: MakeSource,
) -> None:
    src = make_source(
        {
            "docs-ja/a.md": "# A\n\nEnglish text, not yet translated.\n",
            "docs-ja/b.md": "---\nlang: en-US\n---\n# B\n",
            "docs-ja/c.md": "# C\n\n" + "これは日本語の文章です。" * 10 + "\n",
        }
    )
    docs = {d.id: d.locale for d in compile_sources(src, Config(root=src)).graph.documents()}
    assert docs == {"docs-ja/a": "ja", "docs-ja/b": "en-US", "docs-ja/c": "ja-JP"}


def test_translations_table_is_checked_and_keeps_each_entry_line(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        '[translations]\noriginal = "en"\npairs = [\n  { en = "a.md", ja = "b.md" },\n'
        '  { en = "c.md", ja = "d.md" },\n]\nfolders = [{ en = "en", ja = "ja" }]\n',
    )
    settings = config.translations
    assert [(p.paths, p.line) for p in settings.pairs] == [
        ((("en", "a.md"), ("ja", "b.md")), 4),
        ((("en", "c.md"), ("ja", "d.md")), 5),
    ]
    assert settings.folders[0].line == 7 and settings.original == "en"
    with pytest.raises(ConfigError, match=r"unknown key 'translations\.pair'; valid keys are"):
        _config(tmp_path, '[translations]\npair = [{ en = "a.md", ja = "b.md" }]\n')
    with pytest.raises(ConfigError, match="must name two or more languages"):
        _config(tmp_path, '[translations]\npairs = [{ en = "a.md" }]\n')
    with pytest.raises(ConfigError, match="must be a list"):
        _config(tmp_path, '[translations]\npairs = "a.md"\n')


# -- pairing --------------------------------------------------------------------------------


def test_pairs_by_config_folder_and_identity(make_source: MakeSource, tmp_path: Path) -> None:
    asset = "ms.assetid: 4b02ffa4\n"
    src = make_source(
        {
            "en/agent.md": EN,
            "ja/agent.md": JA,
            "seed_ja.md": JA.replace("ms.date", "ms.locfileid: '1'\nms.date"),
            "guide.md": EN.replace("Agent errors", "Guide"),
            "x-en.md": f"---\n{asset}---\n# X\n",
            "x-ja.md": f"---\n{asset}lang: ja\n---\n# X ja\n",
        }
    )
    config = _config(tmp_path, FOLDERS + 'pairs = [{ en = "guide.md", ja = "seed_ja.md" }]\n')
    graph = compile_sources(src, config).graph
    groups = [[d.id for d in g] for g in graph.version_groups()]
    assert groups == [["en/agent", "ja/agent"], ["guide", "seed_ja"], ["x-en", "x-ja"]]
    assert graph.paired_by("ja/agent", "en/agent") == "folder"
    assert graph.paired_by("seed_ja", "guide") == "config"
    assert graph.paired_by("x-ja", "x-en") == "identity"
    assert graph.original_of("seed_ja") == "guide"  # marked as a translation
    assert graph.original_of("x-en") == "x-en"  # neither is: the default locale's
    # Both ways in the graph, with how and which is the original.
    data = graph.g.get_edge_data("doc:ja/agent", "doc:en/agent", key="translation")
    assert data == {"by": "folder", "original": "en/agent"}


def test_config_pairs_override_folders(make_source: MakeSource, tmp_path: Path) -> None:
    src = make_source({"en/agent.md": EN, "ja/agent.md": JA, "ja/other.md": JA})
    config = _config(tmp_path, FOLDERS + 'pairs = [{ en = "en/agent.md", ja = "ja/other" }]\n')
    compilation = compile_sources(src, config)
    assert [[d.id for d in g] for g in compilation.graph.version_groups()] == [
        ["en/agent", "ja/other"]
    ]
    assert not [d for d in compilation.diagnostics if d.rule.startswith("translation")]


def test_a_declared_pair_not_found_or_a_document_paired_twice_is_said(
    make_source: MakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_source({"en/agent.md": EN, "ja/agent.md": JA, "ja/old.md": JA})
    (tmp_path / "runbooks.toml").write_text(
        "[translations]\npairs = [\n"
        '  { en = "en/agent.md", ja = "ja/agent.md" },\n'
        '  { en = "en/renamed.md", ja = "ja/agent.md" },\n'
        '  { en = "en/agent.md", ja = "ja/old.md" },\n'
        "]\n",
        encoding="utf-8",
    )
    code = run(["--config", str(tmp_path / "runbooks.toml"), "check", str(src)])
    out = capsys.readouterr().out
    config = tmp_path / "runbooks.toml"
    assert (
        f"{config}:4:1: warning: translations.pairs: no document 'en/renamed.md' (en) in the "
        "source folder; this pair is left out" in out
    )
    assert (
        f"{config}:5:1: error: translations.pairs: 'en/agent.md' is paired twice: its ja "
        "version is already 'ja/agent.md' (line 3), this entry would make it 'ja/old.md'; "
        "this entry is left out [translation-pair]" in out
    )
    assert code == 1  # the error; everything else is checked and built as before
    graph = compile_sources(src, load_config(config)).graph
    assert [[d.id for d in g] for g in graph.version_groups()] == [["en/agent", "ja/agent"]]


def test_an_identity_shared_by_two_documents_of_one_language_pairs_none(
    make_source: MakeSource,
) -> None:
    head = "---\nms.assetid: 4b02ffa4\n---\n"
    src = make_source({"a.md": head + "# A\n", "b.md": head + "# B\n", "ja/c.md": head + "# C\n"})
    compilation = compile_sources(src, Config(root=src))
    assert compilation.graph.version_groups() == []
    (warning,) = [d for d in compilation.diagnostics if d.rule == "translation-pair"]
    assert warning.path == "a.md" and "shared by 3 documents, several of them in en" in str(warning)


def test_documents_that_look_paired_are_suggested_with_the_line_to_add(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = make_source({"agent.md": EN, "agent_ja.md": JA, "other.md": "# Other\n"})
    compilation = compile_sources(src, Config(root=src))
    (hint,) = [d for d in compilation.diagnostics if d.rule == "translation-suggest"]
    assert hint.severity is Severity.INFO and hint.path == "agent_ja.md"
    assert str(hint) == (
        "agent_ja.md:1:1: info: this looks like the ja version of 'agent.md' (en): they share "
        "1 of 1 error codes and 1 of 1 procedure shapes; to pair them, add "
        '{ en = "agent.md", ja = "agent_ja.md" } to \'pairs\' under [translations] in '
        "runbooks.toml [translation-suggest]"
    )
    config = _config(
        tmp_path, '[translations]\npairs = [{ en = "agent.md", ja = "agent_ja.md" }]\n'
    )
    paired = compile_sources(src, config)
    assert not [d for d in paired.diagnostics if d.rule == "translation-suggest"]


@pytest.mark.skipif(not LABELLED.is_dir(), reason="../shared/labelled is not beside the checkout")
def test_the_labelled_scep_articles_are_suggested_as_one_runbook(tmp_path: Path) -> None:
    """The English and Japanese Intune SCEP articles share no front-matter identity: they
    are a suggestion. Read in place (they are not ours to copy)."""
    src = tmp_path / "src"
    for name in (
        "h/IntuneDocs__troubleshoot-scep-certificate-device-to-ndes.md",
        "d/memdocs.ja-jp__troubleshoot-scep-certificate-device-to-ndes.md",
    ):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LABELLED / name, src / name)
    compilation = compile_sources(src, Config(root=src))
    hints = [d for d in compilation.diagnostics if d.rule == "translation-suggest"]
    assert [h.path for h in hints] == [
        "d/memdocs.ja-jp__troubleshoot-scep-certificate-device-to-ndes.md"
    ]


# -- matching and drift -----------------------------------------------------------------------


def test_anchor_similarity() -> None:
    assert anchor_similarity("solution-1", "solution-3") == 0.75
    assert anchor_similarity(
        "cause-1-the-vm-has-no-internet-access",
        "cause-1-the-vm-has-no-internet-accessthe-vm-has-no-internet-access",
    ) == pytest.approx(1.0)
    assert anchor_similarity("backups-dont-run-according-to-schedule", "next-steps") < 0.7
    assert anchor_similarity("無効な資格情報", "invalid-credentials") == 0.0


def _small_drift(make_source: MakeSource, tmp_path: Path, ja: str = JA):  # type: ignore[no-untyped-def]
    src = make_source({"en/agent.md": EN, "ja/agent.md": ja})
    graph = compile_sources(src, _config(tmp_path, FOLDERS)).graph
    (found,) = report(graph)
    return found


def test_drift_lists_dates_codes_entries_procedures_and_sections(
    make_source: MakeSource, tmp_path: Path
) -> None:
    d = _small_drift(make_source, tmp_path)
    assert (d.original.id, d.translation.id) == ("en/agent", "ja/agent")
    assert d.days == -147 and d.older and d.behind and not d.in_sync
    assert d.codes_only_original == ["100050"] and d.codes_only_translation == []
    assert [i.id for i in d.entries_only_original] == ["unable-to-connect"]
    assert [(x.original, x.translation, x.changes) for x in d.entries_differ] == [
        ("invalid-credentials", "invalid-credentials", (("causes", "1", "2"),))
    ]
    # "Restore problems" and "復元の問題": similar anchors, the same steps and jump.
    assert [(x.label, x.changes) for x in d.procedures_differ] == [
        ("Restore problems", (("commands", "`Restart-Service msiscsi`", "none"),))
    ]
    assert [i.label for i in d.sections_only_original] == ["Unable to connect"]
    assert d.sections_only_translation == [] and d.procedures_only_translation == []
    assert d.entry_matches == [("invalid-credentials", "invalid-credentials")]


def test_a_translation_in_step_is_not_behind(make_source: MakeSource, tmp_path: Path) -> None:
    src = make_source({"en/agent.md": EN, "ja/agent.md": EN.replace("07/15/2019", "08/01/2019")})
    (d,) = report(compile_sources(src, _config(tmp_path, FOLDERS)).graph)
    assert d.in_sync and not d.behind and d.days == 17
    assert "in step" in render_text([d]) and "no entry, procedure, section or code" in render_text(
        [d]
    )


def test_entries_without_codes_are_matched_by_order_in_matched_sections(
    make_source: MakeSource, tmp_path: Path
) -> None:
    en = "# T\n\n## Errors\n\n| Error | Fix |\n| --- | --- |\n| Disk full | Free space. |\n| Disk slow | Defragment. <br> Replace it. |\n"
    ja = '# T\n\n## <a name="errors"></a>エラー\n\n| エラー | 解決策 |\n| --- | --- |\n| ディスクがいっぱい | 空き領域を作ります。 |\n| ディスクが遅い | デフラグします。 |\n'
    src = make_source({"en/t.md": en, "ja/t.md": ja})
    (d,) = report(compile_sources(src, _config(tmp_path, FOLDERS)).graph)
    assert d.entry_matches == [("errors-1", "errors-1"), ("errors-2", "errors-2")]
    assert d.entries_only_original == [] == d.entries_only_translation


def test_the_corpus_pairs_and_their_drift(capsys: pytest.CaptureFixture[str]) -> None:
    """The MARS article (declared in the checkout's runbooks.toml) and the snapshot-timeout
    article (folders, and their ms.assetid): the report is the golden one."""
    compilation = compile_sources(SOURCE_DOCS, _corpus_config())
    graph = compilation.graph
    assert [[d.id for d in g] for g in graph.version_groups()] == [
        ["azure-docs-en/backup-azure-mars-troubleshoot", "000_seed_mars_agent_ja"],
        [
            "azure-docs-en/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout",
            "azure-docs-ja/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout",
        ],
    ]
    assert not [d for d in compilation.diagnostics if d.rule.startswith("translation")]
    drifts = report(graph)
    check_golden("drift-corpus.txt", render_text(drifts))
    check_golden(
        "drift-corpus.json", json.dumps(report_json(drifts), ensure_ascii=False, indent=2) + "\n"
    )
    mars, snapshot = drifts
    assert mars.days == -147 and snapshot.days == -123
    assert "100110" in mars.codes_only_original and "34513" not in mars.codes_only_original
    assert [s.label for s in mars.sections_only_translation] == [
        "お困りの際は、 サポートにお問い合せください"
    ]
    assert not mars.procedures_differ  # the restore procedure: 9 steps, 3 -> 7, in both
    assert {x.label: x.changes for x in snapshot.entries_differ}[
        "VM Agent unable to communicate with Azure Backup"
    ] == (("causes", "6", "5"), ("actions", "2", "1"))
    # The command prints the same report.
    assert run(["--config", str(CORPUS_CONFIG), "drift", str(SOURCE_DOCS), "-j", "1"]) == 0
    assert capsys.readouterr().out == render_text(drifts)


def test_an_older_translation_matches_a_moved_procedure_by_its_shape() -> None:
    """The 2018 Japanese MARS article holds the restore procedure in a subsection of its
    own: it is still the English article's restore procedure (9 steps, 3 -> 7)."""
    en = shape(_export_doc(SOURCE_DOCS / "azure-docs-en/backup-azure-mars-troubleshoot.md"))
    old = shape(_export_doc(FIXTURES / "backup-azure-mars-troubleshoot.ja.2018-07-25.md"))
    d = drift(en, old)
    assert d.days == -355
    assert not [p for p in d.procedures_only_original if p.label == "Troubleshoot restore problems"]
    assert "403" in d.codes_only_original  # the 2018 version had no 403 entry yet


def _export_doc(path: Path) -> dict[str, object]:
    from compiler.compile import compile_text
    from compiler.generators.json_export import document

    doc = compile_text(path.read_text(encoding="utf-8"), path.name)
    return document(doc)


# -- outputs ----------------------------------------------------------------------------------


def test_each_document_lists_its_versions_in_the_json_export(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = make_source({"en/agent.md": EN, "ja/agent.md": JA, "solo.md": "# Solo\n"})
    data = export(compile_sources(src, _config(tmp_path, FOLDERS)).graph)
    versions = {d["id"]: d["versions"] for d in data["documents"]}
    assert versions == {
        "en/agent": [
            {"id": "ja/agent", "locale": "ja-JP", "original": False, "paired_by": "folder"}
        ],
        "ja/agent": [{"id": "en/agent", "locale": "en", "original": True, "paired_by": "folder"}],
        "solo": [],
    }
    assert data["schema"] == 1


def test_lookup_groups_the_versions_of_one_runbook(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--config", str(CORPUS_CONFIG), "lookup", "34513", "--source", str(SOURCE_DOCS)]
    assert run(args) == 0
    out = capsys.readouterr().out
    first, *rest = out.splitlines()
    assert first == (
        "== one runbook in 2 languages: azure-docs-en/backup-azure-mars-troubleshoot.md "
        "(en, original), 000_seed_mars_agent_ja.md (ja)"
    )
    assert rest[0].startswith("azure-docs-en/backup-azure-mars-troubleshoot.md:33: ")
    assert "000_seed_mars_agent_ja.md:26: Azure Backup エージェントのトラブルシューティング" in rest
    assert run([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["document"] for e in data["entries"]] == [
        "azure-docs-en/backup-azure-mars-troubleshoot",
        "000_seed_mars_agent_ja",
    ]
    assert data["groups"] == [
        {
            "documents": ["azure-docs-en/backup-azure-mars-troubleshoot", "000_seed_mars_agent_ja"],
            "entries": [0, 1],
            "without_entry": [],
        }
    ]
    assert (
        run(["--config", str(CORPUS_CONFIG), "lookup", "100110", "--source", str(SOURCE_DOCS)]) == 0
    )
    assert "(no entry for this code in the ja version, 000_seed_mars_agent_ja.md)" in (
        capsys.readouterr().out
    )


def _changes(out: Path) -> str:
    return (out / "CHANGES.md").read_text(encoding="utf-8")


def test_the_change_report_says_when_a_pair_drifts_apart_and_comes_back(
    make_source: MakeSource, tmp_path: Path
) -> None:
    in_step = EN.replace("07/15/2019", "08/01/2019")
    src = make_source({"en/agent.md": EN, "ja/agent.md": in_step})
    config = _config(tmp_path, FOLDERS)
    out = tmp_path / "out"
    build(src, out, config, formats=["json"], jobs=1)
    assert "## Language versions" in _changes(out)  # first build: the pair is new
    (src / "ja/agent.md").write_text(
        in_step.replace("| Cannot connect to the service (ID: 100050) |", "| Cannot connect |"),
        encoding="utf-8",
    )
    build(src, out, config, formats=["json"], jobs=1)
    report_md = _changes(out)
    assert "- ja/agent (ja) and its original en/agent (en) drifted apart" in report_md
    assert "  - now: code 100050 only in en" in report_md
    (src / "ja/agent.md").write_text(in_step, encoding="utf-8")
    build(src, out, config, formats=["json"], jobs=1)
    report_md = _changes(out)
    assert "- ja/agent (ja) and its original en/agent (en) came back together" in report_md
    assert "  - no longer: code 100050 only in en" in report_md
    # An edit that leaves the drift as it was says nothing of the pair.
    (src / "ja/agent.md").write_text(in_step + "\nMore text.\n", encoding="utf-8")
    build(src, out, config, formats=["json"], jobs=1)
    assert "Language versions" not in _changes(out)


def test_the_change_report_when_a_translation_is_replaced_by_an_older_version(
    tmp_path: Path,
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("000_seed_mars_agent_ja.md", "azure-docs-en/backup-azure-mars-troubleshoot.md"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOURCE_DOCS / name, src / name)
    config = _corpus_config()
    out = tmp_path / "out"
    build(src, out, config, formats=["json"], jobs=1)
    shutil.copyfile(
        FIXTURES / "backup-azure-mars-troubleshoot.ja.2018-07-25.md",
        src / "000_seed_mars_agent_ja.md",
    )
    build(src, out, config, formats=["json"], jobs=1)
    report_md = _changes(out)
    assert (
        "- 000_seed_mars_agent_ja (ja) and its original "
        "azure-docs-en/backup-azure-mars-troubleshoot (en) drifted differently" in report_md
    )
    assert "  - now: code 403 only in en" in report_md


def test_a_handbook_per_language_takes_the_other_version_where_there_is_none(
    make_source: MakeSource, tmp_path: Path
) -> None:
    from compiler.generators.pdf import book_language
    from compiler.pdf.printhtml import make_environment, pdf_strings

    src = make_source({"en/agent.md": EN, "ja/agent.md": JA, "en/only.md": "# Only in English\n"})
    graph = compile_sources(src, _config(tmp_path, FOLDERS)).graph
    chosen = [(d.id, elsewhere) for d, elsewhere in handbook_selection(graph, "ja")]
    assert chosen == [("en/only", True), ("ja/agent", False)]
    assert [(d.id, e) for d, e in handbook_selection(graph, "en")] == [
        ("en/agent", False),
        ("en/only", False),
    ]
    s = pdf_strings("ja")
    book = {
        "title": "Runbooks",
        "lang": "ja",
        "date": None,
        "toc": [],
        "index": [],
        "index_page": None,
        **book_language(s, "ja", [d for d, e in handbook_selection(graph, "ja") if e]),
    }
    html = make_environment().get_template("front.html.j2").render(book=book, s=s)
    assert "日本語版ハンドブック" in html
    assert "1 件のランブックには日本語版がないため" in html
    assert '<li><span lang="en">Only in English</span> (英語)</li>' in html


def test_build_lang_writes_the_language_handbook_and_only_when_asked(
    make_source: MakeSource, tmp_path: Path
) -> None:
    src = make_source({"en/agent.md": EN, "ja/agent.md": JA})
    config = tmp_path / "runbooks.toml"
    config.write_text(FOLDERS, encoding="utf-8")
    out = tmp_path / "out"
    base = ["--config", str(config), "build", str(src), "--out", str(out), "--format", "pdf", "-q"]
    assert run([*base, "--lang", "ja-JP"]) == 0
    assert (out / "pdf" / "handbook-ja.pdf").is_file() and (out / "pdf" / "handbook.pdf").is_file()
    assert run(base) == 0  # not asked for: removed, like any output no longer made
    assert not (out / "pdf" / "handbook-ja.pdf").exists()


def test_without_runbooks_toml_the_corpus_pairs_by_identity_and_suggests_the_rest() -> None:
    compilation = compile_sources(SOURCE_DOCS, Config(root=SOURCE_DOCS))
    assert [[d.id for d in g] for g in compilation.graph.version_groups()] == [
        [
            "azure-docs-en/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout",
            "azure-docs-ja/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout",
        ]
    ]
    (hint,) = [d for d in compilation.diagnostics if d.rule == "translation-suggest"]
    assert hint.path == "000_seed_mars_agent_ja.md"
    assert (
        '{ en = "azure-docs-en/backup-azure-mars-troubleshoot.md", '
        'ja = "000_seed_mars_agent_ja.md" }' in hint.message
    )
