"""A pull followed by a push changes nothing on GitHub unless the owner changed a note: issue bodies
(line endings included) and labels go back byte for byte. Through PyGithub against the loopback
GitHub, on the real notes of ../shared/corpus/paper_notes_dev.xml."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from autonote.github.issues import IssueData, note_for
from autonote.notes.format import parse_note, render_note
from autonote.notes.issue_format import render_issue
from autonote.schema import Note
from tests.github_helpers import REPO, SHARED, export_entries, init_corpus, serve_entries, serve_github
from tests.github_server import GitHubServer

DEV_XML = SHARED / "corpus" / "paper_notes_dev.xml"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    yield from serve_github(monkeypatch)


def pull(run, corpus: Path, *extra: str):
    return run("github", "pull", "--repo", REPO, "--corpus", str(corpus), *extra)


def push(run, corpus: Path, *extra: str):
    return run("github", "push", *extra, "--repo", REPO, "--corpus", str(corpus))


@pytest.mark.skipif(not DEV_XML.is_file(), reason="../shared/corpus/paper_notes_dev.xml is not present")
def test_bodies_saved_with_crlf_by_the_web_editor_go_back_unchanged(
    run, tmp_path: Path, github: GitHubServer
) -> None:
    entries = export_entries(DEV_XML)
    assert len(entries) == 398
    serve_entries(github, REPO, entries)
    # GitHub's web editor saves an edited body with CRLF line endings: every fifth issue, as if the
    # owner had edited it in the browser (one also with a lone CR and a trailing CRLF).
    crlf = []
    for index, entry in enumerate(entries):
        issue = github.issue(REPO, entry.issue)
        if index % 5 == 0 and issue.body and "\n" in issue.body:
            issue.body = issue.body.replace("\n", "\r\n")
            crlf.append(entry.issue)
    odd = github.issue(REPO, crlf[1])
    odd.body = odd.body + "\r\n"
    assert len(crlf) > 50
    commented = [n for n in crlf if github.issue(REPO, n).comments]
    for number in commented:  # the owner's comments were edited in the browser too
        for comment in github.issue(REPO, number).comments:
            comment.body = comment.body.replace("\n", "\r\n")
    assert len(commented) > 10
    corpus = init_corpus(run, tmp_path / "corpus")
    pulled = pull(run, corpus)
    assert pulled.exit_code == 0, pulled.stderr
    assert "398 issues, 398 new" in pulled.stdout

    before = {n: i.body for n, i in github.repos[REPO].issues.items()}
    pushed = push(run, corpus, "--all-accepted")
    assert pushed.exit_code == 0, pushed.stderr
    assert github.count("PATCH") == 0, pushed.stdout
    assert "0 created, 0 updated, 398 unchanged" in pushed.stdout
    assert {n: i.body for n, i in github.repos[REPO].issues.items()} == before

    # Nobody edited a note: an issue changed on GitHub (one with CRLF comments) is updated by the
    # next pull, not taken for a local edit.
    github.advance(5)
    edited = commented[0]
    github.edit_issue(REPO, edited, title=github.issue(REPO, edited).title + " (edited)")
    repulled = pull(run, corpus)
    assert repulled.exit_code == 0, repulled.stderr
    assert " 1 updated, " in repulled.stdout and " 0 conflicts" in repulled.stdout, repulled.stdout

    # The owner changes one note (a CRLF one): exactly one PATCH goes out, for that issue.
    changed = crlf[2]
    path = corpus / "notes" / f"issue-{changed}.md"
    text = path.read_text(encoding="utf-8")
    marker = "<!-- autonote:key-points -->\n"
    assert marker in text
    path.write_text(text.replace(marker, marker + "- 追加したポイント\n", 1), encoding="utf-8")
    again = push(run, corpus, "--all-accepted")
    assert again.exit_code == 0, again.stderr
    assert github.count("PATCH") == 1 and github.count("PATCH", rf"/issues/{changed}$") == 1
    assert "1 updated" in again.stdout and "追加したポイント" in github.issue(REPO, changed).body


# -- any issue, in memory: issue -> note file -> issue ------------------------------------------------

_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=40
)
_section_line = st.one_of(
    _line,
    st.sampled_from(["# URL", "- https://arxiv.org/abs/2504.07086", "# Abstract", "  - An abstract.",
                     "# Summary (by gpt-4o-mini)", "- 要約。", "# Key Points", "- a point", "", " "]),
)  # fmt: skip
_ending = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def issue_bodies(draw: st.DrawFn) -> str:
    lines = draw(st.lists(_section_line, max_size=12))
    return "".join(line + draw(_ending) for line in lines) + draw(_line)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=issue_bodies(), comment=issue_bodies())
def test_any_issue_body_goes_back_byte_for_byte_through_the_note_file(body: str, comment: str) -> None:
    issue = IssueData(
        number=12, title="A post, Someone, 2025.01", body=body, labels=["NLP"],
        created=dt.datetime(2025, 1, 2, tzinfo=dt.UTC), updated=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
        html_url=f"https://github.com/{REPO}/issues/12", comment_count=1, is_pull_request=False,
        author_association="OWNER",
    )  # fmt: skip
    made = note_for(REPO, issue, [comment] if comment.strip() else [], {})
    assert isinstance(made, Note)
    text = render_note(made)
    with tempfile.TemporaryDirectory() as folder:  # through a file, read as the store reads it
        path = Path(folder) / "n.md"
        path.write_text(text, encoding="utf-8", newline="")
        read = path.read_text(encoding="utf-8")
    assert read == text  # the note file holds no CR: it reads back as written
    back = parse_note(read)
    assert render_issue(back).body == body


# -- labels: any label GitHub accepts is one tag, exactly ------------------------------------------------

# GitHub's rules for a label name: 1 to 50 characters ("name is too long (maximum is 50 characters)",
# github/docs#32156), trimmed of surrounding whitespace, more than emoji alone
# (Financial-Times/github-label-sync#171). Anything else goes: "#", ",", line breaks, quotes.
_label = (
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=50)
    .map(str.strip)
    .filter(lambda name: 0 < len(name) <= 50 and any(c.isalnum() or c in "#-_/ :." for c in name))
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels=st.lists(_label, min_size=1, max_size=13, unique=True))
@example(labels=["#", "0"])  # found by hypothesis: the visible line "## #0" read as a heading
@example(labels=["# x"])
def test_any_label_github_accepts_comes_back_as_one_tag_exactly(labels: list[str]) -> None:
    issue = IssueData(
        number=12, title="A post, Someone, 2025.01", body="https://example.org/a", labels=labels,
        created=dt.datetime(2025, 1, 2, tzinfo=dt.UTC), updated=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
        html_url=f"https://github.com/{REPO}/issues/12", comment_count=0, is_pull_request=False,
        author_association="OWNER",
    )  # fmt: skip
    made = note_for(REPO, issue, [], {})
    assert isinstance(made, Note)
    text = render_note(made)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "n.md"
        path.write_text(text, encoding="utf-8", newline="")
        back = parse_note(path.read_text(encoding="utf-8"))
    assert back.tags == labels
    assert render_issue(back).labels == labels
    shown = next(line for line in text.split("---\n", 2)[2].split("\n") if line.startswith("#"))
    assert shown.startswith("#") and "\n" not in shown  # the visible tags line is still one line


def test_labels_with_hash_signs_and_line_breaks_round_trip_through_pull_and_push(
    run, tmp_path: Path, github: GitHubServer
) -> None:
    labels = ["ML #2", "Line\nBreak", "NLP", "#Hash", "a #b #c", "Selected Papers/Blogs", "x, y",
              "日本語 ラベル", "Tab\there", "emoji 🚀", "quote \"q\"", "back\\slash", "end#"]  # fmt: skip
    github.add_issue(REPO, "A post, Someone, 2025.01", "https://example.org/a", labels, number=7)
    corpus = init_corpus(run, tmp_path / "corpus")
    pulled = pull(run, corpus)
    assert pulled.exit_code == 0, pulled.stderr
    note = parse_note((corpus / "notes" / "issue-7.md").read_text(encoding="utf-8"))
    assert note.tags == labels  # 13 labels in, 13 tags back
    known = set(github.repos[REPO].labels)
    pushed = push(run, corpus, "--all-accepted", "--create-labels")
    assert pushed.exit_code == 0, pushed.stderr
    assert set(github.repos[REPO].labels) == known  # no label made of a piece of another
    assert github.issue(REPO, 7).labels == labels
    assert github.count("POST") == 0 and github.count("PATCH") == 0

    # A tag the owner adds on the visible line is a new label, the others unchanged.
    path = corpus / "notes" / "issue-7.md"
    text = path.read_text(encoding="utf-8")
    shown = next(line for line in text.split("\n") if line.startswith("#") and not line.startswith("## "))
    path.write_text(text.replace(shown, shown + " #Added", 1), encoding="utf-8")
    again = push(run, corpus, "--all-accepted", "--create-labels")
    assert again.exit_code == 0, again.stderr
    assert github.issue(REPO, 7).labels == [*labels, "Added"]
