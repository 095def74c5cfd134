"""The drafts queue of a corpus folder: ``drafts/<id>.md`` pending review, the raw outputs of a
draft that never validated beside it, and the drafts rejected (kept under ``.autonote/rejected/``,
never deleted). Reads are confined to the corpus like writes (the folder's ``resolve``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from autonote.errors import NoteFormatError, UsageError, WriteRefusedError
from autonote.fsutil import write_text_atomic
from autonote.notes.ids import check_note_id, is_note_id
from autonote.notes.layout import DRAFTS_DIR, REJECTED_DIR, STATE_DIR


class DraftFolder:
    """The drafts of the corpus at ``root``; ``resolve`` confines a corpus-relative path (see
    :meth:`autonote.notes.folder.NoteFolder.resolve`)."""

    def __init__(self, root: Path, resolve: Callable[[str, str], Path]) -> None:
        self.root = root
        self.resolve = resolve

    def draft_path(self, note_id: str) -> Path:
        return self.root / DRAFTS_DIR / f"{check_note_id(note_id, 'draft id')}.md"

    def draft_ids(self) -> list[str]:
        folder = self.root / DRAFTS_DIR
        if not folder.is_dir():
            return []
        names = sorted(p.stem for p in folder.glob("*.md") if not p.name.startswith("."))
        return [name for name in names if is_note_id(name)]

    def has_draft(self, note_id: str) -> bool:
        return self.draft_path(note_id).is_file()

    def read_draft(self, note_id: str) -> str:
        """A draft's text; a draft that leads outside the corpus (a symlink to ``/etc/passwd``) is
        a PathOutsideCorpusError, as a note's would be: reads are confined like writes."""
        self.draft_path(note_id)  # checks the id
        path = self.resolve(f"{DRAFTS_DIR}/{note_id}.md", "draft")
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"no pending draft {note_id!r}") from None
        except UnicodeDecodeError as exc:
            raise NoteFormatError(f"{path}: not UTF-8 text (byte {exc.start})") from None

    def save_draft(self, note_id: str, text: str, *, replace: bool = False) -> Path:
        """Write ``drafts/<id>.md`` (never over an existing draft unless ``replace``). The folder
        gets a ``.gitignore`` of ``*`` when it is made: drafts are pending, not part of the corpus."""
        path = self.draft_path(note_id)
        folder = path.parent
        if not folder.exists():
            with contextlib.suppress(OSError):  # the write that follows reports the problem
                folder.mkdir(parents=True)
                write_text_atomic(
                    folder / ".gitignore", "# autonote drafts: pending review, not committed\n*\n"
                )
        write_text_atomic(path, text, overwrite=replace)
        return path

    def remove_draft(self, note_id: str, *, text: str | None = None) -> None:
        """Take a draft out of the queue (``text``: only if it still is that text)."""
        path = self.draft_path(note_id)
        if text is not None:
            try:
                if self.read_draft(note_id) != text:
                    raise WriteRefusedError(f"{path} changed meanwhile; it was kept")
            except FileNotFoundError:
                return
        path.unlink(missing_ok=True)

    def keep_rejected(self, note_id: str, text: str) -> Path:
        """Move a draft out of the queue into ``.autonote/rejected/`` (kept, not deleted)."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        kept = self.root / STATE_DIR / REJECTED_DIR / f"{check_note_id(note_id, 'draft id')}.{stamp}.md"
        write_text_atomic(kept, text, overwrite=False)
        self.remove_draft(note_id)
        return kept

    def keep_failed_output(self, note_id: str, record: dict) -> Path:
        """The raw outputs of a draft that never validated, next to where the draft would be."""
        path = self.draft_path(note_id).with_suffix(".failed.json")
        write_text_atomic(path, json.dumps(record, ensure_ascii=False, indent=2), overwrite=True)
        return path

    @contextlib.contextmanager
    def scratch_copy(self, note_id: str, text: str) -> Iterator[Path]:
        """A hidden copy of a draft for an editor to change; removed afterwards."""
        path = self.draft_path(note_id)
        copy = path.with_name(f".{path.name}.edit.md")
        write_text_atomic(copy, text, overwrite=True)
        try:
            yield copy
        finally:
            copy.unlink(missing_ok=True)
