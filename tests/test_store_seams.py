"""The note-store seam: one revision rule for every store, ``Origin`` readable under neutral names
without changing what notes on disk carry, and adoption (notes/mirror.py) working with any store."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from autonote.corpus.view import load_corpus
from autonote.errors import WriteRefusedError
from autonote.notes import mirror
from autonote.notes.folder import NoteFolder
from autonote.notes.format import parse_note, render_note
from autonote.notes.store import NoteStore, StoredNote, revision_of
from autonote.schema import Note, Origin, RelatedNote

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


class CountingStore:
    """A third backend in a few lines, as a plugin would write one: it numbers notes itself
    (``mem-<n>``), keeps their markdown, and records in each note's origin what it holds."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def ids(self) -> list[str]:
        return list(self.texts)

    def get(self, note_id: str) -> StoredNote | None:
        text = self.texts.get(note_id)
        if text is None:
            return None
        return StoredNote(parse_note(text), text, revision_of(text), f"mem://{note_id}")

    def add(self, note: Note) -> StoredNote:
        new_id = f"mem-{len(self.texts) + 1}"
        body = render_note(note.model_copy(update={"id": new_id, "origin": None}))
        origin = Origin(importer="memory", issue=len(self.texts) + 1, url=f"mem://{new_id}",
                        entry_hash="h", body_sha256=revision_of(body))  # fmt: skip
        self.texts[new_id] = render_note(note.model_copy(update={"id": new_id, "origin": origin}))
        stored = self.get(new_id)
        assert stored is not None
        return stored

    def update(self, note_id: str, text: str, *, revision: str) -> StoredNote:
        if revision_of(self.texts[note_id]) != revision:
            raise WriteRefusedError(f"{note_id} changed")
        self.texts[note_id] = text
        stored = self.get(note_id)
        assert stored is not None
        return stored

    def rename(self, old_id: str, new_id: str, *, front=None, link=None) -> StoredNote:
        raise WriteRefusedError("this store numbers notes itself")


def test_a_folder_note_published_to_any_store_adopts_its_id_and_links_follow(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    for note_id, related in (("local-a", []), ("local-b", ["local-a"])):
        note = Note(id=note_id, title=f"T {note_id}", issue_date=dt.date(2026, 1, 2), url=f"https://e.org/{note_id}",
                    related=[RelatedNote(id=r, title_line=f"T {r}") for r in related])  # fmt: skip
        (root / "notes").mkdir(parents=True, exist_ok=True)
        (root / "notes" / f"{note_id}.md").write_text(render_note(note), encoding="utf-8")
    local: NoteStore = NoteFolder(root, load_corpus(root).index)
    remote: NoteStore = CountingStore()
    recorded: list[str] = []

    current = local.get("local-a")
    assert current is not None
    published = remote.add(current.note)
    adopted = mirror.adopt(local, "local-a", published, record=lambda s: recorded.append(s.note.id))

    assert adopted.note.id == "mem-1" and recorded == ["mem-1"]
    assert adopted.note.origin is not None and adopted.note.origin.importer == "memory"
    assert adopted.note.origin.revision == published.note.origin.revision
    assert not (root / "notes" / "local-a.md").exists()
    linked = parse_note((root / "notes" / "local-b.md").read_text(encoding="utf-8"))
    assert [r.id for r in linked.related] == ["mem-1"]
    with pytest.raises(WriteRefusedError):
        remote.rename("mem-1", "other")


def test_the_push_rule_sends_a_text_or_tags_changed_since_seen_and_never_re_adds_a_removed_tag() -> None:
    seen = Origin(importer="memory", entry_hash="h", body_sha256=revision_of("本文"), labels=["LLM", "RL"])
    note = Note(id="mem-1", title="T", issue_date=dt.date(2026, 1, 2), tags=["LLM", "DPO", "DPO", "RLHF"])
    assert not mirror.changed_since_seen("本文", seen)
    assert mirror.changed_since_seen("本文。", seen)
    assert mirror.tags_gained(note, seen) == ["DPO", "RLHF"]
    assert mirror.tags_gained(note, seen, remote_tags=["RLHF"]) == ["DPO"]  # already there: not sent
    removed_remotely = note.model_copy(update={"tags": ["RL"]})  # seen with RL, the remote dropped it since
    assert mirror.tags_gained(removed_remotely, seen, remote_tags=[]) == []
