"""Real HTTP servers on 127.0.0.1 that speak the protocols autonote talks to.

- :class:`ArxivServer` serves the arXiv API (``GET /api/query?id_list=...``) from recorded Atom
  feeds in ``fixtures/arxiv/``, merging entries when several ids are asked for at once.
- :class:`OpenAIServer` serves ``POST /v1/chat/completions`` with scripted replies; without a
  script it answers like a cooperative model, filling the JSON schema it was sent.
- :class:`OpenReviewServer` serves the OpenReview API v2 (``GET /notes?id=...``) from recorded-style
  notes in ``fixtures/openreview/``; :class:`AclAnthologyServer` the ACL Anthology's per-paper MODS
  exports (``GET /<id>.xml``) from ``fixtures/acl/``; :class:`WebServer` a static site of blog pages
  from ``fixtures/web/`` plus scripted routes (redirects, PDFs, trickling bodies).

All take scripted faults (status codes with headers, slow answers, broken bodies) and record every
request, so tests drive autonote through the real openai client and the real HTTP stack.
Used by tests/ and bench/.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass
class Fault:
    """A scripted answer that replaces the normal one for a single request."""

    status: int = 200
    body: str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Server:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.record_bodies = True  # benchmarks with thousands of requests turn this off
        self.request_headers = threading.local()  # the headers of the request being answered
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                outer._dispatch(self, "GET", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer._dispatch(self, "POST", self.rfile.read(length))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> _Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        with self._lock:
            self.requests.append(
                {"time": time.time(), "method": method, "path": handler.path,
                 "body": body if self.record_bodies else b"", "headers": dict(handler.headers)}
            )  # fmt: skip
            fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status != 200 or fault.body is not None:
                self._send(handler, fault.status, fault.body or b"", fault.headers)
                return
        self.request_headers.value = dict(handler.headers)
        status, payload, headers = self.answer(method, handler.path, body)
        self._send(handler, status, payload, headers)

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, payload: str | bytes, headers: dict[str, str]
    ) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        try:
            handler.send_response(status)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str | bytes, dict[str, str]]:
        raise NotImplementedError


# -- arXiv ---------------------------------------------------------------------------------------
_ENTRY = re.compile(r"  <entry>.*?</entry>\n", re.S)
_ENTRY_ID = re.compile(r"<id>http://arxiv\.org/abs/(?P<id>.+?)</id>")


class ArxivServer(_Server):
    """The arXiv query API over recorded feeds. Unknown ids get an empty feed; malformed ones an
    ``Error`` entry (both with HTTP 200, as arXiv does)."""

    def __init__(
        self, feeds_dir: Path = FIXTURES / "arxiv", extra_entries: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        self.entries: dict[str, str] = {}
        for path in sorted(feeds_dir.glob("*.xml")):
            for entry in _ENTRY.findall(path.read_text(encoding="utf-8")):
                self.add_entry(entry)
        for entry in (extra_entries or {}).values():
            self.add_entry(entry)

    def add_entry(self, entry: str) -> None:
        versioned = _ENTRY_ID.search(entry)["id"]  # type: ignore[index]
        self.entries[versioned] = entry
        self.entries[re.sub(r"v\d+$", "", versioned)] = entry

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/query"

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str, dict[str, str]]:
        url = urlparse(path)
        if url.path != "/api/query":
            return 404, "not found", {}
        params = parse_qs(url.query)
        ids = [i for i in ",".join(params.get("id_list", [""])).split(",") if i]
        from autonote.sources.arxiv_ids import parse_arxiv_id

        entries = []
        for arxiv_id in ids:
            if parse_arxiv_id(arxiv_id) is None:
                entries = [_error_entry(arxiv_id)]
                break
            if arxiv_id in self.entries:
                entries.append(self.entries[arxiv_id])
        return 200, _feed(",".join(ids), entries), {"Content-Type": "application/atom+xml; charset=utf-8"}


def _error_entry(bad_id: str) -> str:
    return (
        f"  <entry>\n    <id>http://arxiv.org/api/errors#incorrect_id_format_for_{bad_id}</id>\n"
        f"    <title>Error</title>\n    <summary>incorrect id format for {bad_id}</summary>\n"
        "    <updated>2026-11-21T00:00:00-05:00</updated>\n  </entry>\n"
    )


def _feed(query: str, entries: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
        f"  <id>https://arxiv.org/api/loopback</id>\n  <title>arXiv Query: id_list={query}</title>\n"
        f"  <updated>2026-11-21T00:00:00Z</updated>\n  <opensearch:totalResults>{len(entries)}"
        "</opensearch:totalResults>\n  <opensearch:startIndex>0</opensearch:startIndex>\n"
        + "".join(entries)
        + "</feed>\n"
    )


# -- OpenAI-compatible chat completions ----------------------------------------------------------
GOOD_SUMMARY = (
    "本研究では、言語モデルの推論能力を強化学習で高める手法を提案する。検証器から得た密な報酬を方策最適化に"
    "用いることで、結果のみの報酬より効率的に学習できることを示した。数学ベンチマークで精度が向上し、"
    "必要なサンプル数も削減された。コードとデータは公開されている。"
)
GOOD_POINTS = ["検証器を密なプロセス報酬として利用", "GRPOで方策を最適化", "数学ベンチマークで精度が向上"]

Reply = Callable[[dict[str, Any]], str]


def _json(status: int, payload: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
    return status, json.dumps(payload), {"Content-Type": "application/json"}


def cooperative_reply(request: dict[str, Any]) -> str:
    """A valid answer to any note request: picks the first candidates the schema allows."""
    schema = _schema_of(request)
    props = schema.get("properties", {}) if schema else {}

    def first(name: str, count: int) -> list[str]:
        items = props.get(name, {}).get("items", {})
        options = items.get("enum") or []
        return list(options[:count])

    answer: dict[str, Any] = {
        "summary": GOOD_SUMMARY,
        "key_points": GOOD_POINTS,
        "tags": first("tags", 3),
        "new_tags": [],
        "related_ids": first("related_ids", 2),
    }
    if "translation" in props:
        answer["translation"] = "これは抄録の日本語訳である。"
    return json.dumps(answer, ensure_ascii=False)


def _schema_of(request: dict[str, Any]) -> dict[str, Any] | None:
    fmt = request.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["schema"]
    # JSON/plain modes carry the schema in the prompt; find it for the cooperative model.
    text = request["messages"][-1]["content"] if request.get("messages") else ""
    marker = text.rfind("JSON schema exactly:")
    if marker >= 0:
        try:
            return json.loads(text[marker + len("JSON schema exactly:") :].strip())
        except json.JSONDecodeError:
            return None
    return None


EMBEDDING_DIMS = 64


def bag_of_words_vector(text: str) -> list[float]:
    """A deterministic stand-in for an embedding: hashed word counts, so that texts sharing words
    are close. Enough to test caching, fusion and the protocol; not a model of meaning."""
    vector = [0.0] * EMBEDDING_DIMS
    for word in re.findall(r"[a-z]{3,}", text.lower()):
        vector[int(hashlib.sha1(word.encode()).hexdigest(), 16) % EMBEDDING_DIMS] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


class ServerRateLimit:
    """Requests/min and tokens/min as providers enforce them: buckets refilling continuously that hold
    one second's worth. Tokens are counted as providers do: the prompt (tiktoken, o200k) plus the
    request's completion-token limit."""

    def __init__(self, rpm: float, tpm: float, burst_seconds: float = 1.0) -> None:
        self.rpm, self.tpm, self.burst = rpm, tpm, burst_seconds
        self.requests_level = rpm * burst_seconds / 60
        self.tokens_level = tpm * burst_seconds / 60
        self.stamp = time.monotonic()
        self.lock = threading.Lock()
        self.rejected = 0
        self.accepted = 0

    def _refill(self, now: float) -> None:
        elapsed = now - self.stamp
        self.stamp = now
        self.requests_level = min(self.rpm * self.burst / 60, self.requests_level + elapsed * self.rpm / 60)
        self.tokens_level = min(self.tpm * self.burst / 60, self.tokens_level + elapsed * self.tpm / 60)

    def admit(self, tokens: int) -> tuple[bool, float, dict[str, str]]:
        """(admitted, seconds until it would be, rate-limit headers)."""
        with self.lock:
            now = time.monotonic()
            self._refill(now)
            need_tokens = min(tokens, self.tpm * self.burst / 60)
            wait = max(
                (1 - self.requests_level) * 60 / self.rpm if self.requests_level < 1 else 0.0,
                (need_tokens - self.tokens_level) * 60 / self.tpm if self.tokens_level < need_tokens else 0.0,
            )
            admitted = wait <= 0
            if admitted:
                self.requests_level -= 1
                self.tokens_level -= tokens
                self.accepted += 1
            else:
                self.rejected += 1
            headers = {
                "x-ratelimit-limit-requests": str(int(self.rpm)),
                "x-ratelimit-remaining-requests": str(max(0, int(self.requests_level))),
                "x-ratelimit-reset-requests": f"{max(0.0, (self.rpm * self.burst / 60 - self.requests_level) * 60 / self.rpm):.3f}s",
                "x-ratelimit-limit-tokens": str(int(self.tpm)),
                "x-ratelimit-remaining-tokens": str(max(0, int(self.tokens_level))),
                "x-ratelimit-reset-tokens": f"{max(0.0, (self.tpm * self.burst / 60 - self.tokens_level) * 60 / self.tpm):.3f}s",
            }
            return admitted, wait, headers


_ENCODING: Any = None


def provider_tokens(request: dict[str, Any]) -> int:
    """What a provider charges against tokens/min for a chat request."""
    global _ENCODING
    if _ENCODING is None:
        try:
            import tiktoken

            _ENCODING = tiktoken.get_encoding("o200k_base")
        except Exception:  # no encoding offline: count like autonote's fallback
            _ENCODING = False
    contents = [m.get("content") or "" for m in request.get("messages", [])]
    if _ENCODING:
        prompt = sum(len(_ENCODING.encode(c, disallowed_special=())) + 4 for c in contents) + 3
    else:
        prompt = sum(len(c) // 3 + 4 for c in contents) + 3
    return prompt + int(request.get("max_completion_tokens") or request.get("max_tokens") or 0)


class OpenAIServer(_Server):
    """``/v1/chat/completions`` with a queue of scripted replies (strings or callables), plus
    ``/v1/embeddings``, ``/v1/files`` and ``/v1/batches``.

    ``accept_formats`` lists the response_format types the server supports; others get HTTP 400,
    the way servers without Structured Outputs answer. ``usage`` False leaves usage out. ``limits``
    (a :class:`ServerRateLimit`) answers 429 with ``retry-after-ms`` over the limits and sends
    ``x-ratelimit-*`` headers on every chat answer. ``latency`` ± ``jitter`` seconds per answer.
    Batches finish after ``batch_polls`` retrievals; custom ids in ``batch_failures`` fail.
    """

    def __init__(
        self,
        accept_formats: tuple[str, ...] = ("json_schema", "json_object"),
        usage: bool = True,
        latency: float = 0.0,
        jitter: float = 0.0,
        limits: ServerRateLimit | None = None,
    ) -> None:
        super().__init__()
        self.replies: list[str | Reply] = []  # consumed in order; then cooperative_reply
        self.accept_formats = accept_formats
        self.include_usage = usage
        self.latency = latency
        self.jitter = jitter
        self.limits = limits
        self.completions = 0
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_polls = 1
        self.batch_failures: set[str] = set()
        self.random = random.Random(5)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def chat_requests(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests if r["path"].endswith("/chat/completions")]

    def embedding_requests(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests if r["path"].endswith("/embeddings")]

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str | bytes, dict[str, str]]:
        route = path.split("?")[0].rstrip("/")
        if method == "POST" and route.endswith("/embeddings"):
            return self._embeddings(json.loads(body))
        if route.endswith("/files") and method == "POST":
            return self._upload(body)
        if "/files/" in route and route.endswith("/content") and method == "GET":
            file_id = route.split("/files/")[1].removesuffix("/content")
            if file_id not in self.files:
                return _json(404, {"error": {"message": f"no file {file_id}"}})
            return 200, self.files[file_id], {"Content-Type": "application/octet-stream"}
        if route.endswith("/batches") and method == "POST":
            return self._create_batch(json.loads(body))
        if "/batches/" in route and method == "GET":
            return self._retrieve_batch(route.split("/batches/")[1])
        if method != "POST" or not route.endswith("/chat/completions"):
            return _json(404, {"error": {"message": "not found"}})
        request = json.loads(body)
        headers: dict[str, str] = {"Content-Type": "application/json"}
        if self.limits is not None:
            admitted, wait, limit_headers = self.limits.admit(provider_tokens(request))
            headers.update(limit_headers)
            if not admitted:
                headers["retry-after-ms"] = str(max(1, int(wait * 1000)))
                error = {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded"}}
                return 429, json.dumps(error), headers
        if self.latency or self.jitter:
            time.sleep(max(0.0, self.latency + self.random.uniform(-self.jitter, self.jitter)))
        status, response = self.complete(request)
        return status, json.dumps(response, ensure_ascii=False), headers

    def complete(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One chat completion as the server computes it (also used for batch lines)."""
        fmt = (request.get("response_format") or {}).get("type")
        if fmt and fmt not in self.accept_formats:
            error = {
                "message": f"response_format type {fmt} is not supported",
                "type": "invalid_request_error",
            }
            return 400, {"error": error}
        with self._lock:
            scripted = self.replies.pop(0) if self.replies else cooperative_reply
            self.completions += 1
            number = self.completions
        content = scripted(request) if callable(scripted) else scripted
        prompt_chars = sum(len(m.get("content") or "") for m in request["messages"])
        response: dict[str, Any] = {
            "id": f"chatcmpl-loopback-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
        }
        if self.include_usage:
            response["usage"] = {  # rough counts; the client must not rely on them being exact
                "prompt_tokens": prompt_chars // 3,
                "completion_tokens": len(content) // 2,
                "total_tokens": prompt_chars // 3 + len(content) // 2,
            }
        return 200, response

    # -- Batch API -------------------------------------------------------------------------------

    def _upload(self, body: bytes) -> tuple[int, str, dict[str, str]]:
        sent = self.request_headers.value
        content_type = sent.get("Content-Type") or sent.get("content-type") or ""
        message = BytesParser(policy=email_policy).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        data, purpose = b"", ""
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name == "file":
                data = part.get_payload(decode=True) or b""
            elif name == "purpose":
                purpose = (part.get_payload(decode=True) or b"").decode()
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return _json(200, {
            "id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
            "filename": "input.jsonl", "purpose": purpose or "batch", "status": "processed",
        })  # fmt: skip

    def _batch_object(self, batch: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in batch.items() if not key.startswith("_")}

    def _create_batch(self, request: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
        if request.get("input_file_id") not in self.files:
            return _json(400, {"error": {"message": "unknown input_file_id"}})
        batch_id = f"batch_{len(self.batches) + 1}"
        lines = [line for line in self.files[request["input_file_id"]].decode().splitlines() if line.strip()]
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": request["endpoint"],
            "input_file_id": request["input_file_id"], "completion_window": request["completion_window"],
            "status": "validating", "created_at": int(time.time()), "output_file_id": None,
            "error_file_id": None, "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "metadata": request.get("metadata") or {}, "_polls": 0,
        }  # fmt: skip
        return _json(200, self._batch_object(self.batches[batch_id]))

    def _retrieve_batch(self, batch_id: str) -> tuple[int, str, dict[str, str]]:
        batch = self.batches.get(batch_id)
        if batch is None:
            return _json(404, {"error": {"message": f"no batch {batch_id}"}})
        batch["_polls"] += 1
        if batch["status"] != "completed" and batch["_polls"] >= self.batch_polls:
            self._run_batch(batch)
        elif batch["status"] == "validating":
            batch["status"] = "in_progress"
        return _json(200, self._batch_object(batch))

    def _run_batch(self, batch: dict[str, Any]) -> None:
        outputs, errors = [], []
        for raw in self.files[batch["input_file_id"]].decode().splitlines():
            if not raw.strip():
                continue
            line = json.loads(raw)
            custom_id = line["custom_id"]
            if custom_id in self.batch_failures:
                errors.append({"id": f"req_{custom_id[:8]}", "custom_id": custom_id, "response": None,
                               "error": {"code": "server_error", "message": "the model failed"}})  # fmt: skip
                continue
            status, body = self.complete(line["body"])
            outputs.append({"id": f"req_{custom_id[:8]}", "custom_id": custom_id,
                            "response": {"status_code": status, "request_id": "r", "body": body}, "error": None})  # fmt: skip
        self.random.shuffle(outputs)  # the API does not keep the input order
        output_id, error_id = f"file-{len(self.files) + 1}", f"file-{len(self.files) + 2}"
        self.files[output_id] = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in outputs).encode()
        self.files[error_id] = "".join(json.dumps(e) + "\n" for e in errors).encode()
        batch.update(
            status="completed", output_file_id=output_id, error_file_id=error_id if errors else None,
            request_counts={"total": len(outputs) + len(errors), "completed": len(outputs), "failed": len(errors)},
        )  # fmt: skip

    def _embeddings(self, request: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
        inputs = request["input"] if isinstance(request["input"], list) else [request["input"]]
        data = [
            {"object": "embedding", "index": i, "embedding": bag_of_words_vector(text)}
            for i, text in enumerate(inputs)
        ]
        tokens = sum(len(text) // 4 for text in inputs)
        response = {
            "object": "list",
            "data": list(reversed(data)),  # order is by "index", not by position: the client must sort
            "model": request["model"],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        return 200, json.dumps(response), {"Content-Type": "application/json"}


# -- OpenReview API v2 ---------------------------------------------------------------------------


class _QuickServer(_Server):
    """A server that notices a shutdown within 50 ms (serve_forever polls every 0.5 s by default),
    so that the many short-lived source servers of the tests stop quickly."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.Thread(
            target=lambda: self.httpd.serve_forever(poll_interval=0.05), daemon=True
        )


class OpenReviewServer(_QuickServer):
    """``GET /notes?id=<id>`` answered as API v2 does: ``{"notes": [note], "count": 1}``; an unknown
    id gets 404 ``NotFoundError``, an id in :attr:`forbidden` 403 ``ForbiddenError`` (JSON bodies)."""

    def __init__(self, notes_dir: Path = FIXTURES / "openreview") -> None:
        super().__init__()
        self.notes = {
            p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(notes_dir.glob("*.json"))
        }
        self.forbidden: set[str] = set()

    @property
    def api_url(self) -> str:
        return self.url

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str, dict[str, str]]:
        url = urlparse(path)
        if url.path != "/notes":
            return _json(404, {"name": "NotFoundError", "message": f"Cannot GET {url.path}", "status": 404})
        note_id = (parse_qs(url.query).get("id") or [""])[0]
        if not note_id:
            return _json(400, {"name": "ValidationError", "message": "id is required", "status": 400})
        if note_id in self.forbidden:
            return _json(403, {"name": "ForbiddenError", "message": f"You do not have permission to read {note_id}", "status": 403})  # fmt: skip
        note = self.notes.get(note_id)
        if note is None:
            return _json(404, {"name": "NotFoundError", "message": f"The Note {note_id} was not found", "status": 404})  # fmt: skip
        return _json(200, {"notes": [note], "count": 1})


# -- ACL Anthology -------------------------------------------------------------------------------


class AclAnthologyServer(_QuickServer):
    """The anthology's exports of one paper, ``GET /<id>.xml`` (MODS), from ``fixtures/acl/``; any
    other path gets the site's HTML 404 page."""

    def __init__(self, mods_dir: Path = FIXTURES / "acl") -> None:
        super().__init__()
        self.mods = {p.name: p.read_bytes() for p in sorted(mods_dir.glob("*.xml"))}

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str | bytes, dict[str, str]]:
        name = urlparse(path).path.lstrip("/")
        if name in self.mods:
            return 200, self.mods[name], {"Content-Type": "application/xml"}
        page = "<!DOCTYPE html><html><head><title>Page not found - ACL Anthology</title></head><body><h1>404</h1></body></html>"  # fmt: skip
        return 404, page, {"Content-Type": "text/html; charset=utf-8"}


# -- a web site ----------------------------------------------------------------------------------


@dataclass
class Trickle:
    """A body sent ``chunk`` bytes at a time with ``pause`` seconds between chunks."""

    body: bytes
    chunk: int = 64
    pause: float = 0.2


class WebServer(_QuickServer):
    """A static site: ``/posts/<name>`` serves ``fixtures/web/<name>`` as ``text/html`` (no charset
    named, as many servers do). :attr:`routes` adds answers by path: ``(status, body, headers)``,
    where the body may be a :class:`Trickle`."""

    def __init__(self, pages_dir: Path = FIXTURES / "web") -> None:
        super().__init__()
        self.pages = {p.name: p.read_bytes() for p in sorted(pages_dir.glob("*.html"))}
        self.routes: dict[str, tuple[int, Any, dict[str, str]]] = {}

    def page_url(self, name: str) -> str:
        return f"{self.url}/posts/{name}"

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, Any, dict[str, str]]:
        route = urlparse(path).path
        if route in self.routes:
            return self.routes[route]
        name = route.removeprefix("/posts/")
        if route.startswith("/posts/") and name in self.pages:
            return 200, self.pages[name], {"Content-Type": "text/html"}
        return (
            404,
            "<html><head><title>Not Found</title></head><body>Not Found</body></html>",
            {"Content-Type": "text/html"},
        )

    def _send(
        self, handler: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str]
    ) -> None:  # type: ignore[override]
        if not isinstance(payload, Trickle):
            super()._send(handler, status, payload, headers)
            return
        try:
            handler.send_response(status)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(payload.body)))
            handler.end_headers()
            for start in range(0, len(payload.body), payload.chunk):
                handler.wfile.write(payload.body[start : start + payload.chunk])
                handler.wfile.flush()
                time.sleep(payload.pause)
        except (BrokenPipeError, ConnectionResetError):
            pass
