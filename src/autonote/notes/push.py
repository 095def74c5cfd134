"""Push: the corpus folder's notes published to a remote note store, as one loop that knows no
backend.

For each note asked for (:func:`select_notes`):

- a note that is in no remote store yet (``origin`` None) is added there and adopts the id the
  remote gave it (:func:`autonote.notes.mirror.adopt`). Before adding, an :class:`Intent` is kept
  (:class:`Intents`), so that a push stopped between the add and the adoption finds the note it
  created at the next push instead of adding a second one; a request that failed is also looked
  for, since it may have been carried out;
- a note of this remote is sent only when it changed since last seen, and only while the remote
  still holds what was seen (compare-and-swap on ``origin.revision``:
  :func:`autonote.notes.mirror.changed_since_seen`); otherwise nothing is written and the remote's
  text is kept beside the note (``--force`` sends it anyway). Tags the note gained are added as
  the remote's labels, never removed (:func:`autonote.notes.mirror.tags_gained`); a label the
  remote lacks is created only when asked. Afterwards the note records what the remote holds now
  (:func:`autonote.notes.mirror.remember`);
- a note of another remote is refused.

The dry run reports what would happen and writes nothing. What a backend provides is
:class:`RemoteStore` (``github/store.py``'s :class:`~autonote.github.store.GitHubIssues` for
GitHub) and where intents are kept; how the report is shown is the command's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from autonote.errors import AutonoteError, RemoteNoteGoneError, RemoteStoreError, UsageError
from autonote.notes import mirror
from autonote.notes.ids import is_note_id
from autonote.notes.issue_format import IssueView
from autonote.notes.store import LocalStore, NoteStore, RemoteChangedError, StoredNote, revision_of
from autonote.schema import Note


@dataclass(frozen=True)
class Intent:
    """A remote note about to be created for the local note ``note_id``: how to recognise it."""

    note_id: str
    title: str
    revision: str  # of the text it is created with
    started: dt.datetime  # no earlier than this (whole seconds, UTC)


@dataclass(frozen=True)
class Peek:
    """What the remote holds of a note now, as one read: its text and labels; ``load`` makes the
    whole stored note of it (which may cost the remote more reads)."""

    text: str
    labels: list[str]
    load: Callable[[], StoredNote]


class RemoteStore(NoteStore, Protocol):
    """What a push needs of the store it publishes to, besides :class:`NoteStore`."""

    name: str  # for messages: "owner/name"
    noun: str  # what a remote note is called, with its article: "an issue"

    def resolve(self) -> str | None:
        """Find the remote (one read); its name now when it answers under another, else None."""
        ...

    def belongs(self, note: Note) -> bool | None:
        """True for a note of this remote, False for a note of another, None for a note that is
        in no remote store yet."""
        ...

    def elsewhere(self, note: Note) -> str:
        """Why a note of another remote (``belongs`` False) is not pushed here."""
        ...

    def describe(self, note: Note) -> str:
        """The remote note of ``note`` for messages: "issue #12"."""
        ...

    def render(self, note: Note) -> IssueView:
        """What the remote would hold for ``note``: its title, text (``body``) and labels."""
        ...

    def peek(self, note: Note) -> Peek:
        """What the remote holds now of ``note`` (a note of this remote)."""
        ...

    def add(self, note: Note, *, labels: list[str] | None = None) -> StoredNote:
        """A new remote note for ``note`` with ``labels`` (by default its tags), as stored."""
        ...

    def label(self, note: Note, labels: list[str]) -> StoredNote:
        """Add ``labels`` to ``note``'s remote note; the note as the remote holds it then."""
        ...

    def label_names(self) -> set[str]:
        """The labels the remote has."""
        ...

    def create_label(self, name: str) -> None: ...

    def find_created(self, intent: Intent) -> StoredNote | None:
        """The remote note ``intent`` announced, if it was created."""
        ...


class Intents(Protocol):
    """Where a push keeps its intents (for GitHub, a table of the state database)."""

    def intend(self, intent: Intent) -> None: ...

    def pending(self) -> list[Intent]: ...

    def done(self, note_id: str) -> None: ...


Record = Callable[[StoredNote], None]


@dataclass
class PushReport:
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (old id, new id, remote location)
    updated: list[tuple[str, str]] = field(default_factory=list)  # (id, what changed)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, Path]] = field(default_factory=list)  # (id, where the remote's text was saved)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (id, reason)
    missing_labels: dict[str, list[str]] = field(default_factory=dict)  # label -> notes that wanted it
    planned: list[str] = field(default_factory=list)  # dry run: what would happen, one line each
    would_create: list[str] = field(default_factory=list)  # dry run: notes that would be added
    would_update: list[str] = field(default_factory=list)  # dry run: notes whose remote note would be updated
    not_pulled: list[str] = field(default_factory=list)  # notes of this remote never seen by pull
    stopped: str | None = None  # the error that stopped the push (what came before it is reported)
    moved_to: str | None = None  # the remote's name now, when it answered under a new one

    @property
    def failed(self) -> bool:
        return bool(self.conflicts or self.refused or self.stopped)


def select_notes(
    local: LocalStore, ids: Iterable[str], all_accepted: bool, *, has_draft: Callable[[str], bool]
) -> list[str]:
    """The notes a push is asked for: ``ids`` (each a note of the corpus), or every note."""
    ids = tuple(ids)
    if ids and all_accepted:
        raise UsageError("give note ids or --all-accepted, not both")
    if not ids and not all_accepted:
        raise UsageError("name the notes to push (ID...), or --all-accepted for every note of the corpus")
    if all_accepted:
        return list(local.ids())
    for note_id in ids:
        if local.note_relpath(note_id) is None:
            hint = (
                " (a pending draft: accept it first with `autonote review accept`)"
                if has_draft(note_id)
                else ""
            )
            raise UsageError(f"no note {note_id} in the corpus{hint}")
    return list(dict.fromkeys(ids))


@dataclass
class PushOptions:
    create_labels: bool = False  # a label the remote lacks is created (else reported and left off)
    dry_run: bool = False
    force: bool = False  # send a note even when the remote's text changed since last seen


class Push:
    """One push of local notes to ``remote``; ``record`` remembers each note written locally."""

    def __init__(
        self,
        local: LocalStore,
        remote: RemoteStore,
        intents: Intents,
        *,
        record: Record,
        options: PushOptions,
    ) -> None:
        self.local, self.remote, self.intents, self.record = local, remote, intents, record
        self.options = options
        self.report = PushReport()
        self._labels: set[str] | None = None
        self._recovered: set[str] = set()  # local ids that adopted a stopped push's note in this run

    # labels ------------------------------------------------------------------------------------
    def usable_labels(self, note_id: str, wanted: list[str]) -> list[str]:
        """The labels of ``wanted`` the remote has (creating the others with ``create_labels``;
        otherwise they are reported and left off)."""
        if not wanted:
            return []
        if self._labels is None:
            self._labels = self.remote.label_names()
        create, dry_run = self.options.create_labels, self.options.dry_run
        missing = [label for label in wanted if label not in self._labels]
        if missing and create:  # a dry run plans them as created: they are not left off
            for label in missing:
                if not dry_run:
                    self.remote.create_label(label)
                self._labels.add(label)
            missing = []
        for label in missing:
            self.report.missing_labels.setdefault(label, []).append(note_id)
        return [label for label in wanted if label in self._labels]

    # run ---------------------------------------------------------------------------------------
    def run(self, ids: list[str]) -> PushReport:
        self.report.moved_to = self.remote.resolve()
        if not self.options.dry_run:
            self._recover()
        notes = self._read(ids)
        for note in notes:
            if self.remote.belongs(note) is None:
                self._create(note.id)
        for note in notes:
            belongs = self.remote.belongs(note)
            if belongs:
                try:
                    self._update(note.id)
                except RemoteNoteGoneError as exc:  # moved away or deleted: this note only
                    self.report.refused.append((note.id, str(exc)))
            elif belongs is False:
                self.report.refused.append((note.id, self.remote.elsewhere(note)))
        return self.report

    def _read(self, ids: list[str]) -> list[Note]:
        notes = []
        for note_id in ids:
            if note_id in self._recovered:  # published by the push that stopped: reported as created
                continue
            found = self.local.get(note_id)
            if found is None:
                if note_id in self.local.ids():
                    self.report.refused.append(
                        (note_id, "the note file is not a valid note (see `autonote lint`)")
                    )
                continue
            notes.append(found.note)
        return notes

    def _recover(self) -> None:
        """Remote notes created by a push that stopped before its local note adopted them."""
        for intent in self.intents.pending():
            # An intent that names no note id (a damaged row) names no note of the corpus either.
            if not is_note_id(intent.note_id) or self.local.note_relpath(intent.note_id) is None:
                self.intents.done(intent.note_id)
                continue
            found = self.remote.find_created(intent)
            if found is not None:
                stored = mirror.adopt(self.local, intent.note_id, found, record=self.record)
                self.report.created.append((intent.note_id, stored.note.id, found.location))
                self._recovered.add(intent.note_id)
            self.intents.done(intent.note_id)

    def _create(self, note_id: str) -> None:
        current = self.local.get(note_id)  # read again: a rename before may have rewritten its links
        if current is None:
            return
        note = current.note
        view = self.remote.render(note)
        labels = self.usable_labels(note.id, list(dict.fromkeys(view.labels)))
        if self.options.dry_run:
            shown = ", ".join(labels) or "none"
            self.report.planned.append(
                f"would create {self.remote.noun} for {note.id}: {view.title!r} (labels: {shown})"
            )
            self.report.would_create.append(note.id)
            return
        intent = Intent(
            note.id, view.title, revision_of(view.body), dt.datetime.now(dt.UTC).replace(microsecond=0)
        )
        self.intents.intend(intent)
        try:
            published = self.remote.add(note, labels=labels)
        except RemoteStoreError:  # it may have been created all the same
            found = self.remote.find_created(intent)
            if found is None:
                self.intents.done(note.id)
                raise
            published = found
        stored = mirror.adopt(self.local, note.id, published, record=self.record)
        self.intents.done(note.id)
        self.report.created.append((note.id, stored.note.id, published.location))

    def _update(self, note_id: str) -> None:
        current = self.local.get(note_id)
        if current is None:
            return
        note, origin = current.note, current.note.origin
        assert origin is not None
        if origin.revision is None:
            self.report.not_pulled.append(note.id)
            return
        text = self.remote.render(note).body
        if not mirror.changed_since_seen(text, origin) and not mirror.tags_gained(note, origin):
            self.report.unchanged.append(note.id)
            return
        now = self.remote.peek(note)
        if mirror.changed_since_seen(now.text, origin) and not self.options.force:
            saved = (
                self.local.keep_remote_body(current.location, now.text)
                if not self.options.dry_run
                else Path(current.location)
            )
            self.report.conflicts.append((note.id, saved))
            return
        self._send(current, text, now)

    def _send(self, current: StoredNote, text: str, now: Peek) -> None:
        """Send the note's ``text`` and the tags it gained over what the remote holds ``now``."""
        note, origin = current.note, current.note.origin
        assert origin is not None
        text_changed = now.text != text
        labels = self.usable_labels(note.id, mirror.tags_gained(note, origin, now.labels))
        what = ", ".join(x for x in ("body" if text_changed else "", " ".join(f"+#{t}" for t in labels)) if x)
        if not text_changed and not labels:
            if not self.options.dry_run:  # the dry run writes nothing, not even what the remote holds
                mirror.remember(self.local, current, now.load(), record=self.record)
            self.report.unchanged.append(note.id)
            return
        if self.options.dry_run:
            self.report.planned.append(f"would update {self.remote.describe(note)} ({note.id}): {what}")
            self.report.would_update.append(note.id)
            return
        try:
            published = (
                self.remote.update(note.id, text, revision=revision_of(now.text))
                if text_changed
                else now.load()
            )
        except RemoteChangedError as exc:  # changed between the read and the write
            self.report.conflicts.append((note.id, self.local.keep_remote_body(current.location, exc.body)))
            return
        if labels:
            published = self.remote.label(note, labels)
        mirror.remember(self.local, current, published, record=self.record)
        self.local.drop_remote_body(current.location)
        self.report.updated.append((note.id, what))


def push(
    local: LocalStore,
    remote: RemoteStore,
    intents: Intents,
    ids: list[str],
    *,
    record: Record,
    options: PushOptions,
) -> PushReport:
    """Push the notes ``ids`` of ``local`` to ``remote``; an error that stops the push is reported
    (``stopped``) with what was done before it."""
    loop = Push(local, remote, intents, record=record, options=options)
    try:
        return loop.run(ids)
    except AutonoteError as exc:
        loop.report.stopped = str(exc)
        return loop.report
