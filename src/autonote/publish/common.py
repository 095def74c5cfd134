"""What listings and digests share: reading and choosing notes, tag anchors, the kind of a link."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator

from autonote.corpus.view import Corpus
from autonote.errors import UsageError
from autonote.notes.kinds import DIGEST_LABELS, kind_for_url
from autonote.publish.records import ListingRecord, record_from_note
from autonote.schema import Note


def check_tags(tags: Iterable[str], corpus: Corpus) -> None:
    """An unknown tag is a usage error naming the closest known ones."""
    counts = corpus.tag_counts()
    known = [tag for tag, n in counts.items() if n > 0]
    for tag in tags:
        if counts.get(tag, 0) <= 0:
            close = difflib.get_close_matches(tag, known, n=3, cutoff=0.5)
            folded = [t for t in known if t.lower() == tag.lower() and t not in close]
            hint = ", ".join(f"#{t}" for t in [*folded, *close])
            raise UsageError(f"no note has the tag #{tag}" + (f"; closest: {hint}" if hint else ""))


def iter_notes(corpus: Corpus) -> Iterator[Note]:
    """Every note of the corpus, parsed one at a time and not kept: a listing of 10,000 notes must
    not hold 10,000 parsed notes (``Corpus.notes`` keeps them all, ``Corpus.get`` keeps thousands)."""
    index = corpus.index
    if index is None:
        return
    for note_id in sorted(corpus.paths):
        note = index.note(note_id)
        if note is not None:
            yield note


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
    for note in iter_notes(corpus):
        if in_selection(note, wanted, since, until):
            yield record_from_note(note)


def notes_in_period(corpus: Corpus, since: dt.date | None, until: dt.date | None) -> list[Note]:
    """The notes issued in [since, until], oldest first (a week's worth: kept whole)."""
    chosen = [note for note in iter_notes(corpus) if in_selection(note, frozenset(), since, until)]
    return sorted(chosen, key=lambda note: (note.issue_date, note.id))


def tag_slug(tag: str) -> str:
    """A file- and anchor-safe name for a tag, unique even where two tags differ only in punctuation."""
    base = re.sub(r"[^0-9A-Za-z\u3040-\u30ff\u4e00-\u9fff]+", "-", tag).strip("-").lower() or "tag"
    return f"{base}-{hashlib.sha1(tag.encode()).hexdigest()[:6]}"


def link_kind(url: str | None) -> str:
    """``論文`` for papers, ``oss`` for repositories, ``blog`` for anything else on the web."""
    return DIGEST_LABELS[kind_for_url(url)]
