"""`autonote draft` end to end through the CLI, against loopback arXiv and LLM servers."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from autonote.notes.format import parse_note, render_note
from tests.loopback import FIXTURES, GOOD_SUMMARY, ArxivServer, OpenAIServer

SECRET = "sk-test-secret-key-123456"


def drafts(corpus: Path) -> list[str]:
    folder = corpus / "drafts"
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


def corpus_ids(corpus: Path) -> set[str]:
    return {p.stem for p in (corpus / "notes").glob("*.md")}


def test_draft_from_arxiv_id_writes_a_validated_corpus_style_note(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server: OpenAIServer
) -> None:
    result = run("draft", "https://www.alphaxiv.org/abs/2410.99902", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == corpus / "drafts" / "arxiv-2410.99902.md"
    note = parse_note(path.read_text(encoding="utf-8"))
    assert (
        note.title_line.startswith("[Paper Note] Process Rewards without Process Labels")
        and note.venue == "NeurIPS'24 Spotlight"
    )
    assert note.summary == GOOD_SUMMARY
    vocabulary = {t for p in (corpus / "notes").glob("*.md") for t in parse_note(p.read_text()).tags}
    assert set(note.tags) <= vocabulary and "NeurIPS" in note.tags  # venue tag from the vocabulary
    assert note.related and {r.id for r in note.related} <= corpus_ids(corpus)
    assert all(r.title_line.startswith("[Paper Note]") for r in note.related)
    assert note.provenance and note.provenance.generator == "llm" and note.provenance.prompt_tokens > 0
    assert note.provenance.cost_usd is not None and note.provenance.prompt_version.startswith("note-system.")
    assert "prompt +" in result.stderr and "$" in result.stderr
    sent = llm_server.chat_requests()[0]
    assert sent["model"] == "gpt-4o-mini"
    assert sent["messages"][0]["role"] == "system"
    assert "The owner's summary of a similar paper" in sent["messages"][1]["content"]


def test_existing_draft_is_never_overwritten_without_force_and_nothing_is_paid(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server: OpenAIServer
) -> None:
    assert run("draft", "2410.99902", "--corpus", str(corpus)).exit_code == 0
    draft = corpus / "drafts" / "arxiv-2410.99902.md"
    draft.write_text(draft.read_text() + "owner edit\n")
    again = run("draft", "2410.99902", "--corpus", str(corpus))
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert draft.read_text().endswith("owner edit\n")
    assert len(llm_server.chat_requests()) == 1
    forced = run("draft", "2410.99902", "--corpus", str(corpus), "--force")
    assert forced.exit_code == 0 and not draft.read_text().endswith("owner edit\n")


def test_paper_already_in_the_corpus_is_refused(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server
) -> None:
    run("draft", "2410.99902", "--corpus", str(corpus))
    (corpus / "drafts" / "arxiv-2410.99902.md").rename(corpus / "notes" / "arxiv-2410.99902.md")
    result = run("draft", "2410.99902v2", "--corpus", str(corpus))
    assert result.exit_code == 1 and "already in the corpus" in result.stderr

    # An imported note has another id (its issue number) but the same arXiv paper: still refused.
    imported = corpus / "notes" / "issue-4242.md"
    (corpus / "notes" / "arxiv-2410.99902.md").rename(imported)
    note = parse_note(imported.read_text(encoding="utf-8"))
    imported.write_text(render_note(note.model_copy(update={"id": "issue-4242"})), encoding="utf-8")
    paid = len(llm_server.chat_requests())
    result = run("draft", "2410.99902", "--corpus", str(corpus))
    assert result.exit_code == 1 and f"already in the corpus ({imported})" in result.stderr
    assert len(llm_server.chat_requests()) == paid


def test_offline_mode_still_writes_a_complete_draft_and_says_so(
    run, corpus: Path, arxiv_server: ArxivServer
) -> None:
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert "offline mode" in result.stderr and "not LLM-generated" in result.stderr
    text = Path(result.stdout.strip()).read_text()
    note = parse_note(text)
    assert "GPT Summary" not in text and note.provenance and note.provenance.generator == "offline"
    assert note.title_line == (
        "[Paper Note] A Sober Look at Progress in Language Model Reasoning: Pitfalls and Paths to "
        "Reproducibility, Andreas Hochlehnert+, COLM'25, 2025.04"
    )
    assert 3 <= len(note.key_points) <= 6 and note.summary
    assert note.tags and note.related


def test_json_and_stdout_print_the_note(run, corpus: Path, arxiv_server: ArxivServer, llm_server) -> None:
    as_json = run("draft", "2306.99901", "--corpus", str(corpus), "--json")
    data = json.loads(as_json.stdout)
    assert data["venue"] == "ACL'23 Findings" and data["summary"] == GOOD_SUMMARY
    as_md = run("draft", "2501.99903", "--corpus", str(corpus), "--stdout")
    assert (
        as_md.stdout.startswith("---\nid: arxiv-2501.99903\n")
        and "A Fixture Paper Without a Venue, Single Author, arXiv'25, 2025.01" in as_md.stdout
    )


def test_local_abstract_file_and_stdin(run, corpus: Path, llm_server: OpenAIServer) -> None:
    from_file = run("draft", str(FIXTURES / "abstracts" / "sample-abstract.txt"), "--corpus", str(corpus))
    assert from_file.exit_code == 0, from_file.stderr
    note = parse_note(Path(from_file.stdout.strip()).read_text())
    assert note.title == "Reward Models That Read Their Own Chains of Thought"
    assert note.authors == ["Hana Sato", "Lucas Moreau", "Ines Duarte"] and note.id.startswith("local-")
    from_stdin = run(
        "draft",
        "-",
        "--title",
        "Piped Paper",
        "--authors",
        "A; B",
        "--stdout",
        input="An abstract about retrieval.",
    )
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert "[Paper Note] Piped Paper, A+" in from_stdin.stdout


def test_translation_on_request(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server: OpenAIServer
) -> None:
    result = run("draft", "2410.99902", "--corpus", str(corpus), "--translate")
    note = parse_note(Path(result.stdout.strip()).read_text())
    assert (
        note.translation
        and "translation"
        in llm_server.chat_requests()[0]["response_format"]["json_schema"]["schema"]["properties"]
    )


def test_bad_inputs_exit_2_with_one_line_and_write_nothing(run, corpus: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("Title: x\n\n")
    for args in (["not-an-id"], ["ftp://example.com/x"], [str(empty)], ["-"], ["junk", "more-junk"]):
        result = run("draft", *args, "--corpus", str(corpus), input="")
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.count("\n") == len(args) and result.stderr.startswith("autonote: error:")
    assert drafts(corpus) == []


def test_good_inputs_are_drafted_and_each_bad_one_reported(
    run, corpus: Path, arxiv_server: ArxivServer
) -> None:
    result = run("draft", "2504.07086", "junk", "2501.99999", "2410.99902", "--corpus", str(corpus))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("autonote: error:")]
    assert len(errors) == 2 and "'junk'" in errors[0] and "2501.99999" in errors[1]
    assert drafts(corpus) == ["arxiv-2410.99902.md", "arxiv-2504.07086.md"]
    assert len(arxiv_server.requests) == 1  # the good and the unknown id shared one request


def test_unknown_arxiv_id_exits_1(run, corpus: Path, arxiv_server: ArxivServer) -> None:
    result = run("draft", "2501.99999", "--corpus", str(corpus))
    assert result.exit_code == 1 and "arXiv has no paper with id 2501.99999" in result.stderr
    assert drafts(corpus) == []


def test_output_that_never_validates_exits_1_keeping_raw_outputs(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server: OpenAIServer
) -> None:
    llm_server.replies += ["I cannot do that."] * 3
    result = run("draft", "2410.99902", "--corpus", str(corpus))
    assert result.exit_code == 1 and "failed validation after 3 attempts" in result.stderr
    assert drafts(corpus) == ["arxiv-2410.99902.failed.json"]
    kept = json.loads((corpus / "drafts" / "arxiv-2410.99902.failed.json").read_text())
    assert [a["raw"] for a in kept["attempts"]] == ["I cannot do that."] * 3


def test_secrets_never_reach_drafts_state_or_output(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server: OpenAIServer
) -> None:
    ok = run("draft", "2410.99902", "--corpus", str(corpus))
    llm_server.replies += ["broken"] * 3
    failed = run("draft", "2306.99901", "--corpus", str(corpus))
    shown = run("config", "--corpus", str(corpus))
    assert "set (hidden)" in shown.stdout
    for text in (ok.stdout, ok.stderr, failed.stdout, failed.stderr, shown.stdout):
        assert SECRET not in text
    for path in (corpus / "drafts").iterdir():
        assert SECRET not in path.read_text()
    state = sqlite3.connect(corpus / ".autonote" / "state.sqlite")
    dump = "\n".join(state.iterdump())
    assert SECRET not in dump and "broken" in dump  # the generations log has the raw outputs


def test_config_layers_corpus_file_and_environment(run, corpus: Path, monkeypatch) -> None:
    (corpus / "autonote.toml").write_text('model = "gpt-4.1-mini"\nfew_shot = 1\n')
    monkeypatch.setenv("AUTONOTE_FEW_SHOT", "3")
    shown = run("config", "--corpus", str(corpus)).stdout
    assert "gpt-4.1-mini" in shown and "autonote.toml" in shown
    assert any(
        line.startswith("few_shot") and "3" in line and "[environment]" in line for line in shown.splitlines()
    )
    (corpus / "autonote.toml").write_text("model = [broken\n")
    broken = run("config", "--corpus", str(corpus))
    assert broken.exit_code == 2 and "invalid TOML" in broken.stderr


def test_console_script_offline_quick_start_without_tiktoken(tmp_path: Path) -> None:
    """The README's main job, as a real process: no key, no network, and no tiktoken encoding."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AUTONOTE_"))}
    env.update(AUTONOTE_CONFIG_DIR=str(tmp_path / "cfg"), AUTONOTE_CORPUS=str(tmp_path / "demo"))
    shutil.copytree(FIXTURES / "corpus", tmp_path / "demo")
    code = "import sys; sys.modules['tiktoken'] = None; from autonote.cli import main; main()"
    args = ["draft", str(FIXTURES / "abstracts" / "sample-abstract.txt")]
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "offline mode" in done.stderr
    assert Path(done.stdout.strip()).is_file()


def test_every_attempt_is_logged_with_its_messages_hash(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server: OpenAIServer
) -> None:
    llm_server.replies.append("not json")
    assert run("draft", "2410.99902", "--corpus", str(corpus)).exit_code == 0
    rows = (
        sqlite3.connect(corpus / ".autonote" / "state.sqlite")
        .execute("SELECT attempt, ok, length(messages_hash), raw_output FROM generations ORDER BY id")
        .fetchall()
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, 0, 64), (2, 1, 64)]
    assert rows[0][3] == "not json"


def test_identical_requests_are_answered_from_the_cache(
    run, corpus: Path, arxiv_server: ArxivServer, llm_server: OpenAIServer
) -> None:
    first = run("draft", "2410.99902", "--corpus", str(corpus))
    assert first.exit_code == 0 and len(llm_server.chat_requests()) == 1
    again = run("draft", "2410.99902", "--corpus", str(corpus), "--force")
    assert again.exit_code == 0, again.stderr
    assert len(llm_server.chat_requests()) == 1  # nothing paid twice
    assert "answered from the response cache: nothing paid" in again.stderr
    fresh = run("draft", "2410.99902", "--corpus", str(corpus), "--force", "--no-cache")
    assert fresh.exit_code == 0 and len(llm_server.chat_requests()) == 2
    with sqlite3.connect(corpus / ".autonote" / "state.sqlite") as db:
        cached = [row[0] for row in db.execute("SELECT cached FROM generations ORDER BY id")]
    assert cached == [0, 1, 0]
