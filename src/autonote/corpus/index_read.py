"""What the index keeps of a note file: its terms, tags, links and authors, read and tokenized,
on every core when there are many files (reading is CPU-bound), with each file's postings packed
per term (see :mod:`autonote.corpus.postings`)."""

from __future__ import annotations

import os
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from autonote.corpus.fields import author_entries, field_terms
from autonote.corpus.postings import TF_BITS, TF_MAX
from autonote.corpus.terms import embedding_text, terms, text_hash
from autonote.errors import NoteFormatError
from autonote.notes.folder import NoteFileReader, PathOutsideCorpusError
from autonote.notes.format import parse_note
from autonote.notes.ids import is_note_id
from autonote.schema import Note


def comment_text(note: Note) -> str:
    """The owner's comment as the index reads it: markdown links to related notes removed, text and
    all. A link's text is the linked note's title (the owner's knowledge of that note), so it says
    nothing about the linking note, and in a leave-one-out evaluation it would name the hidden one."""
    text = note.comment
    for url in {r.url for r in note.related if r.url}:
        text = _strip_links(text, "](" + url + ")")
    return text


def _strip_links(text: str, marker: str) -> str:
    """Remove every ``[text](url)`` ending in ``marker`` (``](url)``); brackets in the text nest."""
    while (end := text.find(marker)) >= 0:
        depth, start = 0, end
        for i in range(end - 1, -1, -1):
            if text[i] == "\n":
                break
            if text[i] == "]":
                depth += 1
            elif text[i] == "[":
                if depth == 0:
                    start = i
                    break
                depth -= 1
        text = text[:start] + " " + text[end + len(marker) :]
    return text


def note_terms(note: Note) -> Counter[str]:
    """What a note is found by: title (twice: it is short and telling), abstract, summary, key
    points, the owner's comment (without its links to other notes), and the words of its tags."""
    tag_words = " ".join(tag.replace("-", " ") for tag in note.tags)
    text = "\n".join(
        [note.title, note.title, note.abstract, note.summary, *note.key_points, comment_text(note), tag_words]
    )
    return Counter(terms(text))


@lru_cache(maxsize=65536)
def author_key(name: str) -> str | None:
    """``Tri Dao`` → ``tri_dao``; placeholders (``N/A``, ``N_A``, ``et al.``) are no author."""
    lowered = name.lower()
    words = lowered.split() if lowered.replace(" ", "").isalnum() else re.findall(r"[^\W_]+", lowered)
    if not words or "".join(words) in {"na", "etal", "others", "anonymous"}:
        return None
    return "_".join(words)


def author_terms(authors: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(key for key in map(author_key, authors) if key))


def _looks_like_note(text: str) -> bool:
    return text.startswith("---\n") and "\nid:" in text[:400]


@dataclass(frozen=True)
class FileRead:
    """What refresh keeps of one file; small, so it crosses process boundaries cheaply."""

    note_id: str | None = None
    arxiv_id: str | None = None
    issued: str = ""
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    authors: str = ""  # author keys (see author_key), space-separated: one string to pickle
    length: int = 0
    terms: str = ""  # distinct terms, '\x1f'-separated
    embed_hash: str = ""
    problem: str | None = None


def _read_one(reader: NoteFileReader, path: str) -> tuple[FileRead, Counter[str] | None]:
    where = str(reader.root / path)
    try:
        text = reader.text(path)
    except PathOutsideCorpusError as exc:
        return FileRead(problem=f": {exc}"), None
    except UnicodeDecodeError as exc:
        return FileRead(problem=f": unreadable: not UTF-8 (byte {exc.start})"), None
    except OSError as exc:
        return FileRead(problem=f": unreadable: {exc.strerror or exc}"), None
    except NoteFormatError as exc:  # too large to read
        return FileRead(problem=str(exc).removeprefix(where)), None
    if not _looks_like_note(text):
        return FileRead(), None  # some other markdown file (README, ...): not a note, not a problem
    try:
        note = parse_note(text, where)
    except NoteFormatError as exc:
        message = str(exc).removeprefix(where)
        return FileRead(
            problem=message[1:] if message.startswith(":") and message[1:2].isdigit() else message
        ), None
    if not is_note_id(note.id):
        return FileRead(
            problem=f": front matter id {note.id!r} is not a note id (letters, digits, '.', '_', '-')"
        ), None
    counts = note_terms(note)
    length = sum(counts.values())
    counts.update(field_terms(note.title, bool(note.abstract.strip())))  # not part of the length
    embed_hash = text_hash(embedding_text(note.title, note.abstract, note.summary))
    read = FileRead(
        note.id,
        note.arxiv_id,
        note.issue_date.isoformat(),
        tuple(dict.fromkeys(note.tags)),
        tuple(dict.fromkeys(r.id for r in note.related if r.id != note.id)),
        " ".join(author_terms(author_entries(note.authors, note.title))),
        length,
        "\x1f".join(counts),
        embed_hash,
    )
    return read, counts


def _read_batch(args: tuple[Path, list[tuple[int, str]]]) -> tuple[list[FileRead], dict[str, bytes]]:
    """Read numbered files; return what to keep of each and their postings, packed per term."""
    root, numbered = args
    reader = NoteFileReader(root)
    reads = []
    lists: defaultdict[str, list[int]] = defaultdict(list)
    for docno, path in numbered:
        read, counts = _read_one(reader, path)
        reads.append(read)
        if counts:
            base = docno << TF_BITS
            if max(counts.values()) > TF_MAX:
                counts = Counter({term: min(tf, TF_MAX) for term, tf in counts.items()})
            # Most terms occur once or twice in a note: their entries are made once per note and
            # shared (a new int per posting is half the time of this loop).
            small = [base | tf for tf in range(_SMALL_TF)]
            for term, tf in counts.items():
                lists[term].append(small[tf] if tf < _SMALL_TF else base | tf)
    return reads, {term: array("Q", entries).tobytes() for term, entries in lists.items()}


_SMALL_TF = 16
_PARALLEL_MIN = 1000  # below this, starting worker processes costs more than it saves
_PARTS_PER_WORKER = 4  # the caller stores a part while the workers read the next ones


def read_many(
    root: Path, numbered: list[tuple[int, str]]
) -> Iterator[tuple[list[tuple[int, str]], list[FileRead], dict[str, bytes]]]:
    """Read, parse and tokenize files, on every core when there are many (it is CPU-bound): yields
    (part of ``numbered``, what to keep of each file, their postings) for consecutive parts, in order."""
    workers = min(os.cpu_count() or 1, 8)
    if len(numbered) < _PARALLEL_MIN or workers < 2:
        yield (numbered, *_read_batch((root, numbered)))
        return
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform
        yield (numbered, *_read_batch((root, numbered)))
        return
    size = -(-len(numbered) // (workers * _PARTS_PER_WORKER))
    parts = [numbered[i : i + size] for i in range(0, len(numbered), size)]
    # gc.freeze: a worker's collector leaves alone what it inherited (a caller may hold thousands
    # of notes), which it would otherwise walk again and again, copying every page it touches.
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=gc.freeze) as pool:
        for part, (reads, postings) in zip(
            parts, pool.map(_read_batch, [(root, p) for p in parts]), strict=True
        ):
            yield part, reads, postings
