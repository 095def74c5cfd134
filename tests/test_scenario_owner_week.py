"""One week of the corpus's owner, end to end through the real CLI and PyGithub, against the
loopback GitHub, arXiv and OpenAI servers.

The owner imports the XML export into a folder (the repository's issues as they are), links it to
the repository (a pull of the same issues changes nothing), opens an issue with an arXiv URL (the
Action drafts it, in its own fresh workspace, as a workflow run does), asks for a regenerated body
with the label ``autonote:regen`` and applies it with ``autonote:accept``, regenerates another
note locally and accepts the draft with ``review accept``, pushes, pulls again and lints.

At the end GitHub and the folder agree byte for byte (each issue's title, body and labels are its
note's issue export), GitHub received exactly the writes the owner asked for, and the folder's git
status shows exactly the files those steps changed.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest

from autonote.notes.format import parse_note
from autonote.notes.issue_format import render_issue
from tests.github_helpers import REPO, SAMPLE_XML, SHARED, export_entries, serve_entries, serve_github
from tests.github_server import GitHubServer
from tests.loopback import ArxivServer, OpenAIServer

CVPR_XML = SHARED / "corpus" / "paper_notes_CVPR.xml"
SHARED_REPO = "AkihikoWatanabe/paper_notes"  # the repository the shared exports' issue links name
NEW_PAPER = "https://arxiv.org/abs/2504.07086"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    yield from serve_github(monkeypatch)


@dataclass
class Week:
    run: object
    github: GitHubServer
    repo: str
    folder: Path  # the owner's corpus
    runner: Path  # the Action's workspace (a fresh cache)
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    writes: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every write, in order

    def cli(self, *args: str, corpus: Path | None = None, expect: tuple[int, ...] = (0,)):
        result = self.run(*args, "--corpus", str(corpus or self.folder))  # type: ignore[operator]
        assert result.exit_code in expect, f"{args}: {result.stdout}\n{result.stderr}"
        return result

    def github_cli(self, command: str, *args: str, expect: tuple[int, ...] = (0,)):
        return self.cli("github", command, *args, "--repo", self.repo, expect=expect)

    def event(self, action: str, number: int, *, label: str | None = None) -> None:
        """The payload GitHub gives a workflow run (what `github.event` holds)."""
        issue = self.github.issue(self.repo, number)
        if label is not None:
            self.github.repos[self.repo.lower()].labels.setdefault(label, "ededed")
            issue.labels.append(label)  # the owner adds the label in the browser
        owner = self.repo.split("/")[0]
        payload = {
            "action": action,
            "issue": {"number": number, "title": issue.title, "body": issue.body, "user": {"login": owner},
                      "author_association": "OWNER", "labels": [{"name": n} for n in issue.labels]},
            "repository": {"full_name": self.repo}, "sender": {"login": owner},
        }  # fmt: skip
        if label is not None:
            payload["label"] = {"name": label}
        path = self.tmp / f"event-{len(self.github.requests)}.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        self.monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
        self.monkeypatch.setenv("GITHUB_EVENT_NAME", "issues")
        self.monkeypatch.setenv("GITHUB_REPOSITORY", self.repo)
        self.cli("github", "action", corpus=self.runner)

    def writes_since(self, start: int) -> list[tuple[str, str]]:
        return [
            (r["method"], unquote(r["path"].split("?")[0].split(f"/repos/{self.repo}")[-1]))
            for r in self.github.requests[start:]
            if r["method"] in ("POST", "PATCH", "PUT", "DELETE")
        ]


def git(folder: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Owner", "GIT_AUTHOR_EMAIL": "owner@example.org",
           "GIT_COMMITTER_NAME": "Owner", "GIT_COMMITTER_EMAIL": "owner@example.org"}  # fmt: skip
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


def note_at(folder: Path, note_id: str):
    path = folder / "notes" / f"{note_id}.md"
    return parse_note(path.read_text(encoding="utf-8"), str(path))


def variants() -> list[object]:
    shared = pytest.mark.skipif(not CVPR_XML.is_file(), reason="../shared/corpus is not present")
    return [
        pytest.param(SAMPLE_XML, REPO, id="fixture-sample"),
        pytest.param(CVPR_XML, SHARED_REPO, id="shared-cvpr", marks=shared),
    ]


def live_the_week(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, export: Path, repo: str
) -> Week:
    """Every step of the week, each checked as it happens; the week as it ends."""
    if repo != REPO:
        github.add_repo(repo)
    entries = export_entries(export)
    serve_entries(github, repo, entries)
    week = Week(run, github, repo, tmp_path / "folder", tmp_path / "runner", tmp_path, monkeypatch)
    for folder in (week.folder, week.runner):
        assert run("init", str(folder)).exit_code == 0
    issues = sorted(e.issue for e in entries if e.issue is not None)

    # Monday: the export into the folder, committed.
    imported = week.cli(
        "import", "paper-notes-xml", str(export), expect=(0, 1)
    )  # the fixture has bad entries
    notes = sorted(p.stem for p in (week.folder / "notes").glob("*.md"))
    assert notes == [f"issue-{n}" for n in issues], imported.stderr
    git(week.folder, "init", "-q")
    git(week.folder, "add", "-A")
    git(week.folder, "commit", "-qm", "the corpus as exported")

    # Linked: the export's issue links name the repository; a pull of the same issues changes nothing.
    dry = week.github_cli("pull", "--dry-run")
    assert f"{len(issues)} issues, 0 new, 0 updated, {len(issues)} unchanged, 0 conflicts" in dry.stdout, (
        dry.stdout
    )
    pulled = week.github_cli("pull")
    assert f"0 new, 0 updated, {len(issues)} unchanged, 0 conflicts, 0 skipped" in pulled.stdout, (
        pulled.stdout
    )
    assert git(week.folder, "status", "--porcelain") == ""
    assert week.writes_since(0) == []

    # Tuesday: an issue opened with an arXiv URL; the Action drafts it from a cold cache.
    github.advance(60)
    opened = github.add_issue(repo, "Untitled", f"Please read {NEW_PAPER}", [])
    start = len(github.requests)
    week.event("opened", opened.number)
    assert week.writes_since(start) == [("PATCH", f"/issues/{opened.number}")]
    drafted = note_at(week.runner, f"issue-{opened.number}")
    assert drafted.tags and opened.labels == drafted.tags  # the vocabulary of the corpus it pulled
    assert opened.title == drafted.title_line and opened.body == render_issue(drafted).body

    # Wednesday: autonote:regen on an imported note, then autonote:accept.
    target = issues[0]
    github.advance(60)
    start = len(github.requests)
    week.event("labeled", target, label="autonote:regen")
    assert week.writes_since(start) == [
        ("POST", f"/issues/{target}/comments"), ("DELETE", f"/issues/{target}/labels/autonote:regen"),
    ]  # fmt: skip
    github.advance(60)
    start = len(github.requests)
    week.event("labeled", target, label="autonote:accept")
    assert week.writes_since(start) == [
        ("PATCH", f"/issues/{target}"), ("DELETE", f"/issues/{target}/labels/autonote:accept"),
    ]  # fmt: skip

    # Thursday: the owner regenerates another note locally and accepts the draft (committed by review).
    local = issues[1]
    week.cli("regen", "--ids", f"issue-{local}", "--fields", "summary,keypoints")
    week.cli("review", "accept", f"issue-{local}")
    assert git(week.folder, "status", "--porcelain") == ""

    # Friday: push, pull, lint.
    start = len(github.requests)
    pushed = week.github_cli("push", "--all-accepted")
    assert "0 created, 1 updated" in pushed.stdout and "0 conflicts" in pushed.stdout, pushed.stdout
    assert week.writes_since(start) == [("PATCH", f"/issues/{local}")]
    github.advance(60)
    start = len(github.requests)
    again = week.github_cli("pull")
    assert "1 new, 1 updated" in again.stdout and "0 conflicts, 0 skipped" in again.stdout, again.stdout
    assert week.writes_since(start) == []

    # GitHub and the folder agree byte for byte. (The loopback GitHub keeps bodies as written, with
    # LF line ends. When it answers as real GitHub does for bodies edited in the browser, with CRLF,
    # this depends on gh-transport's CRLF round trip.)
    for number in [*issues, opened.number]:
        issue = github.issue(repo, number)
        view = render_issue(note_at(week.folder, f"issue-{number}"))
        assert (view.title, view.body, view.labels) == (issue.title, issue.body, issue.labels), number
    # Nothing was written that the owner did not ask for: the writes of the steps above, no more.
    assert week.writes_since(0) == [
        ("PATCH", f"/issues/{opened.number}"),
        ("POST", f"/issues/{target}/comments"), ("DELETE", f"/issues/{target}/labels/autonote:regen"),
        ("PATCH", f"/issues/{target}"), ("DELETE", f"/issues/{target}/labels/autonote:accept"),
        ("PATCH", f"/issues/{local}"),
    ]  # fmt: skip
    # The folder: the new note, the note accepted on GitHub, and the pushed note's record of what
    # GitHub now has (its origin), nothing else.
    status = sorted(git(week.folder, "status", "--porcelain", "--untracked-files=all").splitlines())
    assert status == sorted(
        [f"?? notes/issue-{opened.number}.md", f" M notes/issue-{target}.md", f" M notes/issue-{local}.md"]
    ), status

    return week


@pytest.mark.parametrize(("export", "repo"), variants())
def test_a_week_of_the_owner_leaves_github_and_the_folder_agreeing_byte_for_byte(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, arxiv_server: ArxivServer,
    llm_server: OpenAIServer, export: Path, repo: str,
) -> None:  # fmt: skip
    live_the_week(run, tmp_path, monkeypatch, github, export, repo)


# The corpus's own conventions are lint's rules: a title line without a first author or venue (the
# fixture sample) and one arXiv paper in two issues (the shared CVPR export) are warnings, not errors.
@pytest.mark.parametrize(("export", "repo"), variants())
def test_after_the_week_lint_finds_no_error(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, arxiv_server: ArxivServer,
    llm_server: OpenAIServer, export: Path, repo: str,
) -> None:  # fmt: skip
    week = live_the_week(run, tmp_path, monkeypatch, github, export, repo)
    linted = week.cli("lint", expect=(0, 1))
    assert linted.exit_code == 0, linted.stdout + linted.stderr
