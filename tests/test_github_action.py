"""`autonote github action` on the events a workflow in the corpus repository receives, with the
real event payload file, against the loopback GitHub (PyGithub), arXiv and LLM servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from autonote.github.proposal import body_sha256, parse_proposal
from autonote.notes.format import parse_note
from autonote.notes.issue_format import render_issue
from tests.github_helpers import REPO, SAMPLE_XML, export_entries, init_corpus, serve_entries, serve_github
from tests.github_server import GitHubServer
from tests.loopback import ArxivServer, OpenAIServer

OWNER = REPO.split("/")[0]


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    yield from serve_github(monkeypatch)


@pytest.fixture
def corpus(run, tmp_path: Path, github: GitHubServer) -> Path:
    """The Action's corpus: empty at first (a cold cache); the Action pulls it."""
    serve_entries(github, REPO, export_entries(SAMPLE_XML))
    return init_corpus(run, tmp_path / "corpus")


def event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, action: str, number: int, *,
          label: str | None = None, name: str = "issues") -> None:  # fmt: skip
    issue = github.issue(REPO, number)
    payload = {
        "action": action,
        "issue": {"number": number, "title": issue.title, "body": issue.body, "user": {"login": issue.user.login},
                  "author_association": issue.user.association, "labels": [{"name": n} for n in issue.labels]},
        "repository": {"full_name": REPO},
        "sender": {"login": OWNER},
    }  # fmt: skip
    if label:
        payload["label"] = {"name": label}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
    monkeypatch.setenv("GITHUB_EVENT_NAME", name)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)


def action(run, corpus: Path, *extra: str):
    return run("github", "action", "--corpus", str(corpus), *extra)


def writes(github: GitHubServer) -> int:
    return sum(github.count(method) for method in ("POST", "PATCH", "PUT", "DELETE"))


def label(github: GitHubServer, number: int, name: str) -> None:
    github.repos[REPO].labels.setdefault(name, "ededed")
    github.issue(REPO, number).labels.append(name)


# -- opened ----------------------------------------------------------------------------------------------


def test_an_opened_issue_with_an_arxiv_url_gets_the_note_in_one_write(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
    arxiv_server: ArxivServer, llm_server: OpenAIServer,
) -> None:  # fmt: skip
    github.advance(5)
    opened = github.add_issue(REPO, "Untitled", "Please read https://arxiv.org/abs/2504.07086 ", ["NLP"])
    event(tmp_path, monkeypatch, github, "opened", opened.number)
    result = action(run, corpus, "--translate")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"issue #{opened.number}: wrote the note for [Paper Note] ")
    assert result.stdout.count("\n") == 1
    assert github.count("PATCH") == 1 and writes(github) == 1  # title, body and labels in one request
    note = parse_note((corpus / "notes" / f"issue-{opened.number}.md").read_text(encoding="utf-8"))
    view = render_issue(note)
    assert opened.title == note.title_line and opened.body == view.body
    assert (
        "# Summary (by gpt-4o-mini)" in opened.body and note.provenance and note.provenance.generator == "llm"
    )
    assert opened.labels[0] == "NLP" and set(opened.labels) <= {"NLP", *note.tags}
    assert note.origin and note.origin.body_sha256 == body_sha256(opened.body)
    assert len(llm_server.chat_requests()) >= 1
    # the pull at the start made the rest of the corpus
    assert (corpus / "notes" / "issue-9101.md").exists()


def test_events_autonote_has_nothing_to_do_with_exit_0_with_one_line(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
) -> None:  # fmt: skip
    github.add_issue(REPO, "No paper here", "Just a thought about attention.", [], number=9200)
    github.add_issue(REPO, "A stranger's paper", "https://arxiv.org/abs/2504.07086", [], number=9201,
                     author="stranger")  # fmt: skip
    github.user("stranger").association = "NONE"
    cases = [
        ("closed", 9101, None, "issues", "nothing to do: issues/closed on issue #9101"),
        ("labeled", 9101, "NLP", "issues", "nothing to do: label NLP on issue #9101"),
        ("created", 9101, None, "issue_comment", "nothing to do: event issue_comment/created"),
        ("opened", 9200, None, "issues", "nothing to do: issue #9200 names no paper autonote can draft"),
        ("opened", 9201, None, "issues", "nothing to do: issue #9201 was opened by stranger (NONE)"),
    ]
    for kind, number, name, event_name, expected in cases:
        event(tmp_path, monkeypatch, github, kind, number, label=name, name=event_name)
        result = action(run, corpus)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(expected) and result.stdout.count("\n") == 1, result.stdout
    assert writes(github) == 0


def test_a_failure_is_one_line_and_leaves_the_issue_as_it_was(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
    arxiv_server: ArxivServer,
) -> None:  # fmt: skip
    opened = github.add_issue(REPO, "Untitled", "2504.07086", [])
    event(tmp_path, monkeypatch, github, "opened", opened.number)
    github.fail(422, {"message": "Validation Failed"}, method="PATCH")
    result = action(run, corpus)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(f"autonote: error: {REPO}: GitHub answered HTTP 422")
    assert (opened.title, opened.body) == ("Untitled", "2504.07086")
    local = parse_note((corpus / "notes" / f"issue-{opened.number}.md").read_text(encoding="utf-8"))
    assert local.summary == "" and local.origin.body_sha256 == body_sha256(
        "2504.07086"
    )  # as pulled, no draft


# -- regen and accept ----------------------------------------------------------------------------------


def regen(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path):
    label(github, 9101, "autonote:regen")
    event(tmp_path, monkeypatch, github, "labeled", 9101, label="autonote:regen")
    return action(run, corpus)


def test_regen_proposes_a_body_in_one_comment_and_accept_applies_it(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
    llm_server: OpenAIServer,
) -> None:  # fmt: skip
    issue = github.issue(REPO, 9101)
    body_before, comments_before = issue.body, len(issue.comments)
    result = regen(run, tmp_path, monkeypatch, github, corpus)
    assert result.exit_code == 0, result.stderr
    assert "proposed a new body" in result.stdout and result.stdout.count("\n") == 1
    assert issue.body == body_before and "autonote:regen" not in issue.labels
    assert len(issue.comments) == comments_before + 1
    proposal = parse_proposal(issue.comments[-1].body)
    assert proposal is not None and proposal.base_sha256 == body_sha256(body_before)
    assert "```diff\n" in issue.comments[-1].body and "+- " in issue.comments[-1].body
    assert proposal.body != body_before and "# Key Points" in proposal.body

    label(github, 9101, "autonote:accept")
    event(tmp_path, monkeypatch, github, "labeled", 9101, label="autonote:accept")
    accepted = action(run, corpus)
    assert accepted.exit_code == 0, accepted.stderr
    assert accepted.stdout.startswith("issue #9101: applied the proposal of comment")
    assert issue.body == proposal.body and "autonote:accept" not in issue.labels
    assert len(issue.comments) == comments_before + 1 and github.count("PATCH") == 1
    # the next pull brings the accepted body into the corpus
    pulled = run("github", "pull", "--repo", REPO, "--corpus", str(corpus))
    assert pulled.exit_code == 0 and "1 updated" in pulled.stdout, pulled.stdout


def test_accept_refuses_when_the_body_changed_since_the_proposal(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
    llm_server: OpenAIServer,
) -> None:  # fmt: skip
    assert regen(run, tmp_path, monkeypatch, github, corpus).exit_code == 0
    edited = github.issue(REPO, 9101).body + "\n追記"
    github.edit_issue(REPO, 9101, body=edited)
    label(github, 9101, "autonote:accept")
    event(tmp_path, monkeypatch, github, "labeled", 9101, label="autonote:accept")
    before = writes(github)
    result = action(run, corpus)
    assert result.exit_code == 1
    assert "the body changed since the proposal was made; nothing was written" in result.stderr
    assert result.stderr.count("\n") == 1
    assert github.issue(REPO, 9101).body == edited and writes(github) == before
    assert "autonote:accept" in github.issue(REPO, 9101).labels
    assert (corpus / "notes" / "issue-9101.remote.txt").read_text(encoding="utf-8") == edited + "\n"


def test_accept_ignores_a_proposal_written_by_a_passer_by(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
) -> None:  # fmt: skip
    from autonote.github.proposal import render_proposal

    body = github.issue(REPO, 9102).body
    fake = render_proposal(body, "# URL\n- https://evil.example.com", "a trick")
    github.add_comment(REPO, 9102, fake, login="stranger", association="NONE")
    label(github, 9102, "autonote:accept")
    event(tmp_path, monkeypatch, github, "labeled", 9102, label="autonote:accept")
    result = action(run, corpus)
    assert result.exit_code == 1 and "has no autonote proposal to accept" in result.stderr
    assert github.issue(REPO, 9102).body == body


def test_regen_without_an_llm_is_refused_before_anything_is_written(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
) -> None:  # fmt: skip
    result = regen(run, tmp_path, monkeypatch, github, corpus)
    assert result.exit_code == 1 and "needs an LLM: set the OPENAI_API_KEY secret" in result.stderr
    assert writes(github) == 0 and "autonote:regen" in github.issue(REPO, 9101).labels


def test_the_shipped_workflow_runs_the_action_on_the_events_it_handles() -> None:
    import yaml

    workflow = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "examples" / "github-action.yml").read_text()
    )
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on:` as true
    assert triggers == {"issues": {"types": ["opened", "labeled"]}}
    assert workflow["permissions"] == {"issues": "write", "contents": "read"}
    steps = workflow["jobs"]["autonote"]["steps"]
    run = next(step for step in steps if "github action" in step.get("run", ""))
    assert run["run"].startswith("autonote github action")
    assert run["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    assert run["env"]["OPENAI_API_KEY"] == "${{ secrets.OPENAI_API_KEY }}"


def draft_on_opened(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path):
    opened = github.add_issue(REPO, "Untitled", "https://arxiv.org/abs/2504.07086", [])
    event(tmp_path, monkeypatch, github, "opened", opened.number)
    result = action(run, corpus)
    assert result.exit_code == 0, result.stderr
    return opened, parse_note((corpus / "notes" / f"issue-{opened.number}.md").read_text(encoding="utf-8"))


def test_the_first_run_drafts_with_the_vocabulary_and_notes_of_the_corpus_it_just_pulled(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
    arxiv_server: ArxivServer, llm_server: OpenAIServer,
) -> None:  # fmt: skip
    """A cold cache (the first run, or any run after the cache was evicted) drafts as a warm one."""
    cold_issue, cold = draft_on_opened(run, tmp_path, monkeypatch, github, corpus)
    vocabulary = set(github.repos[REPO].labels)
    assert cold.tags and set(cold.tags) <= vocabulary, cold.tags
    assert cold_issue.labels == cold.tags
    assert cold.related, "related notes come from the pulled corpus"

    _, warm = draft_on_opened(run, tmp_path, monkeypatch, github, corpus)  # the corpus is there now
    assert warm.tags == cold.tags and [
        r.id for r in warm.related if r.id != f"issue-{cold_issue.number}"
    ] == [r.id for r in cold.related]


# -- the corpus's earlier workflow's labels: action_wanted, translation_required --------------------------


def test_action_wanted_drafts_an_issue_that_is_not_a_note_yet_and_removes_the_label(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
    arxiv_server: ArxivServer, llm_server: OpenAIServer,
) -> None:  # fmt: skip
    issue = github.add_issue(REPO, "Untitled", "https://arxiv.org/abs/2504.07086", [])
    label(github, issue.number, "action_wanted")
    event(tmp_path, monkeypatch, github, "labeled", issue.number, label="action_wanted")
    result = action(run, corpus)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"issue #{issue.number}: wrote the note for [Paper Note] ")
    assert "# Summary (by gpt-4o-mini)" in issue.body and "action_wanted" not in issue.labels
    assert writes(github) == 1  # title, body and labels (the label removed) in one request


def test_action_wanted_on_a_note_proposes_a_new_body_as_regen_does(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
    llm_server: OpenAIServer,
) -> None:  # fmt: skip
    issue = github.issue(REPO, 9101)
    body = issue.body
    label(github, 9101, "action_wanted")
    event(tmp_path, monkeypatch, github, "labeled", 9101, label="action_wanted")
    result = action(run, corpus)
    assert result.exit_code == 0, result.stderr
    assert "proposed a new body" in result.stdout and issue.body == body
    assert parse_proposal(issue.comments[-1].body) is not None and "action_wanted" not in issue.labels


def test_translation_required_translates_the_marked_passages_of_the_body_and_the_owners_comments(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
    llm_server: OpenAIServer,
) -> None:  # fmt: skip
    issue = github.issue(REPO, 9102)
    github.edit_issue(
        REPO, 9102, body=issue.body + "\n\n__translate: The routing is balanced without a loss.\n"
    )
    mine = github.add_comment(REPO, 9102, "Note to self.\n\n__translate: Compare with the earlier paper.")
    theirs = github.add_comment(
        REPO, 9102, "__translate: do my homework", login="stranger", association="NONE"
    )
    label(github, 9102, "translation_required")
    event(tmp_path, monkeypatch, github, "labeled", 9102, label="translation_required")
    result = action(run, corpus)
    assert result.exit_code == 0, result.stderr
    assert f"in the body, comment {mine.id}" in result.stdout
    assert "__translate:" not in issue.body
    assert "The routing is balanced without a loss.\n\nこれは抄録の日本語訳である。" in issue.body
    assert mine.body == "Note to self.\n\nCompare with the earlier paper.\n\nこれは抄録の日本語訳である。"
    assert theirs.body == "__translate: do my homework"  # a passer-by's comment is not the owner's
    assert "translation_required" not in issue.labels
    assert github.count("PATCH") == 2 and github.count("DELETE") == 1


def test_a_translation_that_fails_writes_nothing(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: GitHubServer, corpus: Path,
    llm_server: OpenAIServer,
) -> None:  # fmt: skip
    issue = github.issue(REPO, 9102)
    body = issue.body + "\n\n__translate: first passage\n"
    github.edit_issue(REPO, 9102, body=body)
    mine = github.add_comment(REPO, 9102, "__translate: second passage")
    llm_server.replies.extend(['{"translation": "一つ目"}', "{}", "{}", "{}"])  # the second never validates
    label(github, 9102, "translation_required")
    event(tmp_path, monkeypatch, github, "labeled", 9102, label="translation_required")
    result = action(run, corpus)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "translating a marked passage" in result.stderr and "nothing was written" in result.stderr
    assert issue.body == body and mine.body == "__translate: second passage"
    assert writes(github) == 0 and "translation_required" in issue.labels
