"""Benchmark `autonote list --all-tags`: 10,000 synthetic notes into one page per tag.

Prints, for HTML and markdown: the whole command as a user runs it (a new process, the index
already built) with its wall time and peak memory (the process's maximum resident set size, from
``wait4``), and the rendering alone (in this process, notes already loaded). Targets: < 10 s and
<= 120 MB.

Run: `.venv/bin/python bench/publish_bench.py [--notes 10000]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from autonote.corpus.view import load_corpus  # noqa: E402
from autonote.publish.common import iter_records  # noqa: E402
from autonote.publish.listing import render_tag_pages  # noqa: E402
from synthetic_corpus import write_corpus  # noqa: E402


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``command`` as a child process; (wall seconds, peak RSS in MB) of that process alone."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {errors.read().decode(errors='replace')}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    args = parser.parse_args()
    autonote = Path(sys.executable).with_name("autonote")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        write_corpus(root, args.notes)
        env = {**os.environ, "AUTONOTE_CONFIG_DIR": str(Path(tmp) / "config")}
        subprocess.run(
            [str(autonote), "index", "--corpus", str(root)], env=env, check=True, capture_output=True
        )
        started = time.perf_counter()
        records = list(iter_records(load_corpus(root)))
        load = time.perf_counter() - started
        rows.append(("load and select notes (in process)", f"{load:.2f} s", f"{len(records)} notes"))
        for fmt in ("html", "markdown"):
            out = Path(tmp) / f"site-{fmt}"
            started = time.perf_counter()
            pages = render_tag_pages(records, fmt, out)
            rows.append((f"render per-tag pages, {fmt} (in process)", f"{time.perf_counter() - started:.2f} s",
                         f"{len(pages)} pages, {sum(p.stat().st_size for p in pages) / 1e6:.0f} MB"))  # fmt: skip
            command = [str(autonote), "list", "--all-tags", "-o", str(Path(tmp) / f"cli-{fmt}"), "--format", fmt,
                       "--corpus", str(root)]  # fmt: skip
            seconds, peak = run_measured(command, env)
            rows.append((f"`autonote list --all-tags --format {fmt}`", f"{seconds:.2f} s",
                         "a new process, target < 10 s"))  # fmt: skip
            rows.append(("  peak memory (max RSS) of that process", f"{peak:.0f} MB", "target <= 120 MB"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>8}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>8}  {note}")


if __name__ == "__main__":
    main()
