"""Real HTTP servers on 127.0.0.1 that speak the protocols autonote talks to.

- :class:`ArxivServer` serves the arXiv API (``GET /api/query?id_list=...``) from recorded Atom
  feeds in ``fixtures/arxiv/``, merging entries when several ids are asked for at once.
- :class:`OpenAIServer` serves ``POST /v1/chat/completions`` with scripted replies; without a
  script it answers like a cooperative model, filling the JSON schema it was sent. It can behave
  like llama-cpp-python 0.3 or llama.cpp's ``llama-server`` (``flavor``), enforce rate limits the
  way providers do (:class:`ServerRateLimit`, a sliding minute), and echo the caller's API key in
  every error answer (``echo_errors``), for the tests that no secret ever shows.
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
from collections import deque
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
    body: str | bytes | Raw | None = None  # a Raw body replaces the whole answer, status line included
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0  # seconds between single bytes of the whole answer, status line and headers too


@dataclass
class Raw:
    """An answer written to the socket byte for byte as given (status line and headers included, so
    it may lie about its ``Content-Length`` or never finish its headers): ``chunk`` bytes at a time
    with ``pause`` seconds between, then ``stall`` seconds of silence before the connection closes.
    Works as a :class:`Fault` body and as a :class:`WebServer` route body."""

    data: bytes
    chunk: int = 65_536
    pause: float = 0.0
    stall: float = 0.0


def raw_answer(body: bytes, *, status: str = "200 OK", headers: dict[str, str] | None = None) -> bytes:
    """The bytes of an HTTP/1.1 answer (no Content-Length added: pass one in ``headers`` to lie)."""
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return head.encode("latin-1") + b"Connection: close\r\n\r\n" + body


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
                body = self.rfile.read(length)
                if len(body) < length:  # the client went away mid-request (killed): never served
                    self.close_connection = True
                    return
                outer._dispatch(self, "POST", body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # A short poll interval: stop() waits for it, once per test.
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

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
            if fault.trickle:
                _trickle(handler, fault.status, fault.body or b"", fault.headers, fault.trickle)
                return
            if fault.status != 200 or fault.body is not None:
                self._send(handler, fault.status, fault.body or b"", fault.headers)
                return
        self.request_headers.value = dict(handler.headers)
        status, payload, headers = self.answer(method, handler.path, body)
        self._send(handler, status, payload, headers)

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, payload: str | bytes | Raw, headers: dict[str, str]
    ) -> None:
        if isinstance(payload, Raw):
            _send_raw(handler, payload)
            return
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


def _send_raw(handler: BaseHTTPRequestHandler, raw: Raw) -> None:
    handler.close_connection = True
    try:
        for start in range(0, len(raw.data), raw.chunk):
            handler.wfile.write(raw.data[start : start + raw.chunk])
            handler.wfile.flush()
            if raw.pause:
                time.sleep(raw.pause)
        if raw.stall:
            time.sleep(raw.stall)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up


def _trickle(
    handler: BaseHTTPRequestHandler, status: int, payload: str | bytes, headers: dict[str, str], pause: float
) -> None:
    """The whole answer, status line and headers included, one byte every ``pause`` seconds (a server
    that keeps a read timeout from ever firing)."""
    data = payload.encode() if isinstance(payload, str) else payload
    head = {**headers, "Content-Length": str(len(data))}
    _send_raw(handler, Raw(raw_answer(data, status=f"{status} OK", headers=head), chunk=1, pause=pause))


# -- arXiv ---------------------------------------------------------------------------------------
_ENTRY = re.compile(r"  <entry>.*?</entry>\n", re.S)
_ENTRY_ID = re.compile(r"<id>http://arxiv\.org/abs/(?P<id>.+?)</id>")


class ArxivServer(_Server):
    """The arXiv query API over recorded feeds. Unknown ids get an empty feed; malformed ones an
    ``Error`` entry (with HTTP 200, or ``error_status``: today's arXiv answers them with 400)."""

    def __init__(
        self,
        feeds_dir: Path = FIXTURES / "arxiv",
        extra_entries: dict[str, str] | None = None,
        error_status: int = 200,
    ) -> None:
        super().__init__()
        self.error_status = error_status
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

        entries, status = [], 200
        for arxiv_id in ids:
            if parse_arxiv_id(arxiv_id) is None:
                entries, status = [_error_entry(arxiv_id)], self.error_status
                break
            if arxiv_id in self.entries:
                entries.append(self.entries[arxiv_id])
        return status, _feed(",".join(ids), entries), {"Content-Type": "application/atom+xml; charset=utf-8"}


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


@dataclass(frozen=True)
class Generation:
    """One answer the server generated (monotonic times)."""

    prompt: str  # the request's last message: which note it was for
    tokens: int  # completion tokens generated
    arrived: float
    started: float
    ended: float


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


def with_raw_control_characters(content: str) -> str:
    """The answer as llama-cpp-python's grammar lets it through: a raw newline and a raw tab inside
    JSON strings (invalid JSON by the letter of the spec)."""
    answer = json.loads(content)
    answer["summary"] = answer["summary"].replace("。", "。\n", 1)
    answer["key_points"] = [answer["key_points"][0] + "\t", *answer["key_points"][1:]]
    return json.dumps(answer, ensure_ascii=False).replace("\\n", "\n").replace("\\t", "\t")


def _schema_of(request: dict[str, Any]) -> dict[str, Any] | None:
    fmt = request.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["schema"]
    if fmt.get("type") == "json_object" and isinstance(fmt.get("schema"), dict):
        return fmt["schema"]  # JSON mode with a schema (llama-cpp-python, llama-server)
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
    """Requests/min and tokens/min as providers enforce them: everything admitted in the last
    ``window`` seconds counts (a sliding minute). A request is charged its prompt (tiktoken, o200k)
    plus its completion-token limit, what providers reserve; requests refused with 429 are not
    charged. Every answer carries ``x-ratelimit-limit/remaining/reset-*`` for both limits."""

    def __init__(self, rpm: float, tpm: float, window: float = 60.0) -> None:
        self.rpm, self.tpm, self.window = rpm, tpm, window
        self.admitted: deque[tuple[float, int]] = deque()  # (time, tokens), oldest first
        self.used_tokens = 0
        self.lock = threading.Lock()
        self.rejected = 0
        self.accepted = 0
        self.charged_tokens = 0  # over the whole run (for the benchmark's ideal)
        self.first: float | None = None  # first and last admission (monotonic)
        self.last: float | None = None

    def _expire(self, now: float) -> None:
        while self.admitted and self.admitted[0][0] <= now - self.window:
            self.used_tokens -= self.admitted.popleft()[1]

    def _wait(self, now: float, tokens: int) -> float:
        """Seconds until a request of ``tokens`` would be admitted (a request above the token limit
        is admitted alone)."""
        excess_requests = len(self.admitted) + 1 - self.rpm
        excess_tokens = self.used_tokens + tokens - self.tpm if tokens <= self.tpm else self.used_tokens
        for stamp, charged in self.admitted:
            excess_requests -= 1
            excess_tokens -= charged
            if excess_requests <= 0 and excess_tokens <= 0:
                return max(0.001, stamp + self.window - now)
        return 0.001

    def admit(self, tokens: int) -> tuple[bool, float, dict[str, str]]:
        """(admitted, seconds until it would be, rate-limit headers)."""
        with self.lock:
            now = time.monotonic()
            self._expire(now)
            fits_requests = len(self.admitted) + 1 <= self.rpm
            fits_tokens = self.used_tokens + tokens <= self.tpm or (tokens > self.tpm and not self.admitted)
            admitted = fits_requests and fits_tokens
            wait = 0.0
            if admitted:
                self.admitted.append((now, tokens))
                self.used_tokens += tokens
                self.accepted += 1
                self.charged_tokens += tokens
                self.first = now if self.first is None else self.first
                self.last = now
            else:
                self.rejected += 1
                wait = self._wait(now, tokens)
            reset = (self.admitted[-1][0] + self.window - now) if self.admitted else 0.0
            headers = {
                "x-ratelimit-limit-requests": str(int(self.rpm)),
                "x-ratelimit-remaining-requests": str(max(0, int(self.rpm) - len(self.admitted))),
                "x-ratelimit-reset-requests": f"{max(0.0, reset):.3f}s",
                "x-ratelimit-limit-tokens": str(int(self.tpm)),
                "x-ratelimit-remaining-tokens": str(max(0, int(self.tpm) - self.used_tokens)),
                "x-ratelimit-reset-tokens": f"{max(0.0, reset):.3f}s",
            }
            return admitted, wait, headers


_ENCODING: Any = None


def _encoding() -> Any:
    global _ENCODING
    if _ENCODING is None:
        try:
            import tiktoken

            _ENCODING = tiktoken.get_encoding("o200k_base")
        except Exception:  # no encoding offline: count like autonote's fallback
            _ENCODING = False
    return _ENCODING


def text_tokens(text: str) -> int:
    encoding = _encoding()
    return len(encoding.encode(text, disallowed_special=())) if encoding else len(text) // 3


def prompt_tokens(request: dict[str, Any]) -> int:
    """The prompt as providers count it: each message's content plus a few tokens per message."""
    return sum(text_tokens(m.get("content") or "") + 4 for m in request.get("messages", [])) + 3


def provider_tokens(request: dict[str, Any]) -> int:
    """What a provider charges against tokens/min for a chat request: the prompt plus the
    completion limit it reserves."""
    return prompt_tokens(request) + int(
        request.get("max_completion_tokens") or request.get("max_tokens") or 0
    )


ENDPOINTS = ("chat", "embeddings", "files", "batches", "batch", "content")  # what echo_errors can name


def llama_cpp_python_validation_error(fmt_type: str) -> dict[str, Any]:
    """llama-cpp-python 0.3's answer to a response_format it does not know: its route handler turns
    FastAPI's validation error into HTTP 500 with the error's text as the message."""
    error = {
        "type": "literal_error", "loc": ("body", "response_format", "type"),
        "msg": "Input should be 'text' or 'json_object'", "input": fmt_type,
        "ctx": {"expected": "'text' or 'json_object'"},
    }  # fmt: skip
    return {
        "error": {"message": f"1 validation error:\n  {error}\n", "type": "internal_server_error",
                  "param": None, "code": None}
    }  # fmt: skip


class OpenAIServer(_Server):
    """``/v1/chat/completions`` with a queue of scripted replies (strings or callables), plus
    ``/v1/embeddings``, ``/v1/files`` and ``/v1/batches``.

    ``accept_formats`` lists the response_format types the server supports; others get HTTP 400,
    the way servers without Structured Outputs answer. ``usage`` False leaves usage out (else the
    prompt is counted as providers count it, with tiktoken). ``limits`` (a :class:`ServerRateLimit`)
    answers 429 with ``retry-after-ms`` over the limits and sends ``x-ratelimit-*`` headers on every
    chat answer. ``latency`` ± ``jitter`` seconds per answer. Batches finish after ``batch_polls``
    retrievals; custom ids in ``batch_failures`` fail.

    ``flavor`` imitates a real local server:

    - ``"llama-cpp-python"`` (0.3): ``response_format`` types other than ``text`` and ``json_object``
      are a FastAPI validation error that its route handler answers with HTTP 500; JSON mode reads a
      ``schema`` next to the type; only ``max_tokens`` limits the answer (``max_completion_tokens``
      is ignored: without ``max_tokens`` an answer takes ``unbounded_seconds``, past any timeout);
      its grammar lets raw control characters into JSON strings.
    - ``"llama-server"`` (llama.cpp's C++ server): accepts ``json_schema`` and ``json_object``
      (with or without a schema); its own failures are HTTP 500 (inject them with :class:`Fault`).

    ``echo_errors`` maps endpoint names (:data:`ENDPOINTS`) to an error status: every request there
    is answered with that status, the caller's API key and Authorization header echoed in the body
    and in the headers (batch lines too, when ``"chat"`` is named). Endpoints in ``without`` answer
    404, as a server that lacks them does. ``generations`` records (start, end) of every chat answer
    computed, also those the client stopped waiting for.
    """

    def __init__(
        self,
        accept_formats: tuple[str, ...] = ("json_schema", "json_object"),
        usage: bool = True,
        latency: float = 0.0,
        jitter: float = 0.0,
        limits: ServerRateLimit | None = None,
        flavor: str = "openai",
        echo_errors: dict[str, int] | None = None,
        without: tuple[str, ...] = (),
        unbounded_seconds: float = 0.0,
        prompt_cache_min: int | None = None,
        slots: int | None = None,
        props: bool = False,
        window_limit: tuple[int, float] | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.extra_headers = dict(extra_headers or {})  # sent with every chat answer
        # ``slots``: the server generates at most this many answers at once (llama-cpp-python: one);
        # the others wait in its queue, and an answer whose client went away is still generated.
        self.slots = threading.Semaphore(slots) if slots else None
        self.slot_count = slots
        self.props = props  # answer llama.cpp's ``GET /props`` with ``total_slots``
        self.refused = 0  # requests refused for their response_format
        self.generated: list[Generation] = []  # every answer generated, also those nobody waited for
        # ``window_limit`` (count, seconds): a provider that enforces its per-minute limit over
        # shorter intervals: at most ``count`` requests admitted in any ``seconds`` (429 beyond).
        self.window_limit = window_limit
        self.window_admitted: deque[float] = deque()
        self.window_rejected = 0
        # Provider prompt caching, as OpenAI bills it: the prefix (schema, then messages) shared
        # with an earlier request, when at least ``prompt_cache_min`` tokens, in steps of 128.
        self.prompt_cache_min = prompt_cache_min
        self.seen_prompts: list[list[int]] = []
        self.replies: list[str | Reply] = []  # consumed in order; then cooperative_reply
        self.accept_formats = accept_formats
        self.include_usage = usage
        self.latency = latency
        self.jitter = jitter
        self.limits = limits
        self.flavor = flavor
        self.echo_errors = dict(echo_errors or {})
        self.without = set(without)
        self.unbounded_seconds = unbounded_seconds
        self.generations: list[tuple[float, float]] = []
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

    @staticmethod
    def endpoint(method: str, route: str) -> str | None:
        if route.endswith("/chat/completions"):
            return "chat"
        if route.endswith("/embeddings"):
            return "embeddings"
        if route.endswith("/files") and method == "POST":
            return "files"
        if "/files/" in route and route.endswith("/content"):
            return "content"
        if route.endswith("/batches") and method == "POST":
            return "batches"
        if "/batches/" in route:
            return "batch"
        return None

    def caller_key(self) -> tuple[str, str]:
        """(the Authorization header of the request being answered, the key in it)."""
        sent = {k.lower(): v for k, v in getattr(self.request_headers, "value", {}).items()}
        auth = sent.get("authorization", "")
        return auth, auth.removeprefix("Bearer ").strip()

    def echo_error(self, endpoint: str, status: int, auth: str, key: str) -> tuple[int, str, dict[str, str]]:
        """An error answer that repeats the caller's secrets everywhere it can."""
        message = (
            f"{endpoint}: refused for API key {key} (Authorization: {auth}); "
            f"retry at https://user:{key}@api.example.invalid/v1?key={key}&token={key}"
        )
        body = {"error": {"message": message, "type": "echo", "param": key, "code": key}}
        headers = {
            "Content-Type": "application/json", "X-Echo-Authorization": auth, "X-Api-Key-Seen": key,
            "retry-after-ms": "1", "x-request-id": f"req-{key}",
        }  # fmt: skip
        return status, json.dumps(body), headers

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str | bytes, dict[str, str]]:
        route = path.split("?")[0].rstrip("/")
        endpoint = self.endpoint(method, route)
        if endpoint in self.without:
            return (
                404,
                json.dumps({"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}}),
                {"Content-Type": "application/json"},
            )
        if endpoint in self.echo_errors:
            return self.echo_error(endpoint, self.echo_errors[endpoint], *self.caller_key())
        if method == "POST" and endpoint in ("embeddings", "batches", "chat"):
            try:
                json.loads(body)
            except ValueError:  # a client killed half-way through sending
                return _json(400, {"error": {"message": "the request body is not JSON"}})
        if method == "POST" and endpoint == "embeddings":
            return self._embeddings(json.loads(body))
        if endpoint == "files":
            return self._upload(body)
        if endpoint == "content" and method == "GET":
            file_id = route.split("/files/")[1].removesuffix("/content")
            if file_id not in self.files:
                return _json(404, {"error": {"message": f"no file {file_id}"}})
            return 200, self.files[file_id], {"Content-Type": "application/octet-stream"}
        if endpoint == "batches":
            return self._create_batch(json.loads(body))
        if endpoint == "batch" and method == "GET":
            return self._retrieve_batch(route.split("/batches/")[1])
        if method == "GET" and route == "/props" and self.props:
            return _json(200, {"total_slots": self.slot_count or 1, "model_alias": "loopback",
                               "default_generation_settings": {"n_ctx": 8192}})  # fmt: skip
        if method != "POST" or endpoint != "chat":
            return _json(404, {"error": {"message": "not found"}})
        request = json.loads(body)
        headers: dict[str, str] = {"Content-Type": "application/json", **self.extra_headers}
        if self.window_limit is not None and (refusal := self._window_refusal(headers)) is not None:
            return refusal
        if self.limits is not None:
            admitted, wait, limit_headers = self.limits.admit(provider_tokens(request))
            headers.update(limit_headers)
            if not admitted:
                headers["retry-after-ms"] = str(max(1, int(wait * 1000)))
                error = {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded"}}
                return 429, json.dumps(error), headers
        arrived = time.monotonic()
        if self.slots is not None:
            with self.slots:  # queued until a slot is free; generated even if the client left meanwhile
                return self._generate(request, headers, arrived)
        return self._generate(request, headers, arrived)

    def _window_refusal(self, headers: dict[str, str]) -> tuple[int, str, dict[str, str]] | None:
        """429 when ``window_limit`` requests were admitted in the last ``window_limit`` seconds."""
        count, seconds = self.window_limit  # type: ignore[misc]
        with self._lock:
            now = time.monotonic()
            while self.window_admitted and self.window_admitted[0] <= now - seconds:
                self.window_admitted.popleft()
            if len(self.window_admitted) < count:
                self.window_admitted.append(now)
                return None
            self.window_rejected += 1
            wait = self.window_admitted[0] + seconds - now
        headers = {**headers, "retry-after-ms": str(max(1, int(wait * 1000)))}
        error = {"error": {"message": "Rate limit reached (short interval)", "type": "rate_limit_exceeded"}}
        return 429, json.dumps(error), headers

    def _generate(
        self, request: dict[str, Any], headers: dict[str, str], arrived: float
    ) -> tuple[int, str, dict[str, str]]:
        started = time.monotonic()
        if self.latency or self.jitter:
            time.sleep(max(0.0, self.latency + self.random.uniform(-self.jitter, self.jitter)))
        status, response = self.complete(request)
        ended = time.monotonic()
        with self._lock:
            self.generations.append((started, ended))
            if status == 200:
                content = response["choices"][0]["message"]["content"]
                last = request["messages"][-1]["content"] if request.get("messages") else ""
                self.generated.append(Generation(last, text_tokens(content), arrived, started, ended))
        return status, json.dumps(response, ensure_ascii=False), headers

    def _refuse_format(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        fmt = (request.get("response_format") or {}).get("type")
        if not fmt:
            return None
        if self.flavor == "llama-cpp-python":
            return None if fmt in ("text", "json_object") else (500, llama_cpp_python_validation_error(fmt))
        if self.flavor == "llama-server":
            return None if fmt in ("text", "json_object", "json_schema") else (400, {"error": {
                "code": 400, "message": f"response_format type {fmt} is not supported", "type": "invalid_request_error"
            }})  # fmt: skip
        if fmt not in self.accept_formats:
            error = {
                "message": f"response_format type {fmt} is not supported",
                "type": "invalid_request_error",
            }
            return 400, {"error": error}
        return None

    def complete(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One chat completion as the server computes it (also used for batch lines)."""
        refused = self._refuse_format(request)
        if refused is not None:
            with self._lock:
                self.refused += 1
            return refused
        finish = "stop"
        if self.flavor == "llama-cpp-python" and request.get("max_tokens") is None and self.unbounded_seconds:
            time.sleep(self.unbounded_seconds)  # no limit it reads: it generates until the context is full
            finish = "length"
        with self._lock:
            scripted = self.replies.pop(0) if self.replies else cooperative_reply
            self.completions += 1
            number = self.completions
        content = scripted(request) if callable(scripted) else scripted
        if self.flavor == "llama-cpp-python" and scripted is cooperative_reply:
            content = with_raw_control_characters(content)
        response: dict[str, Any] = {
            "id": f"chatcmpl-loopback-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
            ],
        }
        if self.include_usage:
            prompt, completion = prompt_tokens(request), text_tokens(content)
            response["usage"] = {
                "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            }  # fmt: skip
            if self.prompt_cache_min is not None:
                response["usage"]["prompt_tokens_details"] = {
                    "cached_tokens": self._cached_prefix(request, prompt)
                }
        return 200, response

    def _cached_prefix(self, request: dict[str, Any], prompt: int) -> int:
        from autonote.tokens import counter_for

        encoding = counter_for("gpt-4o-mini").encoding
        schema = json.dumps(request.get("response_format") or {}, sort_keys=True)
        text = schema + "".join(m.get("content") or "" for m in request.get("messages", []))
        tokens = encoding.encode(text, disallowed_special=()) if encoding is not None else list(text.encode())
        with self._lock:
            shared = max((_common_prefix(tokens, seen) for seen in self.seen_prompts), default=0)
            self.seen_prompts.append(tokens)
        minimum = self.prompt_cache_min or 0
        cached = 0 if shared < minimum else minimum + (shared - minimum) // 128 * 128
        return min(cached, prompt)

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
            "metadata": request.get("metadata") or {}, "_polls": 0, "_caller": self.caller_key(),
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
            if "chat" in self.echo_errors:
                status, text, _ = self.echo_error("chat", self.echo_errors["chat"], *batch["_caller"])
                errors.append({"id": f"req_{custom_id[:8]}", "custom_id": custom_id,
                               "response": {"status_code": status, "request_id": "r", "body": json.loads(text)},
                               "error": None})  # fmt: skip
                continue
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


def _common_prefix(a: list[int], b: list[int]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count
