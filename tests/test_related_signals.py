"""Related-note signals beyond the lexical search: a title-only note's title, a short name the
abstract mentions, a first author known only from a title line, and the paper's reference list
(read from a loopback Semantic Scholar Graph API, in the shape of its real answers)."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from autonote.notes.format import parse_note, render_note
from autonote.schema import Note, RelatedNote
from tests.loopback import FIXTURES, ArxivServer, _QuickServer

REFERENCES = FIXTURES / "references"


def _add(corpus: Path, note: Note) -> None:
    (corpus / "notes" / f"{note.id}.md").write_text(render_note(note), encoding="utf-8")


def _paper(tmp_path: Path, title: str, abstract: str, authors: str = "Hana Sato; Lucas Moreau") -> Path:
    path = tmp_path / "paper.txt"
    path.write_text(f"Title: {title}\nAuthors: {authors}\n\n{abstract}\n", encoding="utf-8")
    return path


def _related(run, paper: Path | str, corpus: Path, k: int = 3) -> list[dict[str, object]]:
    result = run("suggest", str(paper), "--corpus", str(corpus), "--json", "-k", str(k))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["related"]


RL_ABSTRACT = (
    "Reinforcement learning from verifiable rewards improves the mathematical reasoning of language models,"
    " but outcome-only rewards say nothing about which steps of a long chain of thought were useful. We train"
    " a generative reward model with GRPO that reads the policy's reasoning."
)


# -- title match: notes without an abstract -------------------------------------------------------


def test_a_title_only_note_is_related_when_the_abstract_holds_its_title_words(
    run, corpus: Path, tmp_path: Path
) -> None:
    _add(
        corpus,
        Note(id="issue-1602", kind="blog", title="RLHF_DPO 小話", authors=["Akifumi Wachi"],
             issue_date=dt.date(2024, 12, 18), url="https://example.org/rlhf-dpo", tags=["Blog"]),
    )  # fmt: skip
    paper = _paper(
        tmp_path,
        "Preference Learning as Classification",
        RL_ABSTRACT + " Unlike RLHF, our reward model needs no sampling, as DPO does not.",
    )
    related = _related(run, paper, corpus)
    found = {r["id"]: r for r in related}
    assert "issue-1602" in found, [r["id"] for r in related]
    assert "its title's words" in str(found["issue-1602"]["why"])


# -- named: short names the abstract mentions -----------------------------------------------------


def test_a_note_whose_short_name_the_abstract_mentions_is_related(run, corpus: Path, tmp_path: Path) -> None:
    _add(
        corpus,
        Note(id="arxiv-2402.09353", title="DoRA: Weight-Decomposed Low-Rank Adaptation",
             authors=["Shih-Yang Liu", "Chien-Yi Wang"], arxiv_id="2402.09353", issue_date=dt.date(2024, 2, 20),
             abstract="We decompose pretrained weights into magnitude and direction for parameter-efficient"
             " fine-tuning, using low-rank updates for the direction.", tags=["PEFT"]),
    )  # fmt: skip
    paper = _paper(
        tmp_path,
        "Process Rewards for Long Chains of Thought",
        RL_ABSTRACT + " The policy is tuned with DoRA.",
    )
    related = _related(run, paper, corpus, k=6)
    found = {r["id"]: r for r in related}
    assert "arxiv-2402.09353" in found, [r["id"] for r in related]
    assert "named in the abstract" in str(found["arxiv-2402.09353"]["why"])


# -- authors read from title lines ----------------------------------------------------------------


def test_a_first_author_known_only_from_the_title_line_makes_a_note_related(
    run, corpus: Path, tmp_path: Path
) -> None:
    # as imported notes are when the export's title line could not be split: the whole line is the title
    _add(
        corpus,
        Note(id="issue-1997", title="Spurious Rewards: Rethinking Training Signals in RLVR, Voskuijlen+, 2025.05",
             issue_date=dt.date(2025, 5, 27), url="https://example.org/spurious", tags=["RLVR"]),
    )  # fmt: skip
    paper = _paper(
        tmp_path, "Image Segmentation at Scale", "We segment images.", authors="Mara Voskuijlen; Ken Ito"
    )
    related = _related(run, paper, corpus)
    found = {r["id"]: r for r in related}
    assert "issue-1997" in found, [r["id"] for r in related]
    assert "shared authors" in str(found["issue-1997"]["why"])


# -- references from the Semantic Scholar Graph API -----------------------------------------------


class ReferencesServer(_QuickServer):
    """``GET /paper/{id}/references``, answered from ``fixtures/references/<id with : as _>.json``
    (the API's shape: ``{"offset", "next"?, "data": [{"citedPaper": {...}}]}``); an unknown paper
    gets the API's 404, ``{"error": "Paper with id ... not found"}``."""

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str, dict[str, str]]:
        url = urlparse(path)
        parts = url.path.split("/")
        if len(parts) != 4 or parts[1] != "paper" or parts[3] != "references":
            return 404, json.dumps({"error": "Not found"}), {"Content-Type": "application/json"}
        paper = parts[2]
        fixture = REFERENCES / f"{paper.replace(':', '_')}.json"
        if not fixture.is_file():
            message = {"error": f"Paper with id {paper} not found"}
            return 404, json.dumps(message), {"Content-Type": "application/json"}
        return 200, fixture.read_text(encoding="utf-8"), {"Content-Type": "application/json"}


@pytest.fixture
def references_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReferencesServer]:
    with ReferencesServer() as server:
        monkeypatch.setenv("AUTONOTE_REFERENCES_API_URL", server.url)
        monkeypatch.setenv("AUTONOTE_REFERENCES", "true")
        yield server


def test_notes_the_paper_cites_are_related_once_fetched(
    run, corpus: Path, arxiv_server: ArxivServer, references_server: ReferencesServer
) -> None:
    related = _related(run, "2410.99902", corpus, k=5)
    found = {r["id"]: r for r in related}
    # Attention Is All You Need (cited by arXiv id) and ViT (by its arXiv DOI alone) share little
    # text with a process-reward paper, but it cites them
    for cited in ("arxiv-1706.03762", "arxiv-2010.11929"):
        assert cited in found, [r["id"] for r in related]
        assert "cited by the paper" in str(found[cited]["why"])
    assert [r["path"] for r in references_server.requests] == [
        "/paper/arXiv:2410.99902/references?fields=externalIds%2Ctitle&limit=1000"
    ]
    # the list is cached: a second suggestion makes no request
    assert _related(run, "2410.99902", corpus, k=5) == related
    assert len(references_server.requests) == 1


def test_unavailable_references_are_one_warning_and_the_suggestions_go_on(
    run, corpus: Path, arxiv_server: ArxivServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTONOTE_REFERENCES", "true")  # at a closed port (conftest): no network
    result = run("suggest", "2410.99902", "--corpus", str(corpus), "--json", "-k", "3")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["related"]) == 3
    assert "references unavailable" in result.stderr and "corpus alone" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_paper_the_api_does_not_know_has_no_references(
    run, corpus: Path, arxiv_server: ArxivServer, references_server: ReferencesServer
) -> None:
    result = run("suggest", "2501.99903", "--corpus", str(corpus), "--json", "-k", "3")
    assert result.exit_code == 0, result.stderr
    assert "references unavailable" in result.stderr and "not found" in result.stderr


def test_draft_offline_uses_the_references(
    run, corpus: Path, arxiv_server: ArxivServer, references_server: ReferencesServer
) -> None:
    result = run("draft", "2410.99902", "--corpus", str(corpus), "--offline", "--json")
    assert result.exit_code == 0, result.stderr
    assert len(references_server.requests) == 1


# -- eval: the recall split and progress ----------------------------------------------------------


def _eval_corpus(corpus: Path) -> None:
    """A note with an abstract linking a title-only note, so both recall splits have a note."""
    _add(
        corpus,
        Note(
            id="issue-1602",
            kind="blog",
            title="Self-Verification の小話",
            issue_date=dt.date(2024, 12, 18),
            tags=["Blog"],
        ),
    )
    text = (corpus / "notes" / "arxiv-2501.12948.md").read_text(encoding="utf-8")
    note = parse_note(text)
    link = RelatedNote(id="issue-1602", title_line="Self-Verification の小話", url=None)
    _add(corpus, note.model_copy(update={"related": [*note.related, link]}))


def test_eval_reports_recall_to_notes_with_and_without_an_abstract(run, corpus: Path) -> None:
    _eval_corpus(corpus)
    result = run("eval", "--corpus", str(corpus), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["notes_linking_notes_without_abstract"] == 1
    assert data["notes_linking_notes_with_abstract"] >= 1
    ours = data["methods"]["autonote suggest"]
    assert ours["related_recall_without_abstract@10"] == 1.0
    assert ours["related_recall_with_abstract@10"] is not None
    table = run("eval", "--corpus", str(corpus))
    assert "R@10 to notes without" in table.stdout


def _autonote(*args: str) -> list[str]:
    return [sys.executable, "-m", "autonote", *args]


def test_eval_is_quiet_when_piped(corpus: Path) -> None:
    result = subprocess.run(
        _autonote("eval", "--corpus", str(corpus)), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("leave-one-out over")


def test_eval_shows_progress_on_a_terminal(corpus: Path) -> None:
    """stderr on a pseudo-terminal gets the progress bar; stdout (a pipe) only the table."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        _autonote("eval", "--corpus", str(corpus)),
        stdout=subprocess.PIPE, stderr=follower, env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
    )  # fmt: skip
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the follower closed: the process is done
            break
        if not chunk:
            break
        seen += chunk
    out, _ = process.communicate(timeout=120)
    os.close(leader)
    assert process.returncode == 0
    assert b"eval" in seen and b"notes" in seen  # the bar: "eval ━━━ 8/8 notes"
    assert out.decode().startswith("leave-one-out over")
