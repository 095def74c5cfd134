"""Fetched papers kept in the state database, by source and key (the ``source_cache`` table), so
that drafting the same OpenReview paper, anthology paper or web page again makes no request.
``--refresh`` skips the lookup and stores the new answer. (arXiv keeps its own ``papers`` table.)"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

from autonote.schema import Paper

if TYPE_CHECKING:
    from autonote.state import StateDB


def stored_key(key: str) -> str:
    """The key as the table keeps it: a URL with credentials or a token in its query
    (``?access_token=…``, ``https://user:KEY@host``) is kept as its SHA-256 only, so that no secret
    is written into the state database; any other key as it is."""
    from autonote.secrets import strip_url_secrets

    if strip_url_secrets(key)[1]:
        return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key


class SourceCache:
    def __init__(self, state: StateDB, source: str) -> None:
        self.state = state
        self.source = source

    def get_text(self, key: str) -> str | None:
        """What was stored under ``key`` as it was stored (a source that keeps something other
        than a paper, such as a reference list, stores its own JSON)."""
        row = self.state.conn.execute(
            "SELECT paper_json FROM source_cache WHERE source = ? AND key = ?",
            (self.source, stored_key(key)),
        ).fetchone()
        return None if row is None else row[0]

    def put_text(self, key: str, text: str) -> None:
        self.state.conn.execute(
            "INSERT OR REPLACE INTO source_cache(source, key, fetched_at, paper_json) VALUES (?, ?, ?, ?)",
            (self.source, stored_key(key), time.time(), text),
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
        from autonote.secrets import strip_url_secrets

        if paper.url:  # the URL the page was fetched with may carry a token: the note never keeps it
            paper = paper.model_copy(update={"url": strip_url_secrets(paper.url)[0]})
        self.put_text(key, paper.model_dump_json())
