"""What autonote keeps of a conflict for the owner to settle: a GitHub issue body that differs
from its note (beside the note, as ``<id>.remote.txt``), and an imported entry that differs from
the note of its id (under ``.autonote/import-conflicts/``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from autonote.fsutil import write_text_atomic
from autonote.notes.ids import check_note_id
from autonote.notes.layout import IMPORT_CONFLICTS_DIR, STATE_DIR


class ConflictFiles:
    """The conflict files of the corpus at ``root``; ``resolve`` confines a corpus-relative path."""

    def __init__(self, root: Path, resolve: Callable[[str], Path]) -> None:
        self.root = root
        self.resolve = resolve

    def keep_remote_body(self, relpath: str, body: str) -> Path:
        """A GitHub issue body that conflicts with the note at ``relpath``, saved beside it as
        ``<id>.remote.txt`` (not ``.md``: it is not a note)."""
        path = self.resolve(relpath).with_suffix(".remote.txt")
        write_text_atomic(path, body if body.endswith("\n") else body + "\n", overwrite=True)
        return path

    def drop_remote_body(self, relpath: str) -> None:
        """Remove a kept remote body once the conflict is settled."""
        self.resolve(relpath).with_suffix(".remote.txt").unlink(missing_ok=True)

    def keep_import_conflict(self, note_id: str, text: str) -> Path:
        path = self.root / STATE_DIR / IMPORT_CONFLICTS_DIR / f"{check_note_id(note_id)}.md"
        write_text_atomic(path, text, overwrite=True)
        return path
