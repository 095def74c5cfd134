"""The README's workflow, run as written: every ``sh`` line of "The workflow, in order" is executed
through the real CLI (a new process each), against loopback arXiv, OpenAI-compatible and GitHub
servers, in a fresh folder. A README example the real pipeline cannot produce fails here."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.github_helpers import REPO as GITHUB_REPO
from tests.github_helpers import TOKEN, export_entries, serve_entries
from tests.github_server import GitHubServer
from tests.loopback import ArxivServer, OpenAIServer

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
# the files the README's commands name, and the fixture each stands for
INPUT_FILES = {
    "paper_notes.xml": FIXTURES / "exports" / "paper-notes-clean.xml",
}


def workflow_blocks() -> list[tuple[str, str]]:
    """(language, text) of each fenced block in the README's workflow section, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The workflow, in order", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w*)\n(.*?)```", section, flags=re.S)


def test_the_readme_workflow_names_each_step() -> None:
    commands = [line for lang, text in workflow_blocks() if lang == "sh" for line in text.splitlines()]
    for step in ("init", "import", "draft", "review accept", "github push", "github pull", "lint", "regen"):
        assert any(line.startswith(f"autonote {step}") for line in commands), step


def test_every_command_of_the_readme_workflow_runs_as_written(tmp_path: Path) -> None:
    home = tmp_path / "work"
    home.mkdir()
    with ArxivServer() as arxiv, OpenAIServer() as llm, GitHubServer(tokens=(TOKEN,)) as github:
        github.add_repo(GITHUB_REPO)
        serve_entries(github, GITHUB_REPO, export_entries(INPUT_FILES["paper_notes.xml"]))
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("AUTONOTE_", "OPENAI_", "GITHUB_", "GH_"))
            },
            "AUTONOTE_CONFIG_DIR": str(tmp_path / "config"),
            "AUTONOTE_ARXIV_API_URL": arxiv.api_url,
            "AUTONOTE_ARXIV_MIN_INTERVAL": "0.05",
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": "sk-readme-test-key-0123456789",
            "GITHUB_API_URL": github.url,
            "GITHUB_TOKEN": TOKEN,
            "AUTONOTE_GITHUB_WRITE_INTERVAL": "0",
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.org",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org",
        }
        cwd = home
        ran = 0
        for lang, text in workflow_blocks():
            if lang == "toml":  # settings the README tells the owner to add to the corpus's autonote.toml
                setting = text.replace("OWNER/NAME", GITHUB_REPO)
                with (cwd / "autonote.toml").open("a", encoding="utf-8") as handle:
                    handle.write("\n" + setting)
                continue
            if lang != "sh":
                continue
            for line in text.splitlines():
                words = shlex.split(line, comments=True)
                if not words:
                    continue
                if words[0] == "cd":
                    cwd = cwd / words[1]
                    if (cwd / "notes").is_dir() and not (cwd / ".git").exists():
                        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=cwd, check=True)
                    continue
                assert words[0] == "autonote", line
                for word in words:
                    if word in INPUT_FILES and not (cwd / word).exists():
                        shutil.copy(INPUT_FILES[word], cwd / word)
                done = subprocess.run(
                    [sys.executable, "-m", "autonote", *words[1:]],
                    cwd=cwd,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=180,
                )
                assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
                assert "Traceback" not in done.stderr, line
                ran += 1
        assert ran >= 12
        corpus = home / "my-notes"
        assert (corpus / "notes" / "arxiv-2504.07086.md").exists() or any(
            "2504.07086" in path.read_text(encoding="utf-8") for path in (corpus / "notes").glob("issue-*.md")
        )
        assert github.count("POST", f"/repos/{GITHUB_REPO}/issues") == 1  # only the new note was published


@pytest.mark.parametrize("name", sorted(INPUT_FILES))
def test_the_readme_inputs_exist_as_fixtures(name: str) -> None:
    assert INPUT_FILES[name].is_file()
