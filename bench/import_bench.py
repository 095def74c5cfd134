"""Benchmark `autonote import`: a 10,000-entry paper-notes XML export and 10,000 issues as gh JSON.

The exports are made from the synthetic corpus (bench/synthetic_corpus.py) in the corpus's own
issue layout (title line, `# URL / # Authors / # Abstract / # Translation / # Summary` body, tags,
an HTML comment), so each entry is the size of a real one. Each import runs as a new process into
an empty corpus, then again unchanged (the re-import a user runs after a new export).
Targets (issue 13): XML < 10 s, re-import < 3 s; gh JSON < 5 s.

Run: `.venv/bin/python bench/import_bench.py [--entries 10000]`.
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
sys.path.insert(0, str(REPO / "bench"))

from autonote.notes.issue_format import render_issue  # noqa: E402
from synthetic_corpus import make_notes  # noqa: E402

REPO_URL = "https://github.com/example-owner/paper_notes"


def exports(count: int, folder: Path) -> tuple[Path, Path]:
    notes = make_notes(count)
    entries, issues = [], []
    for number, note in enumerate(notes, 1):
        view = render_issue(note)
        comment = (
            f'<p>元ポスト:<br>{note.comment}<br><a href="{REPO_URL}/issues/{max(1, number - 3)}">関連</a></p>'
        )
        entries.append(
            f"<paper-entry>\n<title>{view.title}</title>\n<original-paper-blog-link>{note.url}"
            f"</original-paper-blog-link>\n<repo-issue-link>{REPO_URL}/issues/{number}</repo-issue-link>\n"
            f"<tags>{', '.join(view.labels)}</tags>\n<repo-issue-date>{note.issue_date}</repo-issue-date>\n"
            f"<issue-body>{view.body}</issue-body>\n<maintainer-comment-text>{comment}"
            "</maintainer-comment-text>\n</paper-entry>"
        )
        issues.append(
            {
                "number": number,
                "title": view.title,
                "body": view.body,
                "url": f"{REPO_URL}/issues/{number}",
                "labels": [{"name": tag} for tag in view.labels],
                "createdAt": f"{note.issue_date}T09:00:00Z",
                "comments": [{"body": note.comment}],
            }
        )
    xml = folder / "export.xml"
    xml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<paper-list last-updated="2026-11-28">\n'
        + "\n\n".join(entries) + "\n\n</paper-list>\n", encoding="utf-8",
    )  # fmt: skip
    gh = folder / "issues.json"
    gh.write_text(json.dumps(issues, ensure_ascii=False), encoding="utf-8")
    return xml, gh


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed: {done.stderr.strip()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    autonote = str(Path(sys.executable).with_name("autonote"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        xml, gh = exports(args.entries, folder)
        env = {**os.environ, "AUTONOTE_CONFIG_DIR": str(folder / "config")}
        for name, kind, path, extra in (
            ("XML export", "paper-notes-xml", xml, []),
            ("gh issue JSON", "github-issues", gh, ["--repo", "example-owner/paper_notes"]),
        ):
            corpus = folder / kind
            corpus.mkdir()
            command = [autonote, "import", kind, str(path), "--corpus", str(corpus), *extra]
            first = timed(command, env)
            index = timed([autonote, "index", "--corpus", str(corpus)], env)
            again = min(timed(command, env) for _ in range(3))
            rows.append((f"{name}: import {args.entries:,} entries", f"{first:.2f} s"))
            rows.append(
                (f"{name}: then the first index refresh (any next command pays it)", f"{index:.2f} s")
            )
            rows.append((f"{name}: re-import, unchanged (best of 3)", f"{again:.2f} s"))
            rows.append((f"{name}: re-import / first import (target ≤ 0.3)", f"{again / first:.2f}"))
        floor = min(timed([autonote, "import", "paper-notes-xml", "--help"], env) for _ in range(3))
        rows.append(("floor: starting autonote (import --help, best of 3)", f"{floor:.2f} s"))
        rows.append(
            ("export sizes", f"XML {xml.stat().st_size / 1e6:.1f} MB, JSON {gh.stat().st_size / 1e6:.1f} MB")
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
