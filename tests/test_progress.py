"""`index` and `import` show a progress bar on a terminal and nothing else when piped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "corpus" / "paper_notes_CVPR.xml"
BAR = "━"


def commands(tmp_path: Path, corpus: Path) -> list[list[str]]:
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "autonote", "init", str(fresh)], check=True, capture_output=True)
    return [
        ["index", "--rebuild", "--corpus", str(corpus)],
        ["import", "paper-notes-xml", str(SAMPLE), "--corpus", str(fresh)],
    ]


pytestmark = pytest.mark.skipif(not SAMPLE.is_file(), reason="../shared/corpus is not present")


def test_piped_output_has_no_progress_bar(tmp_path: Path, corpus: Path) -> None:
    for args in commands(tmp_path, corpus):
        done = subprocess.run(
            [sys.executable, "-m", "autonote", *args], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        both = done.stdout + done.stderr
        assert "\x1b" not in both and "\r" not in both and BAR not in both, both
        assert "indexing" not in both and "importing" not in both
        assert len(both.splitlines()) == 1  # the command's own summary line only


def test_a_terminal_shows_the_progress_bar(tmp_path: Path, corpus: Path) -> None:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    for args, stage, total in zip(
        commands(tmp_path, corpus), ("indexing", "importing"), (9, 30), strict=True
    ):
        child = pexpect.spawn(
            sys.executable,
            ["-m", "autonote", *args],
            env=env,
            encoding="utf-8",
            timeout=120,
            dimensions=(24, 120),
        )
        output = child.read()
        child.close()
        assert child.exitstatus == 0, output
        assert BAR in output and stage in output and f"{total}/{total}" in output, output[-500:]
        assert ("indexed 9 notes" if stage == "indexing" else "imported into") in output
