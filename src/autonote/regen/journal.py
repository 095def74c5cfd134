"""The regen journal: each item's state and outcome in ``state.sqlite``, committed as it happens.

An item is keyed by a hash of everything that decides its answer: the note's input (title, authors,
venue, abstract), the fields asked for, the prompt template versions, the model and the generation
parameters, and the version of the note rules. A re-run skips items already done with zero requests;
an edit to the note's abstract, a new prompt template, new rules or another model makes a new key, so
the item is done again.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from autonote.bounded import load_json
from autonote.config import Settings
from autonote.rules import RULES_VERSION
from autonote.schema import Note
from autonote.state import StateDB

DONE, FAILED, SKIPPED, SUBMITTED = "done", "failed", "skipped", "submitted"


def item_key(note: Note, fields: tuple[str, ...], settings: Settings, prompt_version: str) -> str:
    material = {
        "note": note.id,
        "title": note.title,
        "authors": note.authors,
        "venue": note.venue,
        "abstract": note.abstract,
        "fields": sorted(fields),
        "prompt_version": prompt_version,
        "rules_version": RULES_VERSION,
        "model": settings.model,
        "temperature": settings.temperature,
        "max_completion_tokens": settings.max_completion_tokens,
        "response_format": settings.response_format,
        "max_reasks": settings.max_reasks,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Item:
    key: str
    note_id: str
    status: str
    detail: str | None
    draft_path: str | None
    batch_id: str | None
    batch_reply: dict[str, Any] | None


class Journal:
    def __init__(self, state: StateDB) -> None:
        self.conn = state.conn

    def get(self, key: str) -> Item | None:
        row = self.conn.execute(
            "SELECT key, note_id, status, detail, draft_path, batch_id, batch_reply_json FROM regen_items WHERE key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        return Item(row[0], row[1], row[2], row[3], row[4], row[5], load_json(row[6]) if row[6] else None)

    def _upsert(self, key: str, note_id: str, status: str, **values: Any) -> None:
        columns = ["key", "note_id", "status", "updated", *values]
        params = [key, note_id, status, time.time(), *values.values()]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        self.conn.execute(
            f"INSERT INTO regen_items({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT(key) DO UPDATE SET {updates}",
            params,
        )

    def done(self, key: str, note_id: str, draft_path: str, *, prompt_tokens: int, completion_tokens: int,
             cost_usd: float | None, attempts: int) -> None:  # fmt: skip
        self._upsert(
            key, note_id, DONE, detail=None, draft_path=draft_path, prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens, cost_usd=cost_usd, attempts=attempts, batch_reply_json=None,
        )  # fmt: skip

    def failed(self, key: str, note_id: str, reason: str) -> None:
        self._upsert(key, note_id, FAILED, detail=reason)

    def skipped(self, key: str, note_id: str, reason: str) -> None:
        self._upsert(key, note_id, SKIPPED, detail=reason)

    def submitted(self, key: str, note_id: str, batch_id: str) -> None:
        self._upsert(key, note_id, SUBMITTED, batch_id=batch_id, detail=None)

    def batch_reply(self, key: str, reply: dict[str, Any] | None, error: str | None) -> None:
        if reply is not None:
            self.conn.execute(
                "UPDATE regen_items SET batch_reply_json = ?, updated = ? WHERE key = ?",
                (json.dumps(reply, ensure_ascii=False), time.time(), key),
            )
        else:
            self.conn.execute(
                "UPDATE regen_items SET status = ?, detail = ?, updated = ? WHERE key = ?",
                (FAILED, error, time.time(), key),
            )

    # -- batches ----------------------------------------------------------------------------------

    def add_batch(self, batch_id: str, input_file_id: str, items: int, selection: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO regen_batches(batch_id, input_file_id, items, status, created, selection_json)"
            " VALUES (?, ?, ?, 'validating', ?, ?)",
            (batch_id, input_file_id, items, time.time(), json.dumps(selection)),
        )

    def set_batch_status(self, batch_id: str, status: str) -> None:
        self.conn.execute("UPDATE regen_batches SET status = ? WHERE batch_id = ?", (status, batch_id))

    def open_batches(self) -> list[tuple[str, dict[str, Any]]]:
        """Batches submitted and not yet collected: (batch id, the regen options they belong to)."""
        rows = self.conn.execute(
            "SELECT batch_id, selection_json FROM regen_batches WHERE status != 'collected' ORDER BY created"
        )
        return [(batch_id, load_json(selection)) for batch_id, selection in rows]

    def items_of_batch(self, batch_id: str) -> list[Item]:
        keys = [
            r[0] for r in self.conn.execute("SELECT key FROM regen_items WHERE batch_id = ?", (batch_id,))
        ]
        return [item for item in (self.get(k) for k in keys) if item is not None]
