"""`regen --dry-run` (which can take minutes on a large corpus: every prompt is built and counted)
shows a progress bar on a terminal, and nothing but its table when piped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect

BAR = "━"


def test_regen_dry_run_piped_prints_only_its_table(corpus: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autonote", "regen", "--all", "--dry-run", "--corpus", str(corpus)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stderr and "\r" not in done.stderr and BAR not in done.stderr, done.stderr
    assert "estimating" not in done.stdout + done.stderr
    assert "estimated cost" in done.stdout


def test_regen_dry_run_on_a_terminal_shows_the_progress_bar(corpus: Path) -> None:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "autonote", "regen", "--all", "--dry-run", "--corpus", str(corpus)],
        env=env, encoding="utf-8", timeout=120, dimensions=(24, 120),
    )  # fmt: skip
    output = child.read()
    child.close()
    assert child.exitstatus == 0, output
    assert BAR in output and "estimating" in output and "9/9" in output, output[-500:]
    assert "estimated cost" in output
