"""The repository is named once: --repo, else github_repo in autonote.toml, else GITHUB_REPOSITORY,
else the corpus's git remote origin on GitHub. One test per layer, through the CLI against the
loopback GitHub (the first request names the repository asked for)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from autonote.github.repository import repo_of_remote
from tests.github_helpers import REPO, init_corpus, serve_github
from tests.github_server import GitHubServer

TOML_REPO, ACTIONS_REPO, REMOTE_REPO = "toml-owner/notes", "actions-owner/notes", "remote-owner/notes.v2"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    for server in serve_github(monkeypatch):
        for name in (TOML_REPO, ACTIONS_REPO, REMOTE_REPO):
            server.add_repo(name)
        monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
        yield server


def asked(github: GitHubServer) -> str:
    first = github.requests[0]["path"].split("?")[0]
    return first.removeprefix("/repos/")


def pull(run, corpus: Path, *extra: str):
    return run("github", "pull", "--corpus", str(corpus), *extra)


def configure(corpus: Path, repo: str) -> None:
    with (corpus / "autonote.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\ngithub_repo = "{repo}"\n')


def git_origin(corpus: Path, url: str) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(corpus)], check=True)
    subprocess.run(["git", "-C", str(corpus), "remote", "add", "origin", url], check=True)


def test_the_flag_names_it_before_anything_else(
    run, tmp_path: Path, github: GitHubServer, monkeypatch
) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    configure(corpus, TOML_REPO)
    monkeypatch.setenv("GITHUB_REPOSITORY", ACTIONS_REPO)
    result = pull(run, corpus, "--repo", REPO)
    assert result.exit_code == 0, result.stderr
    assert asked(github) == REPO


def test_autonote_toml_names_it_when_no_flag_does(
    run, tmp_path: Path, github: GitHubServer, monkeypatch
) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    configure(corpus, TOML_REPO)
    monkeypatch.setenv("GITHUB_REPOSITORY", ACTIONS_REPO)
    git_origin(corpus, f"https://github.com/{REMOTE_REPO}.git")
    result = pull(run, corpus)
    assert result.exit_code == 0, result.stderr
    assert asked(github) == TOML_REPO and f"pulled {TOML_REPO}" in result.stdout


def test_github_repository_names_it_when_the_settings_do_not(
    run, tmp_path: Path, github: GitHubServer, monkeypatch
) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    monkeypatch.setenv("GITHUB_REPOSITORY", ACTIONS_REPO)
    git_origin(corpus, f"git@github.com:{REMOTE_REPO}.git")
    result = run("github", "push", "--all-accepted", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert asked(github) == ACTIONS_REPO


@pytest.mark.parametrize(
    "url",
    [f"https://github.com/{REMOTE_REPO}.git", f"https://github.com/{REMOTE_REPO}", f"git@github.com:{REMOTE_REPO}.git",
     f"ssh://git@github.com/{REMOTE_REPO}.git", f"git@github.com:{REMOTE_REPO}"],
)  # fmt: skip
def test_the_git_remote_origin_names_it_last(run, tmp_path: Path, github: GitHubServer, url: str) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    git_origin(corpus, url)
    result = pull(run, corpus)
    assert result.exit_code == 0, result.stderr
    assert asked(github) == REMOTE_REPO


def test_nothing_naming_it_is_a_usage_error_in_one_line(run, tmp_path: Path, github: GitHubServer) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    git_origin(corpus, "https://gitlab.com/someone/notes.git")  # not GitHub: not a repository of issues here
    result = pull(run, corpus)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("autonote: error: no repository named: give --repo OWNER/NAME")
    assert github.requests == []
    configure(corpus, "not a repo")
    bad = pull(run, corpus)
    assert bad.exit_code == 2 and "github_repo 'not a repo' is not OWNER/NAME" in bad.stderr


def test_remote_urls_are_read_only_on_github() -> None:
    assert repo_of_remote("https://github.com/a-b/c.d.git") == "a-b/c.d"
    assert repo_of_remote("git@github.com:a/b") == "a/b"
    assert repo_of_remote("https://user@github.com/a/b.git/") == "a/b"
    for other in ("https://gitlab.com/a/b.git", "git@bitbucket.org:a/b.git", "/srv/git/a/b.git", "github.com/a",
                  "https://github.com/a/b/c"):  # fmt: skip
        assert repo_of_remote(other) is None, other
    assert repo_of_remote("git@ghe.example.com:a/b.git", ("github.com", "ghe.example.com")) == "a/b"
