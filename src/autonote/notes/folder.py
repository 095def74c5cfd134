"""The corpus as a folder of markdown notes: the only code that reads, writes, renames or deletes
note and draft files.

Layout of a corpus folder::

    notes/<id>.md            new notes (existing notes may live at any depth; the index knows where)
    drafts/<id>.md           pending drafts (a .gitignore of '*': never committed)
    drafts/<id>.failed.json  the raw outputs of a draft whose LLM answers never validated
    .autonote/               state and index (a .gitignore of '*'), rejected drafts, import conflicts

Every id goes through :func:`autonote.notes.ids.check_note_id`; every path that comes from outside
(a draft's ``update_of.path``, the index, a journal) through :meth:`NoteFolder.resolve`, which keeps
it inside the corpus with symlinks resolved. Writes are atomic and keep the umask's modes
(:func:`autonote.fsutil.write_text_atomic`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple, Protocol

from autonote.errors import NoteFormatError, UsageError, WriteRefusedError
from autonote.fsutil import PartialWriteError, write_many_atomic, write_text_atomic
from autonote.limits import MAX_NOTE_BYTES, size_text
from autonote.notes.conflicts import ConflictFiles
from autonote.notes.draft_folder import DraftFolder
from autonote.notes.format import (
    file_sha256,
    parse_note,
    render_note,
)
from autonote.notes.ids import check_note_id
from autonote.notes.layout import DRAFTS_DIR, NOTES_DIR, STATE_DIR
from autonote.notes.layout import IMPORT_CONFLICTS_DIR as IMPORT_CONFLICTS_DIR  # where callers look
from autonote.notes.layout import REJECTED_DIR as REJECTED_DIR
from autonote.notes.rename import rename_note
from autonote.notes.store import StoredNote
from autonote.schema import Note

_NOT_NOTES = {DRAFTS_DIR, STATE_DIR}  # top-level folders that hold no corpus notes


class PathOutsideCorpusError(UsageError):
    """A path that would leave the corpus (``..``, an absolute path, a symlink pointing out)."""


class NoteLocations(Protocol):
    """Where the notes of a folder are (the search index answers this)."""

    def relpath(self, note_id: str) -> str | None: ...

    def ids(self) -> list[str]: ...


def note_file_text(root: Path, relpath: str) -> str:
    """The text of a note file under ``root`` (what the index reads, also in worker processes).

    Raises OSError / UnicodeDecodeError as reading does, and PathOutsideCorpusError for a file
    that resolves outside the corpus (a symlink pointing elsewhere)."""
    path = _confined(root, relpath)
    with path.open(encoding="utf-8") as handle:
        _check_size(path, os.fstat(handle.fileno()).st_size)
        return handle.read()


def _check_size(path: Path | str, size: int) -> None:
    """A note file over MAX_NOTE_BYTES is not read (NoteFormatError naming the limit)."""
    if size > MAX_NOTE_BYTES:
        raise NoteFormatError(f"{path}: larger than the {size_text(MAX_NOTE_BYTES)} limit for a note")


class NoteFileReader:
    """:func:`note_file_text` for many files under one root (the index reads every note): the root
    is resolved once, and each folder once; a file in a folder with no symlink on its way is opened
    without following a link (one system call), anything else is confined as one file would be."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.base = os.fspath(root.resolve())
        # a folder (relative, '/'-separated) → its real path; None when a link is on its way
        self.folders: dict[str, str | None] = {"": self.base}

    def _folder(self, folder: str) -> str | None:
        # Iterative, not recursive: a corpus may hold a folder thousands of levels deep.
        missing = []
        while folder not in self.folders:
            missing.append(folder)
            folder = folder.rpartition("/")[0]
        real = self.folders[folder]
        for child in reversed(missing):
            if real is not None:
                path = os.path.join(real, child.rpartition("/")[2])
                try:
                    plain = stat.S_ISDIR(os.lstat(path).st_mode)
                except OSError:
                    plain = False
                real = path if plain else None
            self.folders[child] = real
        return real

    def text(self, relpath: str) -> str:
        parts = relpath.split("/")
        plain = (
            _NO_FOLLOW is not None and "\x00" not in relpath and not any(p in ("", ".", "..") for p in parts)
        )
        real = self._folder("/".join(parts[:-1])) if plain else None
        if real is None:
            return note_file_text(self.root, relpath)
        try:
            fd = os.open(os.path.join(real, parts[-1]), os.O_RDONLY | os.O_CLOEXEC | (_NO_FOLLOW or 0))
            with open(fd, encoding="utf-8") as handle:
                _check_size(self.root / relpath, os.fstat(fd).st_size)
                return handle.read()
        except (OSError, UnicodeDecodeError):
            # A link (refused by O_NOFOLLOW), a missing or unreadable file: read as one file is,
            # which confines a link and raises what reading one file raises.
            return note_file_text(self.root, relpath)


_NO_FOLLOW: int | None = getattr(os, "O_NOFOLLOW", None)


def _confined(root: Path, relpath: str) -> Path:
    pure = PurePosixPath(relpath)
    if pure.is_absolute() or ".." in pure.parts or "\x00" in relpath or not relpath:
        raise PathOutsideCorpusError(f"{relpath!r}: not a path inside the corpus")
    base = root.resolve()
    try:
        resolved = (base / pure).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise PathOutsideCorpusError(f"{relpath!r}: cannot be resolved ({exc})") from None
    if not resolved.is_relative_to(base):
        raise PathOutsideCorpusError(f"{relpath!r}: leads outside the corpus (to {resolved})")
    return resolved


_INT64 = 1 << 64


def stored_mtime_ns(mtime_ns: int) -> int:
    """A file's mtime as the index keeps it: SQLite integers are 64-bit signed, and a file dated
    after 2262-04-11 (``touch -d 2300-01-01``) has an mtime in nanoseconds past that. The value is
    only compared for change, so one out of range is folded into range (modulo 2**64), keeping
    every distinct mtime distinct."""
    if -(1 << 63) <= mtime_ns < (1 << 63):
        return mtime_ns
    return (mtime_ns + (1 << 63)) % _INT64 - (1 << 63)


_SCAN_BY_FD = os.scandir in os.supports_fd  # POSIX: a folder's files are stat'ed relative to it


def scan_note_files(root: Path) -> Iterator[tuple[str, int, int]]:
    """(relative path, mtime_ns, size) of every markdown file of the corpus proper: not drafts/,
    not dot folders, not symlinks that lead outside the corpus (or nowhere). Paths are handled as
    strings: every command scans the whole corpus, and 10,000 Path objects cost more than the scan.
    Where the system allows, a folder is listed through a descriptor, so each file's stat is looked
    up from the folder (``fstatat``) rather than resolving the whole path again."""
    base = root.resolve()
    top = os.fspath(root)
    start = len(top) + 1 if not top.endswith(os.sep) else len(top)
    stack = [(top, "")]  # (folder on disk, its path relative to the root, '/'-separated)
    while stack:
        folder, prefix = stack.pop()
        handle = None
        try:
            if _SCAN_BY_FD:
                handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            entries = list(os.scandir(folder if handle is None else handle))
        except OSError:
            if handle is not None:
                os.close(handle)
            continue
        try:
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if prefix or name not in _NOT_NOTES:
                            stack.append((os.path.join(folder, name), f"{prefix}{name}/"))
                        continue
                    if not name.endswith(".md"):
                        continue
                    if entry.is_symlink() and not Path(folder, name).resolve(strict=True).is_relative_to(
                        base
                    ):
                        continue
                    if not entry.is_file():
                        continue
                    stat = entry.stat()
                except (OSError, RuntimeError):
                    continue  # a dangling link, a loop, a file that vanished
                yield (
                    (prefix + name if os.sep == "/" else entry.path[start:].replace(os.sep, "/")),
                    stored_mtime_ns(stat.st_mtime_ns),
                    stat.st_size,
                )
        finally:
            if handle is not None:
                os.close(handle)


CORPUS_CONFIG_TEMPLATE = """\
# autonote settings for this corpus (see `autonote config`); for example:
# model = "gpt-4o-mini"
# tags = ["NLP", "LanguageModel"]
"""


def init_corpus(root: Path, config_name: str) -> list[str]:
    """Make ``root`` a corpus: ``notes/`` and a commented settings file. Returns what was made
    (nothing is overwritten; an existing corpus is left as it is)."""
    made = []
    if not (root / NOTES_DIR).is_dir():
        try:
            (root / NOTES_DIR).mkdir(parents=True)
        except OSError as exc:
            raise WriteRefusedError(f"cannot make {root / NOTES_DIR}: {exc.strerror or exc}") from None
        made.append(f"{NOTES_DIR}/")
    if not (root / config_name).exists():
        write_text_atomic(root / config_name, CORPUS_CONFIG_TEMPLATE)
        made.append(config_name)
    return made


class NoteWrite(NamedTuple):
    """One note file of a bulk write (plain data: another process may do the writing)."""

    note_id: str
    text: str
    replaces: str | None = None  # the corpus-relative path of the file it replaces; None: a new note
    revision: str | None = None  # the sha256 that file must still have
    before: str | None = None  # that file's text, put back if the write fails midway


def note_write(note: Note, text: str, current: StoredNote | None) -> NoteWrite:
    """The write of ``text`` as the note ``current`` (as read; None for a new note)."""
    if current is None:
        return NoteWrite(note.id, text)
    return NoteWrite(note.id, text, current.location, current.revision, current.text)


def _resolve(root: Path, relpath: str, what: str = "path") -> Path:
    try:
        return _confined(root, relpath)
    except PathOutsideCorpusError as exc:
        raise PathOutsideCorpusError(f"{what} {exc}") from None


def place_notes(root: Path, writes: list[NoteWrite]) -> list[tuple[str, str]]:
    """Write many note files under ``root``, each atomically, with one flush to disk; returns each
    one's (corpus-relative path, sha256 of its text). A note file changed since it was read is
    refused before anything is written; if one cannot be placed, those placed before it are put
    back as they were and the error is raised (WriteRefusedError)."""
    staged: list[tuple[Path, str, bool]] = []
    placed: list[tuple[str, str]] = []
    notes_folder = _resolve(root, NOTES_DIR) if any(w.replaces is None for w in writes) else None
    for write in writes:
        if write.replaces is None:
            # A new note: the id grammar keeps its name inside notes/ (resolved once), and the
            # link that places it fails if a file took the name meanwhile. The caller has found
            # no note of this id anywhere in the corpus.
            assert notes_folder is not None
            relpath = f"{NOTES_DIR}/{check_note_id(write.note_id)}.md"
            target = notes_folder / f"{write.note_id}.md"
        else:
            relpath = write.replaces
            target = _resolve(root, relpath)
            try:
                now = target.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                now = None
            if now is None or file_sha256(now) != write.revision:
                raise WriteRefusedError(f"{root / relpath} changed meanwhile; nothing was written")
        placed.append((relpath, file_sha256(write.text)))
        staged.append((target, write.text, write.replaces is not None))
    try:
        write_many_atomic(staged)
    except PartialWriteError as exc:
        previous = {path: write.before for (path, _, _), write in zip(staged, writes, strict=True)}
        for path in exc.placed:
            before = previous[path]
            if before is None:
                path.unlink(missing_ok=True)
            else:
                write_text_atomic(path, before, overwrite=True)
        raise WriteRefusedError(
            f"{exc}; the {len(exc.placed)} note(s) written before it were put back"
        ) from None
    return placed


class NoteFolder:
    """A corpus folder: its notes (read, added, updated, renamed, found by id): the
    :class:`~autonote.notes.store.LocalStore` commands see. The drafts queue (:attr:`drafts`,
    :class:`~autonote.notes.draft_folder.DraftFolder`, ``Workspace.drafts``) and the conflict files
    (:attr:`conflicts`, :class:`~autonote.notes.conflicts.ConflictFiles`) are parts of their own;
    the conflict methods at the end hand their calls on, since a push keeps a remote's text beside
    the note through the store."""

    def __init__(self, root: Path, locations: NoteLocations | None = None) -> None:
        self.root = root
        self.locations = locations
        self.drafts = DraftFolder(root, self.resolve)
        self.conflicts = ConflictFiles(root, self.resolve)

    # -- paths -----------------------------------------------------------------------------------

    def resolve(self, relpath: str, what: str = "path") -> Path:
        """A path inside the corpus for a corpus-relative path from a draft, a journal or the
        index; anything leaving the corpus is a PathOutsideCorpusError naming it."""
        return _resolve(self.root, relpath, what)

    def note_relpath(self, note_id: str) -> str | None:
        """Where an existing note lives (relative to the corpus), or None."""
        check_note_id(note_id)
        known = self.locations.relpath(note_id) if self.locations is not None else None
        if known is not None:
            return known
        default = f"{NOTES_DIR}/{note_id}.md"
        return default if (self.root / default).is_file() else None

    def note_relpaths(self, note_ids: list[str]) -> dict[str, str | None]:
        """:meth:`note_relpath` of many notes (a bulk import asks for every entry): the default
        folder is listed once instead of looking for each file."""
        listed: set[str] | None = None
        found: dict[str, str | None] = {}
        for note_id in note_ids:
            check_note_id(note_id)
            known = self.locations.relpath(note_id) if self.locations is not None else None
            if known is None:
                if listed is None:
                    try:
                        listed = set(os.listdir(self.root / NOTES_DIR))
                    except OSError:
                        listed = set()
                default = f"{NOTES_DIR}/{note_id}.md"
                if f"{note_id}.md" in listed and (self.root / default).is_file():
                    known = default
            found[note_id] = known
        return found

    def relative(self, path: Path) -> str:
        """A corpus path as the corpus-relative form drafts and journals keep."""
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def new_note_path(self, note_id: str) -> Path:
        """Where a new note goes: inside notes/, itself inside the corpus (as :func:`place_notes`)."""
        check_note_id(note_id)
        return _resolve(self.root, NOTES_DIR, "the notes folder") / f"{note_id}.md"

    # -- notes -----------------------------------------------------------------------------------

    def ids(self) -> list[str]:
        return self.locations.ids() if self.locations is not None else []

    def read_text(self, relpath: str, what: str = "note") -> str:
        path = self.resolve(relpath, what)
        try:
            return note_file_text(self.root, relpath)
        except UnicodeDecodeError as exc:
            raise NoteFormatError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:
            raise WriteRefusedError(f"cannot read {path}: {exc.strerror or exc}") from None

    def read_at(self, relpath: str, what: str = "note") -> StoredNote:
        """The note in the file at ``relpath`` (a corpus-relative path from a draft or journal)."""
        path = self.resolve(relpath, what)
        if path.is_relative_to((self.root / DRAFTS_DIR).resolve()) or path.is_relative_to(
            (self.root / STATE_DIR).resolve()
        ):
            raise PathOutsideCorpusError(
                f"{what} {relpath!r}: not a note of the corpus (drafts and state are not notes)"
            )
        text = self.read_text(relpath, what)
        note = parse_note(text, str(path))
        check_note_id(note.id, f"{path}: front matter id")
        return StoredNote(note, text, file_sha256(text), relpath)

    def get(self, note_id: str) -> StoredNote | None:
        relpath = self.note_relpath(note_id)
        if relpath is None:
            return None
        try:
            return self.read_at(relpath)
        except (NoteFormatError, WriteRefusedError):
            return None

    def add(self, note: Note) -> StoredNote:
        return self.add_text(note.id, render_note(note))

    def add_text(self, note_id: str, text: str) -> StoredNote:
        """A new note file ``notes/<id>.md``; never over an existing note (any path)."""
        existing = self.note_relpath(note_id)
        if existing is not None:
            raise WriteRefusedError(
                f"a note {note_id} already exists ({self.root / existing}); nothing was written"
            )
        path = self.new_note_path(note_id)
        write_text_atomic(path, text, overwrite=False)
        relpath = f"{NOTES_DIR}/{note_id}.md"
        return StoredNote(parse_note(text, str(path)), text, file_sha256(text), relpath)

    def undo_many(self, written: list[StoredNote], previous: list[StoredNote | None]) -> None:
        """Put notes written by :func:`place_notes` back as they were (only those unchanged since)."""
        for stored, before in zip(written, previous, strict=True):
            if before is None:
                self.remove_at(stored.location, revision=stored.revision)
            else:
                self.update_at(stored.location, before.text, revision=stored.revision)

    def update(self, note_id: str, text: str, *, revision: str) -> StoredNote:
        relpath = self.note_relpath(note_id)
        if relpath is None:
            raise WriteRefusedError(f"no note {note_id} to update")
        return self.update_at(relpath, text, revision=revision)

    def update_at(self, relpath: str, text: str, *, revision: str | None) -> StoredNote:
        """Replace the file at ``relpath`` if it is still at ``revision`` (None: it must not exist)."""
        path = self.resolve(relpath)
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        except (OSError, UnicodeDecodeError) as exc:
            raise WriteRefusedError(f"cannot read {path}: {exc}") from None
        now = file_sha256(current) if current is not None else None
        if now != revision:
            raise WriteRefusedError(f"{path} changed while autonote was working on it; nothing was written")
        write_text_atomic(path, text, overwrite=current is not None)
        return StoredNote(parse_note(text, str(path)), text, file_sha256(text), relpath)

    def remove_at(self, relpath: str, *, revision: str) -> None:
        """Delete a note file autonote just wrote (undoing an accept), only if it is unchanged."""
        path = self.resolve(relpath)
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        if file_sha256(current) != revision:
            raise WriteRefusedError(f"{path} changed meanwhile; it was left as it is")
        path.unlink()

    def rename(
        self, old_id: str, new_id: str, *, front: dict[str, Any] | None = None, link: str | None = None
    ) -> StoredNote:
        """Give a note a new id (a note published as GitHub issue N becomes ``issue-N``): its file
        becomes ``<new_id>.md`` in the same folder, with ``id`` and the ``front`` changes (JSON-able
        front-matter values) set, and every note whose related links name ``old_id`` names
        ``new_id`` instead (shown with ``link``, its new address, when given). The owner's text
        elsewhere in each file stays as it is.

        All or nothing, as far as the file system allows: the new file and the edited notes are
        written first (each edit only if that file is unchanged since it was read), the old file is
        removed last, and if any step fails every step before it is undone."""
        return rename_note(
            self, self.drafts, scan_note_files(self.root), old_id, new_id, front=front, link=link
        )

    # -- conflicts (see autonote.notes.conflicts) ------------------------------------------------

    def keep_remote_body(self, relpath: str, body: str) -> Path:
        return self.conflicts.keep_remote_body(relpath, body)

    def drop_remote_body(self, relpath: str) -> None:
        self.conflicts.drop_remote_body(relpath)

    def keep_import_conflict(self, note_id: str, text: str) -> Path:
        return self.conflicts.keep_import_conflict(note_id, text)
