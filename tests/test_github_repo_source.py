"""Drafting from a GitHub repository URL: name, owner, description and README lead through the
GitHub API (loopback server, PyGithub), the corpus's title line for a repository, and a cache."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from autonote.notes.format import parse_note
from tests.github_helpers import init_corpus, serve_github
from tests.github_server import GitHubServer

README = """<p align="center"><img src="assets/logo.png" width="200"></p>

# simple-paged-attention

[![PyPI](https://img.shields.io/pypi/v/x.svg)](https://pypi.org/project/x) [![CI](https://x/ci.svg)](https://x/ci)

A minimal implementation of **paged attention** in about 300 lines of PyTorch, written to show how
the KV cache is split into fixed-size blocks and how a block table maps tokens to blocks.

## Install

```
pip install simple-paged-attention
```
"""


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    for server in serve_github(monkeypatch):
        made = dt.datetime(2025, 6, 10, tzinfo=dt.UTC).timestamp()
        server.add_repo("torotoki/simple-paged-attention", description="Paged attention, simply.",
                        readme=README, created=made)  # fmt: skip
        server.add_repo("meituan-longcat/LongCat-Video", owner_type="Organization", owner_name="Meituan LongCat Team",
                        description="LongCat-Video: a foundational video generation model.", readme=None,
                        created=dt.datetime(2025, 10, 20, tzinfo=dt.UTC).timestamp())  # fmt: skip
        yield server


def draft(run, corpus: Path, *args: str):
    return run("draft", *args, "--corpus", str(corpus), "--offline")


def test_a_repository_url_drafts_an_oss_note_with_the_corpus_title_line(
    run, tmp_path: Path, github: GitHubServer
) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    result = draft(run, corpus, "https://github.com/torotoki/simple-paged-attention/tree/main/src")
    assert result.exit_code == 0, result.stderr
    path = corpus / "drafts" / "github-torotoki_simple-paged-attention.md"
    assert result.stdout.strip() == str(path)
    note = parse_note(path.read_text(encoding="utf-8"))
    assert note.kind == "oss" and note.url == "https://github.com/torotoki/simple-paged-attention"
    assert note.title_line == "simple-paged-attention, torotoki, 2025.06"
    assert note.abstract.startswith(
        "Paged attention, simply. A minimal implementation of paged attention in about"
    )
    assert "pip install" not in note.abstract and "PyPI" not in note.abstract
    asked = len(github.requests)
    assert asked == 2  # the repository and its README

    again = draft(run, corpus, "github.com/torotoki/simple-paged-attention", "--force")
    assert again.exit_code == 0, again.stderr
    assert len(github.requests) == asked  # from the cache


def test_an_organisation_goes_by_its_name_and_a_repository_without_readme_by_its_description(
    run, tmp_path: Path, github: GitHubServer
) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    result = run("draft", "https://github.com/meituan-longcat/LongCat-Video", "--offline", "--stdout",
                 "--corpus", str(corpus))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "\nLongCat-Video, Meituan LongCat Team, 2025.10\n" in result.stdout
    assert "LongCat-Video: a foundational video generation model." in result.stdout


def test_unknown_repositories_and_other_github_pages_are_one_line_errors(
    run, tmp_path: Path, github: GitHubServer
) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    missing = draft(run, corpus, "https://github.com/nobody/nothing")
    assert missing.exit_code == 1 and missing.stderr.count("\n") == 1
    assert "GitHub has no repository nobody/nothing" in missing.stderr
    # Other GitHub pages are not a repository's description: they are left to the other sources.
    from autonote.sources.registry import parse_input

    assert parse_input("https://github.com/torotoki/simple-paged-attention").source == "github"
    for page in ("https://github.com/torotoki/simple-paged-attention/issues/3",
                 "https://github.com/deepseek-ai/DeepSeek-V3.2-Exp/blob/main/DeepSeek_V3_2.pdf",
                 "https://github.com/orgs/meituan-longcat"):  # fmt: skip
        assert parse_input(page).source != "github", page
