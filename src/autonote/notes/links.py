"""Links between notes: the one home of how a link to a note is made and how it is shown.

A link (:class:`autonote.schema.RelatedNote`) names the note by its id and shows its title line,
pointing at where the note lives for a reader (:attr:`autonote.schema.Note.link`).
"""

from __future__ import annotations

from collections.abc import Iterable

from autonote.notes.ids import issue_note_id
from autonote.schema import Note, RelatedNote


def link_to(note: Note) -> RelatedNote:
    """The link another note makes to ``note``."""
    return RelatedNote(id=note.id, title_line=note.title_line, url=note.link)


def issue_link(number: int, title_line: str, url: str | None) -> RelatedNote:
    """A link to the note an issue is (named ``issue-<n>``)."""
    return RelatedNote(id=issue_note_id(number), title_line=title_line, url=url)


def issue_links(notes: Iterable[Note]) -> dict[int, RelatedNote]:
    """Links to the notes imported from issues, by issue number (for ``#1234`` in comments)."""
    return {n.origin.issue: link_to(n) for n in notes if n.origin and n.origin.issue is not None}


def list_item(link: RelatedNote) -> str:
    """The link as a line of a note's Related list: ``- [<title line>](<url>)``."""
    return f"- [{link.title_line}]({link.url})" if link.url else f"- {link.title_line}"
