"""``llm_timeout`` as a bound on a whole request of the blocking client, headers and body.

httpx's timeouts are per read: a server that trickles its answer a byte at a time never trips them,
and a request hangs for as long as the server likes. The async client runs each request under
``asyncio.timeout`` (cancelling it closes the connection). The blocking client cannot be cancelled
from outside, so its connections go through :class:`DeadlineBackend`: every connect, read and write
on the socket waits at most until the request's deadline (:func:`deadline`), and one that would
start after it fails at once as a timeout (which the openai client reports as ``APITimeoutError``).
The request is bounded at the deadline give or take one socket operation's scheduling, and no
thread is left behind.
"""

from __future__ import annotations

import contextlib
import ssl
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

# httpcore imports trio at its own import when trio is installed (selenium, a dev dependency, pulls
# it in), for async locks under trio; autonote runs asyncio only, and trio with what it imports
# (attrs, outcome, sortedcontainers) costs a draft ~60 ms. Its import is refused while httpcore is
# imported (httpcore then uses anyio, as it does without trio), and allowed again afterwards.
_REFUSE_TRIO = "trio" not in sys.modules
if _REFUSE_TRIO:
    sys.modules["trio"] = None  # type: ignore[assignment]
try:  # the names of httpx and httpcore in this environment (forks ship them renamed)
    import httpcore2 as httpcore
    import httpx2 as httpx
except ImportError:  # pragma: no cover - the upstream packages
    import httpcore  # type: ignore[no-redef,import-not-found,unused-ignore]
    import httpx  # type: ignore[no-redef,import-not-found,unused-ignore]
finally:
    if _REFUSE_TRIO and sys.modules.get("trio", False) is None:
        del sys.modules["trio"]

_DEADLINE: ContextVar[float | None] = ContextVar("autonote_llm_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Requests made by this thread (through a client from :func:`http_client`) end within ``seconds``."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _remaining(timeout: float | None, error: type[Exception]) -> float | None:
    """The socket timeout for the next operation: ``timeout``, cut to what the deadline leaves."""
    end = _DEADLINE.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise error("the request's deadline (llm_timeout) passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        inner = self.inner.start_tls(
            ssl_context, server_hostname, _remaining(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """A network backend whose sockets never wait past the current request's deadline."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> Any:  # fmt: skip
        stream = self.inner.connect_tcp(
            host, port, _remaining(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        return _DeadlineStream(
            self.inner.connect_unix_socket(path, _remaining(timeout, httpcore.ConnectTimeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def http_client(timeout: float, base_url: str | None = None) -> Any:
    """An httpx client for the blocking openai client whose requests honour :func:`deadline`.

    For a plain-HTTP ``base_url`` (a local server) the TLS context, which loads the system's
    certificates (~25 ms), is not built up front: httpcore builds its default one (the context it
    would have been given) if a connection ever needs TLS."""
    from openai import DefaultHttpxClient

    plain_http = (base_url or "").lower().startswith("http://")
    # A context that loads nothing stands in while the transport is built, and is dropped below.
    transport = (
        httpx.HTTPTransport(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
        if plain_http
        else httpx.HTTPTransport()
    )
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None or (plain_http and not hasattr(pool, "_ssl_context")):  # pragma: no cover
        return DefaultHttpxClient(
            timeout=timeout
        )  # an httpx without the pool autonote knows: per-read timeouts
    if plain_http:
        pool._ssl_context = None  # type: ignore[union-attr]
    pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]
    return DefaultHttpxClient(timeout=timeout, transport=transport)
