"""Polite HTTP GETs for the sources that read the web (OpenReview, the ACL Anthology, web pages).

One home for what every such request needs:

- a User-Agent naming autonote;
- at most one request per ``min_interval`` to each host, shared across autonote processes through
  the state database (:meth:`autonote.state.StateDB.reserve_slot`, as arXiv's pacing is);
- retries of 429, 5xx, timeouts and broken connections with exponential backoff, honouring
  ``Retry-After`` (seconds or an HTTP date), up to a cap;
- a time limit for the whole request (connecting to the last byte) and a size cap on the body;
- redirects followed by hand (each hop is paced for its own host, only to http(s), at most
  :data:`MAX_REDIRECTS`);
- URLs shown in messages without their query, fragment or credentials (tokens never leak).

The arXiv client (:mod:`autonote.sources.arxiv`) keeps its own loop for now: it also retries arXiv's
own ways of failing with HTTP 200 (``Rate exceeded.``).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import urllib.parse
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from autonote import __version__
from autonote.errors import AutonoteError, PaperNotFoundError, SourceUnavailableError, UsageError
from autonote.sources.cache import SourceCache

if TYPE_CHECKING:
    import urllib.error
    import urllib.request
    from collections.abc import Sequence
    from email.message import Message

    from autonote.schema import Paper
    from autonote.sources.base import Fetched, PaperRef, SourceContext
    from autonote.state import StateDB

# urllib.request (with http.client, ssl and email) is imported on the first request, not with this
# module: every command recognises its inputs through the sources, and most never fetch a page.

USER_AGENT = f"autonote/{__version__} (paper-note drafting tool)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 120.0  # seconds: a longer Retry-After is waited for this long, then tried again
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


@cache
def _opener() -> urllib.request.OpenerDirector:
    """An opener that hands every redirect back to :class:`HttpClient`, which paces and checks each hop."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(NoRedirect())


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None when absent or bad."""
    if value is None or not value.strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


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
    ) -> None:
        self.before_network = before_network or (lambda: None)
        self.state = state
        self.policy = policy
        self.service = service
        self.warn = warn or (lambda message: None)
        self.requests_made = 0

    def get(self, url: str, *, accept: str = "*/*") -> Response:
        """The answer to a GET of ``url`` (redirects followed). 404/410 raise PaperNotFoundError;
        other failures, after the retries, SourceUnavailableError; a bad URL UsageError."""
        check_http_url(url)
        self.before_network()
        for _ in range(MAX_REDIRECTS + 1):
            response = self._with_retries(url, accept)
            if response.status not in REDIRECT_STATUSES:
                return response
            location = response.headers.get("Location")
            if not location:
                raise SourceUnavailableError(
                    f"{self.service} at {shown_url(url)} redirected (HTTP {response.status}) without a Location"
                )
            target = urllib.parse.urljoin(url, location.strip())
            try:
                check_http_url(target)
            except UsageError as exc:
                raise SourceUnavailableError(
                    f"{shown_url(url)} redirects to a URL that is not fetched: {exc}"
                ) from None
            url = target
        raise SourceUnavailableError(f"{shown_url(url)}: more than {MAX_REDIRECTS} redirects")

    def _with_retries(self, url: str, accept: str) -> Response:
        policy, last = self.policy, ""
        for attempt in range(policy.retries + 1):
            wait = self.state.reserve_slot(host_key(url), policy.min_interval)
            if wait > 0:
                time.sleep(wait)
            try:
                return self._once(url, accept)
            except _Retry as exc:
                last = str(exc)
                if attempt == policy.retries:
                    break
                base = max(policy.min_interval, 0.5)
                backoff = base * (2**attempt) + random.uniform(0, base)
                pause = min(MAX_RETRY_AFTER, max(backoff, exc.retry_after or 0.0))
                self.warn(
                    f"{self.service} {shown_url(url)}: {last}; waiting {pause:.1f} s before attempt"
                    f" {attempt + 2} of {policy.retries + 1}"
                )
                time.sleep(pause)
        raise SourceUnavailableError(
            f"{self.service} at {shown_url(url)} kept failing after {policy.retries + 1} attempts ({last})"
        )

    def _once(self, url: str, accept: str) -> Response:
        import socket
        import urllib.error
        import urllib.request

        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": accept})
        deadline = time.monotonic() + self.policy.timeout
        self.requests_made += 1
        try:
            with _opener().open(request, timeout=self.policy.timeout) as answer:
                return Response(
                    answer.geturl(), answer.status, answer.headers, self._read(answer, url, deadline)
                )
        except urllib.error.HTTPError as exc:
            return self._http_error(exc, url, deadline)
        except TimeoutError:
            raise _Retry("timed out") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise _Retry("timed out") from None
            if isinstance(exc.reason, ConnectionError) and not isinstance(exc.reason, ConnectionRefusedError):
                raise _Retry(f"connection failed: {exc.reason}") from None  # reset or aborted: try again
            raise SourceUnavailableError(
                f"cannot reach the {self.service} at {shown_url(url)}: {exc.reason}"
            ) from None
        except (ConnectionError, OSError) as exc:  # reset mid-body, incomplete reads
            raise _Retry(f"connection failed: {exc}") from None

    def _http_error(self, exc: urllib.error.HTTPError, url: str, deadline: float) -> Response:
        headers = exc.headers
        if exc.code in REDIRECT_STATUSES:
            exc.close()
            return Response(url, exc.code, headers, b"")
        if exc.code in RETRY_STATUSES:
            exc.close()
            raise _Retry(f"HTTP {exc.code}", retry_after_seconds(headers.get("Retry-After"))) from None
        try:
            body = self._read(exc, url, deadline)
        except (SourceUnavailableError, _Retry, OSError):
            body = b""
        finally:
            exc.close()
        if exc.code in (404, 410):
            raise PaperNotFoundError(f"{shown_url(url)}: not found (HTTP {exc.code})") from None
        return Response(url, exc.code, headers, body)

    def _read(self, answer: Any, url: str, deadline: float) -> bytes:
        """The body, refused past the size cap or the time limit (a server that trickles bytes)."""
        limit = self.policy.max_bytes
        length = answer.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise SourceUnavailableError(
                f"{shown_url(url)} is {int(length):,} bytes; more than the {limit:,} autonote reads"
            )
        read = getattr(answer, "read1", None) or answer.read  # read1: whatever one recv brought
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise _Retry(f"the answer took longer than {self.policy.timeout:g} s")
            chunk = read(_CHUNK)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                raise SourceUnavailableError(
                    f"{shown_url(url)} is larger than the {limit:,} bytes autonote reads"
                )
            chunks.append(chunk)


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
