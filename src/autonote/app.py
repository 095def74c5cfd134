"""The workspace: settings, and every resource built from them, each made on first use.

Commands build one :class:`Workspace` and pass it on; nothing below the commands reads settings or
opens files on its own. What it holds, and where each lives:

- ``state``   :class:`autonote.state.StateDB` — ``<corpus>/.autonote/state.sqlite``
- ``store``   the corpus's notes as a :class:`~autonote.notes.store.LocalStore` (mirrored into others by
  :mod:`autonote.notes.mirror` and :mod:`autonote.notes.push`); ``drafts`` its drafts queue; both
  are parts of ``folder``, :class:`autonote.notes.folder.NoteFolder`, the only reader and writer of
  notes and drafts
- ``corpus``  :class:`autonote.corpus.view.Corpus` — the notes through the search index
- ``sources`` a :class:`autonote.sources.base.SourceContext` for fetching papers
- ``provider`` the LLM provider (:mod:`autonote.llm.providers`); ``chat`` its blocking client;
  ``semantic`` the optional embeddings index
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from autonote.config import Settings, user_config_dir
from autonote.errors import UsageError, WriteRefusedError

if TYPE_CHECKING:
    from autonote.corpus.view import Corpus
    from autonote.llm.providers import BlockingChat, Provider
    from autonote.notes.draft_folder import DraftFolder
    from autonote.notes.folder import NoteFolder
    from autonote.notes.store import LocalStore
    from autonote.sources.base import SourceContext
    from autonote.state import StateDB


def require_corpus(path: Path | None) -> Path:
    """The configured corpus folder, which must exist: a typo in ``--corpus`` is an error, never a
    new empty corpus that a paid draft then writes into (``autonote init`` makes one)."""
    if path is None:
        raise UsageError(
            "no corpus: pass --corpus DIR, set AUTONOTE_CORPUS, run inside a corpus, or make one with"
            " `autonote init DIR`"
        )
    if path.exists() and not path.is_dir():
        raise UsageError(f"corpus {path} is not a folder")
    if not path.is_dir():
        raise UsageError(f"corpus {path} does not exist (make it with `autonote init {path}`)")
    refuse_links(path)
    return path


_WRITTEN_FOLDERS = (".autonote", "drafts")  # what autonote writes besides notes (notes/ is resolved per file)


def refuse_links(root: Path) -> None:
    """A corpus whose ``.autonote/`` or ``drafts/``, or anything directly in ``.autonote/`` (the
    state and index databases), is a symbolic link is refused: autonote would write through it,
    wherever it points (a cloned corpus repository can carry such links)."""
    for name in _WRITTEN_FOLDERS:
        _refuse_link(root, root / name)
    try:
        entries = list(os.scandir(root / ".autonote"))
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink():
            _refuse_link(root, Path(entry.path))


def _refuse_link(root: Path, path: Path) -> None:
    if path.is_symlink():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        raise UsageError(
            f"corpus {root}: {path.relative_to(root)} is a symbolic link (to {target}); autonote does not"
            " write through links: replace it with a real folder or file"
        )


@dataclass
class Workspace:
    """Settings plus the resources built from them, each made on first use."""

    settings: Settings
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    rebuild_index: bool = False
    translating: bool = False  # requests also ask for a translation (their answers run longer)

    @cached_property
    def _opened_state(self) -> StateDB:
        """The state database, opened without a word (:meth:`require_writable` turns a state it
        cannot write into its one error line; :attr:`state` warns about it)."""
        from autonote.state import StateDB, state_dir

        return StateDB(state_dir(self.settings.corpus, user_config_dir()))

    @cached_property
    def state(self) -> StateDB:
        state = self._opened_state
        if state.problem:
            self.warn(f"{state.problem}; this run keeps nothing it learns")
        if state.repaired:
            self.warn(f"{state.path} lacked table(s) {', '.join(state.repaired)}; made again, empty")
        return state

    def require_writable(self, action: str) -> None:
        """Before any paid or lasting work: the corpus (and its state) must be writable, so that a
        read-only corpus fails at once rather than after the LLM has been paid."""
        root = require_corpus(self.settings.corpus)
        problem = None
        for folder in (root, root / "notes", root / "drafts"):
            if folder.exists() and not os.access(folder, os.W_OK):
                problem = f"{folder} is read-only"
                break
        if problem is None and not self._opened_state.persistent:
            problem = self._opened_state.problem
        if problem:
            raise WriteRefusedError(f"cannot {action}: {problem}; nothing was sent or written")

    @cached_property
    def folder(self) -> NoteFolder:
        """The corpus folder (it finds existing notes through the index), for the code that works
        on its files as files: a bulk import's writes, lint. Notes are read and written through
        :attr:`store`, drafts through :attr:`drafts`."""
        from autonote.notes.folder import NoteFolder

        root = require_corpus(self.settings.corpus)
        return NoteFolder(root, self.corpus.index)

    @property
    def store(self) -> LocalStore:
        """The corpus's notes, as the note store every command reads and writes (the folder)."""
        return self.folder

    @property
    def drafts(self) -> DraftFolder:
        """The drafts queue of the corpus folder."""
        return self.folder.drafts

    @cached_property
    def corpus(self) -> Corpus:
        from autonote.corpus.view import Corpus, load_corpus

        if self.settings.corpus is None:
            return Corpus(root=Path("."), extra_vocabulary=list(self.settings.tags))
        require_corpus(self.settings.corpus)
        corpus = load_corpus(self.settings.corpus, self.settings.tags, rebuild=self.rebuild_index)
        if corpus.index is not None and not corpus.index.persistent:
            self.warn(
                f"cannot write {self.settings.corpus / '.autonote'}; the index is rebuilt in memory each run"
            )
        self.warn_problems(corpus)
        return corpus

    def warn_problems(self, corpus: Corpus) -> None:
        """Name the corpus's unreadable notes (the first five): each is its own problem, never the corpus's."""
        for problem in corpus.problems[:5]:
            self.warn(f"skipped note: {problem}")
        if len(corpus.problems) > 5:
            self.warn(f"skipped {len(corpus.problems) - 5} more unreadable notes")

    def reopen_corpus(self) -> None:
        """Read the corpus again at its next use (its index refreshed, a new snapshot): for a command
        that first changes the corpus wholesale (the Action's pull) and then drafts from it."""
        old = self.__dict__.pop("corpus", None)
        self.__dict__.pop("folder", None)
        if old is not None and old.index is not None:
            old.index.close()

    def sources(
        self, *, refresh: bool = False, stdin: TextIO | None = None, before_network: Any = None,
        **local_metadata: str | None,
    ) -> SourceContext:  # fmt: skip
        from autonote.sources.base import SourceContext

        return SourceContext(
            self.settings, lambda: self.state, stdin=stdin, local_metadata=local_metadata, refresh=refresh,
            warn=self.warn, before_network=before_network,
        )  # fmt: skip

    @cached_property
    def provider(self) -> Provider:
        """The LLM provider the ``provider`` setting names (:mod:`autonote.llm.providers`)."""
        from autonote.llm.providers import provider_named

        return provider_named(self.settings.provider)

    @cached_property
    def chat(self) -> BlockingChat:
        from autonote.llm.cache import ResponseCache
        from autonote.llm.formats import format_memory

        s = self.settings
        return self.provider.chat_client(
            s,
            completion_limit=self.completion_limit(translate=self.translating),
            cache=ResponseCache(self.state) if s.corpus is not None and s.llm_cache else None,
            formats=format_memory(s, lambda: self.state),
        )

    def cost_of(
        self, prompt_tokens: int, completion_tokens: int, cached_prompt_tokens: int = 0
    ) -> float | None:
        """USD for this usage of the configured model: the settings' prices when both are set, else
        the provider's list price (None when it has none: local servers, unlisted models)."""
        s = self.settings
        return self.provider.estimate_cost(
            s.model, prompt_tokens, completion_tokens, (s.price_input_per_mtok, s.price_output_per_mtok),
            cached_prompt_tokens,
        )  # fmt: skip

    def completion_limit(self, *, translate: bool = False) -> int:
        """``max_completion_tokens`` for requests: the setting, else what this model's answers so
        far need (:func:`autonote.generations.completion_limit`)."""
        if self.settings.max_completion_tokens is not None:
            return self.settings.max_completion_tokens
        from autonote.generations import completion_limit

        return completion_limit(self.state, self.settings.model, translate=translate)[0]

    @cached_property
    def semantic(self):  # -> SemanticIndex | None
        """Embedding search when ``embeddings`` is on and a server is configured."""
        if not self.settings.embeddings or self.settings.corpus is None:
            return None
        if not self.settings.llm_configured:
            raise UsageError("embeddings need an LLM server: set OPENAI_API_KEY or OPENAI_BASE_URL")
        from autonote.corpus.embeddings import SemanticIndex

        return SemanticIndex(self.state, self.chat, self.settings.embedding_model)

    def warn(self, message: str) -> None:
        print(f"autonote: warning: {message}", file=self.stderr)
