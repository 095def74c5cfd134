"""`autonote regen` against the loopback OpenAI-compatible server: selection, update-drafts, the
journal, the cache, faults, interruption, and the Batch API."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autonote.notes.format import parse_note, render_note
from tests.loopback import GOOD_SUMMARY, Fault, OpenAIServer, cooperative_reply

REPO = Path(__file__).resolve().parents[1]


def process_env(server: OpenAIServer, tmp_path: Path) -> dict[str, str]:
    """The environment for running autonote as a separate process against ``server``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_"))}
    env.update(
        OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-test", AUTONOTE_CONFIG_DIR=str(tmp_path / "config"),
        TIKTOKEN_CACHE_DIR=os.environ.get("TIKTOKEN_CACHE_DIR", ""),
    )  # fmt: skip
    return env


def regen_process(corpus: Path, concurrency: int) -> list[str]:
    """``autonote regen --all`` as a separate process (for kill -9 and Ctrl-C)."""
    return [
        sys.executable,
        "-m",
        "autonote",
        "regen",
        "--all",
        "--corpus",
        str(corpus),
        "--concurrency",
        str(concurrency),
    ]


def notes(corpus: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted((corpus / "notes").glob("*.md"))}


def drafts(corpus: Path) -> list[str]:
    """Visible drafts (an interrupted atomic write may leave a hidden temporary file, never a draft)."""
    folder = corpus / "drafts"
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


def table(stdout: str) -> dict[str, str]:
    """The final (or dry-run) table's rows: measure → value."""
    return {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in stdout.splitlines()
        if line.count("│") == 3
    }


def journal(corpus: Path) -> dict[str, int]:
    with sqlite3.connect(corpus / ".autonote" / "state.sqlite") as db:
        return dict(db.execute("SELECT status, count(*) FROM regen_items GROUP BY status").fetchall())


def test_regen_writes_update_drafts_that_touch_only_the_regenerated_fields(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    before = {name: parse_note(path.read_text(encoding="utf-8")) for name, path in notes(corpus).items()}
    result = run("regen", "--all", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert table(result.stdout)["update-drafts written"] == "9"
    assert len(llm_server.chat_requests()) == 9
    assert drafts(corpus) == sorted(f"{name}.md" for name in before)
    for name, original in before.items():
        draft = parse_note((corpus / "drafts" / f"{name}.md").read_text(encoding="utf-8"))
        assert draft.summary == GOOD_SUMMARY and len(draft.key_points) == 3
        assert draft.update_of is not None and draft.update_of.fields == ["summary", "keypoints"]
        assert draft.update_of.path == f"notes/{name}.md"
        unchanged = (
            "comment",
            "related",
            "tags",
            "translation",
            "abstract",
            "title",
            "issue_date",
            "authors",
        )
        assert {f: getattr(draft, f) for f in unchanged} == {f: getattr(original, f) for f in unchanged}
        assert draft.provenance and draft.provenance.generator == "llm"
        # The note itself is never one of its own candidates.
        sent = next(
            r
            for r in llm_server.chat_requests()
            if f"Paper: {original.title}\n" in r["messages"][-1]["content"]
        )
        related = sent["response_format"]["json_schema"]["schema"]["properties"]["related_ids"]
        assert original.id not in related.get("items", {}).get("enum", [])
    assert journal(corpus) == {"done": 9}

    again = run("regen", "--all", "--corpus", str(corpus))
    assert again.exit_code == 0
    assert len(llm_server.chat_requests()) == 9  # finished items: zero requests
    assert (
        table(again.stdout)["already done (journal)"] == "9" and table(again.stdout)["requests sent"] == "0"
    )


def test_regenerated_tags_are_added_never_removed(run, corpus: Path, llm_server: OpenAIServer) -> None:
    dpo = notes(corpus)["arxiv-2305.18290"]
    original = parse_note(dpo.read_text(encoding="utf-8"))
    result = run("regen", "--ids", original.id, "--fields", "tags", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    draft = parse_note((corpus / "drafts" / f"{original.id}.md").read_text(encoding="utf-8"))
    assert draft.tags[: len(original.tags)] == original.tags
    assert draft.summary == original.summary and draft.key_points == original.key_points  # not asked for
    added = draft.tags[len(original.tags) :]
    assert all(any(f"#{tag}" in w for w in draft.warnings) for tag in added)


def test_selection_and_its_errors(run, corpus: Path, llm_server: OpenAIServer) -> None:
    def selected(*args: str) -> int:
        result = run("regen", *args, "--dry-run", "--corpus", str(corpus))
        assert result.exit_code == 0, result.stderr
        return int(table(result.stdout)["notes selected"])

    assert selected("--all") == 9
    assert selected("--tag", "ComputerVision") == 2
    assert selected("--tag", "computervision") == 2  # tags match ignoring case
    assert selected("--since", "2023-01-01") == 6
    assert selected("--since", "2023-01-01", "--until", "2023-12-31") == 3
    assert selected("--ids", "arxiv-1706.03762,arxiv-2305.18290") == 2
    none = run("regen", "--missing", "--dry-run", "--corpus", str(corpus))  # every demo note is complete
    assert none.exit_code == 0 and "no note matches the selection; nothing to do" in none.stderr
    bad = {
        (): "select notes: --all, --tag",
        ("--since", "yesterday"): "--since 'yesterday': expected a date",
        ("--tag", "ComputerVison"): "did you mean #ComputerVision?",
        ("--ids", "nope"): "--ids: no note nope",
        ("--all", "--fields", "summary,title"): "--fields 'summary,title': choose from",
        ("--since", "2024-01-01", "--until", "2023-01-01"): "is after --until",
    }
    for args, message in bad.items():
        result = run("regen", *args, "--corpus", str(corpus))
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
    assert llm_server.chat_requests() == []


def test_dry_run_counts_tokens_and_cost_without_a_request(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    no_abstract = notes(corpus)["arxiv-2010.11929"]
    note = parse_note(no_abstract.read_text(encoding="utf-8"))
    no_abstract.write_text(render_note(note.model_copy(update={"abstract": ""})), encoding="utf-8")
    result = run("regen", "--all", "--dry-run", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    rows = table(result.stdout)
    assert rows["notes selected"] == "9" and rows["would request"] == "8"
    assert rows["skipped: no abstract to summarise"] == "1"
    prompt_tokens = next(value for key, value in rows.items() if key.startswith("prompt tokens (tiktoken)"))
    assert int(prompt_tokens.replace(",", "")) > 8 * 500  # "(approximate …)" is added without encodings
    assert rows["estimated cost, direct"].startswith("$") and rows["requests sent"] == "0 (dry run)"
    direct = float(rows["estimated cost, direct"][1:])
    assert float(rows["estimated cost, --via batch"][1:]) == pytest.approx(direct / 2, abs=1e-4)
    assert llm_server.requests == []

    real = run("regen", "--all", "--corpus", str(corpus))
    assert "skipped: no abstract to summarise" in real.stdout and len(llm_server.chat_requests()) == 8


def test_broken_output_is_reasked_then_recorded_as_failed_without_stopping_the_run(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    english = json.dumps({"summary": "An English summary. " * 8, "key_points": ["a", "b", "c"], "tags": [],
                          "new_tags": [], "related_ids": []})  # fmt: skip
    # The first note's three attempts are broken (invalid JSON, then English twice): it fails;
    # the others succeed.
    llm_server.replies = ['{"summary": "切れ', english, english]
    result = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "1")
    assert result.exit_code == 1
    assert "failed: arxiv-1706.03762: LLM output failed validation after 3 attempts" in result.stderr
    assert len(drafts(corpus)) == 8 and journal(corpus) == {"done": 8, "failed": 1}
    retry = run("regen", "--all", "--corpus", str(corpus))
    assert retry.exit_code == 0 and len(drafts(corpus)) == 9  # only the failed item is asked again
    assert len(llm_server.chat_requests()) == 3 + 8 + 1


def test_rate_limits_and_server_errors_are_retried(run, corpus: Path, llm_server: OpenAIServer) -> None:
    llm_server.faults = [
        Fault(status=429, body=b'{"error": {"message": "slow down"}}', headers={"retry-after-ms": "150"}),
        Fault(status=500, body=b'{"error": {"message": "oops"}}'),
        Fault(status=503, body=b"not json at all"),
    ]
    started = time.monotonic()
    result = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started >= 0.15  # the Retry-After was honoured
    rows = table(result.stdout)
    assert rows["429 responses"] == "1" and rows["retried (5xx, timeouts)"] == "2"
    assert rows["requests sent"] == "12" and rows["update-drafts written"] == "9"


def test_a_retry_after_given_as_an_http_date_is_honoured(run, corpus: Path, llm_server: OpenAIServer) -> None:
    """RFC 9110 allows Retry-After as a date (some proxies send one): the wait it names is kept,
    not replaced by the short backoff of a 5xx."""
    import email.utils

    when = email.utils.formatdate(time.time() + 3, usegmt=True)  # 2 to 3 s ahead (whole seconds)
    llm_server.faults = [
        Fault(status=429, body=b'{"error": {"message": "slow down"}}', headers={"Retry-After": when})
    ]
    started = time.monotonic()
    result = run("regen", "--ids", "arxiv-1706.03762", "--corpus", str(corpus), "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started >= 1.9
    assert table(result.stdout)["429 responses"] == "1"


def test_a_pending_draft_is_not_replaced_without_force(run, corpus: Path, llm_server: OpenAIServer) -> None:
    pending = corpus / "drafts" / "arxiv-1706.03762.md"
    pending.parent.mkdir()
    pending.write_text("my own unfinished draft\n", encoding="utf-8")
    result = run("regen", "--all", "--corpus", str(corpus))
    assert result.exit_code == 0 and "skipped: a draft is pending review" in result.stdout
    assert pending.read_text(encoding="utf-8") == "my own unfinished draft\n"
    forced = run("regen", "--ids", "arxiv-1706.03762", "--corpus", str(corpus), "--force")
    assert forced.exit_code == 0 and parse_note(pending.read_text(encoding="utf-8")).update_of is not None


def test_the_response_cache_answers_a_repeated_run(run, corpus: Path, llm_server: OpenAIServer) -> None:
    assert run("regen", "--all", "--corpus", str(corpus)).exit_code == 0
    for name in drafts(corpus):
        (corpus / "drafts" / name).unlink()
    with sqlite3.connect(corpus / ".autonote" / "state.sqlite") as db:
        db.execute("DELETE FROM regen_items")  # forget the journal: only the cache remains
    again = run("regen", "--all", "--corpus", str(corpus))
    assert again.exit_code == 0 and len(drafts(corpus)) == 9
    assert len(llm_server.chat_requests()) == 9  # the second run paid nothing
    rows = table(again.stdout)
    assert rows["answered from cache"] == "9" and rows["requests sent"] == "0"


def test_an_unwritable_drafts_folder_stops_the_run_cleanly(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    (corpus / "drafts").write_text("a file where the drafts folder should be", encoding="utf-8")
    result = run("regen", "--all", "--corpus", str(corpus), "--concurrency", "1")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("autonote: error: cannot write")
    assert "stopped (the journal keeps" in result.stderr
    assert journal(corpus).get("done", 0) == 0
    assert len(llm_server.chat_requests()) == 1  # stopped at the first failure, not after paying for all


def test_kill_minus_9_mid_run_then_rerun_pays_nothing_twice(tmp_path: Path, corpus: Path) -> None:
    server = OpenAIServer(latency=0.25).start()
    env = process_env(server, tmp_path)
    command = regen_process(corpus, concurrency=2)
    try:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while len(drafts(corpus)) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        finished = {name.removesuffix(".md") for name in drafts(corpus)}
        assert 4 <= len(finished) < 9
        asked_before = len(server.chat_requests())
        for name in drafts(corpus):  # nothing half-written: every draft parses
            assert parse_note((corpus / "drafts" / name).read_text(encoding="utf-8")).update_of

        rerun = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
        assert rerun.returncode == 0, rerun.stderr
        assert len(drafts(corpus)) == 9
        titles = {n: parse_note(p.read_text(encoding="utf-8")).title for n, p in notes(corpus).items()}
        after = server.chat_requests()[asked_before:]
        repaid = [
            n for n in finished if any(f"Paper: {titles[n]}\n" in r["messages"][-1]["content"] for r in after)
        ]
        assert repaid == []
    finally:
        server.stop()


# -- the Batch API ------------------------------------------------------------------------------------


def test_batch_run_submits_polls_joins_on_custom_id_and_writes_drafts(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    llm_server.batch_polls = 2
    result = run("regen", "--all", "--via", "batch", "--poll-interval", "0.01", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert "submitted batch batch_1 with 9 requests" in result.stderr
    assert "batch batch_1 completed: 9 answered, 0 failed" in result.stderr
    assert llm_server.chat_requests() == []  # every answer came through the batch
    assert len(drafts(corpus)) == 9 and journal(corpus) == {"done": 9}
    uploaded = llm_server.files["file-1"].decode().splitlines()
    lines = [json.loads(line) for line in uploaded]
    assert {line["url"] for line in lines} == {"/v1/chat/completions"} and len(
        {line["custom_id"] for line in lines}
    ) == 9
    for name in drafts(corpus):  # each answer reached its own note despite the shuffle
        draft = parse_note((corpus / "drafts" / name).read_text(encoding="utf-8"))
        line = next(line for line in lines if line["custom_id"] == draft.update_of.journal_key)
        assert draft.title in line["body"]["messages"][-1]["content"]
    rows = table(result.stdout)
    assert rows["requests sent"] == "0"


def test_batch_no_wait_then_resume_and_failed_lines(run, corpus: Path, llm_server: OpenAIServer) -> None:
    llm_server.batch_polls = 3
    submitted = run("regen", "--all", "--via", "batch", "--no-wait", "--batch-max-requests", "4",
                    "--corpus", str(corpus))  # fmt: skip
    assert submitted.exit_code == 0, submitted.stderr
    assert submitted.stderr.count("submitted batch") == 3  # 4 + 4 + 1: split to the per-batch limit
    assert "9 requests wait in batches; run `autonote regen --resume`" in submitted.stderr
    assert drafts(corpus) == [] and journal(corpus) == {"submitted": 9}

    first_line = json.loads(llm_server.files["file-1"].decode().splitlines()[0])
    llm_server.batch_failures = {first_line["custom_id"]}
    resumed = run("regen", "--resume", "--poll-interval", "0.01", "--corpus", str(corpus))
    assert resumed.exit_code == 1  # one line failed in the batch
    assert "the batch request failed: the model failed" in resumed.stderr
    assert len(drafts(corpus)) == 8 and journal(corpus) == {"done": 8, "failed": 1}
    assert run("regen", "--resume", "--corpus", str(corpus)).stderr.startswith("autonote: no submitted batch")
    retry = run("regen", "--all", "--corpus", str(corpus))  # the failed one, directly
    assert retry.exit_code == 0 and len(drafts(corpus)) == 9 and len(llm_server.chat_requests()) == 1


def test_regen_needs_an_llm_but_dry_run_does_not(run, corpus: Path) -> None:
    result = run("regen", "--all", "--corpus", str(corpus))
    assert result.exit_code == 2 and "regen needs an LLM" in result.stderr
    assert run("regen", "--all", "--dry-run", "--corpus", str(corpus)).exit_code == 0


def test_cooperative_reply_is_what_the_loopback_answers() -> None:
    # Guards the helper the regen tests rely on: a valid answer to a schema-carrying request.
    request = {"messages": [{"role": "user", "content": "x"}], "response_format": None}
    assert json.loads(cooperative_reply(request))["summary"] == GOOD_SUMMARY


def test_ctrl_c_stops_with_a_clear_message_and_the_next_run_finishes(tmp_path: Path, corpus: Path) -> None:
    server = OpenAIServer(latency=0.25).start()
    env = process_env(server, tmp_path)
    command = regen_process(corpus, concurrency=1)
    try:
        process = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 30
        while len(drafts(corpus)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 130
        assert stderr.strip().splitlines()[-1] == "autonote: interrupted; nothing half-written was kept"
        # Whenever the signal landed: every draft on disk is whole, and the next run counts each as
        # done (a draft written just before the journal heard of it included) and asks only for the rest.
        finished = drafts(corpus)
        assert len(finished) >= 2 and all(
            parse_note((corpus / "drafts" / name).read_text(encoding="utf-8")).update_of for name in finished
        )

        def chat_requests() -> int:  # counted by path: a request cut off by the signal has no whole body
            return sum(r["path"].endswith("/chat/completions") for r in server.requests)

        asked_before = chat_requests()
        rerun = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
        assert rerun.returncode == 0 and len(drafts(corpus)) == 9
        assert table(rerun.stdout)["already done (journal)"] == str(len(finished))
        assert chat_requests() - asked_before == 9 - len(finished)
    finally:
        server.stop()


def test_an_unwritable_state_folder_is_one_line(run, corpus: Path, llm_server: OpenAIServer) -> None:
    (corpus / ".autonote").write_text("not a folder", encoding="utf-8")
    result = run("regen", "--all", "--corpus", str(corpus))
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"autonote: error: cannot regenerate: cannot write {corpus / '.autonote'}")
    )


def test_a_finished_item_whose_draft_is_gone_is_done_again(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    """The journal trap: a draft deleted by hand, or rejected while it no longer parsed, is not done."""
    dpo = "arxiv-2305.18290"
    regen = ("regen", "--ids", dpo, "--corpus", str(corpus))
    assert run(*regen).exit_code == 0
    asked = len(llm_server.chat_requests())
    (corpus / "drafts" / f"{dpo}.md").unlink()
    again = run(*regen)
    assert again.exit_code == 0 and drafts(corpus) == [f"{dpo}.md"]
    assert len(llm_server.chat_requests()) == asked  # the response cache answered: nothing paid

    (corpus / "drafts" / f"{dpo}.md").write_text("---\nbroken: [\n", encoding="utf-8")
    assert run("review", "reject", dpo, "--corpus", str(corpus)).exit_code == 0
    for extra in ([], ["--force"], ["--include-rejected"], ["--no-cache"]):
        (corpus / "drafts" / f"{dpo}.md").unlink(missing_ok=True)
        result = run(*regen, *extra)
        assert result.exit_code == 0 and drafts(corpus) == [f"{dpo}.md"], (extra, result.stdout)
    assert len(llm_server.chat_requests()) == asked + 1  # only --no-cache asked the server again


def test_an_accepted_draft_is_not_proposed_again(run, corpus: Path, llm_server: OpenAIServer) -> None:
    dpo = "arxiv-2305.18290"
    assert run("regen", "--ids", dpo, "--corpus", str(corpus)).exit_code == 0
    assert run("review", "accept", dpo, "--corpus", str(corpus)).exit_code == 0
    again = run("regen", "--ids", dpo, "--corpus", str(corpus))
    assert again.exit_code == 0 and drafts(corpus) == []
    forced = run("regen", "--ids", dpo, "--force", "--corpus", str(corpus))
    assert forced.exit_code == 0 and drafts(corpus) == [f"{dpo}.md"]


def test_a_collection_stopped_half_way_is_resumed(run, corpus: Path, llm_server: OpenAIServer) -> None:
    """A batch is marked collected only when every item is recorded: a run stopped while completing
    the items (here: the drafts folder cannot be written) leaves it for `regen --resume`."""
    submitted = run("regen", "--all", "--via", "batch", "--no-wait", "--corpus", str(corpus))
    assert submitted.exit_code == 0 and journal(corpus) == {"submitted": 9}
    (corpus / "drafts").write_text("not a folder", encoding="utf-8")
    stopped = run("regen", "--resume", "--poll-interval", "0.01", "--corpus", str(corpus))
    assert stopped.exit_code != 0 and journal(corpus) == {"submitted": 9}
    (corpus / "drafts").unlink()
    resumed = run("regen", "--resume", "--poll-interval", "0.01", "--corpus", str(corpus))
    assert resumed.exit_code == 0, resumed.stderr
    assert len(drafts(corpus)) == 9 and journal(corpus) == {"done": 9}
    assert llm_server.chat_requests() == []  # every answer came from the batch, none asked again
