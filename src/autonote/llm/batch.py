"""The OpenAI Batch API: JSONL of chat-completion requests in, answers out, half the price.

Requests are split so that no batch exceeds the API's limits (50,000 requests, 200 MB), uploaded
through ``/v1/files`` (purpose ``batch``), submitted with ``batches.create``, and polled. Output
comes back in any order and is joined on ``custom_id``; failed lines come in the error file. Any
server implementing ``/v1/files`` and ``/v1/batches`` works; one without them is told in one line.
Every call goes through the blocking client's retry policy, and everything the server says (error
messages, answers) is masked for secrets before it is shown or kept.
"""

from __future__ import annotations

import json
from typing import Any

from autonote.bounded import json_object, load_json
from autonote.errors import LLMError
from autonote.llm.providers import BatchState, LineResult
from autonote.secrets import redact

MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024
ENDPOINT = "/v1/chat/completions"


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


NO_BATCH_API = (
    "the LLM server has no Batch API (uploading the batch file to /v1/files answered HTTP 404); "
    "use --via direct"
)


class BatchClient:
    """The OpenAI Batch API (a :class:`~autonote.llm.providers.Batches`): files and batches through
    a :class:`~autonote.llm.client.ChatClient`'s ``call``."""

    max_requests = MAX_REQUESTS
    max_bytes = MAX_BYTES

    def __init__(self, chat: Any) -> None:
        self.chat = chat

    @staticmethod
    def line(custom_id: str, body: dict[str, Any]) -> bytes:
        return batch_line(custom_id, body)

    @staticmethod
    def split(lines: list[bytes], max_requests: int, max_bytes: int) -> list[list[bytes]]:
        return split_lines(lines, max_requests, max_bytes)

    @staticmethod
    def reply_fields(body: dict[str, Any]) -> dict[str, Any]:
        return reply_from_completion(body)

    def submit(self, lines: list[bytes], metadata: dict[str, str] | None = None) -> tuple[str, str]:
        """Upload one group of lines and start a batch: (batch id, input file id)."""
        data = b"".join(lines)
        uploaded = self.chat.call(
            lambda client: client.files.create(file=("autonote-regen.jsonl", data), purpose="batch"),
            what="the Batch API (uploading the batch file)",
            not_found=NO_BATCH_API,
        )
        file_id = _text_field(uploaded, "id", "the uploaded file")
        batch = self.chat.call(
            lambda client: client.batches.create(
                input_file_id=file_id, endpoint=ENDPOINT, completion_window="24h", metadata=metadata or {}
            ),
            what="the Batch API (creating the batch)",
            not_found="the LLM server has no /v1/batches endpoint (creating the batch answered HTTP 404); "
            "use --via direct",
        )
        return _text_field(batch, "id", "the new batch"), file_id

    def state(self, batch_id: str) -> BatchState:
        batch = self.chat.call(
            lambda client: client.batches.retrieve(batch_id),
            what=f"the Batch API (asking for batch {batch_id})",
            not_found=f"the LLM server does not know batch {batch_id} (HTTP 404)",
        )
        counts = getattr(batch, "request_counts", None)
        return BatchState(
            id=_text_field(batch, "id", f"batch {batch_id}"),
            status=_text_field(batch, "status", f"batch {batch_id}"),
            output_file_id=getattr(batch, "output_file_id", None),
            error_file_id=getattr(batch, "error_file_id", None),
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
            text = self.chat.call(
                lambda client, file_id=file_id: client.files.content(file_id).text,
                what=f"the Batch API (downloading file {file_id})",
                not_found=f"the LLM server does not have file {file_id} of batch {state.id} (HTTP 404)",
            )
            for number, raw in enumerate(text.splitlines(), 1):
                if not raw.strip():
                    continue
                try:
                    line = load_json(raw)
                except ValueError:
                    raise LLMError(f"batch {state.id}: line {number} of file {file_id} is not JSON") from None
                if not isinstance(line, dict):
                    raise LLMError(f"batch {state.id}: line {number} of file {file_id} is not a JSON object")
                found.append(_line_result(line))
        return found


def _text_field(obj: Any, name: str, what: str) -> str:
    value = getattr(obj, name, None)
    if not isinstance(value, str) or not value:
        raise LLMError(f"the Batch API answered without an {name} for {what}: {redact(repr(obj))[:160]}")
    return value


def _line_result(line: dict[str, Any]) -> LineResult:
    custom_id = str(line.get("custom_id"))
    response = json_object(line.get("response"))
    error = line.get("error")
    status = response.get("status_code")
    if error or status != 200:
        message = error.get("message") if isinstance(error, dict) else error
        if not message:
            body_error = json_object(json_object(response.get("body")).get("error"))
            message = body_error.get("message") or f"HTTP {status}"
        return LineResult(custom_id, None, f"the batch request failed: {redact(str(message))}")
    body = response.get("body")
    return LineResult(custom_id, body if isinstance(body, dict) else {}, None)


def reply_from_completion(body: dict[str, Any]) -> dict[str, Any]:
    """A chat-completion body → the fields of a :class:`ChatReply` (stored in the journal as JSON),
    its content masked for secrets."""
    choices = body.get("choices") or []
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise LLMError("the batch answer has no choices")
    usage = json_object(body.get("usage"))
    message = json_object(choices[0].get("message"))
    content = message.get("content") or ""
    return {
        "content": redact(content if isinstance(content, str) else json.dumps(content)),
        "prompt_tokens": usage.get("prompt_tokens"),
        "completion_tokens": usage.get("completion_tokens"),
        "finish_reason": choices[0].get("finish_reason"),
        "cached_prompt_tokens": json_object(usage.get("prompt_tokens_details")).get("cached_tokens"),
    }
