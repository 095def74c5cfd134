"""Polite HTTP GETs for every source that reads the web (arXiv, OpenReview, the ACL Anthology, web
pages): one policy, one implementation.

What every such request gets:

- a User-Agent naming autonote;
- at most one request per ``min_interval`` to each host, shared across autonote processes through
  the state database (:meth:`autonote.state.StateDB.reserve_slot`); arXiv's 3 s is its own setting
  (``arxiv_min_interval``), the other hosts share ``fetch_min_interval``;
- retries of 429, 5xx, timeouts, broken connections and truncated answers with exponential backoff,
  honouring ``Retry-After`` (seconds or an HTTP date) up to :data:`MAX_RETRY_AFTER`: a server that
  asks for a longer wait is not retried, and the message says how long it asked for;
- one deadline for the whole request, connecting to the last byte of headers and body
  (:mod:`autonote.sources.transport`: a server trickling one byte a second is cut off in time);
- a size cap on the body (the declared ``Content-Length`` or the bytes read, whichever shows it
  first); an answer shorter or longer than its ``Content-Length`` is a failure of the source;
- redirects followed by hand: only to valid http(s) URLs, each hop paced for its own host, at most
  :data:`MAX_REDIRECTS`, and never from a public address to a loopback, private or link-local one
  (:func:`autonote.sources.transport.hop_allowed`);
- URLs shown in messages without their query, fragment or credentials (tokens never leak).

A source's own ways of failing with HTTP 200 (arXiv's ``Rate exceeded.``) are retried through
``retry_when``.
"""

from __future__ import annotations

import random
import time
import urllib.parse
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from autonote import __version__
from autonote.errors import AutonoteError, PaperNotFoundError, SourceUnavailableError, UsageError
from autonote.retry_after import retry_after_seconds, shown_seconds
from autonote.sources.cache import SourceCache

if TYPE_CHECKING:
    import urllib.error
    import urllib.request
    from collections.abc import Callable, Sequence
    from email.message import Message

    from autonote.schema import Paper
    from autonote.sources.base import Fetched, PaperRef, SourceContext
    from autonote.state import StateDB

    RetryWhen = Callable[["Response"], str | None]

# urllib.request (with http.client, ssl and email) is imported on the first request, not with this
# module: every command recognises its inputs through the sources, and most never fetch a page.

USER_AGENT = f"autonote/{__version__} (paper-note drafting tool)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0  # seconds: the longest wait before a retry; a server asking for more is not retried
MAX_BYTES = 5_000_000  # a paper's metadata or a blog post is far smaller; anything larger is refused
_CHUNK = 65_536


def shown_url(url: str) -> str:
    """``url`` as messages show it: scheme, host, port and path only."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0]


def host_key(url: str) -> str:
    """The politeness key of a URL: its host and port (``host:example.org:443``)."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"host:{(parts.hostname or '').lower()}:{port}"


def check_http_url(url: str, what: str = "URL") -> urllib.parse.SplitResult:
    """The parts of an http(s) URL with a host and no credentials; a UsageError otherwise."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        raise UsageError(f"{shown_url(url)!r} is not a valid {what}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UsageError(f"{shown_url(url)!r}: only http and https {what}s are fetched")
    if not parts.hostname:
        raise UsageError(f"{shown_url(url)!r}: a {what} needs a host")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"{shown_url(url)!r}: a {what} with a user name or password is not fetched")
    return parts


@dataclass(frozen=True)
class FetchPolicy:
    """How patient and how polite to be."""

    min_interval: float = 1.0  # seconds between two requests to one host
    timeout: float = 20.0  # seconds for one request, from connecting to the last byte
    retries: int = 3  # attempts after the first, for 429 / 5xx / timeouts / broken connections
    max_bytes: int = MAX_BYTES


@dataclass(frozen=True)
class Response:
    url: str  # where the body came from, after redirects
    status: int
    headers: Message
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return (self.headers.get_content_type() or "").lower()

    @property
    def charset(self) -> str | None:
        return self.headers.get_content_charset()


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class HttpClient:
    """GETs for one source (``service`` names it in messages: "OpenReview API", "web page")."""

    def __init__(
        self,
        state: StateDB,
        policy: FetchPolicy,
        *,
        service: str,
        warn: Any = None,
        before_network: Any = None,
        unreachable_hint: str = "",
    ) -> None:
        self.before_network = before_network or (lambda: None)
        self.state = state
        self.policy = policy
        self.service = service
        self.warn = warn or (lambda message: None)
        self.unreachable_hint = unreachable_hint  # added to "cannot reach …" ("offline? …")
        self.requests_made = 0

    def get(self, url: str, *, accept: str = "*/*", retry_when: RetryWhen | None = None) -> Response:
        """The answer to a GET of ``url`` (redirects followed). 404/410 raise PaperNotFoundError;
        other failures, after the retries, SourceUnavailableError; a bad URL UsageError.
        ``retry_when`` names a reason to retry a complete answer (arXiv's ``Rate exceeded.``)."""
        check_http_url(url)
        self.before_network()
        start: str | None = None  # the class of address the request started on (transport.hop_allowed)
        for _ in range(MAX_REDIRECTS + 1):
            response, start = self._with_retries(url, accept, start, retry_when)
            if response.status not in REDIRECT_STATUSES:
                return response
            url = self._redirect_target(url, response, start)
        raise SourceUnavailableError(f"{shown_url(url)}: more than {MAX_REDIRECTS} redirects")

    def _redirect_target(self, url: str, response: Response, start: str | None) -> str:
        """Where a redirect leads, checked: http(s) only, a valid URL, and (for an IP literal) an
        address the request may go to; a SourceUnavailableError otherwise."""
        from autonote.sources.transport import hop_allowed, literal_address_class

        location = response.headers.get("Location")
        if not location:
            raise SourceUnavailableError(
                f"{self.service} at {shown_url(url)} redirected (HTTP {response.status}) without a Location"
            )
        try:
            target = urllib.parse.urljoin(url, location.strip())
            check_http_url(target)
        except (ValueError, UsageError) as exc:
            reason = (
                str(exc) if isinstance(exc, UsageError) else f"{shown_url(location)!r} is not a valid URL"
            )
            raise SourceUnavailableError(
                f"{shown_url(url)} redirects to a URL that is not fetched: {reason}"
            ) from None
        kind = literal_address_class(urllib.parse.urlsplit(target).hostname or "")
        if kind is not None and not hop_allowed(start, kind):
            raise SourceUnavailableError(
                f"{shown_url(url)} redirects to a URL that is not fetched: {_refused(target, kind, start)}"
            )
        return target

    def _with_retries(
        self, url: str, accept: str, start: str | None, retry_when: RetryWhen | None
    ) -> tuple[Response, str | None]:
        policy, last = self.policy, ""
        for attempt in range(policy.retries + 1):
            wait = self.state.reserve_slot(host_key(url), policy.min_interval)
            if wait > 0:
                time.sleep(wait)
            try:
                response, peer = self._once(url, accept, start)
                reason = retry_when(response) if retry_when is not None and response.ok else None
                if reason is None:
                    return response, start if start is not None else peer
                raise _Retry(reason)
            except _Retry as exc:
                last, told = str(exc), exc.retry_after or 0.0
                if told > MAX_RETRY_AFTER:
                    raise SourceUnavailableError(
                        f"{self.service} at {shown_url(url)}: {last}, and it asks to be asked again in"
                        f" {shown_seconds(told)} s, longer than the {MAX_RETRY_AFTER:g} s autonote waits; try again later"
                    ) from None
                if attempt == policy.retries:
                    break
                base = max(policy.min_interval, 0.5)
                backoff = min(MAX_RETRY_AFTER, base * (2**attempt) + random.uniform(0, base))
                pause = max(backoff, told)
                self.warn(
                    f"{self.service} {shown_url(url)}: {last}; waiting {pause:.1f} s before attempt"
                    f" {attempt + 2} of {policy.retries + 1}"
                )
                time.sleep(pause)
        raise SourceUnavailableError(
            f"{self.service} at {shown_url(url)} kept failing after {policy.retries + 1} attempts ({last})"
        )

    def _once(self, url: str, accept: str, start: str | None) -> tuple[Response, str | None]:
        import socket
        import urllib.error
        import urllib.request
        from http.client import HTTPException

        from autonote.sources.transport import AddressRefused, DeadlineExceeded, Guard, opener

        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": accept})
        guard = Guard(
            time.monotonic() + self.policy.timeout, urllib.parse.urlsplit(url).hostname or "", start
        )
        request.guard = guard  # type: ignore[attr-defined]  # read by transport's handlers
        late = f"the answer took longer than {self.policy.timeout:g} s"
        self.requests_made += 1
        try:
            with opener().open(request, timeout=self.policy.timeout) as answer:
                body = self._read(answer, url, guard)
                return Response(answer.geturl(), answer.status, answer.headers, body), guard.peer
        except urllib.error.HTTPError as exc:
            return self._http_error(exc, url, guard), guard.peer
        except DeadlineExceeded:
            raise _Retry(late) from None
        except AddressRefused:
            raise SourceUnavailableError(_refused(url, guard.peer or "", start)) from None
        except TimeoutError:
            raise _Retry("timed out") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, DeadlineExceeded):
                raise _Retry(late) from None
            if isinstance(exc.reason, AddressRefused):
                raise SourceUnavailableError(_refused(url, guard.peer or "", start)) from None
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise _Retry("timed out") from None
            if isinstance(exc.reason, ConnectionError) and not isinstance(exc.reason, ConnectionRefusedError):
                raise _Retry(f"connection failed: {exc.reason}") from None  # reset or aborted: try again
            hint = f" ({self.unreachable_hint})" if self.unreachable_hint else ""
            raise SourceUnavailableError(
                f"cannot reach the {self.service} at {shown_url(url)}: {exc.reason}{hint}"
            ) from None
        except (ConnectionError, OSError, HTTPException) as exc:  # reset mid-answer, a broken status line
            raise _Retry(f"connection failed: {_reason(exc)}") from None

    def _http_error(self, exc: urllib.error.HTTPError, url: str, guard: Any) -> Response:
        from http.client import HTTPException

        headers = exc.headers
        if exc.code in REDIRECT_STATUSES:
            exc.close()
            return Response(url, exc.code, headers, b"")
        if exc.code in RETRY_STATUSES:
            exc.close()
            raise _Retry(f"HTTP {exc.code}", retry_after_seconds(headers.get("Retry-After"))) from None
        try:
            body = self._read(exc, url, guard)
        except (SourceUnavailableError, _Retry, OSError, HTTPException):
            body = b""
        finally:
            exc.close()
        if exc.code in (404, 410):
            raise PaperNotFoundError(f"{shown_url(url)}: not found (HTTP {exc.code})") from None
        return Response(url, exc.code, headers, body)

    def _read(self, answer: Any, url: str, guard: Any) -> bytes:
        """The body, refused past the size cap; a body that ends before its ``Content-Length`` (or
        goes on after it) is a broken answer. The deadline is kept by the connection (transport)."""
        limit = self.policy.max_bytes
        length = (answer.headers.get("Content-Length") or "").strip()
        if length.isdigit() and int(length) > limit:
            raise SourceUnavailableError(
                f"{shown_url(url)} is {int(length):,} bytes; more than the {limit:,} autonote reads"
            )
        read = getattr(answer, "read1", None) or answer.read  # read1: whatever one recv brought
        chunks, size = [], 0
        while True:
            guard.remaining()  # DeadlineExceeded once the time is up, however the bytes trickle
            chunk = read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise SourceUnavailableError(
                    f"{shown_url(url)} is larger than the {limit:,} bytes autonote reads"
                )
            chunks.append(chunk)
        answer.close()  # the connection looks, as it lets go, for bytes past the answer's end
        chunked = "chunked" in (answer.headers.get("Transfer-Encoding") or "").lower()
        if length.isdigit() and not chunked and size < int(length):
            raise _Retry(f"the answer ended after {size:,} of the {int(length):,} bytes it announced")
        if guard.surplus:
            raise SourceUnavailableError(
                f"{self.service} at {shown_url(url)} sent more than the {int(length or 0):,} bytes its"
                " Content-Length announced (a broken answer)"
            )
        return b"".join(chunks)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _refused(target: str, kind: str, start: str | None) -> str:
    """Why a redirect is not followed to ``target`` (see :func:`autonote.sources.transport.hop_allowed`)."""
    return (
        f"{shown_url(target)} is a {kind} address and the request started on a {start or 'public'} one"
        " (a redirect reaches a loopback, private or link-local address only from one of the same kind)"
    )


def policy_from(settings: Any) -> FetchPolicy:
    """The fetch policy the settings ask for (``fetch_min_interval``, ``fetch_timeout``, ``fetch_retries``)."""
    return FetchPolicy(
        min_interval=settings.fetch_min_interval,
        timeout=settings.fetch_timeout,
        retries=settings.fetch_retries,
    )


class PoliteSource:
    """What the sources that fetch through :class:`HttpClient` share: the context they are made
    with, one client (made on first use) whose messages name :attr:`service`, and fetching each
    paper once, from the source cache unless ``--refresh``; a subclass says how one is fetched."""

    name: str  # the source's name, which also keys its cache
    service: str  # what messages call the fetched service ("OpenReview API", "web page", …)

    def __init__(self, context: SourceContext) -> None:
        self.context = context

    @cached_property
    def http(self) -> HttpClient:
        return HttpClient(
            self.context.state, policy_from(self.context.settings), service=self.service,
            warn=self.context.warn, before_network=self.context.before_network,
        )  # fmt: skip

    def fetch(self, refs: Sequence[PaperRef]) -> Fetched:
        cache = SourceCache(self.context.state, self.name)
        found: Fetched = {}
        for ref in refs:
            if ref.key in found:
                continue
            cached = None if self.context.refresh else cache.get(ref.key)
            if cached is not None:
                found[ref.key] = cached
                continue
            try:
                found[ref.key] = paper = self.fetch_one(ref.key)
            except AutonoteError as exc:
                found[ref.key] = exc
                continue
            cache.put(ref.key, paper)
        return found

    def fetch_one(self, key: str) -> Paper:
        """The paper a recognised key names, fetched (an AutonoteError says why not)."""
        raise NotImplementedError
