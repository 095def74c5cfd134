"""`github pull` shows its progress on a terminal and stays quiet when piped."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github_helpers import REPO, init_corpus, serve_github
from tests.github_server import GitHubServer

ROOT = Path(__file__).resolve().parents[1]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # anything but tab and newline: escapes, CR, ...


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    for server in serve_github(monkeypatch):
        for number in range(1, 151):
            server.add_issue(REPO, f"Note {number}, Someone, 2025.01", f"https://example.org/{number}", ["NLP"],
                             comments=[("example-owner", f"c{number}")] if number <= 20 else [],
                             created=1_700_000_000 + number)  # fmt: skip
        yield server


def test_a_piped_pull_prints_no_progress_or_control_characters(
    run, tmp_path: Path, github: GitHubServer
) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    result = run("github", "pull", "--repo", REPO, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert not CONTROL.search(result.stdout) and not CONTROL.search(result.stderr), repr(result.stderr)
    assert result.stderr == "" and result.stdout.count("\n") == 1


def test_a_pull_on_a_terminal_shows_its_progress(tmp_path: Path, github: GitHubServer, run) -> None:
    corpus = init_corpus(run, tmp_path / "corpus")
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    done = subprocess.run(
        [sys.executable, "-m", "autonote", "github", "pull", "--repo", REPO, "--corpus", str(corpus)],
        stdout=subprocess.PIPE, stderr=follower, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert done.returncode == 0, shown
    text = shown.decode("utf-8", "replace")
    assert "pull" in text and REPO in text and ("listing issues" in text or "reading comments" in text), text
    assert "150 issues, 150 new" in done.stdout.decode()  # stdout (piped here) has the summary only
