"""The folders of a corpus (see :mod:`autonote.notes.folder` for what each holds)."""

from __future__ import annotations

NOTES_DIR = "notes"
DRAFTS_DIR = "drafts"
STATE_DIR = ".autonote"
REJECTED_DIR = "rejected"
IMPORT_CONFLICTS_DIR = "import-conflicts"
