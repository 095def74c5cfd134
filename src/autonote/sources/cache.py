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

    def get(self, key: str) -> Paper | None:
        row = self.state.conn.execute(
            "SELECT paper_json FROM source_cache WHERE source = ? AND key = ?", (self.source, key)
        ).fetchone()
        if row is None:
            return None
        try:
            return Paper.model_validate_json(row[0])
        except ValueError:  # written by another version of autonote: fetch again
            return None

    def put(self, key: str, paper: Paper) -> None:
        self.state.conn.execute(
            "INSERT OR REPLACE INTO source_cache(source, key, fetched_at, paper_json) VALUES (?, ?, ?, ?)",
            (self.source, key, time.time(), paper.model_dump_json()),
        )
