"""The seams of issue 19 (the LLM provider, the note store's push loop, the one Retry-After reading)
tried as a hostile user would, through the real CLI against the loopback servers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autonote.retry_after import retry_after_seconds
from tests.github_helpers import REPO, SAMPLE_XML, export_entries, init_corpus, serve_entries, serve_github
from tests.github_server import GitHubServer
from tests.loopback import FIXTURES, ArxivServer, Fault, OpenAIServer

GITHUB_WRITES = ("POST", "PATCH", "PUT", "DELETE")
ABSTRACT = str(FIXTURES / "abstracts" / "sample-abstract.txt")


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    yield from serve_github(monkeypatch)


@pytest.fixture
def pulled(run, tmp_path: Path, github: GitHubServer) -> Path:
    """A corpus pulled from the issues of the small export sample."""
    serve_entries(github, REPO, export_entries(SAMPLE_XML))
    corpus = init_corpus(run, tmp_path / "corpus")
    result = run("github", "pull", "--repo", REPO, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    return corpus


def corpus_files(corpus: Path) -> dict[str, bytes]:
    return {
        p.relative_to(corpus).as_posix(): p.read_bytes()
        for p in corpus.rglob("*")
        if p.is_file() and ".autonote" not in p.parts
    }


def state_rows(corpus: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(corpus / ".autonote" / "state.sqlite")
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        db.close()


def add_tag(corpus: Path, note_id: str, tag: str) -> None:
    """The owner tags a note by hand: one more ``#tag`` on its tag line."""
    path = corpus / "notes" / f"{note_id}.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("#") and not line.startswith("##"))
    lines[at] += f" #{tag}"
    path.write_text("\n".join(lines), encoding="utf-8")


# -- push: the dry run ------------------------------------------------------------------------------


def test_a_dry_run_push_writes_nothing_when_the_issue_already_has_the_tag_the_note_gained(
    run, pulled: Path, github: GitHubServer
) -> None:
    """The owner tagged the note here and labelled its issue the same on GitHub: a real push has
    nothing to send and records what GitHub holds now; a dry run must not record it either."""
    add_tag(pulled, "issue-9101", "Reviewed")
    github.repos[REPO].labels["Reviewed"] = "ededed"
    github.issue(REPO, 9101).labels.append("Reviewed")
    files, rows = corpus_files(pulled), state_rows(pulled)
    writes = sum(github.count(m) for m in GITHUB_WRITES)

    dry = run("github", "push", "issue-9101", "--dry-run", "--repo", REPO, "--corpus", str(pulled))

    assert dry.exit_code == 0, dry.stderr
    assert "would push to example-owner/paper_notes: 0 created, 0 updated, 1 unchanged" in dry.stdout
    assert corpus_files(pulled) == files
    assert state_rows(pulled) == rows
    assert sum(github.count(m) for m in GITHUB_WRITES) == writes


def test_a_dry_run_with_create_labels_does_not_say_the_label_is_left_off(
    run, pulled: Path, github: GitHubServer
) -> None:
    """The dry run said both "would update issue #9101: +#NewOne" and "label 'NewOne' is not in the
    repository; left off issue-9101 (--create-labels creates it)", with --create-labels given."""
    add_tag(pulled, "issue-9101", "NewOne")
    dry = run(
        "github",
        "push",
        "issue-9101",
        "--dry-run",
        "--create-labels",
        "--repo",
        REPO,
        "--corpus",
        str(pulled),
    )
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.splitlines()[0] == "would update issue #9101 (issue-9101): +#NewOne"
    assert "left off" not in dry.stderr and "NewOne" not in github.repos[REPO].labels
    assert sum(github.count(m) for m in GITHUB_WRITES) == 0


def test_a_note_whose_origin_names_another_issue_than_its_id_is_refused_with_one_line(
    run, pulled: Path, github: GitHubServer
) -> None:
    """The owner edited the origin in the front matter: issue-9101 now says it is issue #9102. The
    update went to #9101 (the id) and the labels to #9102 (the origin); nothing is sent now."""
    path = pulled / "notes" / "issue-9101.md"
    text = path.read_text(encoding="utf-8")
    assert '"issue": 9101,' in text
    path.write_text(text.replace('"issue": 9101,', '"issue": 9102,', 1), encoding="utf-8")
    add_tag(pulled, "issue-9101", "NewOne")
    github.repos[REPO].labels["NewOne"] = "ededed"
    before = path.read_bytes()

    result = run("github", "push", "issue-9101", "--repo", REPO, "--corpus", str(pulled))

    assert result.exit_code == 1
    assert (
        "autonote: issue-9101: not pushed: its origin names issue #9102, but the note is issue-9101,"
        " not issue-9102; not pushed (mend the origin in its front matter)"
    ) in result.stderr.splitlines()
    assert sum(github.count(m) for m in GITHUB_WRITES) == 0
    assert path.read_bytes() == before and "Traceback" not in result.stderr


# -- push: intents ------------------------------------------------------------------------------------


def test_an_intent_whose_note_id_leads_outside_the_corpus_is_dropped_and_the_push_goes_on(
    run, pulled: Path, github: GitHubServer, arxiv_server: ArxivServer
) -> None:
    """Intents are rows of the state database: one naming ``../../evil`` names no note of the
    corpus. It stopped every push after it ("note id '../../evil' is not a note id"), forever."""
    import datetime as dt

    from tests.test_github_sync import draft_and_accept

    note_id = draft_and_accept(run, pulled, arxiv_server)
    state = sqlite3.connect(pulled / ".autonote" / "state.sqlite")
    with state:
        for bad in ("../../evil", "/etc/passwd", ""):
            state.execute(
                "INSERT INTO github_pushes(note_id, repo, title, body_sha256, started) VALUES (?, ?, ?, ?, ?)",
                (bad, REPO.lower(), "a title", "0" * 64, dt.datetime.now(dt.UTC).isoformat()),
            )
    state.close()

    result = run("github", "push", note_id, "--repo", REPO, "--corpus", str(pulled))

    assert result.exit_code == 0, result.stderr
    assert "pushed to example-owner/paper_notes: 1 created" in result.stdout
    assert github.count("POST", r"/issues$") == 1
    assert state_rows(pulled)["github_pushes"] == []
    assert not (pulled.parent / "evil.md").exists() and not (pulled.parent.parent / "evil.md").exists()


def test_a_push_stopped_after_creating_an_issue_is_finished_after_the_repository_was_renamed(
    run, pulled: Path, github: GitHubServer, arxiv_server: ArxivServer
) -> None:
    """The stopped push kept its intent under the repository's name then; the next push, under the
    same name, learns the repository is now called otherwise and looked for intents only under the
    new name: it created the issue a second time."""
    import datetime as dt

    from autonote.notes.format import file_sha256, parse_note
    from autonote.notes.issue_format import render_issue
    from tests.test_github_sync import draft_and_accept

    note_id = draft_and_accept(run, pulled, arxiv_server)
    view = render_issue(parse_note((pulled / "notes" / f"{note_id}.md").read_text(encoding="utf-8")))
    started = dt.datetime.fromtimestamp(int(github.now()), dt.UTC)
    state = sqlite3.connect(pulled / ".autonote" / "state.sqlite")
    with state:
        state.execute(
            "INSERT INTO github_pushes(note_id, repo, title, body_sha256, started) VALUES (?, ?, ?, ?, ?)",
            (note_id, REPO.lower(), view.title, file_sha256(view.body), started.isoformat()),
        )
    state.close()
    created = github.add_issue(REPO, view.title, view.body, view.labels)  # what the stopped push made
    renamed = "example-owner/paper-notes-renamed"
    github.rename_repo(REPO, renamed)

    result = run("github", "push", note_id, "--repo", REPO, "--corpus", str(pulled))

    assert result.exit_code == 0, result.stderr
    assert f"the note is now issue-{created.number}" in result.stdout
    assert github.count("POST", r"/issues$") == 0
    assert state_rows(pulled)["github_pushes"] == []


# -- GitHub: the waits autonote makes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["AUTONOTE_GITHUB_TIMEOUT", "AUTONOTE_GITHUB_WRITE_INTERVAL", "AUTONOTE_GITHUB_MAX_WAIT"]
)
@pytest.mark.parametrize("value", ["nan", "inf", "1e400"])
def test_a_github_wait_that_is_not_a_finite_number_is_one_line_and_exit_2(
    run, tmp_path: Path, github: GitHubServer, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """``nan`` or ``inf`` seconds bound nothing: as a timeout they were a traceback, as the longest
    wait for a Retry-After they silently lifted the cap ("capped at nan s")."""
    corpus = init_corpus(run, tmp_path / "corpus")
    monkeypatch.setenv(name, value)
    result = run("github", "pull", "--repo", REPO, "--corpus", str(corpus))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"autonote: error: {name}={value!r} is not a finite number of seconds"
    ]
    assert github.count() == 0


# -- Retry-After: the one reading (retry_after.py) -----------------------------------------------------


@given(st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
def test_a_negative_retry_after_is_no_answer(seconds: float) -> None:
    """RFC 9110's delta-seconds are never negative: such a value says nothing (the caller backs off
    on its own), as a date in the past says "now"."""
    assert retry_after_seconds(repr(seconds)) is None
    assert retry_after_seconds(str(int(seconds) - 1)) is None


@given(st.floats(min_value=0, allow_nan=False, allow_infinity=False))
def test_a_retry_after_of_zero_or_more_seconds_is_read_as_given(seconds: float) -> None:
    assert retry_after_seconds(repr(seconds)) == seconds


def test_an_llm_server_asking_for_a_negative_wait_is_backed_off_from(
    run, corpus: Path, llm_server: OpenAIServer
) -> None:
    """``Retry-After: -5`` was read as 0: every rate-limited try was sent again at once, and the
    draft burnt its tries in a few milliseconds."""
    llm_server.faults.append(
        Fault(
            429,
            '{"error": {"message": "slow down"}}',
            {"Content-Type": "application/json", "Retry-After": "-5"},
        )
    )
    result = run("draft", ABSTRACT, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    first, second = (r["time"] for r in llm_server.requests)
    assert second - first >= 0.25  # the client's own backoff: at least half of its 0.5 s base


@pytest.mark.parametrize("told", ["1e308", "9" * 300])
def test_an_absurd_retry_after_from_the_llm_server_is_one_short_line(
    run, corpus: Path, llm_server: OpenAIServer, told: str
) -> None:
    llm_server.faults.append(
        Fault(
            429,
            '{"error": {"message": "slow down"}}',
            {"Content-Type": "application/json", "Retry-After": told},
        )
    )
    result = run("draft", ABSTRACT, "--corpus", str(corpus))
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "autonote waits at most 60 s" in line and len(line) < 300, line
    assert len(llm_server.requests) == 1


def test_an_absurd_retry_after_from_arxiv_is_one_short_line(
    run, corpus: Path, arxiv_server: ArxivServer
) -> None:
    arxiv_server.faults.append(Fault(503, headers={"Retry-After": "1e308"}))
    result = run("draft", "2504.07086", "--corpus", str(corpus))
    assert result.exit_code != 0
    (line,) = result.stderr.strip().splitlines()
    assert "longer than the 60 s autonote waits" in line and len(line) < 300, line
    assert len(arxiv_server.requests) == 1


# -- the provider setting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("regen", "--ids", "arxiv-1706.03762"),
        ("regen", "--all", "--dry-run"),
        ("regen", "--ids", "arxiv-1706.03762", "--via", "batch"),
    ],
)
def test_regen_names_an_unknown_provider_before_it_reads_the_corpus(
    run, corpus: Path, llm_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    """As draft does: one line and exit 2 before anything is done (regen built the corpus's index
    in .autonote first, which on a real corpus is the slow part, then said the provider is unknown)."""
    monkeypatch.setenv("AUTONOTE_PROVIDER", "OpenAI-Compatible")
    result = run(*args, "--corpus", str(corpus))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "autonote: error: unknown LLM provider 'OpenAI-Compatible'; known: openai-compatible"
    ]
    assert not (corpus / ".autonote").exists() and not (corpus / "drafts").exists()
    assert llm_server.requests == []


def test_the_action_names_an_unknown_provider_before_it_pulls_or_fetches(
    run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    github: GitHubServer,
    arxiv_server: ArxivServer,
    llm_server: OpenAIServer,
) -> None:
    """An opened issue naming a paper, with a provider the workflow misspelt: the Action pulled the
    whole repository into its corpus and fetched the paper, then said the provider is unknown."""
    from tests.test_github_action import event

    serve_entries(github, REPO, export_entries(SAMPLE_XML))
    corpus = init_corpus(run, tmp_path / "corpus")
    opened = github.add_issue(REPO, "Untitled", "Please read https://arxiv.org/abs/2504.07086 ", [])
    event(tmp_path, monkeypatch, github, "opened", opened.number)
    monkeypatch.setenv("AUTONOTE_PROVIDER", "open-ai")
    reads = github.count()

    result = run("github", "action", "--corpus", str(corpus))

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "autonote: error: unknown LLM provider 'open-ai'; known: openai-compatible"
    ]
    assert github.count() == reads and arxiv_server.requests == [] and llm_server.requests == []
    assert not any((corpus / "notes").iterdir())


def test_a_provider_name_pasted_in_by_the_kilobyte_is_shown_short(
    run, corpus: Path, llm_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTONOTE_PROVIDER", "openai-compatible" + "x" * 20_000 + "-end")
    result = run("draft", ABSTRACT, "--corpus", str(corpus))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("autonote: error: unknown LLM provider 'openai-compatiblexxx")
    assert "-end'" in line and line.endswith("; known: openai-compatible") and len(line) < 200, line
    assert llm_server.requests == []


# -- review accept: confined to the corpus ---------------------------------------------------------------


def test_accept_does_not_write_a_new_note_through_a_notes_folder_that_links_outside(
    run, corpus: Path, tmp_path: Path
) -> None:
    """Every read refuses a notes/ that is a link out of the corpus (`list` shows no note), and a
    bulk import's writes too; accepting a new note wrote its file there all the same."""
    import shutil

    outside = tmp_path / "outside"
    shutil.move(str(corpus / "notes"), str(outside))
    (corpus / "notes").symlink_to(outside, target_is_directory=True)
    before = sorted(p.name for p in outside.iterdir())
    drafted = run("draft", "--offline", ABSTRACT, "--corpus", str(corpus))
    assert drafted.exit_code == 0, drafted.stderr
    draft = Path(drafted.stdout.strip())

    result = run("review", "accept", draft.stem, "--force", "--corpus", str(corpus))

    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "leads outside the corpus" in line, line
    assert sorted(p.name for p in outside.iterdir()) == before
    assert draft.exists()


# -- prices (Workspace.cost_of: the settings' prices before the provider's) ------------------------------


@pytest.mark.parametrize("where", ["environment", "autonote.toml"])
def test_an_infinite_price_is_refused_before_anything_is_asked(
    run, corpus: Path, llm_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """``inf`` dollars per million tokens made every cost ``nan`` ("$nan" in the draft's line and
    ``cost_usd: NaN`` written into the note's front matter)."""
    monkeypatch.setenv("AUTONOTE_PRICE_INPUT_PER_MTOK", "1")
    if where == "environment":
        monkeypatch.setenv("AUTONOTE_PRICE_OUTPUT_PER_MTOK", "inf")
    else:
        (corpus / "autonote.toml").write_text("price_output_per_mtok = inf\n", encoding="utf-8")
    result = run("draft", ABSTRACT, "--corpus", str(corpus))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("autonote: error: invalid setting price_output_per_mtok (from "), line
    assert llm_server.requests == [] and not (corpus / "drafts").exists()


@pytest.mark.parametrize(
    ("setting", "args"),
    [("rpm", ("--rpm", "inf")), ("tpm", ("--tpm", "1e400")), ("rpm", ())],
)
def test_an_infinite_rate_limit_is_refused_before_anything_is_asked(
    run,
    corpus: Path,
    llm_server: OpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    args: tuple[str, ...],
) -> None:
    """``--rpm inf`` (or AUTONOTE_RPM=inf) was an OverflowError traceback from the rate limiter."""
    if not args:
        monkeypatch.setenv("AUTONOTE_RPM", "inf")
    result = run("regen", "--ids", "arxiv-1706.03762", *args, "--corpus", str(corpus))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"autonote: error: invalid setting {setting} (from "), line
    assert llm_server.requests == [] and not (corpus / "drafts").exists()
