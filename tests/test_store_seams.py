"""The note-store seam: one revision rule for every store, ``Origin`` readable under neutral names
without changing what notes on disk carry, and adoption (notes/mirror.py) working with any store."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import partial
from pathlib import Path

import pytest

from autonote.corpus.view import load_corpus
from autonote.errors import RemoteStoreError, WriteRefusedError
from autonote.notes import mirror
from autonote.notes.folder import NoteFolder
from autonote.notes.format import parse_note, render_note
from autonote.notes.issue_format import IssueView
from autonote.notes.push import Intent, Peek, PushOptions, push
from autonote.notes.store import NoteStore, RemoteChangedError, StoredNote, revision_of
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
    (``mem-<n>``), keeps their markdown and labels, and records in each note's origin what it
    holds. Besides the note store, it has what the shared push loop (notes/push.py) asks of a
    remote: labels, a look at what it holds, and a way to find a note it may have created."""

    noun = "a memory note"

    def __init__(self) -> None:
        self.name = "memory"
        self.texts: dict[str, str] = {}
        self.labels: dict[str, list[str]] = {}
        self.label_set: set[str] = {"LLM"}
        self.fail_after_add = False  # the add is carried out, but its answer is lost

    def ids(self) -> list[str]:
        return list(self.texts)

    def get(self, note_id: str) -> StoredNote | None:
        text = self.texts.get(note_id)
        if text is None:
            return None
        number = int(note_id.removeprefix("mem-"))
        origin = Origin(importer="memory", issue=number, url=f"mem://{note_id}", entry_hash="h",
                        body_sha256=revision_of(text), labels=self.labels[note_id])  # fmt: skip
        note = parse_note(text).model_copy(update={"origin": origin})
        return StoredNote(note, text, revision_of(text), f"mem://{note_id}")

    def add(self, note: Note, *, labels: list[str] | None = None) -> StoredNote:
        new_id = f"mem-{len(self.texts) + 1}"
        self.texts[new_id] = self.render(note.model_copy(update={"id": new_id})).body
        self.labels[new_id] = list(note.tags if labels is None else labels)
        if self.fail_after_add:
            raise RemoteStoreError("memory: no answer")
        return self._stored(new_id)

    def update(self, note_id: str, text: str, *, revision: str) -> StoredNote:
        if revision_of(self.texts[note_id]) != revision:
            raise RemoteChangedError(f"{note_id} changed", self.texts[note_id])
        self.texts[note_id] = text
        return self._stored(note_id)

    def rename(self, old_id: str, new_id: str, *, front=None, link=None) -> StoredNote:
        raise WriteRefusedError("this store numbers notes itself")

    # what a push needs besides -----------------------------------------------------------------
    def resolve(self) -> str | None:
        return None

    def belongs(self, note: Note) -> bool | None:
        return None if note.origin is None else note.origin.importer == "memory"

    def elsewhere(self, note: Note) -> str:
        return "not a memory note"

    def describe(self, note: Note) -> str:
        return f"memory note {note.id}"

    def render(self, note: Note) -> IssueView:
        return IssueView(note.id, note.title_line, render_note(note.model_copy(update={"origin": None})),
                         list(note.tags))  # fmt: skip

    def peek(self, note: Note) -> Peek:
        return Peek(self.texts[note.id], list(self.labels[note.id]), lambda: self._stored(note.id))

    def label(self, note: Note, labels: list[str]) -> StoredNote:
        self.labels[note.id] += labels
        return self._stored(note.id)

    def label_names(self) -> set[str]:
        return set(self.label_set)

    def create_label(self, name: str) -> None:
        self.label_set.add(name)

    def find_created(self, intent: Intent) -> StoredNote | None:
        for note_id, text in self.texts.items():  # its text names its new id: found by title
            if parse_note(text).title_line == intent.title:
                return self._stored(note_id)
        return None

    def _stored(self, note_id: str) -> StoredNote:
        stored = self.get(note_id)
        assert stored is not None
        return stored


class ListedIntents:
    """Intents kept in a list (GitHub's are a table of the state database)."""

    def __init__(self) -> None:
        self.kept: dict[str, Intent] = {}
        self.seen: list[str] = []

    def intend(self, intent: Intent) -> None:
        self.kept[intent.note_id] = intent
        self.seen.append(intent.note_id)

    def pending(self) -> list[Intent]:
        return list(self.kept.values())

    def done(self, note_id: str) -> None:
        self.kept.pop(note_id, None)


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    for note_id, related in (("local-a", []), ("local-b", ["local-a"])):
        note = Note(id=note_id, title=f"T {note_id}", issue_date=dt.date(2026, 1, 2), url=f"https://e.org/{note_id}",
                    tags=["LLM"], related=[RelatedNote(id=r, title_line=f"T {r}") for r in related])  # fmt: skip
        (root / "notes").mkdir(parents=True, exist_ok=True)
        (root / "notes" / f"{note_id}.md").write_text(render_note(note), encoding="utf-8")
    return root


def test_a_folder_note_published_to_any_store_adopts_its_id_and_links_follow(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
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


def _edit(local: NoteFolder, note_id: str, **fields: object) -> None:
    current = local.get(note_id)
    assert current is not None
    local.update(note_id, render_note(current.note.model_copy(update=fields)), revision=current.revision)


def test_a_third_store_is_pushed_to_through_the_shared_loop_add_update_labels_and_conflict(
    tmp_path: Path,
) -> None:
    root = _corpus(tmp_path)
    local = NoteFolder(root, load_corpus(root).index)
    remote, intents, recorded = CountingStore(), ListedIntents(), []
    run = partial(push, local, remote, intents, record=lambda s: recorded.append(s.note.id))

    report = run(["local-a"], options=PushOptions())
    assert report.created == [("local-a", "mem-1", "mem://mem-1")] and not report.failed
    assert intents.seen == ["local-a"] and intents.pending() == []  # kept before the add, dropped after
    assert recorded == ["mem-1"] and not (root / "notes" / "local-a.md").exists()
    linked = parse_note((root / "notes" / "local-b.md").read_text(encoding="utf-8"))
    assert [r.id for r in linked.related] == ["mem-1"]
    assert run(["mem-1"], options=PushOptions()).unchanged == ["mem-1"]

    _edit(local, "mem-1", summary="要約。", tags=["LLM", "RLHF"])
    dry = run(["mem-1"], options=PushOptions(dry_run=True, create_labels=True))
    assert dry.planned == ["would update memory note mem-1 (mem-1): body, +#RLHF"] and dry.would_update == [
        "mem-1"
    ]
    report = run(["mem-1"], options=PushOptions(create_labels=True))
    assert report.updated == [("mem-1", "body, +#RLHF")]
    assert remote.labels["mem-1"] == ["LLM", "RLHF"] and "要約。" in remote.texts["mem-1"]
    assert run(["mem-1"], options=PushOptions()).unchanged == ["mem-1"]  # the note remembers what was sent

    theirs = remote.texts["mem-1"] + "\nedited in the other store\n"
    remote.texts["mem-1"] = theirs
    _edit(local, "mem-1", summary="要約を変えた。")
    report = run(["mem-1"], options=PushOptions())
    assert report.conflicts == [("mem-1", root / "notes" / "mem-1.remote.txt")] and report.failed
    assert (root / "notes" / "mem-1.remote.txt").read_text(encoding="utf-8") == theirs
    assert remote.texts["mem-1"] == theirs  # nothing was written over the other store's change


def test_a_push_to_a_third_store_whose_answer_was_lost_adopts_the_note_it_created(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    local = NoteFolder(root, load_corpus(root).index)
    remote, intents = CountingStore(), ListedIntents()
    remote.fail_after_add = True

    report = push(local, remote, intents, ["local-a"], record=lambda s: None, options=PushOptions())

    assert report.created == [("local-a", "mem-1", "mem://mem-1")] and report.stopped is None
    assert remote.ids() == ["mem-1"] and intents.pending() == []
    assert local.get("mem-1") is not None and local.get("local-a") is None


def test_a_push_to_a_third_store_that_stopped_before_adopting_is_finished_by_the_next(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    local = NoteFolder(root, load_corpus(root).index)
    remote, intents = CountingStore(), ListedIntents()
    current = local.get("local-a")
    assert current is not None
    view = remote.render(current.note)
    intents.intend(Intent("local-a", view.title, revision_of(view.body), dt.datetime.now(dt.UTC)))
    remote.add(current.note)  # created, then the push stopped

    report = push(local, remote, intents, ["local-a"], record=lambda s: None, options=PushOptions())

    assert report.created == [("local-a", "mem-1", "mem://mem-1")] and not report.failed  # reported once
    assert remote.ids() == ["mem-1"] and intents.pending() == []


def test_a_third_backend_pushes_from_a_workspace_with_intents_in_the_state_database(tmp_path: Path) -> None:
    """What a third backend's command calls (remote_push.push_workspace): its intents go to the
    state database under its own prefix while the add runs, and the adopted note is recorded."""
    from autonote.app import Workspace
    from autonote.config import load_settings
    from autonote.remote_push import push_workspace

    root = _corpus(tmp_path)
    ws = Workspace(load_settings({"corpus": str(root)})[0])

    class Watched(CountingStore):
        def add(self, note: Note, *, labels: list[str] | None = None) -> StoredNote:
            rows = ws.state.conn.execute("SELECT note_id, repo FROM github_pushes").fetchall()
            self.intents_then = [tuple(row) for row in rows]
            return super().add(note, labels=labels)

    remote = Watched()
    report = push_workspace(ws, remote, ["local-a"], PushOptions(), prefix="memory:")

    assert report.created == [("local-a", "mem-1", "mem://mem-1")] and not report.failed
    assert remote.intents_then == [("local-a", "memory:memory")]
    assert ws.state.conn.execute("SELECT count(*) FROM github_pushes").fetchone()[0] == 0
    assert [row[0] for row in ws.state.conn.execute("SELECT note_id FROM imports")] == ["mem-1"]
    assert ws.store.get("mem-1") is not None
