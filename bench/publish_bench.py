"""Benchmark `autonote list --all-tags`: 10,000 synthetic notes into one page per tag.

Prints, for HTML and markdown: the whole command as a user runs it (a new process, the index
already built) with its wall time and peak memory, and then the rendering alone (in this process,
records already read). Targets: < 10 s and <= 120 MB.

Peak memory is the command's maximum resident set size from ``wait4``. Linux keeps that high-water
mark across fork and exec, so a child forked from a big process reports at least the parent's size:
each command is therefore started by a small launcher process (a fresh interpreter that imports
nothing of autonote), and the corpus is generated in a process of its own, before this one reads
anything.

Run: `.venv/bin/python bench/publish_bench.py [--notes 10000] [--commands-only]`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs COMMAND with its output discarded; prints {"seconds", "max_rss_kib", "cpu_seconds", "exit"} of
# COMMAND alone.
LAUNCHER = """
import json, os, sys, time
devnull = os.open(os.devnull, os.O_WRONLY)
started = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"seconds": time.perf_counter() - started, "max_rss_kib": usage.ru_maxrss,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime, "exit": os.waitstatus_to_exitcode(status)}))
"""


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of ``command`` alone, started by a small launcher
    process. On a loaded machine the CPU time is the steadier of the two times."""
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], env=env, capture_output=True, text=True, check=False
    )
    if launched.returncode != 0 or not launched.stdout.strip():
        raise SystemExit(f"launcher failed: {launched.stderr}")
    result = json.loads(launched.stdout.strip().splitlines()[-1])
    if result["exit"] != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {result['exit']}): {launched.stderr}")
    return result["seconds"], result["max_rss_kib"] / 1024, result["cpu_seconds"]  # ru_maxrss: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--commands-only", action="store_true", help="skip the in-process rows")
    args = parser.parse_args()
    autonote = str(Path(sys.executable).with_name("autonote"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        env = {**os.environ, "AUTONOTE_CONFIG_DIR": str(Path(tmp) / "config")}
        generate = [
            sys.executable,
            str(REPO / "bench" / "synthetic_corpus.py"),
            str(root),
            "--notes",
            str(args.notes),
        ]
        subprocess.run(generate, env=env, check=True, capture_output=True)
        subprocess.run([autonote, "index", "--corpus", str(root)], env=env, check=True, capture_output=True)
        for fmt in ("html", "markdown"):
            command = [autonote, "list", "--all-tags", "-o", str(Path(tmp) / f"cli-{fmt}"), "--format", fmt,
                       "--corpus", str(root)]  # fmt: skip
            seconds, peak, cpu = run_measured(command, env)
            rows.append(
                (
                    f"`autonote list --all-tags --format {fmt}`",
                    f"{seconds:.2f} s",
                    "a new process, target < 10 s",
                )
            )
            rows.append(("  CPU time (user + system) of that process", f"{cpu:.2f} s", ""))
            rows.append(("  peak memory (max RSS) of that process", f"{peak:.0f} MB", "target <= 120 MB"))
        if not args.commands_only:
            rows += in_process_rows(root, Path(tmp))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>8}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>8}  {note}")


def in_process_rows(root: Path, tmp: Path) -> list[tuple[str, str, str]]:
    from autonote.corpus.view import load_corpus
    from autonote.publish.common import iter_records
    from autonote.publish.listing import render_tag_pages

    rows = []
    started = time.perf_counter()
    records = list(iter_records(load_corpus(root)))
    rows.append(("read notes into records (in process)", f"{time.perf_counter() - started:.2f} s",
                 f"{len(records)} notes"))  # fmt: skip
    for fmt in ("html", "markdown"):
        started = time.perf_counter()
        pages = render_tag_pages(records, fmt, tmp / f"site-{fmt}")
        rows.append((f"render per-tag pages, {fmt} (in process)", f"{time.perf_counter() - started:.2f} s",
                     f"{len(pages)} pages, {sum(p.stat().st_size for p in pages) / 1e6:.0f} MB"))  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
