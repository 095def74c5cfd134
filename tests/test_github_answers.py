"""Whatever GitHub answers (a redirect for a renamed repository or a transferred issue, a deleted
issue, an HTML page, JSON nested thousands deep, an answer trickled a byte at a time), pull, push
and the Action either carry on correctly or stop with one line naming what happened: no issue is
lost silently and no traceback is shown. Through PyGithub against the loopback GitHub, whose
answers take the shapes of public recordings (see tests/github_server.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github_helpers import REPO, SAMPLE_XML, export_entries, init_corpus, serve_entries, serve_github
from tests.github_server import GitHubServer

NEW_NAME = "example-owner/paper-notes-renamed"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    yield from serve_github(monkeypatch)


def pull(run, corpus: Path, repo: str = REPO, *extra: str):
    return run("github", "pull", "--repo", repo, "--corpus", str(corpus), *extra)


def push(run, corpus: Path, *extra: str, repo: str = REPO):
    return run("github", "push", *extra, "--repo", repo, "--corpus", str(corpus))


@pytest.fixture
def pulled(run, tmp_path: Path, github: GitHubServer) -> Path:
    serve_entries(github, REPO, export_entries(SAMPLE_XML))
    corpus = init_corpus(run, tmp_path / "corpus")
    result = pull(run, corpus)
    assert result.exit_code == 0, result.stderr
    return corpus


def change(corpus: Path, note_id: str, point: str = "- 追加したポイント") -> None:
    path = corpus / "notes" / f"{note_id}.md"
    marker = "<!-- autonote:key-points -->\n"
    path.write_text(
        path.read_text(encoding="utf-8").replace(marker, marker + point + "\n", 1), encoding="utf-8"
    )


def one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("autonote: error:")]
    assert len(errors) == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    return errors[0]


# -- a renamed repository ----------------------------------------------------------------------------------


def test_a_renamed_repository_is_followed_with_every_issue_and_said_once(
    run, tmp_path: Path, github: GitHubServer
) -> None:
    for number in range(1, 251):  # three pages; all closed but the last, as in the real corpus
        github.add_issue(REPO, f"Note {number}, Someone, 2025.01", f"https://example.org/{number}", ["NLP"],
                         created=1_700_000_000 + number, state="closed" if number < 250 else "open")  # fmt: skip
    github.rename_repo(REPO, NEW_NAME)
    corpus = init_corpus(run, tmp_path / "corpus")
    result = pull(run, corpus)
    assert result.exit_code == 0, result.stderr
    assert "250 issues, 250 new" in result.stdout, result.stdout
    assert len(list((corpus / "notes").glob("issue-*.md"))) == 250
    moved = [line for line in result.stderr.splitlines() if NEW_NAME in line]
    assert moved == [
        f"autonote: warning: {REPO} is now {NEW_NAME} on GitHub (renamed or transferred; GitHub redirects the old"
        f" name); pulled from {NEW_NAME}: name it in the configuration (--repo {NEW_NAME})"
    ]
    # The listing asked for every state on every page, under the new name.
    listings = [r["path"] for r in github.requests if r["path"].split("?")[0].endswith("/issues")]
    assert len(listings) == 3 and all("state=all" in p for p in listings)

    # A push under the old name (its PATCH would be a 307 there) updates the issue where it is now.
    change(corpus, "issue-7")
    pushed = push(run, corpus, "--all-accepted")
    assert pushed.exit_code == 0, pushed.stderr
    assert "1 updated" in pushed.stdout and github.count("PATCH") == 1
    assert "追加したポイント" in github.issue(NEW_NAME, 7).body
    assert f"pushed to {NEW_NAME}" in pushed.stderr


def test_a_write_redirected_mid_run_is_followed_only_within_the_same_repository(
    run, pulled: Path, github: GitHubServer
) -> None:
    from autonote.github.connection import GitHub, find_access
    from autonote.github.store import GitHubIssues

    store = GitHubIssues(GitHub(find_access()), REPO)
    assert store.resolve() is None  # the name is current; the repository's id is now known
    github.rename_repo(REPO, NEW_NAME)  # renamed while autonote runs: the next PATCH gets a 307
    body = github.issue(NEW_NAME, 9101).body
    from autonote.github.proposal import body_sha256

    store.update("issue-9101", body + "\n- more", revision=body_sha256(body))
    assert github.issue(NEW_NAME, 9101).body == body + "\n- more"
    patches = [r for r in github.requests if r["method"] == "PATCH"]
    assert [p["path"].split("/")[1] for p in patches] == ["repos", "repositories"]  # 307, then followed


# -- a transferred or deleted issue -------------------------------------------------------------------------


def test_a_transferred_or_deleted_issue_stops_that_note_only_and_names_where_it_went(
    run, pulled: Path, github: GitHubServer
) -> None:
    github.add_repo("example-owner/elsewhere")
    moved = github.transfer_issue(REPO, 9101, "example-owner/elsewhere")
    github.delete_issue(REPO, 9102)
    for note_id in ("issue-9101", "issue-9102", "issue-9104"):
        change(pulled, note_id)
    result = push(run, pulled, "--all-accepted")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert (
        f"autonote: issue-9101: not pushed: {REPO}: moved to https://github.com/example-owner/elsewhere/issues/"
        f"{moved.number} (HTTP 301: transferred to another repository) while reading issue #9101"
    ) in lines
    assert (
        f"autonote: issue-9102: not pushed: {REPO}: deleted on GitHub (HTTP 410: This issue was deleted) while"
        " reading issue #9102"
    ) in lines
    assert "1 updated" in result.stdout and "2 refused" in result.stdout  # the other note went on
    assert github.count("PATCH") == 1 and "追加したポイント" in github.issue(REPO, 9104).body
    assert "追加したポイント" not in github.issue("example-owner/elsewhere", moved.number).body


# -- any other answer: one line --------------------------------------------------------------------------------

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Unicorn! \xc2\xb7 GitHub</title></head><body>...</body></html>\n"
)
DEEP = b"[" * 100_000 + b"]" * 100_000

ANSWERS = {
    "an HTML page with 200": dict(status=200, raw=HTML_PAGE, content_type="text/html; charset=utf-8"),
    "an HTML error page (418)": dict(status=418, raw=HTML_PAGE, content_type="text/html"),
    "JSON nested 100,000 deep": dict(status=200, raw=DEEP),
    "a broken JSON error body": dict(status=422, raw=b'{"message": "Validation Fa'),
    "a redirect to another host": dict(status=302, headers={"Location": "https://evil.example/x"}),
    "a redirect without a Location": dict(status=308, body={"message": "Permanent Redirect"}),
    "a JSON object where a list is due": dict(status=200, body={"message": "surprise"}),
}


@pytest.mark.parametrize("answer", list(ANSWERS), ids=list(ANSWERS))
def test_any_answer_to_pull_and_push_is_one_line(
    run, pulled: Path, github: GitHubServer, answer: str
) -> None:
    github.fail(**ANSWERS[answer], method="GET", path=r"/issues$", times=99)
    result = pull(run, pulled, REPO, "--full")
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert line.startswith(f"autonote: error: {REPO}: ") and "listing issues" in line, line

    github.faults.clear()
    change(pulled, "issue-9104")
    github.fail(**ANSWERS[answer], method="GET", path=r"/issues/9104$", times=99)
    pushed = push(run, pulled, "--all-accepted")
    assert pushed.exit_code == 1
    assert "Traceback" not in pushed.stderr and "internal error" not in pushed.stderr, pushed.stderr
    said = [line for line in pushed.stderr.splitlines() if "reading issue #9104" in line]
    assert len(said) == 1 and f"{REPO}: " in said[0], pushed.stderr  # an error, or that note refused


def test_any_answer_to_the_action_is_one_line(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer
) -> None:
    serve_entries(github, REPO, export_entries(SAMPLE_XML))
    corpus = init_corpus(run, tmp_path / "corpus")
    payload = {"action": "labeled", "label": {"name": "autonote:regen"}, "repository": {"full_name": REPO},
               "issue": {"number": 9101, "title": "t", "body": "b", "labels": [{"name": "autonote:regen"}],
                         "user": {"login": "example-owner"}, "author_association": "OWNER"},
               "sender": {"login": "example-owner"}}  # fmt: skip
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "issues")
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    for answer in ANSWERS.values():
        github.faults.clear()
        github.fail(**answer, method="GET", path=r"/issues$", times=99)
        result = run("github", "action", "--corpus", str(corpus))
        assert result.exit_code == 1
        one_error_line(result.stderr)


# -- a deadline for the whole answer --------------------------------------------------------------------------


def test_an_answer_trickled_a_byte_at_a_time_fails_within_the_timeout(
    run, pulled: Path, github: GitHubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTONOTE_GITHUB_TIMEOUT", "2")
    github.fail(200, {"message": "x" * 400}, method="GET", path=r"/issues$", trickle=0.05, times=99)
    listed = github.count("GET", r"/issues$")
    started = time.monotonic()
    result = pull(run, pulled, REPO, "--full")
    took = time.monotonic() - started
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert line == (
        f"autonote: error: {REPO}: the GitHub API at {github.url} did not send its whole answer within 2 s while"
        " listing issues (AUTONOTE_GITHUB_TIMEOUT)"
    )
    assert took < 2 + 1.5, took  # the timeout, a quarter second of grace, and a margin for a loaded machine
    assert github.count("GET", r"/issues$") == listed + 1  # a trickle is not retried


def test_a_server_told_wait_is_capped_and_the_cap_said(
    run, pulled: Path, github: GitHubServer, monkeypatch
) -> None:
    from tests.github_server import SECONDARY_LIMIT

    monkeypatch.setenv("AUTONOTE_GITHUB_MAX_WAIT", "1")
    github.fail(403, SECONDARY_LIMIT, headers={"Retry-After": "100000"}, method="GET", path=r"/issues$")
    started = time.monotonic()
    result = pull(run, pulled, REPO, "--full")
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started < 30
    assert (
        "autonote: warning: GitHub: secondary rate limit (HTTP 403, retry-after 100000); retrying in 1.0 s"
        " (attempt 2 of 7) (GitHub said to wait 100000 s, until it allows a retry; capped at 1 s,"
        " AUTONOTE_GITHUB_MAX_WAIT)"
    ) in result.stderr.splitlines()
