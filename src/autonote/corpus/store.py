"""Notes on disk: where they live, how they are found, read and named.

A corpus is a folder of markdown notes (any depth). ``drafts/`` holds pending drafts, ``.autonote/``
holds state; neither is part of the corpus proper. New notes are written to ``notes/``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from autonote.errors import NoteFormatError, UsageError
from autonote.render import parse_note
from autonote.schema import Note, Paper
from autonote.state import STATE_DIR_NAME

DRAFTS_DIR = "drafts"
NOTES_DIR = "notes"
_SKIP_DIRS = {DRAFTS_DIR, STATE_DIR_NAME}


def note_id_for(paper: Paper) -> str:
    """A stable, file-name-safe id: ``arxiv-2504.07086``, ``arxiv-hep-th_9901001``, ``local-<hash>``."""
    if paper.arxiv_id:
        return "arxiv-" + paper.arxiv_id.replace("/", "_")
    import hashlib

    digest = hashlib.sha1(f"{paper.title}\n{paper.abstract}".encode()).hexdigest()[:10]
    return f"local-{digest}"


def require_corpus(path: Path | None) -> Path:
    if path is None:
        raise UsageError("no corpus: pass --corpus DIR, set AUTONOTE_CORPUS, or set corpus in autonote.toml")
    if path.exists() and not path.is_dir():
        raise UsageError(f"corpus {path} is not a folder")
    return path


def iter_note_files(corpus: Path) -> Iterator[Path]:
    """Markdown files of the corpus proper, in a stable order."""
    if not corpus.is_dir():
        return
    for path in sorted(corpus.rglob("*.md")):
        relative = path.relative_to(corpus).parts
        if any(part in _SKIP_DIRS or part.startswith(".") for part in relative[:-1]):
            continue
        yield path


def _looks_like_note(text: str) -> bool:
    return text.startswith("---\n") and re.search(r"^id:", text[:400], re.M) is not None


@dataclass
class Corpus:
    root: Path
    notes: list[Note] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # unreadable notes, one line each
    extra_vocabulary: list[str] = field(default_factory=list)

    # The corpus is read once per command, so these derived views are computed once too.
    @cached_property
    def by_id(self) -> dict[str, Note]:
        return {note.id: note for note in self.notes}

    @cached_property
    def _tag_counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for note in self.notes:
            counts.update(note.tags)
        for tag in self.extra_vocabulary:
            counts.setdefault(tag, 0)
        return counts

    def tag_counts(self) -> Counter[str]:
        return Counter(self._tag_counts)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._tag_counts)

    def note_path(self, note_id: str) -> Path:
        return self.paths.get(note_id) or self.root / NOTES_DIR / f"{note_id}.md"

    def draft_path(self, note_id: str) -> Path:
        return self.root / DRAFTS_DIR / f"{note_id}.md"


def load_corpus(root: Path, extra_vocabulary: list[str] | None = None) -> Corpus:
    """Read every note under ``root``. Unparseable notes are reported, not fatal."""
    corpus = Corpus(root=root, extra_vocabulary=list(extra_vocabulary or []))
    for path in iter_note_files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            corpus.problems.append(f"{path}: unreadable: {exc}")
            continue
        if not _looks_like_note(text):
            continue
        try:
            note = parse_note(text, str(path))
        except NoteFormatError as exc:
            corpus.problems.append(str(exc))
            continue
        if note.id in corpus.paths:
            corpus.problems.append(f"{path}: duplicate note id {note.id} (also {corpus.paths[note.id]})")
            continue
        corpus.notes.append(note)
        corpus.paths[note.id] = path
    return corpus
