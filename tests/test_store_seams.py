"""The note-store seam: one revision rule for every store, and ``Origin`` readable under neutral
names without changing what notes on disk carry."""

from __future__ import annotations

import datetime as dt
import hashlib

from autonote.notes.format import parse_note, render_note
from autonote.notes.store import revision_of
from autonote.schema import Note, Origin

ON_DISK_ORIGIN = {  # the front matter a note pulled from GitHub has had since pull existed
    "importer": "github",
    "issue": 12,
    "url": "https://github.com/o/r/issues/12",
    "entry_hash": "e" * 64,
    "body_sha256": "b" * 64,
    "labels": ["LLM"],
}


def test_a_pulled_notes_origin_reads_back_and_names_its_revision() -> None:
    note = Note(id="issue-12", title="T", issue_date=dt.date(2025, 1, 2), origin=Origin(**ON_DISK_ORIGIN))
    text = render_note(note)
    assert '"body_sha256": "' + "b" * 64 in text  # the name on disk is unchanged
    back = parse_note(text, "notes/issue-12.md")
    assert back.origin is not None
    assert back.origin.model_dump(exclude_none=True) == ON_DISK_ORIGIN
    assert back.origin.revision == "b" * 64


def test_the_revision_of_a_stored_text_is_its_sha256_and_an_absent_text_is_the_empty_one() -> None:
    assert revision_of("本文\n") == hashlib.sha256("本文\n".encode()).hexdigest()
    assert revision_of(None) == revision_of("") == hashlib.sha256(b"").hexdigest()
