"""Benchmark `autonote regen` against a loopback OpenAI-compatible server that enforces limits.

The server (tests/loopback.py) answers after 100 ms ± 30 ms and enforces requests/min and tokens/min
the way providers count them: everything admitted in the last 60 s (a sliding minute), each request
charged its prompt (tiktoken) plus its completion-token limit; over a limit it answers 429 with
retry-after-ms; every answer carries x-ratelimit-limit/remaining/reset-* for both. `autonote regen`
runs as a separate process, as a user runs it. Prints a table:

- the limiter, 8 configurations: the binding limit is tokens/min or requests/min (set so that it
  allows `--rate` requests/min, the other limit twice as much), the limits given with --rpm/--tpm or
  learned from the headers, concurrency 8 or 32. For each: throughput over the limit-bound ideal
  and the number of 429s.
  The ideal is the time the limits need for the requests the server admitted:
  max(requests / rpm, tokens charged / tpm) minutes. The throughput is measured on the server, from
  the first request admitted to the last answer sent (the process's start-up is not the limiter's
  doing: the wall time of the process is printed too). A sliding minute would allow a client to
  send a whole minute's allowance at once at the start; autonote spreads it evenly (providers also
  enforce their limits over shorter intervals), so the even-rate time is its ideal.
- per-item client overhead (no latency, no limits, one request at a time);
- peak memory (max RSS of the regen process) for 10,000 notes;
- resume: kill -9 at about half, run again, and count requests for items finished before the kill;
- cache: a second identical run, and a run with the journal deleted, count their requests.

Run (TIKTOKEN_CACHE_DIR set, offline):

    .venv/bin/python bench/regen_bench.py                       # everything: 1,000 notes, ~20 min
    .venv/bin/python bench/regen_bench.py --only limits         # the 8 limiter configurations, ~15 min
    .venv/bin/python bench/regen_bench.py --only limits --notes 150   # a quick look while developing
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.loopback import OpenAIServer, ServerRateLimit  # noqa: E402

from synthetic_corpus import write_corpus  # noqa: E402

RPM, TPM = 1200, 3_600_000  # for the resume run: generous limits
LATENCY, JITTER = 0.10, 0.03
MAX_COMPLETION_TOKENS = 1500  # autonote's default completion limit: what providers reserve
AUTONOTE = Path(sys.executable).with_name("autonote")


def environment(server: OpenAIServer, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_"))}
    env.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-bench", AUTONOTE_CONFIG_DIR=str(config))
    env.setdefault("TIKTOKEN_CACHE_DIR", str(REPO.parent / "shared" / "tiktoken-cache"))
    return env


def regen(corpus: Path, env: dict[str, str], *extra: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    command = [str(AUTONOTE), "regen", "--all", "--corpus", str(corpus), *extra]
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"regen failed: {done.stderr[-2000:]}")
    return time.monotonic() - started, done


def fresh_corpus(template: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(template, target, ignore=shutil.ignore_patterns("drafts"))
    for name in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm"):
        (target / ".autonote" / name).unlink(missing_ok=True)
    return target


@dataclass(frozen=True)
class Config:
    binding: str  # "tokens" or "requests"
    given: bool  # limits given with --rpm/--tpm, else learned from the headers
    concurrency: int

    @property
    def label(self) -> str:
        how = "given" if self.given else "learned"
        return f"{self.binding}/min binds, limits {how}, concurrency {self.concurrency}"


def mean_charge(template: Path, work: Path) -> float:
    """Mean tokens a provider charges per request: prompt (from `regen --dry-run`) + completion limit."""
    env = {**os.environ, "AUTONOTE_CONFIG_DIR": str(work / "config")}
    done = subprocess.run([str(AUTONOTE), "regen", "--all", "--dry-run", "--corpus", str(template)],
                          env=env, capture_output=True, text=True, check=True)  # fmt: skip
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in done.stdout.splitlines()
            if line.count("│") == 3}  # fmt: skip
    prompt = next(int(v.replace(",", "")) for k, v in rows.items() if k.startswith("prompt tokens"))
    return prompt / int(rows["would request"]) + MAX_COMPLETION_TOKENS


def limited_run(template: Path, work: Path, config: Config, rate: float, charge: float) -> dict[str, float]:
    """One configuration: the binding limit allows `rate` requests/min, the other twice as many."""
    if config.binding == "tokens":
        rpm, tpm = 2 * rate, round(rate * charge)
    else:
        rpm, tpm = rate, round(2 * rate * charge)
    limits = ServerRateLimit(rpm, tpm)
    server = OpenAIServer(latency=LATENCY, jitter=JITTER, limits=limits)
    server.record_bodies = False
    server.start()
    try:
        corpus = fresh_corpus(template, work / "limited")
        given = ["--rpm", str(rpm), "--tpm", str(tpm)] if config.given else []
        extra = ["--concurrency", str(config.concurrency), "--no-cache", *given]
        elapsed, done = regen(corpus, environment(server, work / "config"), *extra)
        span = max(end for _, end in server.generations) - min(start for start, _ in server.generations)
        ideal = max(limits.accepted / rpm, limits.charged_tokens / tpm) * 60
        return {
            "elapsed": elapsed, "span": span, "ideal": ideal, "ratio": ideal / span,
            "wall_ratio": ideal / elapsed, "requests": limits.accepted + limits.rejected,
            "429": limits.rejected, "drafts": len(list((corpus / "drafts").glob("*.md"))),
            "rpm": rpm, "tpm": tpm, "exit": done.returncode,
        }  # fmt: skip
    finally:
        server.stop()


def limiter_table(template: Path, work: Path, rate: float, concurrencies: list[int]) -> list[str]:
    charge = mean_charge(template, work)
    lines = [
        f"server: {LATENCY * 1000:.0f} ± {JITTER * 1000:.0f} ms per answer, sliding 60 s window; binding limit "
        f"allows {rate:.0f} requests/min; mean charge {charge:,.0f} tokens/request",
        f"{'configuration':<52} {'rpm':>6} {'tpm':>10} {'drafts':>6} {'server s':>8} {'ideal s':>8} "
        f"{'ratio':>6} {'wall s':>7} {'wall ratio':>10} {'429s':>5}",
    ]
    for binding, given, concurrency in itertools.product(
        ("tokens", "requests"), (True, False), concurrencies
    ):
        config = Config(binding, given, concurrency)
        r = limited_run(template, work, config, rate, charge)
        lines.append(
            f"{config.label:<52} {r['rpm']:>6.0f} {r['tpm']:>10,.0f} {r['drafts']:>6.0f} {r['span']:>8.1f} "
            f"{r['ideal']:>8.1f} {r['ratio']:>6.3f} {r['elapsed']:>7.1f} {r['wall_ratio']:>10.3f} {r['429']:>5.0f}"
        )
        print(lines[-1], file=sys.stderr, flush=True)  # progress: each configuration takes minutes
    return lines


def overhead(template: Path, work: Path, count: int) -> tuple[float, float]:
    """Per item with no server latency, one request at a time: (client time excluding the wait for
    HTTP answers, total time per item). Both from regen's own table, so start-up is not included."""
    server = OpenAIServer().start()
    try:
        corpus = fresh_corpus(template, work / "overhead")
        ids = ",".join(f"issue-{n}" for n in range(1, count + 1))
        command = [str(AUTONOTE), "regen", "--ids", ids, "--corpus", str(corpus), "--concurrency", "1"]
        done = subprocess.run(
            command, env=environment(server, work / "config"), capture_output=True, text=True
        )
        rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in done.stdout.splitlines()
                if line.count("│") == 3}  # fmt: skip
        elapsed = float(rows["elapsed"].split()[0])
        waiting = float(rows["waiting for answers (sum over requests)"].split()[0])
        drafts = int(rows["update-drafts written"])
        return (elapsed - waiting) / drafts, elapsed / drafts
    finally:
        server.stop()


def peak_memory(work: Path, count: int) -> tuple[float, float]:
    corpus = work / "big"
    write_corpus(corpus, count)
    server = OpenAIServer()
    server.record_bodies = False
    server.start()
    try:
        env = environment(server, work / "config")
        subprocess.run(
            [str(AUTONOTE), "index", "--corpus", str(corpus)], env=env, capture_output=True, check=True
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        elapsed, _ = regen(corpus, env, "--concurrency", "16")
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return max(before, after) / 1024, elapsed
    finally:
        server.stop()


def resume(template: Path, work: Path) -> dict[str, int]:
    server = OpenAIServer(latency=LATENCY, jitter=JITTER, limits=ServerRateLimit(RPM * 2, TPM * 2))
    server.start()
    try:
        corpus = fresh_corpus(template, work / "resume")
        env = environment(server, work / "config")
        command = [str(AUTONOTE), "regen", "--all", "--corpus", str(corpus), "--concurrency", "16",
                   "--rpm", str(RPM * 2), "--tpm", str(TPM * 2)]  # fmt: skip
        total = len(list((corpus / "notes").glob("*.md")))
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while (
            len(list((corpus / "drafts").glob("*.md"))) < total // 2 if (corpus / "drafts").exists() else True
        ):
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        finished = {p.stem for p in (corpus / "drafts").glob("*.md")}
        before = len(server.requests)
        subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        titles = {}
        for path in (corpus / "notes").glob("*.md"):
            text = path.read_text(encoding="utf-8")
            titles[path.stem] = json.loads(text.split("\ntitle: ", 1)[1].split("\n", 1)[0])
        after = [
            json.loads(r["body"]) for r in server.requests[before:] if r["path"].endswith("/chat/completions")
        ]
        asked = {
            n for n in titles for body in after if f"Paper: {titles[n]}\n" in body["messages"][-1]["content"]
        }
        leftovers = [p for p in (corpus / "drafts").iterdir() if p.name.endswith(".tmp")]
        again_before = len(server.requests)
        subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        second = len(server.requests) - again_before
        with sqlite3.connect(corpus / ".autonote" / "state.sqlite") as db:
            db.execute("DELETE FROM regen_items")
        for path in (corpus / "drafts").glob("*.md"):
            path.unlink()
        cache_before = len(server.requests)
        subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        return {
            "finished_at_kill": len(finished), "total": total, "repaid": len(asked & finished),
            "asked_after": len(asked), "temp_files": len(leftovers), "second_run_requests": second,
            "cache_run_requests": len(server.requests) - cache_before,
            "drafts": len(list((corpus / "drafts").glob("*.md"))),
        }  # fmt: skip
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=600, help="requests/min the binding limit allows")
    parser.add_argument("--concurrency", default="8,32", help="concurrencies for the limiter table")
    parser.add_argument("--only", choices=("all", "limits", "other"), default="all")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        template = work / "template"
        write_corpus(template, args.notes)
        subprocess.run([str(AUTONOTE), "index", "--corpus", str(template)], capture_output=True, check=True,
                       env={**os.environ, "AUTONOTE_CONFIG_DIR": str(work / "config")})  # fmt: skip
        if args.only in ("all", "limits"):
            concurrencies = [int(c) for c in args.concurrency.split(",")]
            table = limiter_table(template, work, args.rate, concurrencies)
            print("\n".join(table))
        if args.only in ("all", "other"):
            print("\n".join(other_rows(template, work, args.big)))


def other_rows(template: Path, work: Path, big: int) -> list[str]:
    rows = []
    client, total = overhead(template, work, 100)
    rows.append(("per-item client overhead", f"{client * 1000:.1f} ms",
                 f"excluding the wait for answers; {total * 1000:.1f} ms with it (one at a time, "
                 "no server latency)"))  # fmt: skip
    memory, seconds = peak_memory(work, big)
    rows.append(
        (f"peak memory, {big} notes", f"{memory:.0f} MB", f"max RSS of the regen process; {seconds:.0f} s")
    )
    resumed = resume(template, work)
    rows.append(
        ("resume: finished before kill -9", f"{resumed['finished_at_kill']}", f"of {resumed['total']}")
    )
    rows.append(("resume: requests again for finished items", f"{resumed['repaid']}",
                 f"{resumed['asked_after']} notes asked after the kill; {resumed['drafts']} drafts; "
                 f"{resumed['temp_files']} temporary files left"))  # fmt: skip
    rows.append(
        ("cache: second identical run, requests", f"{resumed['second_run_requests']}", "journal says done")
    )
    rows.append(("cache: run with the journal deleted, requests", f"{resumed['cache_run_requests']}",
                 "answers from the response cache"))  # fmt: skip
    width = max(len(r[0]) for r in rows)
    return [
        f"{'measure':<{width}}  {'value':>10}  note",
        *(f"{n:<{width}}  {v:>10}  {note}" for n, v, note in rows),
    ]


if __name__ == "__main__":
    main()
