"""`autonote regen` against local servers that generate a fixed number of answers at once (their
slots; llama-cpp-python has one): requests beyond the slots wait in autonote, not in the server's
queue where their timeout runs, and nothing is sent again while the server still generates it."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest

from tests.loopback import OpenAIServer
from tests.test_regen import drafts, journal, table


@pytest.fixture
def one_slot(openai_servers):
    """A one-slot server that takes 0.3 s per answer, with a 2 s llm_timeout: eight requests queued
    at once would wait 2.4 s for the last one. (Tests that need room for a loaded machine scale
    both: see ``test_regen_on_a_one_slot_server_generates_each_note_once``.)"""
    env = {"OPENAI_API_KEY": "sk-test", "AUTONOTE_LLM_TIMEOUT": "2"}
    return lambda **options: openai_servers(env, **{"slots": 1, "latency": 0.3, **options})


def generated_per_note(server: OpenAIServer) -> Counter[str]:
    return Counter(g.prompt for g in server.generated)


def test_regen_on_a_one_slot_server_generates_each_note_once(
    run, corpus: Path, one_slot, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = one_slot()
    # 1 s an answer and a 6 s timeout: eight requests queued at once (the old default) would wait 8 s
    # for the last one and be sent again; the ratio leaves a loaded machine seconds of room.
    server.latency = 1.0
    monkeypatch.setenv("AUTONOTE_LLM_TIMEOUT", "6")
    result = run("regen", "--all", "--corpus", str(corpus))  # concurrency: the default, auto
    assert result.exit_code == 0, result.stderr
    assert journal(corpus) == {"done": 9} and len(drafts(corpus)) == 9
    per_note = generated_per_note(server)
    assert len(per_note) == 9 and set(per_note.values()) == {1}  # generated once each: nothing re-sent
    assert len(server.chat_requests()) == 9
    assert table(result.stdout)["retried (5xx, timeouts)"] == "0"
    assert table(result.stdout)["requests in flight"].startswith("learned: ")


def test_the_slots_llama_server_announces_are_followed(run, corpus: Path, one_slot) -> None:
    server = one_slot(props=True)
    result = run("regen", "--all", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert set(generated_per_note(server).values()) == {1} and len(server.chat_requests()) == 9
    assert table(result.stdout)["requests in flight"] == "1, the server's /props (total_slots)"


def test_a_timed_out_request_is_not_sent_again_while_the_server_still_generates_it(
    run, corpus: Path, one_slot
) -> None:
    # Concurrency 2 given on one slot, answers of 1.5 s, a 2 s timeout: after the first answer (the
    # format probe), the second and third go together and the third times out in the server's queue
    # while the server still generates it. Its re-send waits until the server is done with it.
    server = one_slot()
    server.latency = 1.5
    ids = "arxiv-1706.03762,arxiv-2305.18290,arxiv-2010.11929"
    result = run("regen", "--ids", ids, "--corpus", str(corpus), "--concurrency", "2")
    assert journal(corpus) == {"done": 3}, result.stderr
    by_note: dict[str, list] = {}
    for generation in server.generated:
        by_note.setdefault(generation.prompt, []).append(generation)
    assert len(by_note) == 3
    resent = [runs for runs in by_note.values() if len(runs) > 1]
    assert resent, "the scenario must time out once"
    for runs in resent:
        runs.sort(key=lambda g: g.arrived)
        for earlier, later in pairwise(runs):
            assert later.arrived >= earlier.ended  # never sent while the server still generated it


@pytest.mark.parametrize(("value", "ok"), [('"auto"', True), ("4", True), ("0", False), ('"2.5"', False)])
def test_concurrency_is_auto_or_a_whole_number(run, corpus: Path, one_slot, value: str, ok: bool) -> None:
    one_slot()
    (corpus / "autonote.toml").write_text(f"concurrency = {value}\n")
    result = run("regen", "--ids", "arxiv-1706.03762", "--corpus", str(corpus))
    if ok:
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
        assert "concurrency" in result.stderr and "auto or a whole number" in result.stderr
