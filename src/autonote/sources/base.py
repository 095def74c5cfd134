"""What a source of papers is, and how an input finds its source.

A source recognises the inputs it can fetch (pure parsing, no I/O, so every input is checked before
any work) and fetches papers for them, answering each input on its own: a paper, or the error for
that input. A source also names its papers: the note id a draft of one gets. arXiv and local abstracts are two sources; adding one is one new module listed in
:data:`autonote.sources.registry.SOURCE_MODULES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TextIO

from autonote.errors import AutonoteError

if TYPE_CHECKING:
    from autonote.config import Settings
    from autonote.schema import Paper
    from autonote.state import StateDB


@dataclass(frozen=True)
class PaperRef:
    """One input, recognised: which source fetches it, and by what key."""

    source: str  # the source's name: "arxiv", "local", ...
    key: str  # what the source fetches by: "2504.07086v2", a file path, "-" for stdin
    raw: str  # as the user wrote it, for messages


@dataclass
class SourceContext:
    """What sources may use: settings, the state database (caches, politeness), the input streams
    and the metadata given on the command line for local abstracts."""

    settings: Settings
    state_factory: Any  # () -> StateDB, called only by sources that cache or throttle
    stdin: TextIO | None = None
    local_metadata: dict[str, str | None] = field(default_factory=dict)
    refresh: bool = False  # fetch again instead of answering from a cache
    warn: Any = None  # (message) -> None: what a source says while it works (waits, retries)
    before_network: Any = None  # () -> None: called before a source waits on the network

    @property
    def state(self) -> StateDB:
        return self.state_factory()


Fetched = dict[str, "Paper | AutonoteError"]  # by PaperRef.key: the paper, or why there is none


class Source(Protocol):
    name: ClassVar[str]
    supports: ClassVar[str]  # what it takes, for the message an unrecognised input gets

    def __init__(self, context: SourceContext) -> None: ...

    @staticmethod
    def recognise(text: str) -> PaperRef | None:
        """The ref for ``text`` when this source takes it; None when it is not this source's; a
        UsageError when it is meant for this source but malformed (e.g. an impossible arXiv id)."""
        ...

    @staticmethod
    def note_id(paper: Paper) -> str | None:
        """The id a draft of a paper this source fetched gets (this source's own naming of it);
        None when the paper does not carry what the id is made from (it is then named as a local
        paper is, by its text)."""
        ...

    def fetch(self, refs: Sequence[PaperRef]) -> Fetched:
        """Papers for the refs, each answered on its own."""
        ...
