"""The record of review decisions, so that ``regen`` does not propose a rejected draft again."""

from __future__ import annotations

import hashlib
import time

from autonote.state import StateDB


class Decisions:
    def __init__(self, state: StateDB) -> None:
        self.conn = state.conn

    def record(self, note_id: str, decision: str, text: str, *, reason: str = "", journal_key: str | None = None,
               kept_at: str | None = None) -> None:  # fmt: skip
        self.conn.execute(
            "INSERT INTO review_decisions(note_id, decision, reason, journal_key, draft_sha256, kept_at, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                note_id,
                decision,
                reason,
                journal_key,
                hashlib.sha256(text.encode()).hexdigest(),
                kept_at,
                time.time(),
            ),
        )

    def latest(self, journal_key: str) -> tuple[str, str] | None:
        """The last decision on a draft from this regen item: (accepted|rejected, reason)."""
        row = self.conn.execute(
            "SELECT decision, reason FROM review_decisions WHERE journal_key = ? ORDER BY id DESC",
            (journal_key,),
        ).fetchone()
        return None if row is None else (row[0], row[1] or "no reason given")

    def rejected(self, journal_key: str) -> str | None:
        """The reason a draft from this regen item was rejected, or None."""
        row = self.conn.execute(
            "SELECT reason FROM review_decisions WHERE journal_key = ? AND decision = 'rejected' ORDER BY id DESC",
            (journal_key,),
        ).fetchone()
        return None if row is None else (row[0] or "no reason given")
