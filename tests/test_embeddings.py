"""Optional embeddings: the /v1/embeddings protocol through the openai client, caching, fusion, faults."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from autonote.notes.format import parse_note, render_note
from tests.loopback import FIXTURES, Fault, OpenAIServer

ABSTRACT = FIXTURES / "abstracts" / "sample-abstract.txt"
SECRET = "sk-test-secret-key-123456"


def embedded_texts(server: OpenAIServer) -> int:
    return sum(len(r["input"]) for r in server.embedding_requests())


def test_index_embeds_each_note_once_and_again_only_when_it_changes(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    first = run("index", "--corpus", str(corpus), "--embeddings")
    assert first.exit_code == 0, first.stderr
    assert "9 notes embedded now, 0 already cached" in first.stdout
    assert embedded_texts(llm_server) == 9
    assert llm_server.embedding_requests()[0]["model"] == "text-embedding-3-small"

    again = run("index", "--corpus", str(corpus), "--embeddings")
    assert "0 notes embedded now, 9 already cached" in again.stdout and embedded_texts(llm_server) == 9

    path = corpus / "notes" / "arxiv-2305.18290.md"
    note = parse_note(path.read_text(encoding="utf-8"))
    path.write_text(
        render_note(note.model_copy(update={"summary": note.summary + "追記。"})), encoding="utf-8"
    )
    third = run("index", "--corpus", str(corpus), "--embeddings", "--rebuild")  # a rebuilt index pays nothing
    assert "1 notes embedded now, 8 already cached" in third.stdout and embedded_texts(llm_server) == 10

    with sqlite3.connect(corpus / ".autonote" / "state.sqlite") as db:
        dumped = "\n".join(db.iterdump())
    assert SECRET not in dumped


def test_suggest_fuses_embedding_neighbours(run, corpus: Path, llm_server: OpenAIServer) -> None:
    result = run("suggest", str(ABSTRACT), "--corpus", str(corpus), "--json", "--embeddings", "-k", "5")
    assert result.exit_code == 0, result.stderr
    related = json.loads(result.stdout)["related"]
    assert len(related) == 5 and all("cosine" in r["why"] for r in related)
    plain = json.loads(run("suggest", str(ABSTRACT), "--corpus", str(corpus), "--json", "-k", "5").stdout)
    assert plain["related"][0]["id"] == related[0]["id"]  # both signals agree on the clear best match
    assert all("cosine" not in r["why"] for r in plain["related"])


def test_eval_with_embeddings_hides_the_note_from_both_signals(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    data = json.loads(run("eval", "--corpus", str(corpus), "--json", "--embeddings").stdout)
    assert data["notes"] == 9
    assert data["methods"]["autonote suggest"]["related_recall@5"] is not None


def test_embeddings_need_a_server_and_faults_are_one_line(
    run, corpus: Path, llm_server: OpenAIServer, monkeypatch
) -> None:
    llm_server.faults = [Fault(status=500)] * 3  # more than the client's 2 retries
    failed = run("index", "--corpus", str(corpus), "--embeddings")
    assert failed.exit_code == 1
    assert (
        failed.stderr.strip().splitlines()[-1]
        == "autonote: error: the embeddings server failed with HTTP 500 (gave up after 3 tries)"
    )

    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    result = run("suggest", str(ABSTRACT), "--corpus", str(corpus), "--embeddings")
    assert result.exit_code == 2 and "embeddings need an LLM server" in result.stderr
