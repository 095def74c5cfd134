"""Benchmark `autonote regen` against a loopback OpenAI-compatible server that enforces limits.

The server (tests/loopback.py) answers after 100 ms ± 30 ms, enforces requests/min and tokens/min
the way providers do (buckets refilling continuously, one second's worth at most; tokens = prompt
counted with tiktoken + the request's completion-token limit) and answers 429 with retry-after-ms
over them, with x-ratelimit-* headers on every answer. `autonote regen` runs as a separate process,
as a user runs it. Prints a table:

- known limits (--rpm/--tpm given): achieved throughput / the limit-bound ideal, and 429s;
- unknown limits (learned from headers only): the same;
- per-item client overhead (no latency, no limits, one request at a time);
- peak memory (max RSS of the regen process) for 10,000 notes;
- resume: kill -9 at about half, run again, and count requests for items finished before the kill;
- cache: a second identical run, and a run with the journal deleted, count their requests.

Run: `.venv/bin/python bench/regen_bench.py [--notes 1000] [--big 10000]` (TIKTOKEN_CACHE_DIR set offline).
"""

from __future__ import annotations

import argparse
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.loopback import OpenAIServer, ServerRateLimit, provider_tokens  # noqa: E402

from synthetic_corpus import write_corpus  # noqa: E402

RPM, TPM = 1200, 3_600_000
LATENCY, JITTER = 0.10, 0.03
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


def limited_run(template: Path, work: Path, known: bool, notes: int) -> dict[str, float]:
    server = OpenAIServer(latency=LATENCY, jitter=JITTER, limits=ServerRateLimit(RPM, TPM))
    server.start()
    try:
        corpus = fresh_corpus(template, work / ("known" if known else "unknown"))
        limits = ["--rpm", str(RPM), "--tpm", str(TPM)] if known else []
        elapsed, done = regen(corpus, environment(server, work / "config"), "--concurrency", "16", *limits)
        chats = [json.loads(r["body"]) for r in server.requests if r["path"].endswith("/chat/completions")]
        tokens = sum(provider_tokens(c) for c in chats) * server.limits.accepted / max(1, len(chats))
        ideal = max(server.limits.accepted / (RPM / 60), tokens / (TPM / 60))
        return {
            "elapsed": elapsed, "ideal": ideal, "ratio": ideal / elapsed, "requests": len(chats),
            "429": server.limits.rejected, "drafts": len(list((corpus / "drafts").glob("*.md"))),
            "exit": done.returncode,
        }  # fmt: skip
    finally:
        server.stop()


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
            n for n in titles for body in after if f"Title: {titles[n]}\n" in body["messages"][-1]["content"]
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        template = work / "template"
        write_corpus(template, args.notes)
        subprocess.run([str(AUTONOTE), "index", "--corpus", str(template)], capture_output=True, check=True,
                       env={**os.environ, "AUTONOTE_CONFIG_DIR": str(work / "config")})  # fmt: skip
        rows = []
        for known in (True, False):
            result = limited_run(template, work, known, args.notes)
            label = "known limits (--rpm/--tpm)" if known else "unknown limits (headers only)"
            rows.append((
                f"{label}: throughput / ideal",
                f"{result['ratio']:.3f}",
                f"{result['drafts']:.0f} drafts in {result['elapsed']:.1f} s, ideal {result['ideal']:.1f} s",
            ))  # fmt: skip
            share = result["429"] / max(1, result["requests"]) * 100
            rows.append(
                (
                    f"{label}: 429s",
                    f"{result['429']:.0f}",
                    f"{share:.2f}% of {result['requests']:.0f} requests",
                )
            )
        client, total = overhead(template, work, 100)
        rows.append(("per-item client overhead", f"{client * 1000:.1f} ms",
                     f"excluding the wait for answers; {total * 1000:.1f} ms with it (one at a time, "
                     "no server latency)"))  # fmt: skip
        memory, seconds = peak_memory(work, args.big)
        rows.append(
            (
                f"peak memory, {args.big} notes",
                f"{memory:.0f} MB",
                f"max RSS of the regen process; {seconds:.0f} s",
            )
        )
        resumed = resume(template, work)
        rows.append(
            ("resume: finished before kill -9", f"{resumed['finished_at_kill']}", f"of {resumed['total']}")
        )
        rows.append(("resume: requests again for finished items", f"{resumed['repaid']}",
                     f"{resumed['asked_after']} notes asked after the kill; {resumed['drafts']} drafts; "
                     f"{resumed['temp_files']} temporary files left"))  # fmt: skip
        rows.append(
            (
                "cache: second identical run, requests",
                f"{resumed['second_run_requests']}",
                "journal says done",
            )
        )
        rows.append(("cache: run with the journal deleted, requests", f"{resumed['cache_run_requests']}",
                     "answers from the response cache"))  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print(f"server: {LATENCY * 1000:.0f} ± {JITTER * 1000:.0f} ms, {RPM} requests/min, {TPM:,} tokens/min")
    print(f"{'measure':<{width}}  {'value':>10}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
