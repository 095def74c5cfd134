"""The note-id grammar: what a note id may be, and how ids are made.

An id names a note file (``notes/<id>.md``), a draft (``drafts/<id>.md``) and every link between
notes, so it is a single safe file-name component: ASCII letters, digits, ``.``, ``_`` and ``-``,
starting with a letter or digit, no ``..``, at most 128 characters. Every id that comes from the
command line, a note's front matter, a draft or a journal goes through :func:`check_note_id`.

Each source mints the ids of its own papers (``note_id`` on its class in :mod:`autonote.sources`;
:func:`autonote.sources.registry.note_id_for` asks it); a paper no source names is a local one.
"""

from __future__ import annotations

import hashlib
import re

from autonote.errors import UsageError

MAX_ID_CHARS = 128
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class InvalidIdError(UsageError):
    """A string that is not a note id (exit 2)."""


def is_note_id(text: object) -> bool:
    return (
        isinstance(text, str)
        and len(text) <= MAX_ID_CHARS
        and _ID.fullmatch(text) is not None
        and ".." not in text
    )


def check_note_id(text: object, what: str = "note id") -> str:
    """``text`` when it is a note id; otherwise an :class:`InvalidIdError` naming it."""
    if is_note_id(text):
        return text  # type: ignore[return-value]
    shown = repr(text) if not isinstance(text, str) or len(text) <= 80 else repr(text[:77] + "...")
    raise InvalidIdError(
        f"{what} {shown} is not a note id (letters, digits, '.', '_' and '-', at most {MAX_ID_CHARS};"
        " no '/', no '..')"
    )


def local_note_id(title: str, abstract: str) -> str:
    """A stable id for a paper known only by its text."""
    digest = hashlib.sha1(f"{title}\n{abstract}".encode()).hexdigest()[:10]
    return f"local-{digest}"


def issue_note_id(number: int) -> str:
    """Notes that live as GitHub issues are named after their issue: the id every link uses."""
    return f"issue-{number}"


def issue_number(note_id: str) -> int | None:
    """The issue number of an ``issue-<n>`` id, else None."""
    if note_id.startswith("issue-") and note_id[6:].isdigit():
        return int(note_id[6:])
    return None
