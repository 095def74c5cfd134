"""What listings and digests share: choosing notes, tag anchors, excerpts, the kind of a link."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Iterable

from autonote.corpus.view import Corpus
from autonote.errors import UsageError
from autonote.notes.kinds import DIGEST_LABELS, kind_for_url
from autonote.schema import Note

EXCERPT_CHARS = 100  # the corpus's listing pages cut the owner's comment at about this length
_SENTENCE_END = re.compile(r"[。．！？!?]|\.(?=\s|$)|\n")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)\)")


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


def select_notes(
    corpus: Corpus, *, tags: Iterable[str] = (), since: dt.date | None = None, until: dt.date | None = None
) -> list[Note]:
    """Notes with any of ``tags`` (all notes when none) issued in [since, until], newest first."""
    wanted = set(tags)
    chosen = [
        note
        for note in corpus.notes
        if (not wanted or wanted & set(note.tags))
        and (since is None or note.issue_date >= since)
        and (until is None or note.issue_date <= until)
    ]
    return sorted(chosen, key=lambda n: (n.issue_date, n.id), reverse=True)


def tag_slug(tag: str) -> str:
    """A file- and anchor-safe name for a tag, unique even where two tags differ only in punctuation."""
    base = re.sub(r"[^0-9A-Za-z\u3040-\u30ff\u4e00-\u9fff]+", "-", tag).strip("-").lower() or "tag"
    return f"{base}-{hashlib.sha1(tag.encode()).hexdigest()[:6]}"


def plain_text(markdown: str) -> str:
    """Markdown links and images → their text (or URL), whitespace collapsed."""
    text = _MD_LINK.sub(lambda m: m.group(1) or m.group(2), markdown)
    return re.sub(r"[ \t]+", " ", text).strip()


def excerpt(comment: str, limit: int = EXCERPT_CHARS) -> str:
    """The first part of the owner's comment: whole sentences up to ``limit`` characters, else cut
    at ``limit`` (never inside a URL), with ``...`` when anything was left out."""
    text = plain_text(comment)
    if len(text) <= limit:
        return " ".join(text.split())
    cut = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > limit:
            break
        cut = match.end()
    if cut < limit // 2:  # no sentence ends early enough: cut at a character boundary
        cut = limit
        url = re.search(r"https?://\S*$", text[:cut])
        if url and url.start() > 0:
            cut = url.start()
    return " ".join(text[:cut].split()) + "..."  # one line, as the listing shows it


def link_kind(url: str | None) -> str:
    """``論文`` for papers, ``oss`` for repositories, ``blog`` for anything else on the web."""
    return DIGEST_LABELS[kind_for_url(url)]
