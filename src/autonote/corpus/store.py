"""Notes on disk: where they live, how they are named, and the corpus as the rest of autonote sees it.

A corpus is a folder of markdown notes (any depth). ``drafts/`` holds pending drafts, ``.autonote/``
holds state and the index; neither is part of the corpus proper. New notes go to ``notes/``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from autonote.corpus.index import CorpusIndex, Hit, RefreshReport
from autonote.errors import UsageError
from autonote.schema import Note, Paper

RECENT_NOTES = 2048  # parsed notes kept by Corpus.get
DRAFTS_DIR = "drafts"
NOTES_DIR = "notes"


def note_id_for(paper: Paper) -> str:
    """A stable, file-name-safe id: ``arxiv-2504.07086``, ``arxiv-hep-th_9901001``, ``local-<hash>``."""
    if paper.arxiv_id:
        return "arxiv-" + paper.arxiv_id.replace("/", "_")
    import hashlib

    digest = hashlib.sha1(f"{paper.title}\n{paper.abstract}".encode()).hexdigest()[:10]
    return f"local-{digest}"


def require_corpus(path: Path | None, *, existing: bool = False) -> Path:
    """The configured corpus folder; a usage error when there is none (or, with ``existing``,
    when it does not exist yet: commands that only read a corpus need one)."""
    if path is None:
        raise UsageError("no corpus: pass --corpus DIR, set AUTONOTE_CORPUS, or set corpus in autonote.toml")
    if path.exists() and not path.is_dir():
        raise UsageError(f"corpus {path} is not a folder")
    if existing and not path.is_dir():
        raise UsageError(f"corpus {path} does not exist")
    return path


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

    def search(self, text: str, k: int, exclude_ids: list[str] | tuple[str, ...] = ()) -> list[Hit]:
        return self.index.search(text, k, exclude_ids) if self.index else []

    def note_path(self, note_id: str) -> Path:
        return self.paths.get(note_id) or self.root / NOTES_DIR / f"{note_id}.md"

    def draft_path(self, note_id: str) -> Path:
        """Where a note's draft goes; the folder is made on first use, with a ``.gitignore`` of
        ``*``: drafts are pending, not part of the corpus a repository tracks."""
        folder = self.root / DRAFTS_DIR
        if not folder.exists():
            try:
                folder.mkdir(parents=True)
                (folder / ".gitignore").write_text("# autonote drafts: pending review, not committed\n*\n")
            except OSError:
                pass  # the write that follows reports the problem
        return folder / f"{note_id}.md"


def load_corpus(root: Path, extra_vocabulary: list[str] | None = None) -> Corpus:
    """Open the corpus at ``root``, refreshing its index first (only changed files are re-read).
    Unreadable notes are reported in ``problems``, never fatal."""
    index = CorpusIndex.open(root)
    report = index.refresh()
    vocabulary = list(extra_vocabulary or [])
    return Corpus(
        root=root, index=index, extra_vocabulary=vocabulary, problems=report.problems, refresh_report=report
    )
