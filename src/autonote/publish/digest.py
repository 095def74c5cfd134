"""``autonote digest``: a weekly study-group page from the notes added in a period.

A ``今週のTOPIC`` list of the notes' titles, then per note a heading with its kind (``[論文]``,
``[blog]``, ``[oss]``, judged from its URL), its key points as bullets (or, for a note without key
points, its GPT summary split into sentences), and the link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from autonote.prompting import render_template
from autonote.publish.common import link_kind
from autonote.schema import Note
from autonote.textnorm import split_sentences


@dataclass(frozen=True)
class Topic:
    id: str
    kind: str
    title: str
    url: str | None
    note_link: str | None
    points: list[str]
    anchor: str


def topics(notes: list[Note]) -> list[Topic]:
    found = []
    for note in sorted(notes, key=lambda n: (n.issue_date, n.id)):
        points = note.key_points or split_sentences(note.summary)
        found.append(
            Topic(
                id=note.id,
                kind=link_kind(note.url),
                title=note.title,
                url=note.url,
                note_link=note.link if note.link != note.url else None,
                points=points,
                anchor=f"topic-{note.id}",
            )
        )
    return found


def render_digest(
    notes: list[Note], fmt: str, *, since: dt.date, until: dt.date, presenter: str | None, title: str
) -> str:
    return render_template(
        f"render/digest.{'html' if fmt == 'html' else 'md'}.j2",
        topics=topics(notes), since=since.isoformat(), until=until.isoformat(), presenter=presenter, title=title,
    )  # fmt: skip
