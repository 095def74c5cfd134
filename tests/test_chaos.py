"""The short variant of bench/chaos.py: regen over 30 notes against a server that fails, answers
HTML, stalls and echoes the API key, with runs killed (SIGKILL, SIGINT) and two runs at once; every
invariant must hold (done or failed with a reason, nothing paid twice, no stray files, an intact
journal, the key nowhere)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_short_chaos_run_keeps_every_invariant(capsys) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import chaos
    finally:
        sys.path.remove(str(REPO / "bench"))
    rows, problems = chaos.chaos(
        30, seed=11, rounds=1, rates={"500": 0.08, "html": 0.06, "429": 0.05, "stall": 0.04}
    )
    table = dict(rows)
    assert problems == []
    assert (
        table["files or outputs holding the API key"] == "0"
        and table["requests for notes already done"] == "0"
    )
    assert sum(int(n) for n in table["  faults injected: 500, html, 429, stall"].split(", ")) > 0
