"""Venue labels for the kinds of arXiv comment and ACL workshop that went wrong on real papers:
per kind, how many come out right with this checkout ("after") and, with `--baseline SRC` (another
checkout's src/, e.g. main's), with that one ("before"), read in a fresh interpreter.

The comments are written in the shapes real ones take (recent cs.CL / cs.LG papers); the version
carrying a comment is dated January 2026, the first version February 2025 (so an unrecognised
comment gives arXiv'25). Run: `.venv/bin/python bench/venue_kinds_bench.py --baseline ../main/src`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("AUTONOTE_BENCH_SRC") or str(REPO / "src"))

FIRST, LATER = dt.date(2025, 2, 3), dt.date(2026, 1, 12)
# (kind, arXiv comment, expected label)
COMMENTS = [
    ("comment: the venue alone, no year", "ICML", "ICML'26"),
    ("comment: the venue alone, no year", "TMLR", "TMLR'26"),
    ("comment: a two-digit year", "Accepted by NAACL 25 Main Conference", "NAACL'25"),
    ("comment: words run together after the year", "ACL 2026 MainConference", "ACL'26"),
    (
        "comment: Findings in parentheses after the full name",
        "Accepted to the 64th Annual Meeting of the Association for Computational Linguistics (ACL Findings 2026)",
        "ACL'26 Findings",
    ),
    (
        "comment: a submission described as a conference paper",
        "Submitted as conference paper to ICML 2024 and currently under review",
        "arXiv'25",
    ),
    ("comment: Workshop after the parenthesis", "Accepted at the Efficient Reasoning (NeurIPS 2025) Workshop", "NeurIPS'25 Workshop"),
    ("comment: a journal with no year", "Published in TMLR", "TMLR'26"),
]  # fmt: skip
# (kind, anthology id, proceedings' title, expected label)
WORKSHOPS = [
    ("ACL: a workshop's own short name", "2022.nlp4convai-1.3", "Proceedings of the 4th Workshop on NLP for Conversational AI", "NLP4ConvAI'22"),
    ("ACL: a workshop's own short name", "2023.newsum-1.2", "Proceedings of the 4th New Frontiers in Summarization Workshop", "NewSum'23"),
    ("ACL: a short name starting with *", "S19-1004", "Proceedings of the Eighth Joint Conference on Lexical and Computational Semantics (*SEM 2019)", "*SEM'19"),
    ("ACL: a short name starting with *", "2021.starsem-1.5", "Proceedings of *SEM 2021: The Tenth Joint Conference on Lexical and Computational Semantics", "*SEM'21"),
]  # fmt: skip


def labels() -> list[str]:
    """The label of every case, read by the checkout on sys.path."""
    from autonote.sources.acl import parse_anthology_id, venue_for
    from autonote.venue import venue_label

    got = [venue_label(comment, None, FIRST, LATER) for _, comment, _ in COMMENTS]
    for _, anthology_id, booktitle, _ in WORKSHOPS:
        parsed = parse_anthology_id(anthology_id)
        got.append(venue_for(parsed, booktitle) if parsed else "")
    return got


def main(baseline: str | None) -> None:
    cases = [(kind, text, want) for kind, text, want in COMMENTS] + [
        (kind, f"{aid} / {title}", want) for kind, aid, title, want in WORKSHOPS
    ]
    runs = {"after": labels()}
    if baseline:
        env = {**os.environ, "AUTONOTE_BENCH_SRC": str(Path(baseline).resolve())}
        done = subprocess.run(
            [sys.executable, __file__, "--emit"], env=env, capture_output=True, text=True, check=True
        )
        runs = {"before": json.loads(done.stdout), **runs}
    print(f"{len(cases)} cases; right = the label equals the expected one\n")
    print("| kind | cases | " + " | ".join(f"{run} right" for run in runs) + " |")
    print("|---|---:|" + "---:|" * len(runs))
    kinds: dict[str, list[int]] = {}
    for index, (kind, _, _) in enumerate(cases):
        kinds.setdefault(kind, []).append(index)
    for kind, indices in kinds.items():
        cells = [f"{sum(got[i] == cases[i][2] for i in indices)}/{len(indices)}" for got in runs.values()]
        print(f"| {kind} | {len(indices)} | " + " | ".join(cells) + " |")
    totals = [f"{sum(got[i] == c[2] for i, c in enumerate(cases))}/{len(cases)}" for got in runs.values()]
    print(f"| all | {len(cases)} | " + " | ".join(totals) + " |")
    print("\nWhat each gave:")
    for index, (_, text, want) in enumerate(cases):
        shown = " → ".join(got[index] for got in runs.values())
        print(f"- {text!r}: {shown} (expected {want})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="another checkout's src/ to compare with (the 'before' column)")
    parser.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emit:
        print(json.dumps(labels()))
    else:
        main(args.baseline)
