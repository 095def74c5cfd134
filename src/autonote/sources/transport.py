"""The connections under :class:`autonote.sources.http.HttpClient`: one deadline for a whole request,
and where a request may connect.

urllib's ``timeout`` bounds each socket operation, not the request: a server that sends one byte a
second (in its headers or its body) never trips it. Here every read of the connection's socket
(status line, headers, body) first sets the socket's timeout to the time left until the request's
deadline and fails once none is left, so ``fetch_timeout`` bounds the request from connecting to
the last byte.

Each request also carries a :class:`Guard` saying which kinds of address it may connect to (see
:func:`address_class`): a redirect from a public address is not followed to a loopback, private or
link-local one (a web page must not be able to make autonote read the user's own network), while a
request that started on such an address may stay on that same kind (a local test server, an
intranet wiki). The check is made on the address actually connected to, so a public name that
resolves to a private address is refused as well; through an HTTP proxy only literal addresses are
checked (the proxy, not autonote, resolves names).
"""

from __future__ import annotations

import io
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

PUBLIC = "public"


def address_class(address: str) -> str:
    """What kind of address ``address`` (an IP literal) is: ``public``, ``loopback``, ``private``,
    ``link-local`` or ``reserved`` (multicast, unspecified, documentation ranges, …)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "reserved"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"  # 169.254.169.254 is where clouds serve their credentials
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"  # RFC 1918, unique local, carrier-grade NAT and the documentation ranges
    return PUBLIC if ip.is_global else "reserved"


def literal_address_class(host: str) -> str | None:
    """The class of ``host`` when it is an IP literal (``localhost`` counts as loopback); else None."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return address_class(host)


def hop_allowed(start: str | None, target: str) -> bool:
    """Whether a request that started on an address of class ``start`` may connect to one of class
    ``target``: public addresses always; others only when the request started on that same kind
    (``start`` None: this is the first connection, which goes where the user asked)."""
    return start is None or target in (PUBLIC, start)


class DeadlineExceeded(TimeoutError):
    """The request's deadline passed before its answer was complete."""


class AddressRefused(OSError):
    """The request may not connect to this address (see :func:`hop_allowed`)."""


@dataclass
class Guard:
    """One request's limits: its deadline (``time.monotonic()``), the class of address it started
    on (None for the first request), and what the connection saw."""

    deadline: float
    host: str  # the host of the URL asked for (a proxy's connection is not checked)
    start: str | None = None
    peer: str | None = None  # the class of the address connected to
    surplus: bool = field(default=False)  # bytes came after the answer's declared end

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("the request's deadline passed")
        return left

    def check_peer(self, connection_host: str, sock: socket.socket) -> None:
        if connection_host.strip("[]").lower() != self.host.strip("[]").lower():
            return  # connected to a proxy
        try:
            peer = sock.getpeername()[0]
        except (OSError, IndexError, TypeError):
            return
        self.peer = kind = address_class(str(peer))
        if not hop_allowed(self.start, kind):
            raise AddressRefused(f"{self.host} is a {kind} address")


class _DeadlineReader(io.RawIOBase):
    """Reads of a socket, each bounded by the time left until the guard's deadline."""

    def __init__(self, owner: _DeadlineSocket) -> None:
        self.owner = owner
        self.probing = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        sock = self.owner.sock
        if self.probing:  # only what has already arrived: never wait
            sock.settimeout(0.0)
            try:
                return sock.recv_into(buffer)
            except (BlockingIOError, InterruptedError, OSError):
                return None
        sock.settimeout(self.owner.guard.remaining())
        try:
            return sock.recv_into(buffer)
        except TimeoutError:
            self.owner.guard.remaining()  # DeadlineExceeded when that was the deadline
            raise

    def close(self) -> None:
        if not self.closed:
            super().close()
            self.owner.release()


class _Buffered(io.BufferedReader):
    """A buffered reader that notes, when the answer is done with it, whether the server had sent
    bytes beyond the answer's end (a ``Content-Length`` shorter than the body)."""

    def close(self) -> None:
        if not self.closed:
            raw = self.raw
            raw.probing = True  # type: ignore[attr-defined]
            try:
                extra = self.peek(1)
            except (OSError, ValueError):
                extra = b""
            if extra.strip():
                raw.owner.guard.surplus = True  # type: ignore[attr-defined]
        super().close()


class _DeadlineSocket:
    """A connected socket (plain or TLS) whose reads and writes keep to the guard's deadline. The
    socket is closed when both the connection and the answer's reader have let go of it (as
    :meth:`socket.socket.makefile` counts its readers)."""

    def __init__(self, sock: socket.socket, guard: Guard) -> None:
        self.sock = sock
        self.guard = guard
        self._users = 1

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        self._users += 1
        return _Buffered(_DeadlineReader(self))

    def sendall(self, data: Any) -> None:
        self.sock.settimeout(self.guard.remaining())
        self.sock.sendall(data)

    def release(self) -> None:
        self._users -= 1
        if self._users <= 0:
            self.sock.close()

    def close(self) -> None:
        if self._users > 0:
            self.release()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


def _connection_classes() -> tuple[type, type]:
    import http.client

    class Guarded:
        """A connection that starts within its guard's time and keeps every read and write to it,
        and that checks the address it reached (mixed into http.client's two connection classes)."""

        def __init__(self, *args: Any, guard: Guard, **kwargs: Any) -> None:
            kwargs["timeout"] = guard.remaining()
            super().__init__(*args, **kwargs)
            self.guard = guard

        def connect(self) -> None:
            made: Any = self  # an http.client connection below this mixin
            super().connect()  # type: ignore[misc]
            self.guard.check_peer(made.host, made.sock)
            made.sock = _DeadlineSocket(made.sock, self.guard)

    class Connection(Guarded, http.client.HTTPConnection):
        pass

    class TLSConnection(Guarded, http.client.HTTPSConnection):
        pass

    return Connection, TLSConnection


@cache
def opener() -> Any:  # urllib.request.OpenerDirector
    """An opener whose connections keep to the ``guard`` of each request and that hands every
    redirect back to the caller (which checks, paces and guards each hop)."""
    import functools
    import urllib.request

    connection, tls_connection = _connection_classes()

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(functools.partial(connection, guard=req.guard), req)

    class TLSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(
                functools.partial(tls_connection, guard=req.guard),
                req,
                context=getattr(self, "_context", None),
            )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        """A 3xx answer is raised as an HTTPError, its Location unread (urllib would parse it, and
        an invalid one is a ValueError)."""

        def http_error_302(self, *args: Any, **kwargs: Any) -> None:
            return None

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    return urllib.request.build_opener(NoRedirect(), Handler(), TLSHandler())
