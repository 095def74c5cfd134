"""Property-based tests (hypothesis) for the GitHub parsers: repository names and URLs, proposal
comments, event payloads, issue bodies searched for a paper, README leads, issue-note ids. Each
takes any text without a traceback (a typed result, None, or the one usage error), and what is
written is read back the same."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from autonote.errors import UsageError
from autonote.github.action import Event, find_paper, read_event
from autonote.github.connection import parse_repo
from autonote.github.issues import repo_of_issue_url
from autonote.github.proposal import Proposal, body_sha256, parse_proposal, render_proposal
from autonote.notes.ids import is_note_id
from autonote.sources.base import PaperRef
from autonote.sources.github_repo import github_note_id, readme_lead, repo_of_url

FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
URLISH = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzAZ0123456789-_./:#?=%&+ github.com/issues/blob/tree.pdf", max_size=80
)
ANY = st.text(max_size=300)


@FAST
@given(st.one_of(URLISH, ANY))
def test_parse_repo_gives_owner_name_or_one_usage_error(text: str) -> None:
    try:
        repo = parse_repo(text)
    except UsageError as exc:
        assert "\n" not in str(exc)
        return
    owner, name = repo.split("/")
    assert owner and name and name not in (".", "..") and parse_repo(repo) == repo


@FAST
@given(st.one_of(URLISH, ANY, st.builds(lambda o, n: f"https://github.com/{o}/{n}", URLISH, URLISH)))
@example("http://github.com/0/.git")  # found by hypothesis: a name that is only the `.git` suffix
def test_repository_urls_give_a_repository_or_none(text: str) -> None:
    repo = repo_of_url(text)
    if repo is not None:
        owner, name = repo.split("/")
        assert parse_repo(repo) == repo
        note_id = github_note_id(f"https://github.com/{owner}/{name}")
        assert note_id is None or is_note_id(note_id)
    found = repo_of_issue_url(text)
    assert found is None or found.count("/") == 1


@FAST
@given(ANY, ANY, st.text(max_size=40))
def test_a_proposal_reads_back_exactly(current: str, proposed: str, what: str) -> None:
    comment = render_proposal(current, proposed, what)
    assert parse_proposal(comment) == Proposal(body_sha256(current), proposed)


@FAST
@given(ANY)
def test_any_comment_is_a_proposal_or_none(text: str) -> None:
    for comment in (text, "<!-- autonote:proposal base=" + "0" * 64 + " -->\n" + text):
        found = parse_proposal(comment)
        assert found is None or isinstance(found, Proposal)


@FAST
@given(ANY)
def test_any_issue_body_names_a_paper_or_nothing(text: str) -> None:
    found = find_paper(text)
    assert found is None or (isinstance(found, PaperRef) and found.source != "local")


@FAST
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
                        ["action", "issue", "label", "repository", "number", "title", "body", "name", "full_name",
                         "user", "login", "author_association"]), inner, max_size=5), max_leaves=12))  # fmt: skip
def test_any_event_payload_is_an_event_or_one_usage_error(payload: object) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        try:
            event = read_event({"GITHUB_EVENT_PATH": str(path), "GITHUB_EVENT_NAME": "issues"})
        except UsageError as exc:
            assert "\n" not in str(exc)
            return
    assert isinstance(event, Event) and (event.number is None or isinstance(event.number, int))


@FAST
@given(ANY)
def test_a_readme_lead_is_short_text(markdown: str) -> None:
    lead = readme_lead(markdown)
    assert isinstance(lead, str) and len(lead) <= 1500 + 2 and "\n" not in lead


# -- `__translate:` passages ------------------------------------------------------------------------


def test_marked_passages_are_paragraphs_starting_with_the_marker_outside_code_fences() -> None:
    from autonote.github.marked import find_marked, translate_marked

    text = (
        "intro\n__translate: not a paragraph start\n\n__translate: one\ntwo\n\n```\n__translate: code\n```\n"
    )
    assert [m.text for m in find_marked(text)] == ["one\ntwo"]
    assert translate_marked(text, lambda t: "訳") == text.replace("__translate: one\ntwo", "one\ntwo\n\n訳")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["__translate: x y", "plain text", "", "```", "  __translate:", "- item"]),
        max_size=12,
    )
)
def test_translating_marked_passages_keeps_everything_else_and_leaves_no_marker_to_translate(
    lines: list[str],
) -> None:
    from autonote.github.marked import find_marked, translate_marked

    text = "\n".join(lines)
    marked = find_marked(text)
    done = translate_marked(text, lambda t: "訳")
    assert find_marked(done) == []  # a second run has nothing to do
    assert translate_marked(done, lambda t: "訳") == done
    if not marked:
        assert done == text
    assert done.count("訳") == len(marked)
