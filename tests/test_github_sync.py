"""`autonote github pull` and `push` end to end, through PyGithub, against the loopback GitHub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autonote.notes.format import file_sha256, parse_note, render_note
from autonote.notes.issue_format import render_issue
from autonote.schema import RelatedNote
from tests.github_helpers import (
    REPO,
    SAMPLE_XML,
    SHARED_XML,
    export_entries,
    init_corpus,
    serve_entries,
    serve_github,
)
from tests.github_server import GitHubServer
from tests.loopback import ArxivServer, OpenAIServer

NEW_PAPER = "2504.07086"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    yield from serve_github(monkeypatch)


def note_at(corpus: Path, note_id: str):
    path = corpus / "notes" / f"{note_id}.md"
    return parse_note(path.read_text(encoding="utf-8"), str(path))


def pull(run, corpus: Path, *extra: str):
    return run("github", "pull", "--repo", REPO, "--corpus", str(corpus), *extra)


def push(run, corpus: Path, *extra: str):
    return run("github", "push", *extra, "--repo", REPO, "--corpus", str(corpus))


@pytest.fixture
def pulled(run, tmp_path: Path, github: GitHubServer) -> Path:
    """A corpus pulled from the issues of the small export sample (3 good entries)."""
    serve_entries(github, REPO, export_entries(SAMPLE_XML))
    corpus = init_corpus(run, tmp_path / "corpus")
    result = pull(run, corpus)
    assert result.exit_code == 0, result.stderr
    return corpus


# -- pull ---------------------------------------------------------------------------------------------


def test_pull_makes_each_issue_a_note_and_a_second_pull_asks_only_for_changes(
    run,
    tmp_path: Path,
    github: GitHubServer,
) -> None:
    entries = export_entries(SAMPLE_XML)
    serve_entries(github, REPO, entries)
    corpus = init_corpus(run, tmp_path / "corpus")
    first = pull(run, corpus)
    assert first.exit_code == 0, first.stderr
    assert "(every issue)" in first.stdout and "3 issues, 3 new, 0 updated, 0 unchanged" in first.stdout
    for entry in entries:
        note = note_at(corpus, f"issue-{entry.issue}")
        issue = github.issue(REPO, entry.issue)
        view = render_issue(note)
        assert (view.title, view.body, view.labels) == (issue.title, issue.body, issue.labels)
        assert note.origin and note.origin.importer == "github" and note.origin.labels == issue.labels
        assert note.origin.url == f"https://github.com/{REPO}/issues/{entry.issue}"
        assert note.comment == entry.comment  # the owner's comment, as GitHub keeps it (markdown)
    assert note_at(corpus, "issue-9104").related[0].id == "issue-9101"  # "#9101" in the comment
    # One page of issues and the comments of the two issues that have some.
    assert github.count("GET", r"/issues$") == 1 and github.count("GET", r"/comments$") == 2

    before = len(github.requests)
    second = pull(run, corpus)
    assert second.exit_code == 0 and "issues updated since" in second.stdout
    assert "1 issues, 0 new, 0 updated, 1 unchanged" in second.stdout  # the latest, again: since is inclusive
    listing = [r for r in github.requests[before:] if r["path"].split("?")[0].endswith("/issues")]
    assert len(listing) == 1 and "since=" in listing[0]["path"]


def test_pull_follows_link_pagination_skips_pull_requests_and_lists_comments_once_for_many_issues(
    run,
    tmp_path: Path,
    github: GitHubServer,
) -> None:
    for number in range(1, 251):
        comments = [("example-owner", f"comment on {number}")] if number <= 150 else []
        github.add_issue(REPO, f"Note {number}, Someone, 2025.01", f"https://example.org/{number}", ["NLP"],
                         comments=comments, created=1_700_000_000 + number)  # fmt: skip
    github.add_issue(REPO, "A pull request", "diff", pull_request=True)
    github.add_comment(REPO, 5, "a passer-by's comment", login="stranger", touch=False, association="NONE")
    corpus = init_corpus(run, tmp_path / "corpus")
    result = pull(run, corpus)
    assert result.exit_code == 0, result.stderr
    assert "250 issues, 250 new" in result.stdout
    assert github.count("GET", r"/issues$") == 3  # 251 items at 100 a page, by Link headers
    assert github.count("GET", r"/issues/comments$") == 2  # 151 comments, one listing for the repository
    assert github.count("GET", r"/issues/\d+/comments") == 0
    assert not (corpus / "notes" / "issue-251.md").exists()  # the pull request
    assert note_at(corpus, "issue-5").comment == "comment on 5"  # not the passer-by's

    github.advance(5)
    github.edit_issue(REPO, 7, body="https://example.org/seven")
    github.add_comment(REPO, 200, "a new comment")
    again = pull(run, corpus)
    assert "2 issues, 0 new, 2 updated, 0 unchanged" in again.stdout, again.stdout
    assert note_at(corpus, "issue-7").url == "https://example.org/seven"
    assert note_at(corpus, "issue-200").comment == "a new comment"


def test_an_owner_edit_is_kept_when_the_issue_changed_too(run, pulled: Path, github: GitHubServer) -> None:
    path = pulled / "notes" / "issue-9101.md"
    edited = path.read_text(encoding="utf-8") + "\n私のメモ。\n"
    path.write_text(edited, encoding="utf-8")
    github.advance(5)
    github.edit_issue(REPO, 9101, title=github.issue(REPO, 9101).title + " (edited)")
    result = pull(run, pulled)
    assert result.exit_code == 1 and "1 conflicts" in result.stdout
    assert "conflict: issue-9101" in result.stderr
    assert path.read_text(encoding="utf-8") == edited
    assert "(edited)" in (pulled / ".autonote" / "import-conflicts" / "issue-9101.md").read_text(
        encoding="utf-8"
    )


@pytest.mark.skipif(not SHARED_XML, reason="../shared/corpus is not present")
def test_pull_of_the_shared_samples_gives_back_each_issue_exactly(
    run,
    tmp_path: Path,
    github: GitHubServer,
) -> None:
    entries = export_entries(*SHARED_XML)
    repo = "AkihikoWatanabe/paper_notes"
    github.add_repo(repo)
    serve_entries(github, repo, entries)
    corpus = init_corpus(run, tmp_path / "corpus")
    result = run("github", "pull", "--repo", repo, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert f"{len(entries)} issues, {len(entries)} new" in result.stdout and len(entries) == 428
    for entry in entries:
        note = note_at(corpus, f"issue-{entry.issue}")
        issue = github.issue(repo, entry.issue)
        view = render_issue(note)
        assert (view.title, view.body, view.labels) == (issue.title, issue.body, issue.labels), entry.where
    # 5 pages of issues; the comments in one repository-wide listing.
    assert github.count("GET", r"/issues$") == 5 and github.count("GET", r"/issues/\d+/comments") == 0


# -- push: a new note -----------------------------------------------------------------------------------


def draft_and_accept(run, corpus: Path, arxiv: ArxivServer) -> str:
    drafted = run("draft", NEW_PAPER, "--corpus", str(corpus), "--offline")
    assert drafted.exit_code == 0, drafted.stderr
    # An offline draft's summary is an English extract, an error review refuses without --force.
    accepted = run("review", "accept", f"arxiv-{NEW_PAPER}", "--force", "--corpus", str(corpus))
    assert accepted.exit_code == 0, accepted.stderr
    return f"arxiv-{NEW_PAPER}"


def link_to(corpus: Path, from_id: str, to_id: str) -> None:
    path = corpus / "notes" / f"{from_id}.md"
    note = parse_note(path.read_text(encoding="utf-8"))
    target = note_at(corpus, to_id)
    related = [*note.related, RelatedNote(id=to_id, title_line=target.title_line, url=target.url)]
    path.write_text(render_note(note.model_copy(update={"related": related})), encoding="utf-8")


def test_a_new_note_is_published_and_adopts_its_issue_number_in_one_step(
    run,
    pulled: Path,
    github: GitHubServer,
    arxiv_server: ArxivServer,
) -> None:
    note_id = draft_and_accept(run, pulled, arxiv_server)
    link_to(pulled, "issue-9102", note_id)
    comment_before = note_at(pulled, "issue-9102").comment
    local = note_at(pulled, note_id)

    result = push(run, pulled, note_id)
    assert result.exit_code == 0, result.stderr
    number = max(github.repos[REPO].issues)
    issue = github.issue(REPO, number)
    view = render_issue(local)
    assert issue.title == local.title_line == view.title
    assert issue.body == view.body and "# Abstract" in issue.body and "# Summary (by" in issue.body
    present = [t for t in local.tags if t in github.repos[REPO].labels]
    assert issue.labels == present
    missing = [t for t in local.tags if t not in present]
    for tag in missing:
        assert f"label {tag!r} is not in {REPO}; left off {note_id}" in result.stderr
    assert f"created https://github.com/{REPO}/issues/{number} for {note_id}" in result.stdout

    assert not (pulled / "notes" / f"{note_id}.md").exists()
    adopted = note_at(pulled, f"issue-{number}")
    assert adopted.id == f"issue-{number}" and adopted.summary == local.summary and adopted.tags == local.tags
    assert adopted.origin and adopted.origin.issue == number and adopted.origin.url == issue_url(number)
    linker = note_at(pulled, "issue-9102")
    assert [r.id for r in linker.related][-1] == f"issue-{number}"
    assert linker.related[-1].url == issue_url(number)
    assert f"({issue_url(number)})" in (pulled / "notes" / "issue-9102.md").read_text(encoding="utf-8")
    assert linker.comment == comment_before
    assert github.count("POST", r"/issues$") == 1

    # issue-9102 gained a related note (autonote's, not in its Comment): its body now links the new issue.
    again = push(run, pulled, "--all-accepted")
    assert again.exit_code == 0, again.stderr
    assert "0 created, 1 updated" in again.stdout and github.count("POST", r"/issues$") == 1
    assert f"# Related\n- [{local.title_line}]({issue_url(number)})" in github.issue(REPO, 9102).body
    third = push(run, pulled, "--all-accepted")
    assert "0 created, 0 updated" in third.stdout and github.count("PATCH") == 1
    refreshed = pull(run, pulled)
    assert "0 updated" in refreshed.stdout and "0 conflicts" in refreshed.stdout, refreshed.stdout


def issue_url(number: int) -> str:
    return f"https://github.com/{REPO}/issues/{number}"


def test_create_labels_creates_them_and_dry_run_writes_nothing(
    run,
    pulled: Path,
    github: GitHubServer,
    arxiv_server: ArxivServer,
) -> None:
    note_id = draft_and_accept(run, pulled, arxiv_server)
    tags = note_at(pulled, note_id).tags
    writes = sum(github.count(m) for m in ("POST", "PATCH", "DELETE"))
    dry = push(run, pulled, note_id, "--dry-run", "--create-labels")
    assert dry.exit_code == 0, dry.stderr
    assert f"would create an issue for {note_id}" in dry.stdout and "would push" in dry.stdout
    assert sum(github.count(m) for m in ("POST", "PATCH", "DELETE")) == writes
    assert (pulled / "notes" / f"{note_id}.md").exists()

    result = push(run, pulled, note_id, "--create-labels")
    assert result.exit_code == 0, result.stderr
    number = max(github.repos[REPO].issues)
    assert github.issue(REPO, number).labels == tags and set(tags) <= set(github.repos[REPO].labels)


def test_a_push_whose_answer_was_lost_adopts_the_issue_instead_of_making_two(
    run,
    pulled: Path,
    github: GitHubServer,
    arxiv_server: ArxivServer,
) -> None:
    note_id = draft_and_accept(run, pulled, arxiv_server)
    github.fail(502, method="POST", path=r"/issues$", process=True)  # created, but the answer is a 502
    result = push(run, pulled, note_id)
    assert result.exit_code == 0, result.stderr
    assert github.count("POST", r"/issues$") == 1  # a POST is not resent blindly
    number = max(github.repos[REPO].issues)
    assert len(github.repos[REPO].issues) == 4 and note_at(pulled, f"issue-{number}").origin.issue == number


def test_a_push_stopped_after_creating_an_issue_is_finished_by_the_next_push_without_a_second_issue(
    run,
    pulled: Path,
    github: GitHubServer,
    arxiv_server: ArxivServer,
) -> None:
    """A push killed between GitHub's answer and the note's adoption leaves its intent in the state
    database; the next push finds that issue and adopts it instead of creating another."""
    import datetime as dt
    import sqlite3

    note_id = draft_and_accept(run, pulled, arxiv_server)
    view = render_issue(note_at(pulled, note_id))
    started = dt.datetime.fromtimestamp(int(github.now()), dt.UTC)
    state = sqlite3.connect(pulled / ".autonote" / "state.sqlite")
    with state:
        state.execute(
            "INSERT INTO github_pushes(note_id, repo, title, body_sha256, started) VALUES (?, ?, ?, ?, ?)",
            (note_id, REPO.lower(), view.title, file_sha256(view.body), started.isoformat()),
        )
    state.close()
    created = github.add_issue(REPO, view.title, view.body, view.labels)  # what the stopped push made
    issues_before = len(github.repos[REPO].issues)

    result = push(run, pulled, note_id)

    assert result.exit_code == 0, result.stderr
    assert f"for {note_id}: the note is now issue-{created.number}" in result.output
    assert github.count("POST", r"/issues$") == 0 and len(github.repos[REPO].issues) == issues_before
    assert note_at(pulled, f"issue-{created.number}").origin.issue == created.number
    assert not (pulled / "notes" / f"{note_id}.md").exists()
    state = sqlite3.connect(pulled / ".autonote" / "state.sqlite")
    assert state.execute("SELECT count(*) FROM github_pushes").fetchone() == (0,)  # the intent is settled
    state.close()


# -- push: an update ------------------------------------------------------------------------------------


def regen_and_accept(run, corpus: Path, note_id: str) -> None:
    regen = run("regen", "--ids", note_id, "--fields", "summary,keypoints,tags", "--corpus", str(corpus))
    assert regen.exit_code == 0, regen.stderr
    accepted = run("review", "accept", note_id, "--corpus", str(corpus))
    assert accepted.exit_code == 0, accepted.stderr


def test_a_regenerated_summary_accepted_and_pushed_updates_only_the_body_and_adds_tags(
    run,
    pulled: Path,
    github: GitHubServer,
    llm_server: OpenAIServer,
) -> None:
    issue = github.issue(REPO, 9101)
    github.add_comment(REPO, 9101, "the owner's second comment")
    issue.labels.append("OwnersLabel")
    github.repos[REPO].labels["OwnersLabel"] = "ffffff"
    comments_before = [c.body for c in issue.comments]
    title_before = issue.title
    before = note_at(pulled, "issue-9101")
    regen_and_accept(run, pulled, "issue-9101")
    after = note_at(pulled, "issue-9101")
    assert after.summary != before.summary
    gained = [t for t in after.tags if t not in before.tags]
    for tag in gained:
        github.repos[REPO].labels.setdefault(tag, "ededed")

    result = push(run, pulled, "issue-9101")
    assert result.exit_code == 0, result.stderr
    assert issue.body == render_issue(after).body and after.summary in issue.body
    assert issue.title == title_before  # the title is the owner's once the issue exists
    assert [c.body for c in issue.comments] == comments_before
    assert issue.labels[: len(before.tags) + 1] == [*before.tags, "OwnersLabel"]
    assert issue.labels[len(before.tags) + 1 :] == gained
    assert github.count("PATCH") == 1
    assert "updated the issue of issue-9101: body" in result.stdout
    assert note_at(pulled, "issue-9101").origin.body_sha256 != before.origin.body_sha256
    again = push(run, pulled, "issue-9101")
    assert "1 unchanged" in again.stdout and github.count("PATCH") == 1


def test_a_label_removed_on_github_is_not_put_back(
    run,
    pulled: Path,
    github: GitHubServer,
    llm_server: OpenAIServer,
) -> None:
    issue = github.issue(REPO, 9101)
    removed = issue.labels.pop(0)
    regen_and_accept(run, pulled, "issue-9101")
    result = push(run, pulled, "issue-9101")
    assert result.exit_code == 0, result.stderr
    assert removed not in issue.labels


def test_a_remote_edit_between_pull_and_push_is_a_conflict_and_nothing_is_written(
    run,
    pulled: Path,
    github: GitHubServer,
    llm_server: OpenAIServer,
) -> None:
    regen_and_accept(run, pulled, "issue-9101")
    local = (pulled / "notes" / "issue-9101.md").read_text(encoding="utf-8")
    remote = github.issue(REPO, 9101).body + "\n\n追記: the owner edited this on GitHub."
    github.edit_issue(REPO, 9101, body=remote)
    writes = sum(github.count(m) for m in ("POST", "PATCH", "DELETE"))

    result = push(run, pulled, "issue-9101")
    assert result.exit_code == 1
    assert "conflict: issue-9101: the issue body changed on GitHub" in result.stderr
    assert github.issue(REPO, 9101).body == remote
    assert sum(github.count(m) for m in ("POST", "PATCH", "DELETE")) == writes
    assert (pulled / "notes" / "issue-9101.md").read_text(encoding="utf-8") == local
    saved = pulled / "notes" / "issue-9101.remote.txt"
    assert saved.read_text(encoding="utf-8") == remote + "\n"

    forced = push(run, pulled, "issue-9101", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert github.issue(REPO, 9101).body == render_issue(note_at(pulled, "issue-9101")).body
    assert not saved.exists()


def test_push_refuses_unknown_notes_drafts_and_other_repositories(
    run,
    pulled: Path,
    github: GitHubServer,
    arxiv_server: ArxivServer,
) -> None:
    assert push(run, pulled, "no-such-note").exit_code == 2
    assert push(run, pulled).exit_code == 2  # neither ids nor --all-accepted
    drafted = run("draft", NEW_PAPER, "--corpus", str(pulled), "--offline")
    assert drafted.exit_code == 0
    result = push(run, pulled, f"arxiv-{NEW_PAPER}")
    assert result.exit_code == 2 and "a pending draft" in result.stderr
    github.add_repo("someone/else")
    other = run("github", "push", "issue-9101", "--repo", "someone/else", "--corpus", str(pulled))
    assert other.exit_code == 1 and "its issue is in another repository" in other.stderr
    assert run("github", "push", "issue-9101", "--repo", "not a repo", "--corpus", str(pulled)).exit_code == 2


def test_pull_adopts_a_note_drafted_here_and_posted_by_hand(
    run,
    pulled: Path,
    github: GitHubServer,
    arxiv_server: ArxivServer,
) -> None:
    note_id = draft_and_accept(run, pulled, arxiv_server)
    link_to(pulled, "issue-9102", note_id)
    drafted = note_at(pulled, note_id)
    view = render_issue(drafted)
    github.advance(5)
    posted = github.add_issue(REPO, view.title, view.body, [])  # the owner pasted the export by hand
    result = pull(run, pulled)
    assert result.exit_code == 0, result.stderr
    assert f"adopted {note_id} as issue-{posted.number}" in result.stderr and "1 adopted" in result.stdout
    assert not (pulled / "notes" / f"{note_id}.md").exists()
    adopted = note_at(pulled, f"issue-{posted.number}")
    assert adopted.summary == drafted.summary and adopted.key_points == drafted.key_points
    assert adopted.origin and adopted.origin.issue == posted.number
    assert note_at(pulled, "issue-9102").related[-1].id == f"issue-{posted.number}"
    again = pull(run, pulled)
    assert "0 updated" in again.stdout and "0 conflicts" in again.stdout, again.stdout
