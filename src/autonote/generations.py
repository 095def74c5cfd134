"""The generations log: every LLM attempt, with its raw output, errors and usage, in the state
database (``generations``). This module is its one owner: it writes attempts and answers what the
log knows (how long answers run, so a request's completion limit fits them)."""

from __future__ import annotations

import json
import math
import time
from typing import Any

from autonote.state import StateDB

DEFAULT_COMPLETION_LIMIT = 1500  # until the log has seen enough answers of a model
MIN_ANSWERS = 20
COMPLETION_LIMIT_STEP = 256  # limits move in steps, so requests (and their cache keys) stay stable


def log_attempt(
    state: StateDB, *, note_id: str, model: str, prompt_version: str, number: int, attempt: Any
) -> None:
    state.conn.execute(
        "INSERT INTO generations(created, note_id, model, prompt_version, messages_hash, response_format,"
        " attempt, raw_output, errors_json, prompt_tokens, completion_tokens, duration_s, ok, cached)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (time.time(), note_id, model, prompt_version, attempt.messages_hash, attempt.mode, number, attempt.raw,
         json.dumps(attempt.errors, ensure_ascii=False), attempt.prompt_tokens, attempt.completion_tokens,
         attempt.duration_s, int(not attempt.errors), int(attempt.cached)),
    )  # fmt: skip


def _answers(state: StateDB, model: str, limit: int = 2000) -> list[int]:
    """Completion tokens of this model's recent answers that validated and were paid for."""
    rows = state.conn.execute(
        "SELECT completion_tokens FROM generations WHERE model = ? AND ok = 1 AND cached = 0"
        " AND completion_tokens > 0 ORDER BY id DESC LIMIT ?",
        (model, limit),
    )
    return [row[0] for row in rows]


def expected_completion_tokens(state: StateDB, model: str, default: int) -> tuple[int, str]:
    """The mean completion of this model's answers so far (for cost estimates), and its basis."""
    answers = _answers(state, model)
    if len(answers) >= 5:
        return round(sum(answers) / len(answers)), f"mean of {len(answers)} earlier answers"
    return default, "default (no earlier answers from this model)"


def completion_limit(state: StateDB, model: str, *, translate: bool = False) -> tuple[int, str]:
    """The ``max_completion_tokens`` to send when none is configured: half again the longest of
    this model's recent answers (its 99th percentile), rounded up to a step of 256, at least 512. A
    provider reserves the limit against the tokens-per-minute budget, so a limit near what answers
    take lets more requests through; a translation needs about as much again."""
    answers = sorted(_answers(state, model))
    if len(answers) < MIN_ANSWERS:
        limit, basis = DEFAULT_COMPLETION_LIMIT, "default (fewer than 20 earlier answers)"
    else:
        p99 = answers[min(len(answers) - 1, math.ceil(0.99 * len(answers)) - 1)]
        limit = max(512, math.ceil(p99 * 1.5 / COMPLETION_LIMIT_STEP) * COMPLETION_LIMIT_STEP)
        basis = f"1.5 x the 99th percentile of {len(answers)} earlier answers"
    return (limit * 2, basis + ", doubled for a translation") if translate else (limit, basis)
