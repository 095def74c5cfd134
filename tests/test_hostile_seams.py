"""The seams of issue 19 (the LLM provider, the note store's push loop, the one Retry-After reading)
tried as a hostile user would, through the real CLI against the loopback servers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github_helpers import REPO, SAMPLE_XML, export_entries, init_corpus, serve_entries, serve_github
from tests.github_server import GitHubServer

GITHUB_WRITES = ("POST", "PATCH", "PUT", "DELETE")


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    yield from serve_github(monkeypatch)


@pytest.fixture
def pulled(run, tmp_path: Path, github: GitHubServer) -> Path:
    """A corpus pulled from the issues of the small export sample."""
    serve_entries(github, REPO, export_entries(SAMPLE_XML))
    corpus = init_corpus(run, tmp_path / "corpus")
    result = run("github", "pull", "--repo", REPO, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    return corpus


def corpus_files(corpus: Path) -> dict[str, bytes]:
    return {
        p.relative_to(corpus).as_posix(): p.read_bytes()
        for p in corpus.rglob("*")
        if p.is_file() and ".autonote" not in p.parts
    }


def state_rows(corpus: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(corpus / ".autonote" / "state.sqlite")
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        db.close()


def add_tag(corpus: Path, note_id: str, tag: str) -> None:
    """The owner tags a note by hand: one more ``#tag`` on its tag line."""
    path = corpus / "notes" / f"{note_id}.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("#") and not line.startswith("##"))
    lines[at] += f" #{tag}"
    path.write_text("\n".join(lines), encoding="utf-8")


# -- push: the dry run ------------------------------------------------------------------------------


def test_a_dry_run_push_writes_nothing_when_the_issue_already_has_the_tag_the_note_gained(
    run, pulled: Path, github: GitHubServer
) -> None:
    """The owner tagged the note here and labelled its issue the same on GitHub: a real push has
    nothing to send and records what GitHub holds now; a dry run must not record it either."""
    add_tag(pulled, "issue-9101", "Reviewed")
    github.repos[REPO].labels["Reviewed"] = "ededed"
    github.issue(REPO, 9101).labels.append("Reviewed")
    files, rows = corpus_files(pulled), state_rows(pulled)
    writes = sum(github.count(m) for m in GITHUB_WRITES)

    dry = run("github", "push", "issue-9101", "--dry-run", "--repo", REPO, "--corpus", str(pulled))

    assert dry.exit_code == 0, dry.stderr
    assert "would push to example-owner/paper_notes: 0 created, 0 updated, 1 unchanged" in dry.stdout
    assert corpus_files(pulled) == files
    assert state_rows(pulled) == rows
    assert sum(github.count(m) for m in GITHUB_WRITES) == writes


# -- GitHub: the waits autonote makes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["AUTONOTE_GITHUB_TIMEOUT", "AUTONOTE_GITHUB_WRITE_INTERVAL", "AUTONOTE_GITHUB_MAX_WAIT"]
)
@pytest.mark.parametrize("value", ["nan", "inf", "1e400"])
def test_a_github_wait_that_is_not_a_finite_number_is_one_line_and_exit_2(
    run, tmp_path: Path, github: GitHubServer, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """``nan`` or ``inf`` seconds bound nothing: as a timeout they were a traceback, as the longest
    wait for a Retry-After they silently lifted the cap ("capped at nan s")."""
    corpus = init_corpus(run, tmp_path / "corpus")
    monkeypatch.setenv(name, value)
    result = run("github", "pull", "--repo", REPO, "--corpus", str(corpus))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"autonote: error: {name}={value!r} is not a finite number of seconds"
    ]
    assert github.count() == 0
