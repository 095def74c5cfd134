"""Benchmark the corpus layer on a synthetic corpus of 10,000 notes, and suggestion quality on the real sample.

Prints a table with:
- parse: read and parse every note file (serially, as `parse_note` does), median of 3 runs (target < 3 s);
- index build from nothing (parse, tokenize, postings, SQLite), median of 3 runs (target < 5 s);
- refresh with nothing changed, and after 10 notes were edited (only those are re-read);
- query: BM25 search for 200 notes' title and abstract, each note hidden from its own search,
  median and p95 (target median < 50 ms); and `suggest()` as `autonote draft` calls it;
- `autonote suggest --json` as a user runs it (a new process, index already built);
- the corpus's shape next to the real sample's (distinct search terms per note), so the synthetic
  load can be compared with the real one;
- leave-one-out tag and related-note scores on the imported ../shared/corpus sample, as in the
  README (skipped when ../shared is absent).

Run: `.venv/bin/python bench/corpus_bench.py [--notes 10000]`.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from autonote.corpus.evaluate import evaluate, format_table  # noqa: E402
from autonote.corpus.index import CorpusIndex, note_terms  # noqa: E402
from autonote.corpus.suggest import suggest  # noqa: E402
from autonote.corpus.view import load_corpus  # noqa: E402
from autonote.notes.format import parse_note  # noqa: E402
from autonote.schema import paper_from_note  # noqa: E402
from synthetic_corpus import write_corpus  # noqa: E402

SAMPLE = REPO.parent / "shared" / "corpus" / "paper_notes_CVPR.xml"


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


def mean_terms(notes) -> float:
    return statistics.mean(len(note_terms(n)) for n in notes)


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
        search_times = []
        for note in probes:
            query = "\n".join([note.title, note.title, note.abstract])
            search_times.append(timed(lambda q=query, n=note: index.search(q, 25, (n.id,))))
        median, p95 = statistics.median(search_times) * 1000, percentile(search_times, 0.95) * 1000
        rows.append(("query (BM25 search), median / p95", f"{median:.1f} / {p95:.1f} ms", "median < 50 ms"))
        corpus = load_corpus(root)

        suggest_times = [
            timed(lambda n=note: suggest(paper_from_note(n), corpus, exclude_ids=(n.id,)))
            for note in probes[:50]
        ]
        rows.append(
            (
                "suggest() (search + tags + notes), median",
                f"{statistics.median(suggest_times) * 1000:.1f} ms",
                "",
            )
        )

        query_file = Path(tmp) / "query.txt"
        query_file.write_text(paper_query_text(probes[0]), encoding="utf-8")
        autonote = Path(sys.executable).with_name("autonote")
        command = [
            str(autonote),
            "suggest",
            str(query_file),
            "--title",
            "Query",
            "--corpus",
            str(root),
            "--json",
        ]
        cli_runs = [timed(lambda: subprocess.run(command, check=True, capture_output=True)) for _ in range(3)]
        rows.append(
            ("`autonote suggest --json` (new process)", f"{statistics.median(cli_runs):.2f} s", "median of 3")
        )
        rows.append(("distinct terms per note, synthetic", f"{mean_terms(notes[:500]):.0f}", ""))

    if SAMPLE.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "sample"
            root.mkdir()
            autonote = Path(sys.executable).with_name("autonote")
            command = [str(autonote), "import", "paper-notes-xml", str(SAMPLE), "--corpus", str(root)]
            subprocess.run(command, check=True, capture_output=True)
            sample = load_corpus(root)
            rows.append(("distinct terms per note, real sample", f"{mean_terms(sample.notes):.0f}", ""))
            report = evaluate(sample)
    else:
        report = None

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>16}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>16}  {note}")
    if report is not None:
        print()
        print(
            f"Leave-one-out on the ../shared/corpus sample: {report.notes} notes, {report.mean_tags:.1f} tags each,"
            f" {report.unreachable_tags} tags used by no other note; {report.notes_with_links} notes link another"
            " note of the sample"
        )
        print(format_table(report))


def paper_query_text(note) -> str:
    return note.abstract + "\n"


if __name__ == "__main__":
    main()
