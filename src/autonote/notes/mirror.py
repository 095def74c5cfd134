"""One note store mirrored into another: the backend-neutral half of pull, push and adoption.

Two stores hold one corpus: the *local* store (the corpus folder, where the owner writes) and a
*remote* one (today the issues of a GitHub repository, :class:`autonote.github.store.GitHubIssues`).
A note's ``origin`` is what the local side last saw of it remotely: the remote's number and address
for it, the entry hash, the revision of the remote text (``origin.revision``) and its labels. From
that record alone, whatever the remote is:

- :func:`adopt`: a local note the remote store has just numbered takes the remote id (renamed,
  every link to it rewritten, origin recorded, in one step: :meth:`NoteStore.rename`);
- :func:`remember`: after a push, the local note's origin is brought up to what the remote has now,
  its own content kept, so that a later pull finds it unchanged;
- :func:`origin_seen`: that origin, with as layout whatever the remote shows differently from what
  the note's own fields render (a title edited there);
- the push rule, compare-and-swap three ways: a note is sent only when it changed since last seen
  (:func:`changed_since_seen` of the text the remote would hold, or :func:`tags_gained`), and only
  while the remote still holds what was seen (:func:`changed_since_seen` of the remote's text).

The push loop that applies these rules to any remote store is :mod:`autonote.notes.push`. What is
sent and how (the issue's title and labels, incremental listing, comments) is the backend's:
``github/store.py`` and ``github/sync.py`` for GitHub. ``record`` is how the caller remembers a
note it wrote for a source entry (``corpus.import_apply.record_import``), so that this module needs
nothing above ``notes/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from autonote.errors import WriteRefusedError
from autonote.notes.format import replace_front_matter
from autonote.notes.issue_format import remember_layout
from autonote.notes.store import NoteStore, StoredNote, revision_of
from autonote.schema import Note, Origin

Record = Callable[[StoredNote], None]


def title_seen(published: StoredNote) -> str:
    """The note's title as the remote store has it (kept in a pulled note's layout, else its title
    line)."""
    origin = published.note.origin
    if origin is not None and origin.layout is not None and origin.layout.title is not None:
        return origin.layout.title
    return published.note.title_line


def origin_seen(note: Note, published: StoredNote) -> Origin:
    """``note``'s origin once the remote store holds ``published`` (the note as that store read
    it): what was seen there (entry hash, revision, labels, link), and as layout whatever the
    remote shows differently from what the note's own fields render."""
    seen = published.note.origin
    assert seen is not None
    bare = seen.model_copy(update={"layout": None})
    moved = note.model_copy(update={"origin": bare})
    return bare.model_copy(update={"layout": remember_layout(moved, title_seen(published), published.text)})


def adopt(local: NoteStore, note_id: str, published: StoredNote, *, record: Record) -> StoredNote:
    """Give the local note ``note_id`` the id the remote store gave it: renamed, links to it
    rewritten, origin recorded, in one step. The note's own content is kept."""
    current = local.get(note_id)
    if current is None:
        raise WriteRefusedError(f"no note {note_id} to adopt {published.location}")
    origin = origin_seen(current.note, published)
    stored = local.rename(
        note_id, published.note.id, front={"origin": origin.model_dump(mode="json")}, link=origin.url
    )
    record(stored)
    return stored


def remember(local: NoteStore, current: StoredNote, published: StoredNote, *, record: Record) -> None:
    """Record in the local note what the remote store has now (revision, labels, entry hash),
    keeping the note's own content; only while the local note is still ``current``."""
    origin = origin_seen(current.note, published)
    if origin == current.note.origin:
        return
    text = replace_front_matter(current.text, {"origin": origin.model_dump(mode="json")}, current.location)
    record(local.update(current.note.id, text, revision=current.revision))


def changed_since_seen(text: str, origin: Origin) -> bool:
    """``text`` (what the remote holds now, or would hold after a push) is not the text whose
    revision the origin recorded."""
    return revision_of(text) != origin.revision


def tags_gained(note: Note, origin: Origin, remote_tags: Iterable[str] = ()) -> list[str]:
    """The note's tags the remote did not have when last seen, nor has now (``remote_tags``): what
    a push adds. A tag the owner removed remotely is not put back, and none is ever removed."""
    had = {*(origin.labels or []), *remote_tags}
    return [tag for tag in dict.fromkeys(note.tags) if tag not in had]
