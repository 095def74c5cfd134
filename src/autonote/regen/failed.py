"""A regen item that failed: what it cost, and its raw outputs kept for inspection.

``draft`` keeps a failed paper's attempts in ``drafts/<id>.failed.json``; regen, which may fail
many items of a large run, keeps them out of the review inbox, in ``.autonote/failed/<id>.json``
(the state folder, ignored by git), with the same record: the note id, the error and every
attempt's raw output, errors and token counts (a later failure of the same note replaces it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autonote.errors import WriteRefusedError
from autonote.fsutil import write_text_atomic
from autonote.secrets import redact

FOLDER = "failed"


def failed_path(state_folder: Path, note_id: str) -> Path:
    return state_folder / FOLDER / f"{note_id}.json"


def keep_failed(state_folder: Path, note_id: str, error: str, attempts: list[dict[str, Any]]) -> Path | None:
    """Write the record (secrets masked); None when there is no raw output to keep or no place."""
    if not attempts:
        return None
    path = failed_path(state_folder, note_id)
    record = {"note_id": note_id, "error": redact(error), "attempts": attempts}
    text = redact(json.dumps(record, ensure_ascii=False, indent=2))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text, overwrite=True)
    except (OSError, WriteRefusedError):
        return None
    return path


def attempts_cost(
    cost_of: Callable[[int, int], float | None], attempts: list[dict[str, Any]]
) -> tuple[int, int, float]:
    """(prompt tokens, completion tokens, USD at ``cost_of``) of the attempts that were paid (not
    from the cache)."""
    paid = [a for a in attempts if not a.get("cached")]
    prompt = sum(int(a.get("prompt_tokens") or 0) for a in paid)
    completion = sum(int(a.get("completion_tokens") or 0) for a in paid)
    cost = cost_of(prompt, completion) or 0.0
    return prompt, completion, cost
