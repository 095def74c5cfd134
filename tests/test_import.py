"""Importing the corpus's exports: lenient reading, idempotence, owner edits kept, bad input reported."""

from __future__ import annotations

import json
from pathlib import Path

from autonote.corpus.html_markdown import html_to_markdown
from autonote.notes.format import file_sha256, parse_note

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
XML = EXPORTS / "paper-notes-sample.xml"
ISSUES = EXPORTS / "github-issues-sample.json"


def import_xml(run, corpus: Path, *files: Path):
    corpus.mkdir(exist_ok=True)
    return run("import", "paper-notes-xml", *map(str, files), "--corpus", str(corpus))


def note(corpus: Path, number: int):
    path = corpus / "notes" / f"issue-{number}.md"
    return parse_note(path.read_text(encoding="utf-8"), str(path))


# -- the owner's comment HTML ----------------------------------------------------------------------


def test_comment_html_becomes_markdown_with_the_same_content() -> None:
    html = (
        '<p>元ポスト:\n\n{% raw %}\n<div class="tweet-embed" data-embed=\'<blockquote class="twitter-tweet">'
        '<a href="https://twitter.com/a/status/1?s=46&t=x"></a></blockquote>\'>\n'
        '  <div class="tweet-placeholder">Loading…</div>\n</div>\n{% endraw %}\n</p>'
        '<p>一行目<br>二行目 <a href="https://example.org/x">リンク</a> と <a href="https://example.org/y">'
        'https://example.org/y</a><br><img src="https://example.org/i.png" alt="image" /" alt="image"/></p>'
        "<ul><li>項目 <strong>強調</strong></li><li>R&amp;D & more</li></ul>"
    )
    assert html_to_markdown(html) == (
        "元ポスト:\n\nhttps://twitter.com/a/status/1?s=46&t=x\n\n"
        "一行目\n二行目 [リンク](https://example.org/x) と https://example.org/y\n![image](https://example.org/i.png)\n\n"
        "- 項目 **強調**\n- R&D & more"
    )


def test_an_empty_comment_is_empty() -> None:
    assert html_to_markdown("None") == ""
    assert html_to_markdown("  ") == ""


# -- paper-notes XML -----------------------------------------------------------------------------------


def test_xml_import_writes_notes_and_reports_each_skipped_entry(run, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    result = import_xml(run, corpus, XML)
    assert result.exit_code == 1  # some entries were skipped: the caller should know
    assert "3 new, 0 updated, 0 unchanged, 0 conflicts, 3 skipped" in result.stdout
    assert "entry 3 (line 56): skipped: no <title>" in result.stderr
    assert "entry 6 (line 88): skipped: entry is not closed by </paper-entry>" in result.stderr
    assert "entry 5 (line 77) (issue #9102): skipped: duplicate of issue-9102" in result.stderr
    assert sorted(p.name for p in (corpus / "notes").iterdir()) == [
        "issue-9101.md", "issue-9102.md", "issue-9104.md",
    ]  # fmt: skip

    first = note(corpus, 9101)
    assert (first.title, first.authors, first.venue) == (
        "Sparse Routers Learn to Share Experts", ["Keiko Tanaka", "Omar Haddad"], "arXiv'26",
    )  # fmt: skip
    assert (
        first.title_line
        == "[Paper Note] Sparse Routers Learn to Share Experts, Keiko Tanaka+, arXiv'26, 2026.03"
    )
    assert first.arxiv_id == "2603.99911" and first.issue_date.isoformat() == "2026-03-20"
    assert first.tags == ["NLP", "LanguageModel", "MoE(Mixture-of-Experts)", "Selected Papers/Blogs"]
    # The abstract is kept as the issue wrote it, line breaks included (so the issue body comes back
    # exactly); the words are the abstract's.
    assert first.abstract.startswith("Mixture-of-experts language models route")
    assert " ".join(first.abstract.split()).endswith("keeps 64 experts in use.")
    assert first.summary.startswith("MoE言語モデルのルーター")
    assert first.translation and first.translation_by == "gpt-5-nano"
    assert first.provenance and first.provenance.model == "gpt-4o-mini"
    assert first.origin and first.origin.issue == 9101
    assert first.origin.url == "https://github.com/example-owner/paper_notes/issues/9101"
    # The comment link to another note became a related-note reference, and stays in the comment.
    assert [(r.id, r.url) for r in first.related] == [
        ("issue-9102", "https://github.com/example-owner/paper_notes/issues/9102")
    ]
    assert "https://twitter.com/someone/status/123456789?s=46&t=AbCdEf" in first.comment
    assert "R&D 向き" in first.comment and "**シンプル**" in first.comment

    blog = note(corpus, 9104)  # no venue, no date, a bare-URL body; "#9101" refers to a known issue
    assert blog.url == "https://example.org/blog/post" and blog.venue == "" and blog.abstract == ""
    assert [r.id for r in blog.related] == ["issue-9101"]
    assert blog.related[0].title_line == first.title_line  # resolved from the imported note


def test_reimport_is_idempotent(run, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    import_xml(run, corpus, XML)
    before = {p.name: p.read_bytes() for p in (corpus / "notes").iterdir()}
    again = import_xml(run, corpus, XML)
    assert "0 new, 0 updated, 3 unchanged, 0 conflicts" in again.stdout
    assert {p.name: p.read_bytes() for p in (corpus / "notes").iterdir()} == before


def test_owner_edits_survive_a_reimport_and_conflicts_keep_both_sides(run, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    import_xml(run, corpus, XML)
    edited_path = corpus / "notes" / "issue-9101.md"
    edited = edited_path.read_text(encoding="utf-8") + "\n追記: 自分のメモ。\n"
    edited_path.write_text(edited, encoding="utf-8")

    # Same source: the edit stays.
    assert "3 unchanged" in import_xml(run, corpus, XML).stdout
    assert edited_path.read_text(encoding="utf-8") == edited

    # The source changes for both an edited and an untouched note.
    changed = tmp_path / "changed.xml"
    changed.write_text(
        XML.read_text(encoding="utf-8")
        .replace("Selected Papers/Blogs</tags>", "Selected Papers/Blogs, Routing</tags>")
        .replace("MoE(Mixture-of-Experts), ICLR</tags>", "MoE(Mixture-of-Experts), ICLR, Routing</tags>"),
        encoding="utf-8",
    )
    result = import_xml(run, corpus, changed)
    assert "0 new, 1 updated, 1 unchanged, 1 conflicts" in result.stdout
    assert result.exit_code == 1
    assert "conflict: issue-9101: the source entry changed and the local note was edited" in result.stderr
    assert edited_path.read_text(encoding="utf-8") == edited  # the owner's side, untouched
    incoming = corpus / ".autonote" / "import-conflicts" / "issue-9101.md"
    assert "Routing" in parse_note(incoming.read_text(encoding="utf-8")).tags  # the source's side, kept
    assert "Routing" in note(corpus, 9102).tags  # untouched since import: updated in place


def test_a_note_the_owner_broke_is_not_overwritten(run, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    import_xml(run, corpus, XML)
    broken = corpus / "notes" / "issue-9102.md"
    broken.write_text("---\nid: issue-9102\nnot: [closed\n---\nhalf-edited\n", encoding="utf-8")
    changed = tmp_path / "changed.xml"
    changed.write_text(
        XML.read_text(encoding="utf-8").replace("ICLR</tags>", "ICLR, Routing</tags>"), encoding="utf-8"
    )
    result = import_xml(run, corpus, changed)
    assert "conflict: issue-9102: the local file is not a valid note" in result.stderr
    assert broken.read_text(encoding="utf-8").endswith("half-edited\n")


def test_a_paper_already_drafted_natively_is_not_imported_twice(run, corpus: Path, tmp_path: Path) -> None:
    export = tmp_path / "dpo.xml"
    export.write_text(
        "<paper-list><paper-entry><title>[Paper Note] Direct Preference Optimization, Rafael Rafailov+,"
        " NeurIPS'23, 2023.05</title><original-paper-blog-link>https://arxiv.org/abs/2305.18290"
        "</original-paper-blog-link><repo-issue-link>https://github.com/o/r/issues/77</repo-issue-link>"
        "<tags>NLP</tags><repo-issue-date>2023-06-01</repo-issue-date><issue-body># URL\n- x</issue-body>"
        "<maintainer-comment-text>None</maintainer-comment-text></paper-entry></paper-list>",
        encoding="utf-8",
    )
    result = import_xml(run, corpus, export)
    assert "the corpus already has this paper as arxiv-2305.18290" in result.stderr
    assert not (corpus / "notes" / "issue-77.md").exists()


def test_dry_run_writes_nothing(run, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    result = run("import", "paper-notes-xml", str(XML), "--corpus", str(corpus), "--dry-run")
    assert "would import" in result.stdout and "3 new" in result.stdout
    assert not (corpus / "notes").exists()


def test_a_file_that_is_not_an_export_is_a_usage_error(run, tmp_path: Path) -> None:
    other = tmp_path / "other.xml"
    other.write_text("<html><body>hello</body></html>", encoding="utf-8")
    result = import_xml(run, tmp_path / "c", other)
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"autonote: error: {other}: no <paper-entry> elements found (is this a paper-notes XML export?)"
    )

    binary = tmp_path / "binary.xml"
    binary.write_bytes(b"<paper-entry>\xff\xfe</paper-entry>")
    result = import_xml(run, tmp_path / "c", binary)
    assert result.exit_code == 2 and "not UTF-8 text" in result.stderr

    missing = import_xml(run, tmp_path / "c", tmp_path / "nope.xml")
    assert missing.exit_code == 2 and "nope.xml: no such file" in missing.stderr


# -- gh issue list JSON ------------------------------------------------------------------------------


def test_github_issue_json_import(run, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    import_xml(run, corpus, XML)  # so that #9101 is a known note
    result = run(
        "import", "github-issues", str(ISSUES), "--corpus", str(corpus), "--repo", "example-owner/paper_notes"
    )
    assert "2 new" in result.stdout and "1 skipped" in result.stdout
    assert "item 2: skipped: no issue number" in result.stderr
    heads = note(corpus, 9201)
    assert heads.tags == ["NLP", "LongContext", "Attention"]  # labels are tags
    assert heads.venue == "ACL'25" and heads.issue_date.isoformat() == "2025-04-18"
    assert heads.origin and heads.origin.url == "https://github.com/example-owner/paper_notes/issues/9201"
    assert heads.comment.startswith("関連: #9202")
    assert [r.id for r in heads.related] == ["issue-9202", "issue-9101"]
    assert heads.related[1].title_line.startswith("[Paper Note] Sparse Routers")

    again = run(
        "import", "github-issues", str(ISSUES), "--corpus", str(corpus), "--repo", "example-owner/paper_notes"
    )
    assert "0 new, 0 updated, 2 unchanged" in again.stdout


def test_malformed_json_names_the_file_and_position(run, tmp_path: Path) -> None:
    bad = tmp_path / "issues.json"
    (tmp_path / "c").mkdir()
    bad.write_text('[{"number": 1,\n "title": }]', encoding="utf-8")
    result = run("import", "github-issues", str(bad), "--corpus", str(tmp_path / "c"))
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"autonote: error: {bad}: not valid JSON: line 2 column 11")
    not_a_list = tmp_path / "object.json"
    not_a_list.write_text(json.dumps({"number": 1}), encoding="utf-8")
    result = run("import", "github-issues", str(not_a_list), "--corpus", str(tmp_path / "c"))
    assert result.exit_code == 2 and "expected a JSON array of issues" in result.stderr


# -- bulk writes -----------------------------------------------------------------------------------


def _import_in_chunks(corpus: Path, export: Path, chunk: int):
    """Import ``export`` through the API with chunks of ``chunk`` notes (more than one chunk: the
    files are written by a worker process while the next chunk is made)."""
    from autonote.app import Workspace
    from autonote.config import load_settings
    from autonote.corpus.import_apply import apply_import
    from autonote.corpus.importers import read_notes

    corpus.mkdir(exist_ok=True)
    settings, _ = load_settings({"corpus": str(corpus)})
    ws = Workspace(settings)
    read = read_notes("github-issues", [export], repo="example-owner/paper_notes")
    report = apply_import(read, ws.corpus, ws.store, ws.state, chunk=chunk)
    records = sorted(
        tuple(row) for row in ws.state.conn.execute("SELECT note_id, entry_hash, file_sha256 FROM imports")
    )
    ws.state.conn.close()
    return report, records


def test_an_import_in_many_chunks_writes_and_records_what_one_chunk_does(tmp_path: Path) -> None:
    sample = [issue for issue in json.loads(ISSUES.read_text(encoding="utf-8")) if "number" in issue]
    issues = [{**sample[n % len(sample)], "number": 100 + n} for n in range(11)]
    export = tmp_path / "issues.json"
    export.write_text(json.dumps(issues, ensure_ascii=False), encoding="utf-8")

    one_report, one_records = _import_in_chunks(tmp_path / "one", export, chunk=1000)
    many_report, many_records = _import_in_chunks(tmp_path / "many", export, chunk=3)
    assert many_report.created == one_report.created == [f"issue-{100 + n}" for n in range(11)]
    assert many_records == one_records and len(one_records) == 11
    for n in range(11):
        name = f"notes/issue-{100 + n}.md"
        assert (tmp_path / "many" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()

    # Changed entries in several chunks: untouched notes are updated, an edited one is a conflict.
    edited = tmp_path / "many" / "notes" / "issue-104.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n私のメモ\n", encoding="utf-8")
    export.write_text(
        json.dumps([{**issue, "title": issue["title"] + " (v2)"} for issue in issues], ensure_ascii=False),
        encoding="utf-8",
    )
    again, records = _import_in_chunks(tmp_path / "many", export, chunk=3)
    assert again.updated == [f"issue-{100 + n}" for n in range(11) if n != 4]
    assert [c.note_id for c in again.conflicts] == ["issue-104"] and again.conflicts[0].incoming.is_file()
    assert edited.read_text(encoding="utf-8").endswith("私のメモ\n")
    for note_id, _, sha in records:
        if note_id != "issue-104":
            text = (tmp_path / "many" / "notes" / f"{note_id}.md").read_text(encoding="utf-8")
            assert "(v2)" in text and file_sha256(text) == sha
