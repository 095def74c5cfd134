"""The corpus as the rest of autonote reads it: its notes through the search index.

Cheap views (ids and paths, tag counts and vocabulary, search) come from the index
(:mod:`autonote.corpus.index`); whole notes are parsed on demand through the note store
(:mod:`autonote.notes.folder`), which alone touches the files. This module writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from autonote.corpus.index import CorpusIndex, Hit, RefreshReport
from autonote.errors import UsageError
from autonote.schema import Note

RECENT_NOTES = 2048  # parsed notes kept by Corpus.get


@dataclass
class Corpus:
    """The notes of a corpus folder, read through its search index (see :mod:`autonote.corpus.index`).

    Cheap views (paths, tag counts, search) come from the index; whole notes are parsed from their
    files only when asked for. A Corpus with no index is the empty corpus (no ``--corpus`` given).
    """

    root: Path
    index: CorpusIndex | None = None
    extra_vocabulary: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files left out, one line each
    refresh_report: RefreshReport | None = None
    _recent: dict[str, Note | None] = field(default_factory=dict, repr=False)

    @cached_property
    def paths(self) -> dict[str, Path]:
        return self.index.paths() if self.index else {}

    @cached_property
    def notes(self) -> list[Note]:
        """Every note, parsed (slow for a big corpus: for lint and import, not for drafting)."""
        return self.index.notes() if self.index else []

    @cached_property
    def by_id(self) -> dict[str, Note]:
        return {note.id: note for note in self.notes}

    def iter_notes(self) -> Iterator[Note]:
        """Every note, parsed one at a time and not kept (in path order): a listing of 10,000
        notes must not hold 10,000 parsed notes, as :attr:`notes` and :meth:`get` keep them."""
        if self.index is None:
            return
        for note_id in self.index.ids():
            note = self.index.note(note_id)
            if note is not None:
                yield note

    def get(self, note_id: str) -> Note | None:
        """One note, parsed from its file once and then kept (a bounded number of them), since the
        same neighbours come up again and again when many notes are drafted or regenerated."""
        if "by_id" in self.__dict__:
            return self.by_id.get(note_id)
        if note_id in self._recent:
            return self._recent[note_id]
        note = self.index.note(note_id) if self.index else None
        if len(self._recent) >= RECENT_NOTES:
            self._recent.pop(next(iter(self._recent)))
        self._recent[note_id] = note
        return note

    @cached_property
    def size(self) -> int:
        return len(self.index) if self.index else 0

    def ids_with_arxiv(self, arxiv_id: str) -> list[str]:
        return self.index.ids_with_arxiv(arxiv_id) if self.index else []

    @cached_property
    def _tag_counts(self) -> Counter[str]:
        counts = self.index.tag_counts() if self.index else Counter()
        for tag in self.extra_vocabulary:
            counts.setdefault(tag, 0)
        return counts

    def tag_counts(self, exclude_ids: list[str] | tuple[str, ...] = ()) -> Counter[str]:
        """How often each tag is used (configured vocabulary tags count 0); ``exclude_ids`` are
        left out, as if those notes did not exist."""
        counts = Counter(self._tag_counts)
        for note_id in exclude_ids if self.index else ():
            for tag in self.index.tags_of(note_id):  # type: ignore[union-attr]
                counts[tag] -= 1
        return counts

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._tag_counts)

    def resolve_tag(self, requested: str, option: str = "--tag") -> str:
        """The corpus's spelling of a tag asked for on the command line: exact, else the one tag that
        matches ignoring case; otherwise a usage error with the closest tags."""
        counts = self.tag_counts()
        known = [tag for tag, count in counts.items() if count > 0]
        if requested in known:
            return requested
        folded = [tag for tag in known if tag.casefold() == requested.casefold()]
        if len(folded) == 1:
            return folded[0]
        import difflib

        by_fold = {tag.casefold(): tag for tag in known}
        close = [by_fold[t] for t in difflib.get_close_matches(requested.casefold(), list(by_fold), n=3)]
        close = folded or close
        hint = f" (did you mean {', '.join('#' + c for c in close)}?)" if close else ""
        raise UsageError(f"{option} {requested}: no note has this tag{hint}")

    def search(self, text: str, k: int, exclude_ids: list[str] | tuple[str, ...] = ()) -> list[Hit]:
        return self.index.search(text, k, exclude_ids) if self.index else []


def load_corpus(
    root: Path, extra_vocabulary: list[str] | None = None, *, rebuild: bool = False, read_only: bool = False
) -> Corpus:
    """Open the corpus at ``root``, refreshing its index first (only changed files are re-read;
    ``rebuild``: every file). Unreadable notes are reported in ``problems``, never fatal. The
    index is then read as one snapshot, so a concurrent rebuild cannot change it mid-command.
    ``read_only``: someone else's corpus (a digest's member), indexed in memory: nothing is
    written into it."""
    index = CorpusIndex(root, None) if read_only else CorpusIndex.open(root)
    report = index.refresh(rebuild=rebuild)
    index.pin_snapshot()
    vocabulary = list(extra_vocabulary or [])
    return Corpus(
        root=root, index=index, extra_vocabulary=vocabulary, problems=report.problems, refresh_report=report
    )
