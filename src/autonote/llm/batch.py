"""The OpenAI Batch API: JSONL of chat-completion requests in, answers out, half the price.

Requests are split so that no batch exceeds the API's limits (50,000 requests, 200 MB), uploaded
through ``/v1/files`` (purpose ``batch``), submitted with ``batches.create``, and polled. Output
comes back in any order and is joined on ``custom_id``; failed lines come in the error file. Any
server implementing ``/v1/files`` and ``/v1/batches`` works.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from autonote.errors import LLMError

MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024
ENDPOINT = "/v1/chat/completions"
FINAL_STATES = {"completed", "failed", "expired", "cancelled"}


def batch_line(custom_id: str, body: dict[str, Any]) -> bytes:
    line = {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body}
    return (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def split_lines(
    lines: list[bytes], max_requests: int = MAX_REQUESTS, max_bytes: int = MAX_BYTES
) -> list[list[bytes]]:
    """Consecutive groups within both limits (a single line over the byte limit is an error)."""
    groups: list[list[bytes]] = []
    current: list[bytes] = []
    size = 0
    for line in lines:
        if len(line) > max_bytes:
            raise LLMError(f"one request is {len(line)} bytes, over the batch limit of {max_bytes}")
        if current and (len(current) >= max_requests or size + len(line) > max_bytes):
            groups.append(current)
            current, size = [], 0
        current.append(line)
        size += len(line)
    if current:
        groups.append(current)
    return groups


@dataclass(frozen=True)
class BatchState:
    id: str
    status: str
    output_file_id: str | None
    error_file_id: str | None
    completed: int
    failed: int
    total: int

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATES


@dataclass(frozen=True)
class LineResult:
    custom_id: str
    body: dict[str, Any] | None  # the chat completion, when the line succeeded
    error: str | None


class BatchClient:
    def __init__(self, openai_client: Any) -> None:
        self.client = openai_client

    def submit(self, lines: list[bytes], metadata: dict[str, str] | None = None) -> tuple[str, str]:
        """Upload one group of lines and start a batch: (batch id, input file id)."""
        uploaded = self.client.files.create(file=("autonote-regen.jsonl", b"".join(lines)), purpose="batch")
        batch = self.client.batches.create(
            input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h", metadata=metadata or {}
        )
        return batch.id, uploaded.id

    def state(self, batch_id: str) -> BatchState:
        batch = self.client.batches.retrieve(batch_id)
        counts = batch.request_counts
        return BatchState(
            id=batch.id,
            status=batch.status,
            output_file_id=batch.output_file_id,
            error_file_id=batch.error_file_id,
            completed=getattr(counts, "completed", 0) or 0,
            failed=getattr(counts, "failed", 0) or 0,
            total=getattr(counts, "total", 0) or 0,
        )

    def results(self, state: BatchState) -> list[LineResult]:
        """Every line's outcome, from the output and error files (in the order they come)."""
        found: list[LineResult] = []
        for file_id in (state.output_file_id, state.error_file_id):
            if not file_id:
                continue
            text = self.client.files.content(file_id).text
            for number, raw in enumerate(text.splitlines(), 1):
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                except json.JSONDecodeError:
                    raise LLMError(f"batch {state.id}: line {number} of file {file_id} is not JSON") from None
                found.append(_line_result(line))
        return found


def _line_result(line: dict[str, Any]) -> LineResult:
    custom_id = str(line.get("custom_id"))
    response = line.get("response") or {}
    error = line.get("error")
    status = response.get("status_code")
    if error or status != 200:
        message = (error or {}).get("message") if isinstance(error, dict) else error
        if not message:
            body_error = (response.get("body") or {}).get("error") or {}
            message = body_error.get("message") or f"HTTP {status}"
        return LineResult(custom_id, None, f"the batch request failed: {message}")
    return LineResult(custom_id, response.get("body") or {}, None)


def reply_from_completion(body: dict[str, Any]) -> dict[str, Any]:
    """A chat-completion body → the fields of a :class:`ChatReply` (stored in the journal as JSON)."""
    choices = body.get("choices") or []
    if not choices:
        raise LLMError("the batch answer has no choices")
    usage = body.get("usage") or {}
    return {
        "content": (choices[0].get("message") or {}).get("content") or "",
        "prompt_tokens": usage.get("prompt_tokens"),
        "completion_tokens": usage.get("completion_tokens"),
        "finish_reason": choices[0].get("finish_reason"),
    }
