"""What the GitHub tests share: the loopback server wired into the environment, and the corpus's
exports served as issues."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from autonote.corpus.importers import SourceEntry, read_paper_notes_xml
from tests.github_server import GitHubServer

TOKEN = "ghp_loopbackTestToken0123456789"
REPO = "example-owner/paper_notes"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLE_XML = FIXTURES / "exports" / "paper-notes-sample.xml"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_XML = sorted((SHARED / "corpus").glob("*.xml")) if (SHARED / "corpus").is_dir() else []


def serve_github(monkeypatch: pytest.MonkeyPatch, **options: object) -> Iterator[GitHubServer]:
    """A loopback GitHub with the repository REPO; the environment points autonote at it (each
    test module makes it its ``github`` fixture: ``yield from serve_github(monkeypatch)``)."""
    with GitHubServer(tokens=(TOKEN,), **options) as server:  # type: ignore[arg-type]
        server.add_repo(REPO)
        for name in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_API_URL", "GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("GITHUB_API_URL", server.url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("AUTONOTE_GITHUB_WRITE_INTERVAL", "0")
        monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no gh of the developer's
        yield server


def export_entries(*paths: Path) -> list[SourceEntry]:
    """The entries of the exports with an issue number (the first of each number)."""
    entries: dict[int, SourceEntry] = {}
    for path in paths:
        for entry in read_paper_notes_xml(path):
            if isinstance(entry, SourceEntry) and entry.issue is not None:
                entries.setdefault(entry.issue, entry)
    return list(entries.values())


def serve_entries(server: GitHubServer, repo: str, entries: list[SourceEntry]) -> None:
    """Each export entry as the issue it was: raw title, body, tags as labels, the owner's
    comment (markdown, as GitHub keeps it) as a comment, created on its issue date."""
    owner = repo.split("/")[0]
    for entry in entries:
        created = dt.datetime.combine(entry.issue_date or dt.date(2025, 1, 1), dt.time(9), dt.UTC).timestamp()
        comments = [(owner, entry.comment)] if entry.comment.strip() else []
        server.add_issue(repo, entry.raw_title, entry.body, entry.tags, number=entry.issue, created=created,
                         comments=comments)  # fmt: skip


def init_corpus(run, folder: Path) -> Path:
    result = run("init", str(folder))
    assert result.exit_code == 0, result.stderr
    return folder
