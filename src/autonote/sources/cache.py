"""Fetched papers kept in the state database, by source and key (the ``source_cache`` table), so
that drafting the same OpenReview paper, anthology paper or web page again makes no request.
``--refresh`` skips the lookup and stores the new answer. (arXiv keeps its own ``papers`` table.)"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from autonote.schema import Paper

if TYPE_CHECKING:
    from autonote.state import StateDB


class SourceCache:
    def __init__(self, state: StateDB, source: str) -> None:
        self.state = state
        self.source = source

    def get_text(self, key: str) -> str | None:
        """What was stored under ``key`` as it was stored (a source that keeps something other
        than a paper, such as a reference list, stores its own JSON)."""
        row = self.state.conn.execute(
            "SELECT paper_json FROM source_cache WHERE source = ? AND key = ?", (self.source, key)
        ).fetchone()
        return None if row is None else row[0]

    def put_text(self, key: str, text: str) -> None:
        self.state.conn.execute(
            "INSERT OR REPLACE INTO source_cache(source, key, fetched_at, paper_json) VALUES (?, ?, ?, ?)",
            (self.source, key, time.time(), text),
        )

    def get(self, key: str) -> Paper | None:
        text = self.get_text(key)
        if text is None:
            return None
        try:
            return Paper.model_validate_json(text)
        except ValueError:  # written by another version of autonote: fetch again
            return None

    def put(self, key: str, paper: Paper) -> None:
        self.put_text(key, paper.model_dump_json())
