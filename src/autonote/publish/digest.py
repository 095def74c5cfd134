"""``autonote digest``: a weekly study-group page, in the layout of the group's own pages.

```
# <meeting date> 機械学習勉強会
## 今週のTOPIC
@<presenter>                          once per run of items by the same member
### [論文|blog|oss] [<title>](<url>)  the kind judged from the URL; the title is the link
<the member's own Comment, nested lists and images kept>, else the key points as bullets,
else the summary's sentences as bullets
## メインTOPIC                         one chosen note (--main), with its full comment
### [<title>](<url>)
<venue> / <authors>
<the comment>
```

Several members' corpora can be merged (``--member NAME=CORPUS``): each note is presented by the
member it names (its ``added_by``) or else by the member whose corpus holds it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from autonote.corpus.view import Corpus
from autonote.errors import UsageError
from autonote.notes.kinds import DIGEST_LABELS
from autonote.prompting import render_template
from autonote.publish.comment_view import comment_html, demote_headings
from autonote.publish.common import link_kind, notes_in_period
from autonote.publish.records import web_link
from autonote.schema import Note
from autonote.textnorm import split_sentences

ITEM_HEADING_LEVEL = 4  # page 1, 今週のTOPIC / メインTOPIC 2, an item 3: its own headings start at 4


@dataclass(frozen=True)
class Source:
    """One corpus the digest reads, and who presents its notes (unless a note names someone)."""

    corpus: Corpus
    presenter: str | None


@dataclass(frozen=True)
class Topic:
    id: str
    kind: str  # 論文, blog, oss
    title: str
    href: str | None  # the paper, post or repository (else the note)
    presenter: str | None
    body: str  # markdown (headings moved under the item) or HTML, as the format wants
    anchor: str


@dataclass(frozen=True)
class PresenterGroup:
    presenter: str | None
    topics: list[Topic]


@dataclass(frozen=True)
class MainTopic:
    title: str
    href: str | None
    venue: str
    authors: str
    body: str
    anchor: str


def parse_member(value: str) -> tuple[str, Path]:
    """``NAME=CORPUS`` → (NAME, CORPUS); anything else is a usage error."""
    name, sep, folder = value.partition("=")
    name, folder = " ".join(name.split()), folder.strip()
    if not sep or not name or not folder:
        raise UsageError(f"--member {value!r}: expected NAME=CORPUS, e.g. --member 'Hana Sato=../hana-notes'")
    return name, Path(folder)


def parse_main(spec: str, sources: list[Source]) -> tuple[Source, Note]:
    """The note chosen with ``--main [MEMBER:]ID``, from whichever corpus holds it."""
    member, sep, note_id = spec.partition(":")
    candidates = sources
    if sep and any(source.presenter == member for source in sources):
        candidates = [source for source in sources if source.presenter == member]
    else:
        note_id = spec
    found = [(source, source.corpus.get(note_id)) for source in candidates if note_id in source.corpus.paths]
    held = [(source, note) for source, note in found if note is not None]
    if not held:
        raise UsageError(f"--main {spec}: no note {note_id} in the corpora read")
    if len(held) > 1:
        names = ", ".join(source.presenter or str(source.corpus.root) for source, _ in held)
        raise UsageError(f"--main {spec}: note {note_id} is in more than one corpus ({names}): use MEMBER:ID")
    return held[0]


def _body(note: Note, fmt: str) -> str:
    """The member's own comment when there is one; else the key points, else the summary's sentences."""
    text = note.comment.strip()
    if not text:
        points = note.key_points or split_sentences(note.summary)
        text = "\n".join(f"- {' '.join(point.split())}" for point in points)
    if fmt == "html":
        from markupsafe import Markup

        return Markup(comment_html(text, ITEM_HEADING_LEVEL))  # escaped by markdown-it
    return demote_headings(text, ITEM_HEADING_LEVEL)


def _kind(note: Note) -> str:
    """``[blog]``/``[oss]`` for a note of that kind; a note recorded as a paper (the default, also of
    notes older than kinds) is judged from its URL."""
    return DIGEST_LABELS[note.kind] if note.kind != "paper" else link_kind(note.url or note.link)


def _href(note: Note) -> str | None:
    return web_link(note.url) or web_link(note.link)


def gather_topics(
    sources: list[Source], since: dt.date, until: dt.date, fmt: str, *, skip: tuple[Path, str] | None = None
) -> list[PresenterGroup]:
    """The notes issued in [since, until] from every source, grouped by presenter: presenters in
    the order the sources are given, each one's notes oldest first. ``skip`` (a corpus root and a
    note id) is left out: the main topic is not listed twice."""
    groups: dict[str | None, list[Topic]] = {}
    count = 0
    for source in sources:
        for note in notes_in_period(source.corpus, since, until):
            if skip == (source.corpus.root, note.id):
                continue
            count += 1
            presenter = " ".join((note.added_by or "").split()) or source.presenter
            topic = Topic(
                id=note.id,
                kind=_kind(note),
                title=" ".join(note.title.split()),
                href=_href(note),
                presenter=presenter,
                body=_body(note, fmt),
                anchor=f"topic-{count}",
            )
            groups.setdefault(presenter, []).append(topic)
    return [PresenterGroup(presenter, topics) for presenter, topics in groups.items()]


def main_topic(note: Note, fmt: str) -> MainTopic:
    return MainTopic(
        title=" ".join(note.title.split()),
        href=_href(note),
        venue=note.venue,
        authors=", ".join(note.authors),
        body=_body(note, fmt),
        anchor="main-topic",
    )


def render_digest(
    groups: list[PresenterGroup], main: MainTopic | None, fmt: str, *, date: dt.date, title: str
) -> str:
    return render_template(
        f"render/digest.{'html' if fmt == 'html' else 'md'}.j2",
        groups=groups, main=main, date=date.isoformat(), title=title,
    )  # fmt: skip
