"""Benchmark the corpus layer on a synthetic corpus of 10,000 notes, with its peers in the same run.

Prints a table with:
- parse: read and parse every note file (serially, as `parse_note` does), median of 3 runs (target < 3 s);
- index build from nothing (parse, tokenize, postings, SQLite), median of 3 runs (target < 5 s);
- refresh with nothing changed, and after 10 notes were edited (only those are re-read);
- BM25 query against `bm25s` on the same terms: bm25s's index is built from autonote's own term
  lists (so tokenisation is equal), with the same BM25 variant (Lucene's idf, k1=1.2, b=0.75); the
  same 200 queries (the distinct terms of a note's title and abstract), top 25, median and p95,
  autonote cold (a fresh index object: each query's new terms are read from SQLite) and warm (every
  query's postings read once before, as bm25s's index is all in memory); and how far the two top-10
  and top-25 lists agree (each autonote query timed next to bm25s's, so load changes hit both);
- the leave-one-out query (the probe note hidden, as `eval` searches) and `suggest()` as `autonote
  draft` calls it, median;
- `autonote suggest --json` as a user runs it (a new process, index already built) against
  `python -c "import click"` in the same run (target <= 3x), and against its floor
  `python -c "import click, numpy, pydantic"` (target <= 1.3x), next to a process that does only
  what suggest cannot do without (click and numpy imported, a pydantic model built, the note
  files' stats read to check the index is fresh, the index's file list read), and what the
  process imports (`python -X importtime`). Processes run interleaved (medians, wall and CPU
  time), with byte-code caching on (``src`` compiled first, ``PYTHONDONTWRITEBYTECODE`` unset), as
  an installed package runs;
- the corpus's shape next to the real sample's (distinct search terms per note).

Run: `.venv/bin/python bench/corpus_bench.py [--notes 10000]`. Quality on the real samples is
`bench/suggest_quality.py`.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from autonote.corpus.index import CorpusIndex, note_terms, query_terms  # noqa: E402
from autonote.corpus.suggest import paper_query, suggest  # noqa: E402
from autonote.corpus.view import load_corpus  # noqa: E402
from autonote.notes.format import parse_note  # noqa: E402
from autonote.schema import paper_from_note  # noqa: E402
from synthetic_corpus import write_corpus  # noqa: E402

SAMPLE = REPO.parent / "shared" / "corpus" / "paper_notes_dev.xml"
PROCESS_RUNS = 7


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def parse_all(root: Path) -> int:
    count = 0
    for path in sorted((root / "notes").glob("*.md")):
        parse_note(path.read_text(encoding="utf-8"), str(path))
        count += 1
    return count


def build(root: Path) -> CorpusIndex:
    shutil.rmtree(root / ".autonote", ignore_errors=True)
    index = CorpusIndex.open(root)
    index.refresh()
    return index


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f} / {percentile(values, 0.95) * 1000:.2f} ms"


def mean_terms(notes) -> float:
    return statistics.mean(len(note_terms(n)) for n in notes)


def bm25_rows(root: Path, notes, probes) -> list[tuple[str, str, str]]:
    """autonote's BM25 and bm25s's on the same terms, same queries."""
    import bm25s

    rows = []
    index = CorpusIndex.open(root)
    index.refresh()
    docno_of = dict(index.conn.execute("SELECT id, docno FROM docs"))
    ordered = sorted(notes, key=lambda n: docno_of[n.id])
    corpus_tokens = [list(note_terms(n).elements()) for n in ordered]
    retriever = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    built = timed(lambda: retriever.index(corpus_tokens, show_progress=False))
    queries = [{term: 1.0 for term in query_terms(paper_query(paper_from_note(n)))} for n in probes]
    tokens = [[t for t in q if t in retriever.vocab_dict] for q in queries]

    def ours(q, idx):
        return idx.search(q, 25, explain=False)

    def theirs(t):
        return retriever.retrieve([t], k=25, show_progress=False, n_threads=0)

    cold, peer_first = [], []
    for q, t in zip(queries, tokens, strict=True):  # fresh object: each query's new terms from SQLite
        cold.append(timed(lambda q=q: ours(q, index)))
        peer_first.append(timed(lambda t=t: theirs(t)))
    warm, peer, explained = [], [], []
    for q, t in zip(queries, tokens, strict=True):  # interleaved, so load changes hit both alike
        warm.append(timed(lambda q=q: ours(q, index)))
        peer.append(timed(lambda t=t: theirs(t)))
        explained.append(timed(lambda q=q: index.search(q, 25)))
    agree10, agree25, same = [], [], 0
    ids = [n.id for n in ordered]
    for q, t in zip(queries, tokens, strict=True):
        a = [h.note_id for h in index.search(q, 25, explain=False)]
        docs, _ = theirs(t)
        b = [ids[i] for i in docs[0].tolist()]
        agree10.append(len(set(a[:10]) & set(b[:10])) / 10)
        agree25.append(len(set(a) & set(b)) / 25)
        same += a[:10] == b[:10]
    base = statistics.median(peer)
    first = statistics.median(peer_first)
    rows.append(
        ("bm25s index build from the same terms (peer)", f"{built:.2f} s", f"bm25s {bm25s.__version__}")
    )
    rows.append(("BM25 query, bm25s (peer), median / p95", ms(peer), "numpy backend, in memory"))
    rows.append(
        (
            "BM25 query, autonote cold, median / p95",
            ms(cold),
            f"{statistics.median(cold) / first:.1f}x bm25s in the same pass (new terms read from SQLite)",
        )
    )
    rows.append(
        (
            "BM25 query, autonote warm, median / p95",
            ms(warm),
            f"{statistics.median(warm) / base:.1f}x bm25s (target <= 1.0x)",
        )
    )
    rows.append(("BM25 query, autonote warm, with shared terms", ms(explained), "Hit.shared filled"))
    rows.append(
        (
            "top-10 / top-25 agreement with bm25s",
            f"{statistics.mean(agree10):.3f} / {statistics.mean(agree25):.3f}",
            f"{same}/{len(queries)} top-10 lists identical",
        )
    )
    return rows


SUGGEST_TARGET = 1.3  # times its floor, `import click, numpy, pydantic`

# What `suggest` cannot avoid: its imports, a pydantic model (settings and notes are validated),
# the index's freshness check (a stat per note file, as `scan_note_files` does through the folder's
# descriptor) and reading the index's list of files to compare.
NEEDED = """
import os, sqlite3, sys
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as autonote.cli sets it
import click, numpy, pydantic
from pydantic import BaseModel
class Settings(BaseModel):
    corpus: str
    count: int = 10
root = sys.argv[1]
Settings(corpus=root)
fd = os.open(os.path.join(root, "notes"), os.O_RDONLY)
seen = {(e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in os.scandir(fd) if e.name.endswith(".md")}
os.close(fd)
db = sqlite3.connect(os.path.join(root, ".autonote", "index.sqlite"))
known = set(db.execute("SELECT path, mtime_ns, size FROM files"))
"""


def run_timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child: user + sys)."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )


def process_rows(root: Path, probe) -> list[tuple[str, str, str]]:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        query_file = Path(tmp) / "query.txt"
        query_file.write_text(probe.abstract + "\n", encoding="utf-8")
        autonote = Path(sys.executable).with_name("autonote")
        suggest_cmd = [
            str(autonote),
            "suggest",
            str(query_file),
            "--title",
            probe.title,
            "--corpus",
            str(root),
            "--json",
        ]
        commands = {
            "click": [sys.executable, "-c", "import click"],
            "numpy": [sys.executable, "-c", "import numpy"],
            "config": [sys.executable, "-c", "import autonote.config"],
            "floor": [sys.executable, "-c", "import autonote.cli, numpy, autonote.config"],
            "issue floor": [sys.executable, "-c", "import click, numpy, pydantic"],
            "needed": [sys.executable, "-c", NEEDED, str(root)],
            "suggest": suggest_cmd,
        }
        subprocess.run(suggest_cmd, check=True, capture_output=True, env=env)  # index refreshed, caches warm
        runs: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(PROCESS_RUNS):  # interleaved, so load changes hit every command alike
            for name, command in commands.items():
                wall, used = run_timed(command, env)
                runs[name].append(wall)
                cpu[name].append(used)
        imports = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "autonote", *suggest_cmd[1:]],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stderr
    click = statistics.median(runs["click"])
    rows = [('`python -c "import click"` (peer)', f"{click * 1000:.0f} ms", f"median of {PROCESS_RUNS}")]
    for name, label in (
        ("numpy", '`python -c "import numpy"`'),
        ("config", '`python -c "import autonote.config"`'),
    ):
        value = statistics.median(runs[name])
        rows.append((label, f"{value * 1000:.0f} ms", f"{value / click:.1f}x import click"))
    floor = statistics.median(runs["floor"])
    rows.append(
        (
            '`python -c "import autonote.cli, numpy, autonote.config"`',
            f"{floor * 1000:.0f} ms",
            f"{floor / click:.1f}x import click: what suggest cannot do without (click, settings validated by pydantic, numpy)",
        )
    )
    value = statistics.median(runs["suggest"])
    rows.append(
        (
            "`autonote suggest --json` (new process)",
            f"{value * 1000:.0f} ms",
            f"{value / click:.1f}x import click (target <= 3x); CPU {statistics.median(cpu['suggest']) * 1000:.0f} ms",
        )
    )
    issue_floor = statistics.median(runs["issue floor"])
    ratio = value / issue_floor
    rows.append(
        (
            '  its floor: `python -c "import click, numpy, pydantic"`',
            f"{issue_floor * 1000:.0f} ms",
            f"CPU {statistics.median(cpu['issue floor']) * 1000:.0f} ms",
        )
    )
    rows.append(
        (
            f"  suggest / its floor (target <= {SUGGEST_TARGET}x)",
            f"{ratio:.2f}x",
            f"{'met' if ratio <= SUGGEST_TARGET else 'NOT met'}; CPU "
            f"{statistics.median(cpu['suggest']) / statistics.median(cpu['issue floor']):.2f}x",
        )
    )
    needed = statistics.median(runs["needed"])
    rows.append(
        (
            "  what suggest cannot avoid (imports, a pydantic model, a stat per note, the index's file list)",
            f"{needed * 1000:.0f} ms",
            f"{needed / issue_floor:.2f}x the floor; suggest is {value / needed:.2f}x this; CPU "
            f"{statistics.median(cpu['needed']) * 1000:.0f} ms",
        )
    )
    cumulative: dict[str, int] = {}
    for line in imports.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if found:
            cumulative.setdefault(found.group(3), int(found.group(1)))
    for module in (
        "click",
        "autonote.config",
        "pydantic",
        "autonote.schema",
        "autonote.corpus.index",
        "numpy",
    ):
        if module in cumulative:
            rows.append(
                (
                    f"  imported by it: {module}",
                    f"{cumulative[module] / 1000:.0f} ms",
                    "-X importtime, cumulative",
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        notes = write_corpus(root, args.notes)

        parse_runs = [timed(lambda: parse_all(root)) for _ in range(3)]
        rows.append(
            (f"parse {args.notes} notes (median of 3)", f"{statistics.median(parse_runs):.2f} s", "< 3 s")
        )
        build_runs = [timed(lambda: build(root)) for _ in range(3)]
        rows.append(
            (
                f"index build, {args.notes} notes (median of 3)",
                f"{statistics.median(build_runs):.2f} s",
                "< 5 s",
            )
        )
        index = CorpusIndex.open(root)
        noop = index.refresh()
        rows.append(
            ("refresh, nothing changed", f"{noop.seconds * 1000:.0f} ms", f"{noop.unchanged} unchanged")
        )
        rng = random.Random(7)
        for path in rng.sample(sorted((root / "notes").glob("*.md")), 10):
            text = path.read_text(encoding="utf-8").replace("GPT Summary- ", "GPT Summary- 改訂。", 1)
            path.write_text(text, encoding="utf-8")
            stamp = path.stat().st_mtime_ns + 1_000_000_000
            os.utime(path, ns=(stamp, stamp))
        edited = index.refresh()
        rows.append(
            ("refresh, 10 notes edited", f"{edited.seconds * 1000:.0f} ms", f"{edited.updated} re-read")
        )

        probes = rng.sample(notes, 200)
        rows.extend(bm25_rows(root, notes, probes))

        loo = CorpusIndex.open(root)
        hidden = [
            timed(
                lambda n=n: loo.search(
                    query_terms(paper_query(paper_from_note(n))), 25, (n.id,), explain=False
                )
            )
            for n in probes
        ]
        rows.append(("query, probe hidden (leave-one-out), median / p95", ms(hidden), "as eval searches"))
        corpus = load_corpus(root)
        for note in probes[:10]:
            suggest(paper_from_note(note), corpus, exclude_ids=(note.id,))
        suggest_times = [
            timed(lambda n=n: suggest(paper_from_note(n), corpus, exclude_ids=(n.id,))) for n in probes[10:60]
        ]
        rows.append(
            (
                "suggest() (evidence, tags, notes), median",
                f"{statistics.median(suggest_times) * 1000:.1f} ms",
                "",
            )
        )

        rows.extend(process_rows(root, probes[0]))
        rows.append(("distinct terms per note, synthetic", f"{mean_terms(notes[:500]):.0f}", ""))

    if SAMPLE.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "sample"
            root.mkdir()
            autonote = Path(sys.executable).with_name("autonote")
            command = [str(autonote), "import", "paper-notes-xml", str(SAMPLE), "--corpus", str(root)]
            subprocess.run(command, check=True, capture_output=True)
            sample = load_corpus(root)
            rows.append(("distinct terms per note, real dev sample", f"{mean_terms(sample.notes):.0f}", ""))

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>20}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>20}  {note}")


if __name__ == "__main__":
    main()
