"""A/B timing of the search index between two source trees, interleaved on one synthetic corpus,
so that load on a shared machine hits both alike: index build from nothing, a refresh with ten
notes edited, and 200 queries (cold: a fresh index object; warm; with one note hidden). Wall time
and CPU time (this process and its worker processes) are both reported, medians over the rounds.

    git archive main src | tar -x -C /tmp/base
    .venv/bin/python bench/index_ab.py --a /tmp/base/src --b src [--notes 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

ONE_ROUND = r"""
import json, random, resource, shutil, sys, time
from pathlib import Path
from autonote.corpus.index import CorpusIndex
from autonote.notes.format import parse_note

root = Path(sys.argv[1])

def clock():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

def timed(action):
    wall, cpu = clock()
    action()
    wall2, cpu2 = clock()
    return wall2 - wall, cpu2 - cpu

out = {}
shutil.rmtree(root / ".autonote", ignore_errors=True)
holder = {}
out["build"] = timed(lambda: holder.setdefault("index", CorpusIndex.open(root)).refresh())
index = holder["index"]
paths = sorted((root / "notes").glob("*.md"))
rng = random.Random(7)
notes = [parse_note(p.read_text(encoding="utf-8"), str(p)) for p in rng.sample(paths, 200)]
queries = [n.title + " " + n.abstract for n in notes]
for p in paths[:10]:
    p.write_text(p.read_text(encoding="utf-8") + "\nedited\n", encoding="utf-8")
out["refresh10"] = timed(lambda: index.refresh())
index.close()
fresh = CorpusIndex.open(root)
out["query_cold"] = timed(lambda: [fresh.search(q, 25, explain=False) for q in queries])
out["query_warm"] = timed(lambda: [fresh.search(q, 25) for q in queries])
out["query_hidden"] = timed(lambda: [fresh.search(q, 25, [n.id]) for q, n in zip(queries, notes)])
print(json.dumps(out))
"""

LABELS = {
    "build": "index build from nothing",
    "refresh10": "refresh, 10 notes edited",
    "query_cold": "200 queries, cold, explain=False",
    "query_warm": "200 queries, warm, shared terms",
    "query_hidden": "200 queries, one note hidden",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", required=True, help="source tree A (a src/ folder)")
    parser.add_argument("--b", required=True, help="source tree B (a src/ folder)")
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from synthetic_corpus import write_corpus

    results: dict[str, list[dict[str, list[float]]]] = {"A": [], "B": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        write_corpus(root, args.notes)
        for _ in range(args.rounds):
            for name, src in (("A", args.a), ("B", args.b)):
                env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
                answer = subprocess.run(
                    [sys.executable, "-c", ONE_ROUND, str(root)],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                results[name].append(json.loads(answer.stdout))
    print(
        f"| measure ({args.notes} notes, median of {args.rounds}) | A wall / CPU | B wall / CPU | B/A wall | B/A CPU |"
    )
    print("| --- | --- | --- | --- | --- |")
    for key, label in LABELS.items():
        a_wall, a_cpu = (statistics.median(r[key][i] for r in results["A"]) for i in (0, 1))
        b_wall, b_cpu = (statistics.median(r[key][i] for r in results["B"]) for i in (0, 1))
        print(
            f"| {label} | {a_wall:.2f} s / {a_cpu:.2f} s | {b_wall:.2f} s / {b_cpu:.2f} s"
            f" | {b_wall / a_wall:.2f} | {b_cpu / a_cpu:.2f} |"
        )


if __name__ == "__main__":
    main()
