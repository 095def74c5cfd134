"""What a note store is: the one owner of where notes live.

A store reads, adds, updates and renames notes; nothing else in autonote touches note files (or,
for the GitHub backend, issues). Updates are compare-and-swap on a *revision* (the hash of what the
store holds), so a note changed behind autonote's back is never overwritten. The markdown folder
(:class:`autonote.notes.folder.NoteFolder`) is the first implementation; the issues of a GitHub
repository (:class:`autonote.github.store.GitHubIssues`) the second. Mirroring one store into
another (pull, push, adoption) is :mod:`autonote.notes.mirror`'s, and the push loop over any remote
store :mod:`autonote.notes.push`'s.

Drafts are not part of the protocol: a draft is a file the owner edits before it is a note in any
store, so the drafts queue (and review's accept, regen's update-drafts, which address notes by
their corpus-relative path) stays with the folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from autonote.errors import WriteRefusedError
from autonote.notes.format import file_sha256
from autonote.schema import Note


def revision_of(text: str | None) -> str:
    """The revision a store knows a stored text by: its sha256 (an absent text is the empty one)."""
    return file_sha256(text or "")


class RemoteChangedError(WriteRefusedError):
    """A compare-and-swap update refused: the store no longer holds the text the caller last saw;
    ``body`` is what it holds now (kept beside the local note as a conflict)."""

    def __init__(self, message: str, body: str) -> None:
        super().__init__(message)
        self.body = body


@dataclass(frozen=True)
class StoredNote:
    """A note as a store holds it."""

    note: Note
    text: str  # the stored form (the markdown file; the issue body for GitHub)
    revision: str  # sha256 of ``text``: what an update must name to replace it
    location: str  # where it lives, for messages: a path relative to the corpus, an issue URL


class NoteStore(Protocol):
    def ids(self) -> Iterable[str]:
        """Every note id the store holds."""
        ...

    def get(self, note_id: str) -> StoredNote | None:
        """The note, or None when the store has no note with that id."""
        ...

    def add(self, note: Note) -> StoredNote:
        """Store a new note; refuses (WriteRefusedError) when the id is taken."""
        ...

    def update(self, note_id: str, text: str, *, revision: str) -> StoredNote:
        """Replace the note's stored text, only if it is still at ``revision`` (else
        WriteRefusedError naming the change)."""
        ...

    def rename(
        self, old_id: str, new_id: str, *, front: dict[str, Any] | None = None, link: str | None = None
    ) -> StoredNote:
        """Give a note a new id (its file, and every link to it from other notes, shown with
        ``link`` when given), setting the ``front`` fields (JSON-able values: the origin it now has)
        in the same step; the note as stored under its new id. A store whose ids are not its own to
        choose (GitHub numbers issues) refuses with WriteRefusedError."""
        ...


class LocalStore(NoteStore, Protocol):
    """The store the owner writes in (the corpus folder, :class:`autonote.notes.folder.NoteFolder`),
    as the commands see it: a note there has a place (a corpus-relative path, which drafts and
    journals name), and a remote text that conflicts with it is kept beside it. Drafts are not here
    (``Workspace.drafts``, :class:`autonote.notes.draft_folder.DraftFolder`)."""

    @property
    def root(self) -> Path:
        """The corpus folder."""
        ...

    def resolve(self, relpath: str, what: str = "path") -> Path:
        """The path inside the corpus of a corpus-relative path (PathOutsideCorpusError when it
        would leave the corpus)."""
        ...

    def note_relpath(self, note_id: str) -> str | None:
        """Where the note lives (relative to the corpus), or None when there is no such note."""
        ...

    def note_relpaths(self, note_ids: list[str]) -> dict[str, str | None]:
        """:meth:`note_relpath` of many notes."""
        ...

    def read_at(self, relpath: str, what: str = "note") -> StoredNote:
        """The note at ``relpath`` (a path a draft or journal names)."""
        ...

    def add_text(self, note_id: str, text: str) -> StoredNote:
        """A new note of that text; never over an existing note."""
        ...

    def update_at(self, relpath: str, text: str, *, revision: str | None) -> StoredNote:
        """Replace the note at ``relpath`` if it is still at ``revision`` (None: it must not exist)."""
        ...

    def remove_at(self, relpath: str, *, revision: str) -> None:
        """Delete a note autonote just wrote (undoing an accept), only if it is unchanged."""
        ...

    def keep_remote_body(self, relpath: str, body: str) -> Path:
        """Keep a remote store's text that conflicts with the note at ``relpath`` beside it."""
        ...

    def drop_remote_body(self, relpath: str) -> None:
        """Remove that kept text once the conflict is settled."""
        ...
