"""Review reads only inside the corpus, commits only into the corpus's own repository (whatever
GIT_DIR says), and an update-draft that changes nothing can be accepted."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.loopback import OpenAIServer
from tests.test_review import DPO, make_repo, regen_drafts
from tests.test_review_findings import JAPANESE_POINTS, JAPANESE_SUMMARY, edit, offline_draft

SECRET = "root:x:0:0:root:/root:/bin/bash\n"


def clean_git(repo: Path, *args: str) -> str:
    """git for the test's own checks, never redirected by the variables a test sets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


def test_a_draft_that_links_outside_the_corpus_is_never_read(run, corpus: Path, tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text(SECRET, encoding="utf-8")
    (corpus / "drafts").mkdir()
    (corpus / "drafts" / "evil.md").symlink_to(secret)
    for args in (
        ("show", "evil"),
        ("diff", "evil"),
        ("accept", "evil"),
        ("edit", "evil"),
        ("reject", "evil"),
    ):
        result = run("review", *args, "--corpus", str(corpus))
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert len(result.stderr.splitlines()) == 1 and "leads outside the corpus" in result.stderr
        assert "root:x" not in result.stdout + result.stderr
    listed = run("review", "list", "--json", "--corpus", str(corpus))
    assert listed.exit_code == 0 and "root:x" not in listed.stdout
    assert '"errors": [\n      "draft \'drafts/evil.md\': leads outside the corpus' in listed.stdout
    linted = run("lint", str(corpus / "drafts" / "evil.md"), "--corpus", str(corpus))
    assert linted.exit_code == 2 and "not inside the corpus" in linted.stderr  # (resolved: outside)
    assert "root:x" not in linted.stdout + linted.stderr
    assert not (corpus / "notes" / "evil.md").exists() and secret.read_text(encoding="utf-8") == SECRET


def test_a_drafts_folder_that_links_outside_the_corpus_is_never_read(
    run, corpus: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "evil.md").write_text(SECRET, encoding="utf-8")
    (corpus / "drafts").symlink_to(outside, target_is_directory=True)
    result = run("review", "show", "evil", "--corpus", str(corpus))
    assert result.exit_code == 2 and "root:x" not in result.stdout + result.stderr


@pytest.mark.parametrize("variables", [("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"), ("GIT_DIR",)])
def test_accept_inside_a_git_hook_commits_to_the_corpus_repository(
    run, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variables: tuple[str, ...]
) -> None:
    make_repo(corpus)
    other = tmp_path / "other"
    other.mkdir()
    clean_git(other, "init", "-q", "-b", "main")
    clean_git(
        other,
        "-c",
        "user.name=o",
        "-c",
        "user.email=o@example.org",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "x",
    )
    draft = offline_draft(run, corpus)
    edit(draft, summary=JAPANESE_SUMMARY, key_points=JAPANESE_POINTS)
    hook_env = {
        "GIT_DIR": str(other / ".git"),
        "GIT_WORK_TREE": str(other),
        "GIT_INDEX_FILE": str(other / ".git" / "index"),
    }
    for name in variables:  # as git sets them for a hook run in the other repository
        monkeypatch.setenv(name, hook_env[name])
    result = run("review", "accept", draft.stem, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert clean_git(corpus, "log", "-1", "--format=%s").startswith("Add note: ")
    assert clean_git(corpus, "show", "--name-only", "--format=", "HEAD").split() == [f"notes/{draft.name}"]
    assert clean_git(other, "log", "--format=%s").split("\n")[0] == "x"  # untouched
    assert clean_git(other, "status", "--porcelain") == ""


def test_an_update_draft_that_changes_nothing_is_accepted_as_unchanged(
    run, corpus: Path, tmp_path: Path, llm_server: OpenAIServer
) -> None:
    make_repo(corpus)
    regen_drafts(run, corpus, DPO)
    kept = tmp_path / "again.md"
    shutil.copy(corpus / "drafts" / f"{DPO}.md", kept)
    assert run("review", "accept", DPO, "--corpus", str(corpus)).exit_code == 0
    head = clean_git(corpus, "rev-parse", "HEAD")
    shutil.copy(kept, corpus / "drafts" / f"{DPO}.md")  # the same draft again: the note says it already

    result = run("review", "accept", DPO, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"accepted {DPO}: unchanged (")
    assert not (corpus / "drafts" / f"{DPO}.md").exists()
    assert clean_git(corpus, "rev-parse", "HEAD") == head  # no empty commit
    assert run("review", "list", "--json", "--corpus", str(corpus)).stdout.strip() == "[]"
