"""Benchmark `autonote github pull` against the loopback GitHub REST server (tests/github_server.py).

1. The 428 notes of ../shared/corpus served as issues (when ../shared is there): a first pull and
   an incremental one (requests, seconds), with `autonote import paper-notes-xml` of the same
   export as the peer.
2. 6,000 synthetic issues (each with one comment by the owner) behind a tight primary rate limit
   (`--limit` requests per `--window` seconds, sent in x-ratelimit-* headers): autonote's pull
   (requests, waits it reported, requests GitHub refused, seconds) against stock PyGithub listing the
   same issues and comments (its default GithubRetry), in the same run.

Every autonote run is a new process (`python -m autonote`), as a user runs it.
Run: `.venv/bin/python bench/github_bench.py [--issues 6000] [--limit 50] [--window 20]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.github_helpers import SHARED_XML, TOKEN, export_entries, serve_entries  # noqa: E402
from tests.github_server import GitHubServer  # noqa: E402

BODY = """# URL
- https://arxiv.org/abs/2501.{n:05d}
# Authors
  - Author {n}
  - Second Author
# Abstract
  - We study problem {n} of sparse attention over long sequences and propose a method that keeps {k} tokens per block. {filler}
# Summary (by gpt-4o-mini)
- 問題{n}について、長い系列でのスパース注意を調べ、ブロックごとに{k}トークンを保持する手法を提案した研究。"""


def autonote(env: dict[str, str], *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autonote", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=3600)  # fmt: skip
    return time.perf_counter() - started, done


def fresh_corpus(tmp: Path, name: str, env: dict[str, str]) -> Path:
    corpus = tmp / name
    autonote(env, "init", str(corpus))
    return corpus


def shared_rows(tmp: Path, base_env: dict[str, str]) -> list[tuple[str, str, str]]:
    if not SHARED_XML:
        return [("428 shared notes", "skipped", "../shared/corpus is not present")]
    rows = []
    repo = "AkihikoWatanabe/paper_notes"
    entries = export_entries(*SHARED_XML)
    with GitHubServer(tokens=(TOKEN,)) as server:
        server.add_repo(repo)
        serve_entries(server, repo, entries)
        server.record_bodies = False
        env = {**base_env, "GITHUB_API_URL": server.url}
        corpus = fresh_corpus(tmp, "shared", env)
        seconds, done = autonote(env, "github", "pull", "--repo", repo, "--corpus", str(corpus))
        assert done.returncode == 0, done.stderr
        rows.append(
            (
                f"pull {len(entries)} shared notes (first)",
                f"{seconds:.2f} s",
                f"{len(server.requests)} requests",
            )
        )
        before = len(server.requests)
        seconds, done = autonote(env, "github", "pull", "--repo", repo, "--corpus", str(corpus))
        assert done.returncode == 0, done.stderr
        rows.append(
            ("pull again, nothing changed", f"{seconds:.2f} s", f"{len(server.requests) - before} requests")
        )
    corpus = fresh_corpus(tmp, "shared-xml", base_env)
    seconds, done = autonote(
        base_env, "import", "paper-notes-xml", *map(str, SHARED_XML), "--corpus", str(corpus)
    )
    rows.append(("peer: import paper-notes-xml of the same export", f"{seconds:.2f} s", "no network"))
    return rows


def synthetic(server: GitHubServer, repo: str, count: int) -> None:
    owner = repo.split("/")[0]
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp()
    filler = "The method is evaluated on several benchmarks and compared with dense attention. " * 6
    for n in range(1, count + 1):
        body = BODY.format(n=n, k=16 + n % 48, filler=filler)
        server.add_issue(repo, f"[Paper Note] Sparse Attention Study {n}, Author {n}+, arXiv'25, 2025.01", body,
                         ["NLP", "Attention", f"Topic{n % 40}"], created=start + n * 3600,
                         comments=[(owner, f"メモ {n}: 関連 #{max(1, n - 1)}")])  # fmt: skip


def rate_limited_rows(tmp: Path, base_env: dict[str, str], count: int, limit: int, window: float) -> list:
    rows = []
    repo = "example-owner/big_notes"
    with GitHubServer(tokens=(TOKEN,), rate_limit=limit, rate_window=window) as server:
        server.add_repo(repo)
        synthetic(server, repo, count)
        server.record_bodies = False
        env = {**base_env, "GITHUB_API_URL": server.url}
        corpus = fresh_corpus(tmp, "big", env)
        seconds, done = autonote(env, "github", "pull", "--repo", repo, "--corpus", str(corpus))
        assert done.returncode == 0, done.stderr
        said = [line for line in done.stderr.splitlines() if "GitHub rate limit" in line]
        rows.append((f"autonote pull, {count} issues + {count} comments", f"{seconds:.1f} s",
                     f"{len(server.requests)} requests, {len(said)} waits said, "
                     f"{server.primary_refusals} refused by the limit"))  # fmt: skip
        if said:
            rows.append(("  first wait it said", "", said[0].removeprefix("autonote: warning: ")))

        # The peer: stock PyGithub, the same listing (issues, then the repository's comments).
        import logging

        from github import Auth, Github

        logged: list[str] = []
        handler = logging.Handler()
        handler.emit = lambda record: logged.append(record.getMessage())  # type: ignore[method-assign]
        logging.getLogger("github").handlers = [handler]
        logging.getLogger("github").setLevel(logging.INFO)

        refused_before, requests_before = server.primary_refusals, len(server.requests)
        time.sleep(window + 1)  # a fresh budget, as autonote had
        started = time.perf_counter()
        client = Github(base_url=server.url, auth=Auth.Token(TOKEN), per_page=100)
        stock_repo = client.get_repo(repo)
        issues = sum(1 for _ in stock_repo.get_issues(state="all"))
        comments = sum(1 for _ in stock_repo.get_issues_comments())
        seconds = time.perf_counter() - started
        rows.append((f"peer: stock PyGithub, {issues} issues + {comments} comments", f"{seconds:.1f} s",
                     f"{len(server.requests) - requests_before} requests, "
                     f"{sum('backoff' in m for m in logged)} backoffs logged, "
                     f"{server.primary_refusals - refused_before} refused by the limit"))  # fmt: skip

        server.advance(10)
        for n in range(1, 11):
            number = n * (count // 10)
            server.edit_issue(repo, number, body=server.issue(repo, number).body + "\n追記")
        before = len(server.requests)
        seconds, done = autonote(env, "github", "pull", "--repo", repo, "--corpus", str(corpus))
        assert done.returncode == 0, done.stderr
        rows.append(("autonote pull again, 10 issues edited", f"{seconds:.1f} s",
                     f"{len(server.requests) - before} requests ({done.stdout.split(': ', 1)[-1].strip()[:60]})"))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=6000)
    parser.add_argument("--limit", type=int, default=50, help="requests per window (x-ratelimit-limit)")
    parser.add_argument("--window", type=float, default=20.0, help="seconds until the budget resets")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        env = {**os.environ, "AUTONOTE_CONFIG_DIR": str(tmp / "config"), "GITHUB_TOKEN": TOKEN,
               "AUTONOTE_GITHUB_WRITE_INTERVAL": "0", "PYTHONPATH": str(REPO / "src")}  # fmt: skip
        env.pop("GH_TOKEN", None)
        rows = shared_rows(tmp, env)
        rows += rate_limited_rows(tmp, env, args.issues, args.limit, args.window)
    print(f"rate limit for the synthetic repository: {args.limit} requests per {args.window:g} s")
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>9}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>9}  {note}")


if __name__ == "__main__":
    main()
