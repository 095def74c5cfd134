"""Chaos run: `autonote regen` over a synthetic corpus against a loopback LLM server that fails,
answers HTML, stalls and echoes the API key; runs killed with SIGKILL and SIGINT at random points,
and two runs at once. Then the invariants are checked and a table printed:

- every selected note is done (its update-draft is on disk) or failed with a reason in the journal;
- nothing is paid twice: a note whose draft was written is never requested again, and no two
  requests for one note are ever in flight at the same time (two concurrent runs included);
- no stray or partial files: no temporary files, every draft parses;
- the journal database passes SQLite's integrity check;
- the API key appears in no file under the corpus and in nothing any run printed.

Run: `.venv/bin/python bench/chaos.py [--notes 200] [--seed 7]` (tests/test_chaos.py runs a short
variant in CI). Exit 1 when an invariant fails.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.loopback import OpenAIServer  # noqa: E402

from synthetic_corpus import write_corpus  # noqa: E402

SECRET = "sk-chaos-5f0e7d2c9b1a4e3f8d6c"
_PAPER = re.compile(r"^Paper: (?P<title>.+)$", re.M)


@dataclass
class Served:
    note: str  # the paper's title, as the prompt names it
    started: float
    ended: float
    paid: bool  # a 200 with a completion in it: what a provider bills
    fault: str | None = None


@dataclass
class ChaosServer(OpenAIServer):
    """The loopback OpenAI server with faults drawn at random for every chat request."""

    rates: dict[str, float] = field(default_factory=dict)
    stall: float = 3.0
    served: list[Served] = field(default_factory=list)
    seed: int = 7

    def __post_init__(self) -> None:
        OpenAIServer.__init__(self, latency=0.05, jitter=0.03)
        self.dice = random.Random(self.seed)
        self.injected: dict[str, int] = dict.fromkeys(self.rates, 0)

    def __hash__(self) -> int:
        return id(self)

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str | bytes, dict[str, str]]:
        if not path.split("?")[0].rstrip("/").endswith("/chat/completions"):
            return super().answer(method, path, body)
        try:
            prompt = json.loads(body)["messages"][-1]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            return super().answer(method, path, body)
        found = _PAPER.search(prompt)
        note = found["title"] if found else "?"
        started = time.monotonic()
        with self._lock:
            roll = self.dice.random()
        fault, edge = None, 0.0
        for name, rate in self.rates.items():
            edge += rate
            if roll < edge:
                fault = name
                break
        sent = self.request_headers.value
        auth = next((v for k, v in sent.items() if k.lower() == "authorization"), "")
        echo = {"X-Echo-Authorization": auth, "Content-Type": "application/json"}
        result: tuple[int, str | bytes, dict[str, str]]
        if fault is not None:
            with self._lock:
                self.injected[fault] += 1
        if fault == "500":
            result = (
                500,
                json.dumps({"error": {"message": f"upstream failed for {auth}", "type": "server_error"}}),
                echo,
            )
        elif fault == "html":
            page = f"<html><body><h1>502 Bad Gateway</h1><p>proxy for {auth}</p></body></html>"
            result = 200, page, {"Content-Type": "text/html"}
        elif fault == "429":
            result = (
                429,
                json.dumps({"error": {"message": f"slow down, {auth}"}}),
                {**echo, "retry-after-ms": "300"},
            )
        elif fault == "stall":
            time.sleep(self.stall)
            result = super().answer(method, path, body)
        else:
            result = super().answer(method, path, body)
        paid = result[0] == 200 and fault != "html"
        with self._lock:
            self.served.append(Served(note, started, time.monotonic(), paid, fault))
        return result


@dataclass
class Run:
    name: str
    process: subprocess.Popen[str]
    stdout: str = ""
    stderr: str = ""


def start(command: list[str], env: dict[str, str], name: str) -> Run:
    return Run(
        name,
        subprocess.Popen(
            command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ),
    )


def finish(run: Run, timeout: float = 600) -> Run:
    run.stdout, run.stderr = run.process.communicate(timeout=timeout)
    return run


def drafts_on_disk(corpus: Path) -> dict[str, float]:
    folder = corpus / "drafts"
    return (
        {p.stem: p.stat().st_mtime for p in folder.glob("*.md") if not p.name.startswith(".")}
        if folder.exists()
        else {}
    )


def chaos(
    notes: int, seed: int, rounds: int, rates: dict[str, float]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Run the chaos; returns (table rows, invariant violations)."""
    dice = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        write_corpus(corpus, notes, seed=seed)
        server = ChaosServer(rates=rates, seed=seed)
        server.record_bodies = False
        server.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_"))}
        env.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY=SECRET, AUTONOTE_CONFIG_DIR=str(root / "cfg"),
                   AUTONOTE_LLM_TIMEOUT="1.5", AUTONOTE_MAX_REASKS="1")  # fmt: skip
        command = [
            sys.executable,
            "-m",
            "autonote",
            "regen",
            "--all",
            "--corpus",
            str(corpus),
            "--concurrency",
            "6",
        ]
        subprocess.run([sys.executable, "-m", "autonote", "index", "--corpus", str(corpus)], env=env, check=True,
                       capture_output=True)  # fmt: skip
        runs: list[Run] = []
        finished_at: dict[str, float] = {}  # note title → when its draft was first seen on disk
        titles = _titles(corpus)
        watching = threading.Event()

        def watch() -> None:
            while not watching.is_set():
                for note_id in drafts_on_disk(corpus):
                    finished_at.setdefault(titles.get(note_id, note_id), time.monotonic())
                time.sleep(0.01)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        kills = {"SIGKILL": 0, "SIGINT": 0}
        kill_times: list[float] = []
        try:
            for round_index in range(rounds):
                for sig in (signal.SIGKILL, signal.SIGINT):
                    run = start(command, env, f"round {round_index} {sig.name}")
                    time.sleep(dice.uniform(0.5, 2.5))
                    if run.process.poll() is None:
                        kill_times.append(time.monotonic())
                        run.process.send_signal(sig)
                        kills[sig.name] += 1
                    runs.append(finish(run))
                pair = [start(command, env, f"round {round_index} concurrent {i}") for i in (1, 2)]
                runs.extend(finish(run) for run in pair)
            for attempt in range(6):  # failed items are retried by the next run
                last = finish(start(command, env, f"final {attempt}"))
                runs.append(last)
                if last.process.returncode == 0:
                    break
        finally:
            watching.set()
            watcher.join()
            server.stop()
        return _verdict(corpus, server, runs, finished_at, titles, kills, kill_times, notes)


def _titles(corpus: Path) -> dict[str, str]:
    from autonote.notes.format import parse_note

    return {p.stem: " ".join(parse_note(p.read_text(encoding="utf-8")).title.split())
            for p in (corpus / "notes").glob("*.md")}  # fmt: skip


def _verdict(corpus: Path, server: ChaosServer, runs: list[Run], finished_at: dict[str, float],
             titles: dict[str, str], kills: dict[str, int], kill_times: list[float],
             notes: int) -> tuple[list[tuple[str, str]], list[str]]:  # fmt: skip
    from autonote.notes.format import parse_note

    problems: list[str] = []
    done = set(drafts_on_disk(corpus))
    db = sqlite3.connect(corpus / ".autonote" / "state.sqlite")
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    failed = {
        row[0]: row[1]
        for row in db.execute("SELECT note_id, detail FROM regen_items WHERE status = 'failed'")
    }
    db.close()
    if integrity != "ok":
        problems.append(f"journal integrity: {integrity}")
    for note_id in titles:
        if note_id not in done and not failed.get(note_id):
            problems.append(f"{note_id}: neither done nor failed with a reason")
    for path in (corpus / "drafts").glob("*"):
        if path.name.startswith(".") and path.name != ".gitignore":
            problems.append(f"stray file {path.name}")
        elif path.suffix == ".md":
            try:
                parse_note(path.read_text(encoding="utf-8"))
            except Exception as exc:  # any failure to read back is a partial file
                problems.append(f"{path.name} does not parse: {exc}")
    by_note: dict[str, list[Served]] = {}
    for served in server.served:
        by_note.setdefault(served.note, []).append(served)
    repaid = 0
    for note, answers in by_note.items():
        done_at = finished_at.get(note)
        if done_at is not None:
            after = [a for a in answers if a.started > done_at + 0.05]
            repaid += len(after)
            if after:
                problems.append(f"{note[:50]}: requested {len(after)} time(s) after its draft was written")
        # Two requests for one note at once mean two runs worked on it. A request its client stopped
        # waiting for (a stall past the timeout, a run killed meanwhile) may still be served while
        # the item is asked again, by the same run's retry or the next run: that one is not counted.
        spans = sorted(answers, key=lambda a: a.started)
        for first, second in itertools.pairwise(spans):
            abandoned = first.fault == "stall" or any(first.started <= t <= first.ended for t in kill_times)
            if second.started < first.ended - 0.01 and not abandoned:
                problems.append(f"{note[:50]}: two requests in flight at once")
                break
    leaked = [p.name for p in corpus.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    leaked += [run.name for run in runs if SECRET in run.stdout or SECRET in run.stderr]
    problems.extend(f"the API key appears in {where}" for where in leaked)
    paid = sum(a.paid for a in server.served)
    rows = [
        ("notes", f"{notes}"),
        ("runs (killed with SIGKILL / SIGINT, concurrent pairs)", f"{len(runs)} ({kills['SIGKILL']} / {kills['SIGINT']}, {sum('concurrent' in r.name for r in runs) // 2})"),
        ("chat requests served", f"{len(server.served)}"),
        ("  faults injected: " + ", ".join(server.injected), ", ".join(str(v) for v in server.injected.values())),
        ("paid answers / notes done", f"{paid} / {len(done)}"),
        ("notes done / failed with a reason", f"{len(done)} / {len(failed)}"),
        ("requests for notes already done", f"{repaid}"),
        ("journal integrity", integrity),
        ("files or outputs holding the API key", f"{len(leaked)}"),
        ("invariants violated", f"{len(problems)}"),
    ]  # fmt: skip
    return rows, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    rates = {"500": 0.06, "html": 0.05, "429": 0.04, "stall": 0.03}
    started = time.perf_counter()
    rows, problems = chaos(args.notes, args.seed, args.rounds, rates)
    rows.append(("wall time", f"{time.perf_counter() - started:.0f} s"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for problem in problems[:20]:
        print(f"VIOLATION: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
