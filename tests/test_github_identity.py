"""A note has one identity whatever route it came by: imported from the XML export or `gh` JSON,
pulled, or drafted and published by push. A corpus imported from an export is linked to its
repository by the issue links the export carries; pull and push then work on it with no false
conflicts, and a real conflict has a way out (`autonote github resolve ID --take mine|theirs`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from autonote.github.proposal import body_sha256
from autonote.notes.format import parse_note
from autonote.notes.issue_format import render_issue
from tests.github_helpers import (
    REPO,
    SAMPLE_XML,
    SHARED,
    export_entries,
    init_corpus,
    serve_entries,
    serve_github,
)
from tests.github_server import GitHubServer
from tests.loopback import OpenAIServer


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    yield from serve_github(monkeypatch)


def note_at(corpus: Path, note_id: str):
    path = corpus / "notes" / f"{note_id}.md"
    return parse_note(path.read_text(encoding="utf-8"), str(path))


def writes(github: GitHubServer) -> int:
    return sum(github.count(method) for method in ("POST", "PATCH", "PUT", "DELETE"))


@pytest.fixture
def imported(run, tmp_path: Path, github: GitHubServer) -> Path:
    """A corpus imported from the XML export of the issues the loopback GitHub serves."""
    export = SAMPLE_XML  # its issue links name REPO
    serve_entries(github, REPO, export_entries(export))
    corpus = init_corpus(run, tmp_path / "corpus")
    result = run("import", "paper-notes-xml", str(export), "--corpus", str(corpus))
    assert result.exit_code in (0, 1), result.stderr  # the sample has bad entries on purpose
    assert (corpus / "notes" / "issue-9101.md").exists()
    return corpus


def pull(run, corpus: Path, *extra: str):
    return run("github", "pull", "--repo", REPO, "--corpus", str(corpus), *extra)


def push(run, corpus: Path, *extra: str):
    return run("github", "push", *extra, "--repo", REPO, "--corpus", str(corpus))


def regen_and_accept(run, corpus: Path, note_id: str) -> None:
    regen = run("regen", "--ids", note_id, "--fields", "summary,keypoints", "--corpus", str(corpus))
    assert regen.exit_code == 0, regen.stderr
    accepted = run("review", "accept", note_id, "--corpus", str(corpus), "--no-commit")
    assert accepted.exit_code == 0, accepted.stderr


def test_an_imported_note_regenerated_and_accepted_is_no_conflict_at_pull_and_push_publishes_it(
    run, imported: Path, github: GitHubServer, llm_server: OpenAIServer
) -> None:
    regen_and_accept(run, imported, "issue-9101")
    accepted = (imported / "notes" / "issue-9101.md").read_text(encoding="utf-8")
    first = pull(run, imported)
    assert first.exit_code == 0, first.stderr + first.stdout
    assert "0 conflicts" in first.stdout and "conflict" not in first.stderr
    assert not (imported / ".autonote" / "import-conflicts").exists() or not any(
        (imported / ".autonote" / "import-conflicts").iterdir()
    )
    note = note_at(imported, "issue-9101")
    assert parse_note(accepted).summary == note.summary  # the owner's accepted change is kept

    pushed = push(run, imported, "issue-9101")
    assert pushed.exit_code == 0, pushed.stderr
    assert "1 updated" in pushed.stdout and "never pulled" not in pushed.stderr
    assert github.issue(REPO, 9101).body == render_issue(note_at(imported, "issue-9101")).body
    assert github.count("PATCH") == 1

    again = pull(run, imported)
    assert again.exit_code == 0 and "0 conflicts" in again.stdout and "0 updated" in again.stdout, (
        again.stdout
    )


def test_an_imported_note_can_be_pushed_without_a_pull_first(
    run, imported: Path, github: GitHubServer, llm_server: OpenAIServer
) -> None:
    regen_and_accept(run, imported, "issue-9102")
    pushed = push(run, imported, "issue-9102")
    assert pushed.exit_code == 0, pushed.stderr
    assert "1 updated" in pushed.stdout
    assert github.issue(REPO, 9102).body == render_issue(note_at(imported, "issue-9102")).body


def test_a_pull_after_the_import_of_the_same_issues_changes_nothing(
    run, imported: Path, github: GitHubServer
) -> None:
    before = {p.name: p.read_bytes() for p in (imported / "notes").glob("*.md")}
    result = pull(run, imported)
    assert result.exit_code == 0, result.stderr
    assert "0 new, 0 updated" in result.stdout and "0 conflicts" in result.stdout, result.stdout
    assert {p.name: p.read_bytes() for p in (imported / "notes").glob("*.md")} == before
    assert push(run, imported, "--all-accepted").exit_code == 0
    assert writes(github) == 0


def test_gh_json_import_and_pull_are_the_same_note(run, tmp_path: Path, github: GitHubServer) -> None:
    entries = export_entries(SAMPLE_XML)
    serve_entries(github, REPO, entries)
    issues = [
        {"number": e.issue, "title": e.raw_title, "body": e.body, "labels": [{"name": t} for t in e.tags],
         "createdAt": f"{e.issue_date}T09:00:00Z", "url": f"https://github.com/{REPO}/issues/{e.issue}",
         "comments": [{"body": e.comment}] if e.comment.strip() else []}
        for e in entries
    ]  # fmt: skip
    export = tmp_path / "issues.json"
    export.write_text(json.dumps(issues, ensure_ascii=False), encoding="utf-8")
    corpus = init_corpus(run, tmp_path / "corpus")
    assert run("import", "github-issues", str(export), "--corpus", str(corpus)).exit_code == 0
    path = corpus / "notes" / "issue-9101.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n私のメモ。\n", encoding="utf-8")
    result = pull(run, corpus)
    assert result.exit_code == 0 and "0 conflicts" in result.stdout, result.stdout + result.stderr
    assert "私のメモ。" in path.read_text(encoding="utf-8")


# -- a real conflict has a way out ----------------------------------------------------------------------


def both_changed(run, imported: Path, github: GitHubServer) -> str:
    """The owner accepted a regenerated note locally and edited its issue on GitHub: a conflict."""
    regen_and_accept(run, imported, "issue-9101")
    github.advance(5)
    remote = github.issue(REPO, 9101).body + "\n追記: edited on GitHub."
    github.edit_issue(REPO, 9101, body=remote)
    conflicted = pull(run, imported)
    assert conflicted.exit_code == 1 and "1 conflicts" in conflicted.stdout, conflicted.stdout
    assert (imported / ".autonote" / "import-conflicts" / "issue-9101.md").exists()
    return remote


def test_resolve_take_mine_pushes_the_local_note_over_the_remote_one(
    run, imported: Path, github: GitHubServer, llm_server: OpenAIServer
) -> None:
    both_changed(run, imported, github)
    local = note_at(imported, "issue-9101")
    refused = push(run, imported, "issue-9101")
    assert refused.exit_code == 1 and "github resolve issue-9101" in refused.stderr
    resolved = run("github", "resolve", "issue-9101", "--take", "mine", "--corpus", str(imported))
    assert resolved.exit_code == 0, resolved.stderr
    assert not (imported / ".autonote" / "import-conflicts" / "issue-9101.md").exists()
    assert not (imported / "notes" / "issue-9101.remote.txt").exists()
    assert note_at(imported, "issue-9101").summary == local.summary
    again = pull(run, imported)
    assert again.exit_code == 0 and "0 conflicts" in again.stdout, again.stdout
    pushed = push(run, imported, "issue-9101")
    assert pushed.exit_code == 0 and "1 updated" in pushed.stdout, pushed.stdout + pushed.stderr
    assert github.issue(REPO, 9101).body == render_issue(note_at(imported, "issue-9101")).body
    assert "追記" not in github.issue(REPO, 9101).body


def test_resolve_take_theirs_takes_the_remote_body_into_the_note(
    run, imported: Path, github: GitHubServer, llm_server: OpenAIServer
) -> None:
    remote = both_changed(run, imported, github)
    resolved = run("github", "resolve", "issue-9101", "--take", "theirs", "--corpus", str(imported))
    assert resolved.exit_code == 0, resolved.stderr
    assert not (imported / ".autonote" / "import-conflicts" / "issue-9101.md").exists()
    note = note_at(imported, "issue-9101")
    assert render_issue(note).body == remote and note.origin.body_sha256 == body_sha256(remote)
    lint = run("lint", "--corpus", str(imported))
    assert "issue-9101" not in lint.stdout + lint.stderr or lint.exit_code == 0
    before = writes(github)
    again = pull(run, imported)
    assert again.exit_code == 0 and "0 conflicts" in again.stdout and "0 updated" in again.stdout, (
        again.stdout
    )
    assert push(run, imported, "issue-9101").exit_code == 0 and writes(github) == before


def test_resolve_refuses_a_note_with_no_conflict_and_bad_usage(
    run, imported: Path, github: GitHubServer
) -> None:
    none = run("github", "resolve", "issue-9101", "--take", "mine", "--corpus", str(imported))
    assert none.exit_code == 1 and "no conflict" in none.stderr and none.stderr.count("\n") == 1
    bad = run("github", "resolve", "issue-9101", "--take", "both", "--corpus", str(imported))
    assert bad.exit_code == 2
    unknown = run("github", "resolve", "issue-1", "--take", "mine", "--corpus", str(imported))
    assert unknown.exit_code == 2 and "no note issue-1" in unknown.stderr


def test_a_pull_from_another_repository_never_writes_over_a_note_of_this_one(
    run, imported: Path, github: GitHubServer
) -> None:
    other = "someone/else"
    github.add_repo(other)
    github.add_issue(other, "[Paper Note] Something Else, A. Person+, arXiv'25, 2025.01", "# URL\n- https://example.org/x",
                     number=9101)  # fmt: skip
    before = (imported / "notes" / "issue-9101.md").read_bytes()
    result = run("github", "pull", "--repo", other, "--corpus", str(imported))
    assert result.exit_code == 1
    assert f"issue #9101 of {REPO}, not of {other}; not written over" in result.stderr
    assert (imported / "notes" / "issue-9101.md").read_bytes() == before


DEV_XML = SHARED / "corpus" / "paper_notes_dev.xml"


@pytest.mark.skipif(not DEV_XML.is_file(), reason="../shared/corpus is not present")
def test_the_owners_dev_export_regenerated_five_times_pulls_without_conflicts_and_pushes_the_five(
    run, tmp_path: Path, github: GitHubServer, llm_server: OpenAIServer
) -> None:
    """The report this came from: import the dev export, regenerate and accept five notes, pull the
    repository they came from (5 false conflicts), push ("never pulled"), pull again (the same 5)."""
    repo = "AkihikoWatanabe/paper_notes"
    github.add_repo(repo)
    entries = export_entries(DEV_XML)
    serve_entries(github, repo, entries)
    corpus = init_corpus(run, tmp_path / "corpus")
    imported = run("import", "paper-notes-xml", str(DEV_XML), "--corpus", str(corpus))
    assert imported.exit_code in (0, 1), imported.stderr
    five = [f"issue-{e.issue}" for e in entries[:5]]
    regen = run("regen", "--ids", ",".join(five), "--fields", "summary,keypoints", "--corpus", str(corpus))
    assert regen.exit_code == 0, regen.stderr
    for note_id in five:
        accepted = run("review", "accept", note_id, "--corpus", str(corpus), "--no-commit")
        assert accepted.exit_code == 0, accepted.stderr

    first = run("github", "pull", "--repo", repo, "--corpus", str(corpus))
    assert first.exit_code == 0 and "0 new, 0 updated" in first.stdout and "0 conflicts" in first.stdout, (
        first.stdout + first.stderr
    )
    pushed = run("github", "push", "--all-accepted", "--repo", repo, "--corpus", str(corpus))
    assert pushed.exit_code == 0 and "0 created, 5 updated" in pushed.stdout, pushed.stdout + pushed.stderr
    assert github.count("PATCH") == 5
    for note_id in five:
        number = int(note_id.split("-")[1])
        assert github.issue(repo, number).body == render_issue(note_at(corpus, note_id)).body
    again = run("github", "pull", "--repo", repo, "--corpus", str(corpus))
    assert again.exit_code == 0 and "0 updated" in again.stdout and "0 conflicts" in again.stdout, (
        again.stdout
    )


def test_resolve_all_settles_every_conflict_of_the_corpus(
    run, imported: Path, github: GitHubServer, llm_server: OpenAIServer
) -> None:
    both_changed(run, imported, github)
    regen_and_accept(run, imported, "issue-9102")
    github.edit_issue(REPO, 9102, body=github.issue(REPO, 9102).body + "\n追記")
    pushed = push(run, imported, "issue-9102")
    assert pushed.exit_code == 1 and (imported / "notes" / "issue-9102.remote.txt").exists()
    resolved = run("github", "resolve", "--all", "--take", "mine", "--corpus", str(imported))
    assert resolved.exit_code == 0, resolved.stderr
    assert "resolved issue-9101 (mine)" in resolved.stdout and "resolved issue-9102 (mine)" in resolved.stdout
    pushed = push(run, imported, "--all-accepted")
    assert pushed.exit_code == 0 and "2 updated, 1 unchanged, 0 conflicts" in pushed.stdout, pushed.stdout
    nothing = run("github", "resolve", "--all", "--take", "mine", "--corpus", str(imported))
    assert nothing.exit_code == 0 and nothing.stdout == "no conflict to resolve\n"
    assert run("github", "resolve", "--take", "mine", "--corpus", str(imported)).exit_code == 2


def test_a_corpus_imported_before_imports_recorded_the_body_has_a_way_out(
    run, imported: Path, github: GitHubServer, llm_server: OpenAIServer
) -> None:
    """Notes whose origin does not know the issue body (an earlier autonote's import): the owner's
    accepted change conflicts at pull, and `resolve --all --take mine` makes it pushable."""
    import re
    import sqlite3

    from autonote.notes.format import file_sha256

    legacy = re.compile(r', "body_sha256": "[0-9a-f]+", "labels": \[[^\]]*\]')
    state = sqlite3.connect(imported / ".autonote" / "state.sqlite")
    for path in (imported / "notes").glob("*.md"):
        text = legacy.sub("", path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
        state.execute("UPDATE imports SET file_sha256 = ? WHERE note_id = ?", (file_sha256(text), path.stem))
    state.commit()
    state.close()
    regen_and_accept(run, imported, "issue-9101")
    never = push(run, imported, "issue-9101")
    assert (
        never.exit_code == 1
        and "never pulled" in never.stderr
        and "resolve --all --take mine" in never.stderr
    )
    pulled = pull(run, imported)
    assert pulled.exit_code == 1 and "1 conflicts" in pulled.stdout and "github resolve" in pulled.stderr
    assert run("github", "resolve", "--all", "--take", "mine", "--corpus", str(imported)).exit_code == 0
    pushed = push(run, imported, "issue-9101")
    assert pushed.exit_code == 0 and "1 updated" in pushed.stdout, pushed.stdout + pushed.stderr
    assert github.issue(REPO, 9101).body == render_issue(note_at(imported, "issue-9101")).body
