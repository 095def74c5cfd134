"""Property-based tests for the note readers: whatever the text, a typed result or a one-line
error (NoteFormatError, UsageError, Skipped), never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autonote.corpus.importers import (
    ReadResult,
    Skipped,
    SourceEntry,
    read_github_issues,
    read_paper_notes_xml,
)
from autonote.errors import NoteFormatError, UsageError
from autonote.notes.format import parse_note, render_note, split_front_matter
from autonote.schema import Note

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
_front_lines = st.lists(
    st.one_of(
        _text.map(lambda t: t.replace("\n", " ")),
        st.sampled_from(
            [
                "id: x",
                'id: "../../README"',
                "title: [",
                "related: 3",
                "issue_date: 2026-13-01",
                "issue_date: 2026-01-01",
                "tags: {",
                "provenance: {}",
                'kind: "paper"',
                "- a",
                "---",
            ]
        ),
    ),
    max_size=12,
)
_body_lines = st.lists(
    st.one_of(_text, st.sampled_from(["<!-- autonote:summary -->", "<!-- /autonote:summary -->",
                                      "<!-- autonote:key-points -->", "<!-- /autonote:key-points -->",
                                      "<!-- autonote:abstract -->", "<!-- /autonote:abstract -->",
                                      "## Comment", "#NLP #LanguageModel", "- point"])),
    max_size=20,
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(front=_front_lines, body=_body_lines, opened=st.booleans(), closed=st.booleans())
def test_any_note_text_parses_or_is_one_format_error(
    front: list[str], body: list[str], opened: bool, closed: bool
) -> None:
    text = ("---\n" if opened else "") + "\n".join(front) + ("\n---\n" if closed else "\n") + "\n".join(body)
    try:
        note = parse_note(text, "note.md")
    except NoteFormatError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("note.md")
        return
    assert isinstance(note, Note)
    assert parse_note(render_note(note)) == note  # whatever parses, renders and parses back the same


@settings(max_examples=200, deadline=None)
@given(front=_front_lines)
def test_any_front_matter_block_is_a_mapping_or_one_error(front: list[str]) -> None:
    try:
        fields, _, line = split_front_matter("---\n" + "\n".join(front) + "\n---\n", "n.md")
    except NoteFormatError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(fields, dict) and line >= 2


_field_text = st.one_of(_text, st.sampled_from(["[Paper Note] T, A+, ICLR'25, 2025.13", "[Paper Note] T, A+, ICLR'25, 2025.02",
                                                "https://github.com/o/r/issues/12", "2026-02-30", "2026-02-01",
                                                "# URL\n- https://arxiv.org/abs/2504.07086", "a, b, c", "<p>x<br>y</p>"]))  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({name: _field_text for name in (
    "title", "original-paper-blog-link", "repo-issue-link", "tags", "repo-issue-date", "issue-body",
    "maintainer-comment-text")}), max_size=4), st.booleans(), st.integers(0, 40))  # fmt: skip
def test_any_xml_export_reads_as_entries_skips_or_one_usage_error(
    entries: list[dict[str, str]], truncate: bool, cut: int
) -> None:
    blocks = [
        "<paper-entry>" + "".join(f"<{k}>{v}</{k}>" for k, v in e.items()) + "</paper-entry>" for e in entries
    ]
    text = "<paper-list>" + "\n".join(blocks) + "</paper-list>"
    if truncate and cut:
        text = text[:-cut]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.xml"
        path.write_text(text, encoding="utf-8")
        try:
            items = list(read_paper_notes_xml(path))
        except UsageError as exc:
            assert "\n" not in str(exc)
            return
    read = ReadResult("paper-notes-xml", [i for i in items if isinstance(i, SourceEntry)])
    links = read.links()
    for entry in read.entries:
        made = read.note(entry, links)
        assert isinstance(made, Note | Skipped)


_json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), _text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=10,
)
_issue = st.fixed_dictionaries(
    {"number": st.one_of(st.integers(1, 10**6), _json_value)},
    optional={"title": st.one_of(_field_text, _json_value), "body": st.one_of(_field_text, _json_value),
              "labels": _json_value, "comments": _json_value, "url": _json_value,
              "createdAt": st.one_of(st.sampled_from(["2025-04-18T09:12:00Z", "yesterday"]), _json_value)},
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.lists(st.one_of(_issue, _json_value), max_size=4), _json_value))
def test_any_gh_json_reads_as_entries_skips_or_one_usage_error(data: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "issues.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        try:
            items = list(read_github_issues(path, "o/r"))
        except UsageError as exc:
            assert "\n" not in str(exc)
            return
    read = ReadResult("github-issues", [i for i in items if isinstance(i, SourceEntry)])
    links = read.links()
    for entry in read.entries:
        assert isinstance(read.note(entry, links), Note | Skipped)
