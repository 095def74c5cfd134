"""Talking to GitHub: where the token comes from, rate limits (primary and secondary), retries,
and failures as one line that names the repository and never the token. All through PyGithub
against the loopback server."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autonote.errors import ConfigError, UsageError
from autonote.github.connection import GitHub, GitHubError, find_access, parse_repo
from autonote.github.store import GitHubIssues
from tests.github_helpers import REPO, TOKEN, init_corpus, serve_github
from tests.github_server import SECONDARY_LIMIT, GitHubServer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    yield from serve_github(monkeypatch)


def issues(server: GitHubServer, count: int) -> None:
    for number in range(1, count + 1):
        server.add_issue(REPO, f"Note {number}, Someone, 2025.01", f"https://example.org/{number}", ["NLP"],
                         created=1_700_000_000 + number)  # fmt: skip


def connect(messages: list[str] | None = None) -> GitHub:
    said = messages if messages is not None else []
    return GitHub(find_access(), warn=said.append)


# -- where the API and the token come from -------------------------------------------------------------


def fake_gh(folder: Path, token: str, *, fails: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "gh"
    body = "exit 1" if fails else f'[ "$1 $2" = "auth token" ] && echo {token}'
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_the_token_comes_from_github_token_then_gh_token_then_gh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "GITHUB_TOKEN": "tok-one",
        "GH_TOKEN": "tok-two",
        "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
    }
    access = find_access(env, ask_gh=False)
    assert (access.token, access.token_source) == ("tok-one", "GITHUB_TOKEN")
    assert access.api_url == "https://ghe.example.com/api/v3"
    assert find_access({"GH_TOKEN": "tok-two"}, ask_gh=False).token_source == "GH_TOKEN"
    assert "tok-one" not in repr(access)
    none = find_access({}, ask_gh=False)
    assert (none.token, none.token_source, none.api_url) == (None, "none", "https://api.github.com")

    fake_gh(tmp_path / "bin", "ghp_fromTheGhCli")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    from_gh = find_access({})
    assert (from_gh.token, from_gh.token_source) == ("ghp_fromTheGhCli", "gh auth token")
    fake_gh(tmp_path / "bin", "", fails=True)
    assert find_access({}).token is None


def test_bad_api_urls_and_repositories_are_refused_without_echoing_credentials() -> None:
    with pytest.raises(ConfigError) as caught:
        find_access({"GITHUB_API_URL": "https://user:ghp_secretInUrl@api.github.com"}, ask_gh=False)
    assert "ghp_secretInUrl" not in str(caught.value)
    with pytest.raises(ConfigError):
        find_access({"GITHUB_API_URL": "ftp://example.com"}, ask_gh=False)
    for bad in ("owner", "owner/", "/name", "a/b/c", "own er/name", "owner/..", "-owner/name"):
        with pytest.raises(UsageError):
            parse_repo(bad)
    assert parse_repo("octo-cat/paper_notes.git") == "octo-cat/paper_notes"


# -- rate limits and retries ------------------------------------------------------------------------------


@pytest.fixture
def stingy(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    """A GitHub that allows 2 requests every 1.5 s."""
    yield from serve_github(monkeypatch, rate_limit=2, rate_window=1.5)


def test_a_long_pull_waits_for_the_primary_limit_instead_of_spending_past_it(stingy: GitHubServer) -> None:
    issues(stingy, 350)  # 4 pages with a budget of 2 requests a window
    said: list[str] = []
    gh = connect(said)
    listed = GitHubIssues(gh, REPO).ids()
    assert len(listed) == 350
    assert stingy.primary_refusals == 0  # never a request over the limit
    waits = [m for m in said if m.startswith("GitHub rate limit: 0 of 2 requests left; waiting")]
    assert len(waits) >= 1 and gh.traffic.waits and gh.traffic.requests == 4


def test_a_spent_budget_is_waited_out_when_github_refuses(stingy: GitHubServer) -> None:
    """Another process spent the budget: GitHub's primary-limit 403 is waited out until the reset."""
    issues(stingy, 1)
    spender = GitHubIssues(connect(), REPO)
    spender.ids(), spender.ids()  # the budget of this window is gone
    said: list[str] = []
    assert len(GitHubIssues(connect(said), REPO).ids()) == 1
    assert stingy.primary_refusals == 1
    assert said[0].startswith("GitHub: rate limit exhausted (HTTP 403); retrying in ")


def test_secondary_limits_and_server_errors_are_retried_and_said(github: GitHubServer) -> None:
    issues(github, 3)
    github.fail(502, method="GET", path=r"/issues$")
    github.fail(503, method="GET", path=r"/issues$")
    github.fail(403, SECONDARY_LIMIT, headers={"Retry-After": "1"}, method="GET", path=r"/issues$")
    github.fail(429, {"message": "slow down"}, headers={"Retry-After": "1"}, method="GET", path=r"/issues$")
    said: list[str] = []
    gh = connect(said)
    assert len(GitHubIssues(gh, REPO).ids()) == 3
    assert said == [
        "GitHub: HTTP 502; retrying now (attempt 2 of 7)",
        "GitHub: HTTP 503; retrying in 2.0 s (attempt 3 of 7)",
        "GitHub: secondary rate limit (HTTP 403, retry-after 1); retrying in 1.0 s (attempt 4 of 7)",
        "GitHub: secondary rate limit (HTTP 429, retry-after 1); retrying in 1.0 s (attempt 5 of 7)",
    ]
    assert gh.traffic.retries == 4 and github.count("GET", r"/issues$") == 5
    assert gh.traffic.waits[0][0] == "HTTP 503"


def test_a_timeout_on_a_read_is_retried(github: GitHubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    issues(github, 2)
    monkeypatch.setenv("AUTONOTE_GITHUB_TIMEOUT", "1")
    github.fail(0, delay=2.5, method="GET", path=r"/issues$")  # answers normally, too late
    said: list[str] = []
    assert len(GitHubIssues(connect(said), REPO).ids()) == 2
    assert said and "request failed (ReadTimeoutError)" in said[0]


def test_a_create_refused_by_a_server_error_is_not_sent_twice(github: GitHubServer) -> None:
    from autonote.schema import Note

    github.fail(502, method="POST", path=r"/issues$", times=7)
    note = Note(
        id="local-1", kind="blog", title="A post", url="https://example.org/p", issue_date="2026-01-01"
    )
    with pytest.raises(GitHubError) as caught:
        GitHubIssues(connect(), REPO).add(note)
    assert github.count("POST", r"/issues$") == 1
    assert str(caught.value).startswith(f"{REPO}: ") and "502" in str(caught.value)


def test_an_unknown_label_is_a_422_named_in_one_line(github: GitHubServer) -> None:
    from autonote.schema import Note

    note = Note(id="local-1", kind="blog", title="A post", url="https://example.org/p", issue_date="2026-01-01",
                tags=["NoSuchLabel"])  # fmt: skip
    with pytest.raises(GitHubError) as caught:
        GitHubIssues(connect(), REPO).add(note)
    message = str(caught.value)
    assert message == (
        f"{REPO}: GitHub answered HTTP 422 while creating the issue for local-1: Validation Failed"
        " (labels invalid 'NoSuchLabel')"
    )


# -- failures on the command line: one line, the repository named, the token never shown --------------


def autonote(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autonote", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def test_401_and_404_name_the_repository_and_never_the_token(
    run, tmp_path: Path, github: GitHubServer
) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    secret = "ghp_wrongSecretToken987654321"
    env = {**os.environ, "GITHUB_TOKEN": secret}
    for debug in ([], ["--debug"]):
        bad = autonote(*debug, "github", "pull", "--repo", REPO, "--corpus", str(corpus), env=env)
        assert bad.returncode == 1
        assert secret not in bad.stdout + bad.stderr
        if not debug:
            assert bad.stderr == (
                f"autonote: error: {REPO}: GitHub refused the credentials while reading the repository (HTTP 401: bad"
                " credentials; the token came from GITHUB_TOKEN)\n"
            )
    missing = autonote(
        "github", "pull", "--repo", "example-owner/nothing", "--corpus", str(corpus), env=os.environ.copy()
    )
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert missing.stderr.startswith(
        "autonote: error: example-owner/nothing: not found while reading the repository (HTTP 404"
    )
    unreachable = autonote("github", "pull", "--repo", REPO, "--corpus", str(corpus),
                           env={**os.environ, "GITHUB_API_URL": "http://127.0.0.1:9"})  # fmt: skip
    assert (
        unreachable.returncode == 1
        and "cannot reach the GitHub API at http://127.0.0.1:9" in unreachable.stderr
    )
    *retries, last = unreachable.stderr.splitlines()
    assert last == (
        f"autonote: error: {REPO}: cannot reach the GitHub API at http://127.0.0.1:9 while reading the repository"
        " ([Errno 111] Connection refused)"
    )
    assert len(retries) == 2 and all(
        r.startswith("autonote: warning: GitHub: request failed") for r in retries
    )
    assert TOKEN not in unreachable.stderr


def test_the_token_is_never_written_to_a_file_or_shown(run, tmp_path: Path, github: GitHubServer) -> None:
    from tests.github_helpers import SAMPLE_XML, export_entries, serve_entries

    serve_entries(github, REPO, export_entries(SAMPLE_XML))
    corpus = init_corpus(run, tmp_path / "corpus")
    github.fail(502, method="GET", path=r"/issues$")
    env = os.environ.copy()
    outputs = []
    for args in (["--debug", "github", "pull", "--repo", REPO], ["github", "push", "--all-accepted", "--repo", REPO],
                 ["github", "push", "--all-accepted", "--dry-run", "--repo", REPO]):  # fmt: skip
        done = autonote(*args, "--corpus", str(corpus), env=env)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    assert all(TOKEN not in text for text in outputs)
    assert any("GitHub: HTTP 502; retrying" in text for text in outputs)
    for path in corpus.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    # it was sent, as a header, on every request
    assert all(r["headers"].get("Authorization") == f"Bearer {TOKEN}" for r in github.requests)
