"""What listings and digests share: reading and choosing notes, tag anchors, the kind of a link."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator

from autonote.corpus.view import Corpus
from autonote.notes.kinds import DIGEST_LABELS, kind_for_url
from autonote.publish.records import ListingRecord, record_from_note
from autonote.schema import Note


def resolve_tags(tags: Iterable[str], corpus: Corpus) -> list[str]:
    """The tags as the corpus spells them (matched ignoring case); an unknown tag is a usage error
    naming the closest known ones (:meth:`Corpus.resolve_tag`, as ``regen --tag`` does)."""
    return [corpus.resolve_tag(tag) for tag in tags]


def in_selection(note: Note, tags: frozenset[str], since: dt.date | None, until: dt.date | None) -> bool:
    """A note with any of ``tags`` (any note when there are none) issued in [since, until]."""
    return (
        (not tags or not tags.isdisjoint(note.tags))
        and (since is None or note.issue_date >= since)
        and (until is None or note.issue_date <= until)
    )


def iter_records(
    corpus: Corpus, *, tags: Iterable[str] = (), since: dt.date | None = None, until: dt.date | None = None
) -> Iterator[ListingRecord]:
    """The selected notes as listing records, one at a time (in no particular order)."""
    wanted = frozenset(tags)
    for note in corpus.iter_notes():
        if in_selection(note, wanted, since, until):
            yield record_from_note(note)


def notes_in_period(corpus: Corpus, since: dt.date | None, until: dt.date | None) -> list[Note]:
    """The notes issued in [since, until], oldest first (a week's worth: kept whole)."""
    chosen = [note for note in corpus.iter_notes() if in_selection(note, frozenset(), since, until)]
    return sorted(chosen, key=lambda note: (note.issue_date, note.id))


_SLUG_BYTES = 120


def tag_slug(tag: str) -> str:
    """A file- and anchor-safe name for a tag, unique even where two tags differ only in punctuation,
    and short enough for any file system (a name is at most 255 bytes: the readable part is cut to
    120 bytes of UTF-8, the hash keeps it unique)."""
    base = re.sub(r"[^0-9A-Za-z\u3040-\u30ff\u4e00-\u9fff]+", "-", tag).strip("-").lower() or "tag"
    if len(base.encode()) > _SLUG_BYTES:
        base = base.encode()[:_SLUG_BYTES].decode(errors="ignore").rstrip("-")
    return f"{base}-{hashlib.sha1(tag.encode()).hexdigest()[:6]}"


def link_kind(url: str | None) -> str:
    """``論文`` for papers, ``oss`` for repositories, ``blog`` for anything else on the web."""
    return DIGEST_LABELS[kind_for_url(url)]
