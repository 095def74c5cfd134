"""A short benchmark of `autonote regen` against LLM servers that are not OpenAI's ideal: a one-slot
local server, a server that refuses the first structured-output rung, and providers that enforce
their per-minute limits over a sliding minute or over shorter intervals. Each row runs `autonote
regen` as a separate process against the loopback server (tests/loopback.py); the server counts.

Tables:

- one slot (llama-cpp-python generates one answer at a time): answers take 0.3 s, llm_timeout is
  2 s. Generated tokens per note and generations per note (1.00 = nothing generated twice), from
  the server's own count, which includes answers nobody waited for.
- format probe: a server that refuses `json_schema` (llama-cpp-python's HTTP 500): refused requests
  per run.
- limits: `--requests` requests; the binding limit allows `--rate` requests/min. Throughput over the
  ideal and 429s. The ideal is the time the limits need for the requests the server admitted,
  max(requests / rpm, tokens charged / tpm) minutes, measured on the server from the first admission
  to the last answer (as bench/regen_bench.py does). "10 s windows" is a provider that also admits at
  most rpm/6 requests in any 10 s (its headers still say per minute), as OpenAI documents limits may
  be enforced over shorter intervals.

Run (TIKTOKEN_CACHE_DIR set, offline; about 4 minutes):

    .venv/bin/python bench/llm_server_bench.py
    .venv/bin/python bench/llm_server_bench.py --only limits --requests 240 --rate 600
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.loopback import OpenAIServer, ServerRateLimit  # noqa: E402

from regen_bench import AUTONOTE, environment, fresh_corpus, mean_charge, regen  # noqa: E402
from synthetic_corpus import write_corpus  # noqa: E402


def _concurrency_args(concurrency: str) -> list[str]:
    return [] if concurrency == "default" else ["--concurrency", concurrency]


def one_slot_row(template: Path, work: Path, concurrency: str, notes: int) -> str:
    server = OpenAIServer(slots=1, latency=0.3)
    server.record_bodies = False
    server.start()
    try:
        corpus = fresh_corpus(template, work / "slots")
        env = {**environment(server, work / "config"), "AUTONOTE_LLM_TIMEOUT": "2"}
        elapsed, done = regen(corpus, env, "--no-cache", *_concurrency_args(concurrency))
        generated = server.generated
        per_note = len(generated) / notes
        tokens = sum(g.tokens for g in generated) / notes
        drafts = len(list((corpus / "drafts").glob("*.md")))
        return (
            f"{concurrency:<12} {notes:>5} {drafts:>6} {len(generated):>11} {per_note:>9.2f} {tokens:>12.1f} "
            f"{elapsed:>7.1f} {done.returncode:>4}"
        )
    finally:
        server.stop()


def probe_row(template: Path, work: Path, concurrency: str) -> str:
    server = OpenAIServer(flavor="llama-cpp-python", latency=0.05)
    server.record_bodies = False
    server.start()
    try:
        corpus = fresh_corpus(template, work / "probe")
        _, done = regen(
            corpus, environment(server, work / "config"), "--no-cache", *_concurrency_args(concurrency)
        )
        return f"{concurrency:<12} {server.refused:>16} {server.completions:>11} {done.returncode:>4}"
    finally:
        server.stop()


def limits_row(template: Path, work: Path, label: str, rate: float, charge: float, binding: str,
               sub_minute: bool, given: bool, requests: int) -> str:  # fmt: skip
    if binding == "tokens":
        rpm, tpm = 2 * rate, round(rate * charge)
    else:
        rpm, tpm = rate, round(2 * rate * charge)
    limits = ServerRateLimit(rpm, tpm)
    window = (int(rpm / 6), 10.0) if sub_minute else None
    server = OpenAIServer(latency=0.10, jitter=0.03, limits=limits, window_limit=window)
    server.record_bodies = False
    server.start()
    try:
        corpus = fresh_corpus(template, work / "limits")
        ids = ",".join(f"issue-{n}" for n in range(1, requests + 1))
        extra = ["--ids", ids, "--concurrency", "8", "--no-cache"]
        extra += ["--rpm", str(rpm), "--tpm", str(tpm)] if given else []
        env = environment(server, work / "config")
        command = [str(AUTONOTE), "regen", "--corpus", str(corpus), *extra]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        span = max(end for _, end in server.generations) - min(start for start, _ in server.generations)
        ideal = max(limits.accepted / rpm, limits.charged_tokens / tpm) * 60
        too_many = limits.rejected + server.window_rejected
        return (
            f"{label:<44} {rpm:>6.0f} {tpm:>10,.0f} {limits.accepted:>8} {span:>8.1f} {ideal:>8.1f} "
            f"{ideal / span:>6.3f} {too_many:>5} {done.returncode:>4}"
        )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=24, help="notes for the one-slot and probe tables")
    parser.add_argument("--requests", type=int, default=240, help="requests per limits row")
    parser.add_argument("--rate", type=float, default=600, help="requests/min the binding limit allows")
    parser.add_argument("--only", choices=("all", "slots", "probe", "limits"), default="all")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        template = work / "template"
        write_corpus(template, max(args.notes, args.requests))
        env = {**os.environ, "AUTONOTE_CONFIG_DIR": str(work / "config")}
        subprocess.run(
            [str(AUTONOTE), "index", "--corpus", str(template)], capture_output=True, check=True, env=env
        )
        small = work / "small"
        write_corpus(small, args.notes)
        subprocess.run(
            [str(AUTONOTE), "index", "--corpus", str(small)], capture_output=True, check=True, env=env
        )
        if args.only in ("all", "slots"):
            print("one-slot server, 0.3 s per answer, llm_timeout 2 s")
            print(f"{'concurrency':<12} {'notes':>5} {'drafts':>6} {'generations':>11} {'per note':>9} "
                  f"{'tokens/note':>12} {'wall s':>7} {'exit':>4}")  # fmt: skip
            for concurrency in ("default", "8"):
                print(one_slot_row(small, work, concurrency, args.notes), flush=True)
        if args.only in ("all", "probe"):
            print("\nserver refusing json_schema (llama-cpp-python), first run on a fresh corpus")
            print(f"{'concurrency':<12} {'refused requests':>16} {'completions':>11} {'exit':>4}")
            for concurrency in ("default", "8"):
                print(probe_row(small, work, concurrency), flush=True)
        if args.only in ("all", "limits"):
            charge = mean_charge(template, work)
            print(f"\nlimits: {args.requests} requests, binding limit {args.rate:.0f} requests/min, concurrency 8, "
                  f"0.10 ± 0.03 s per answer; mean charge {charge:,.0f} tokens/request")  # fmt: skip
            print(f"{'configuration':<44} {'rpm':>6} {'tpm':>10} {'admitted':>8} {'server s':>8} {'ideal s':>8} "
                  f"{'ratio':>6} {'429s':>5} {'exit':>4}")  # fmt: skip
            rows = [
                ("requests bind, sliding minute, learned", "requests", False, False),
                ("tokens bind, sliding minute, learned", "tokens", False, False),
                ("requests bind, sliding minute, given", "requests", False, True),
                ("requests bind, 10 s windows, learned", "requests", True, False),
                ("requests bind, 10 s windows, given", "requests", True, True),
            ]
            for label, binding, sub_minute, given in rows:
                print(limits_row(template, work, label, args.rate, charge, binding, sub_minute, given,
                                 args.requests), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
