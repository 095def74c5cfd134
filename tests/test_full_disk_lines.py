"""A corpus on a full disk (a real 2 MB tmpfs, filled): a command that must write says so in one
line and exits 1. ``import`` used to print a warning and then an error for the same cause, and
``index`` (with or without ``--rebuild``) kept its index in memory and exited 0, as if it had done
its job."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.loopback import FIXTURES

SAMPLE_XML = FIXTURES / "exports" / "paper-notes-sample.xml"


@pytest.fixture
def full_corpus(full_disk: Path) -> Path:
    """The demo corpus on a small tmpfs, then the disk filled to its last block."""
    corpus = full_disk / "corpus"
    shutil.copytree(FIXTURES / "corpus", corpus, ignore=shutil.ignore_patterns(".autonote", "drafts"))
    fd = os.open(full_disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass  # full
    finally:
        os.close(fd)
    return corpus


def autonote(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_", "GITHUB_"))}
    return subprocess.run([sys.executable, "-m", "autonote", *args], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [["import", "paper-notes-xml", str(SAMPLE_XML)], ["index"], ["index", "--rebuild"]],
    ids=lambda c: " ".join(c[:2]) if c[0] == "index" else c[0],
)
def test_a_command_that_must_write_on_a_full_disk_says_so_in_one_line_and_exits_1(
    full_corpus: Path, command: list[str]
) -> None:
    done = autonote(*command, "--corpus", str(full_corpus))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("autonote: error: "), done.stderr
    assert "No space left" in lines[0] or "full" in lines[0], lines[0]
    assert not list((full_corpus / "notes").glob("issue-*.md"))


def test_reading_commands_still_work_on_a_full_disk(full_corpus: Path) -> None:
    done = autonote("list", "--corpus", str(full_corpus))
    assert done.returncode == 0 and "Attention Is All You Need" in done.stdout, done.stderr
