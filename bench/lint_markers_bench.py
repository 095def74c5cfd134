"""How the time to parse and lint one note grows with the autonote markers in it.

For each count of markers (unclosed ``<!-- autonote:x -->`` lines, ``## `` section headings, and
complete blocks) the table shows the seconds of :func:`parse_note` and of :func:`lint_text` on one
note, beside the floor measured in the same run: one pass over the same text (``str.count`` of the
marker). Linear code keeps the ratio to the floor flat as the count grows; quadratic code does not
(before the fix, 50,000 unclosed markers took 13.8 s to parse, and 47 s for `autonote lint`).

Run: `.venv/bin/python bench/lint_markers_bench.py [--counts 5000,10000,20000,50000]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from autonote.corpus.lint import CorpusFacts, lint_text  # noqa: E402
from autonote.notes.format import parse_note  # noqa: E402

NOTE = (REPO / "fixtures" / "corpus" / "notes" / "arxiv-1706.03762.md").read_text(encoding="utf-8")
SHAPES = {
    "unclosed": lambda n: "<!-- autonote:x -->\n" * n,
    "sections": lambda n: "## Comment\n" * n,
    "blocks": lambda n: "".join(f"<!-- autonote:b{i} -->\nx\n<!-- /autonote:b{i} -->\n" for i in range(n)),
}


def best_of(runs: int, action) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="5000,10000,20000,50000")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    facts = CorpusFacts.of([], {}, [])
    print("| markers | shape | floor: one pass (s) | parse_note (s) | lint_text (s) | lint / floor |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for shape, make in SHAPES.items():
        for count in counts:
            text = NOTE + make(count)
            marker = "<!-- autonote:" if shape != "sections" else "## "
            floor = best_of(3, lambda t=text, m=marker: t.count(m))
            parse = best_of(3, lambda t=text: parse_note(t, "bench"))
            lint = best_of(3, lambda t=text: lint_text(t, Path("bench.md"), facts))
            print(f"| {count:,} | {shape} | {floor:.5f} | {parse:.4f} | {lint:.4f} | {lint / floor:,.0f} |")


if __name__ == "__main__":
    main()
