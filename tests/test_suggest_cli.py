"""`autonote suggest` and `autonote eval`, and that `draft` offers the LLM exactly what suggest finds."""

from __future__ import annotations

import json
from pathlib import Path

from tests.loopback import FIXTURES, ArxivServer, OpenAIServer

ABSTRACT = FIXTURES / "abstracts" / "sample-abstract.txt"


def test_suggest_json_has_the_documented_shape(run, corpus: Path) -> None:
    result = run("suggest", str(ABSTRACT), "--corpus", str(corpus), "--json", "-k", "4")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"tags", "related"}
    assert len(data["tags"]) == 4 and len(data["related"]) == 4
    assert all(set(t) == {"tag", "score"} for t in data["tags"])
    assert all(set(r) == {"id", "title", "url", "score", "why"} for r in data["related"])
    scores = [t["score"] for t in data["tags"]]
    assert scores == sorted(scores, reverse=True)
    related_scores = [r["score"] for r in data["related"]]
    assert related_scores == sorted(related_scores, reverse=True)
    # The sample abstract is about reward models and chain-of-thought reasoning with RL.
    assert {"ReinforcementLearning", "LanguageModel"} <= {t["tag"] for t in data["tags"]}
    assert data["related"][0]["id"] in {"arxiv-2501.12948", "arxiv-2402.03300", "arxiv-2503.20783"}
    assert data["related"][0]["title"].startswith("[Paper Note] ")
    assert data["related"][0]["url"].startswith("https://arxiv.org/abs/")
    assert data["related"][0]["why"].startswith("shared terms: ")
    vocabulary = {t for p in (corpus / "notes").glob("*.md") for t in _tags(p)}
    assert {t["tag"] for t in data["tags"]} <= vocabulary  # the vocabulary only


def _tags(path: Path) -> list[str]:
    from autonote.notes.format import parse_note

    return parse_note(path.read_text(encoding="utf-8")).tags


def test_suggest_for_an_arxiv_id_puts_the_venue_tag_first(
    run, corpus: Path, arxiv_server: ArxivServer
) -> None:
    result = run("suggest", "2410.99902", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("[Paper Note] Process Rewards without Process Labels")
    assert lines[1] == "tags:" and lines[2].endswith("#NeurIPS")  # the paper's venue, in the vocabulary
    assert "related:" in lines


def test_imported_notes_are_suggested_with_their_source_issue_link(run, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    run(
        "import",
        "paper-notes-xml",
        str(FIXTURES / "exports" / "paper-notes-sample.xml"),
        "--corpus",
        str(corpus),
    )
    query = tmp_path / "q.txt"
    query.write_text(
        "Expert routing and load balancing in mixture-of-experts language models.\n", encoding="utf-8"
    )
    data = json.loads(
        run("suggest", str(query), "--title", "Routing experts", "--corpus", str(corpus), "--json").stdout
    )
    assert data["related"][0]["url"].startswith("https://github.com/example-owner/paper_notes/issues/91")
    assert "MoE(Mixture-of-Experts)" in [t["tag"] for t in data["tags"][:3]]


def test_draft_offers_the_llm_exactly_the_suggested_candidates(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server: OpenAIServer
) -> None:
    suggested = json.loads(run("suggest", "2410.99902", "--corpus", str(corpus), "--json", "-k", "8").stdout)
    assert run("draft", "2410.99902", "--corpus", str(corpus)).exit_code == 0
    schema = llm_server.chat_requests()[0]["response_format"]["json_schema"]["schema"]
    offered_tags = schema["properties"]["tags"]["items"]["enum"]
    offered_related = schema["properties"]["related_ids"]["items"]["enum"]
    assert offered_related == [r["id"] for r in suggested["related"]]
    ranked = [t["tag"] for t in suggested["tags"]]
    assert offered_tags[: len(ranked)] == ranked  # then topped up with the most used tags


def test_suggest_bad_input(run, corpus: Path, tmp_path: Path) -> None:
    assert run("suggest", "not-an-id", "--corpus", str(corpus)).exit_code == 2
    no_corpus = run("suggest", str(ABSTRACT))
    assert no_corpus.exit_code == 2 and "no corpus" in no_corpus.stderr


def test_eval_prints_a_table_and_beats_the_baselines_on_the_demo_corpus(run, corpus: Path) -> None:
    table = run("eval", "--corpus", str(corpus))
    assert table.exit_code == 0, table.stderr
    assert "| autonote suggest |" in table.stdout and "| most frequent tags |" in table.stdout
    data = json.loads(run("eval", "--corpus", str(corpus), "--json").stdout)
    assert data["notes"] == 9 and data["notes_with_links"] == 3
    ours, frequent, chance = (
        data["methods"][m] for m in ("autonote suggest", "most frequent tags", "random notes")
    )
    assert ours["tag_f1@5"] > max(frequent["tag_f1@5"], chance["tag_f1@5"])
    assert ours["related_recall@5"] > chance["related_recall@5"]
    assert frequent["related_recall@5"] is None  # that baseline does not rank notes
    bad = run("eval", "--corpus", str(corpus), "-k", "five")
    assert bad.exit_code == 2 and "expected numbers" in bad.stderr


def test_the_random_baseline_is_the_same_in_every_process(corpus: Path, tmp_path: Path) -> None:
    """eval's random baseline is seeded: hash randomisation (a new process) does not change it."""
    import os
    import subprocess
    import sys

    scores = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "AUTONOTE_CONFIG_DIR": str(tmp_path / "cfg")}
        done = subprocess.run([sys.executable, "-m", "autonote", "eval", "--json", "--corpus", str(corpus)],
                              env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        scores.append(json.loads(done.stdout)["methods"]["random notes"])
    assert scores[0] == scores[1]
