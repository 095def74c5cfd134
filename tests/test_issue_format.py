"""The note as a GitHub issue: ``autonote export --format issue`` against the corpus's real export,
a drafted note's sections, and the body parser (property-based)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autonote.notes.issue_format import canonical_body, parse_issue_body, render_issue
from autonote.schema import Note, RelatedNote
from tests.test_render import sample_note

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
SAMPLES = [SHARED / "paper_notes_CVPR.xml", SHARED / "paper_notes_dev.xml"]


def entries(path: Path) -> list[dict[str, object]]:
    """title, issue number, body and tags of each <paper-entry>, read as text (the export is not XML)."""
    found = []
    for match in re.finditer(r"<paper-entry>(.*?)</paper-entry>", path.read_text(encoding="utf-8"), re.S):
        field = {
            name: re.search(rf"<{name}>(.*?)</{name}>", match.group(1), re.S).group(1)  # type: ignore[union-attr]
            for name in ("title", "repo-issue-link", "tags", "issue-body")
        }
        found.append(
            {
                "id": "issue-" + field["repo-issue-link"].rsplit("/", 1)[1],
                "title": field["title"],
                "body": field["issue-body"],
                "labels": [t.strip() for t in field["tags"].split(",") if t.strip()],
            }
        )
    return found


def export_all(run, corpus: Path) -> dict[str, dict[str, object]]:
    result = run("export", "--all", "--format", "issue", "--json", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    return {view["id"]: view for view in json.loads(result.stdout)}


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/corpus is not beside this checkout")
def test_imported_shared_samples_export_as_the_issues_they_came_from(run, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    imported = run("import", "paper-notes-xml", *map(str, SAMPLES), "--corpus", str(corpus))
    assert imported.exit_code == 0, imported.stderr
    exported = export_all(run, corpus)
    expected = [entry for sample in SAMPLES for entry in entries(sample)]
    assert len(expected) == 428 and len(exported) == 428
    mismatched = [e["id"] for e in expected if exported[e["id"]] != e]
    assert mismatched == []


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/corpus is not beside this checkout")
def test_most_real_bodies_come_from_the_fields_alone(run, tmp_path: Path) -> None:
    """The kept layout is the exception: only bodies the fields cannot express (an # Affiliations
    section, labelled links, several links in a bare body) need it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    run("import", "paper-notes-xml", *map(str, SAMPLES), "--corpus", str(corpus))
    from autonote.notes.format import parse_note

    notes = [parse_note(p.read_text(encoding="utf-8")) for p in (corpus / "notes").glob("*.md")]
    kept_bodies = [n for n in notes if n.origin and n.origin.layout and n.origin.layout.body is not None]
    assert len(kept_bodies) <= 30
    for note in kept_bodies:
        assert note.origin is not None and note.origin.layout is not None
        kept = note.origin.layout.body
        assert kept is not None and kept != canonical_body(note)


def test_the_fixture_export_round_trips(run, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sample = REPO / "fixtures" / "exports" / "paper-notes-sample.xml"
    assert run("import", "paper-notes-xml", str(sample), "--corpus", str(corpus)).exit_code in (0, 1)
    exported = export_all(run, corpus)
    first = {}
    for entry in entries(sample):
        first.setdefault(entry["id"], entry)  # a repeated issue is skipped by the import: the first counts
    assert exported and all(exported[i] == first[i] for i in exported)


def drafted_note(**changes: object) -> Note:
    """A note as ``autonote draft`` makes it (no translation, no Comment, related notes chosen)."""
    related = [
        RelatedNote(
            id="issue-1", title_line="[Paper Note] Other, A+, arXiv'25", url="https://github.com/o/r/issues/1"
        )
    ]
    base = sample_note(translation=None, comment="", warnings=[], related=related)
    return base.model_copy(update=changes)


def test_a_drafted_note_has_the_corpus_sections_then_autonotes_own() -> None:
    view = render_issue(drafted_note())
    assert (
        view.title
        == "[Paper Note] A Sober Look at Progress, in Reasoning, Andreas Hochlehnert+, COLM'25, 2025.04"
    )
    assert view.labels == ["NLP", "Supervised-FineTuning (SFT)", "Selected Papers/Blogs", "COLM"]
    headings = re.findall(r"^# .*$", view.body, re.M)
    assert headings == [
        "# URL",
        "# Authors",
        "# Abstract",
        "# Summary (by gpt-4o-mini)",
        "# Key Points",
        "# Related",
    ]
    assert "  - Andreas Hochlehnert\n  - Hardik Bhatnagar" in view.body
    assert "- [[Paper Note] Other, A+, arXiv'25](https://github.com/o/r/issues/1)" in view.body
    parsed = parse_issue_body(view.body)
    assert (parsed.summary, parsed.key_points, parsed.summary_model) == (
        "数学的推論のベンチマークは実装の選択に敏感である。",
        ["評価条件を揃えて再評価", "RLの改善は小さい", "SFTは汎化する"],
        "gpt-4o-mini",
    )


def test_a_link_the_owner_wrote_in_the_comment_stays_out_of_the_body() -> None:
    note = drafted_note(comment="関連: https://github.com/o/r/issues/1")
    assert "# Related" not in render_issue(note).body


def test_a_note_with_only_a_link_is_the_bare_link() -> None:
    note = drafted_note(
        authors=[], abstract="", summary="", key_points=[], related=[], url="https://example.org/post"
    )
    assert render_issue(note).body == "https://example.org/post"


_line = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            _line,
            st.sampled_from(
                [
                    "# URL",
                    "# Authors",
                    "# Abstract",
                    "# Summary (by x)",
                    "  - a",
                    "- b",
                    "# Key Points",
                    "# Related",
                    "- [t](u)",
                    "",
                ]
            ),
        ),
        max_size=20,
    )
)
def test_any_body_parses_without_an_exception(lines: list[str]) -> None:
    fields = parse_issue_body("\n".join(lines))
    assert isinstance(fields.links, list) and isinstance(fields.summary, str)


# What a heading line is, as a regular expression (the parser scans with str.find).
_HEADING_LINE = re.compile(r"^# (?P<name>[^\n]*)$", re.M)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(alphabet="#- aXy(", max_size=8), st.sampled_from(["# X", "#", "# ", "##", ""]))
    ),
    st.booleans(),
)
def test_headings_are_the_lines_that_start_with_a_hash_and_a_space(lines: list[str], newline: bool) -> None:
    body = "\n".join(lines) + ("\n" if newline else "")
    names = [m["name"].strip() for m in _HEADING_LINE.finditer(body)]
    fields = parse_issue_body(body)
    assert fields.other_sections == names  # no heading of this alphabet is one autonote models
    if not names:
        assert fields.links == [line.strip() for line in body.strip().splitlines() if line.strip()]


_word = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N"), max_codepoint=0x9FFF), min_size=1, max_size=12
)
_prose = st.lists(_word, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(
    authors=st.lists(_prose, max_size=4), abstract=_prose, summary=_prose, points=st.lists(_prose, max_size=4)
)
def test_canonical_bodies_parse_back_to_the_same_fields(
    authors: list[str], abstract: str, summary: str, points: list[str]
) -> None:
    note = drafted_note(authors=authors, abstract=abstract, summary=summary, key_points=points, related=[])
    fields = parse_issue_body(canonical_body(note))
    assert fields.url == note.url
    assert (fields.authors, fields.abstract, fields.summary, fields.key_points) == (
        authors,
        abstract,
        summary,
        points,
    )
