"""What autonote's GitHub client does on the wire that PyGithub does not: redirects, a deadline
for the whole answer, and answers that are not JSON.

PyGithub (2.x, ``Requester.__requestRaw``) follows a 301 to the Location's *path*, dropping its
query (``state=all``, ``since``, ``page``): a renamed repository's pull then listed open issues
only. It treats any other 3xx (a 307 on a write under a repository's old name) as a success and
builds objects from the redirect's ``{"message": "Moved Permanently", ...}``; and requests'
timeout bounds each socket read, so an answer trickled a byte at a time never times out.

Here, through PyGithub's own seam (the connection class a ``Requester`` uses, set per requester
by :func:`install`):

- a redirect of ``/repos/OWNER/NAME/rest`` to ``/repositories/ID/rest`` (same rest, same host)
  is followed, query and method and body intact, when ID is that repository's (a rename or a
  transfer of the whole repository); GitHub's redirect for the repository itself is always
  followed (that is how the new name is learnt). Any other redirect (an issue transferred to
  another repository, a host change) raises :class:`Redirected`, never followed silently;
- every attempt (headers and body) is bounded by ``deadline`` seconds: a watchdog shuts the socket
  down when it runs out, and the request fails with :class:`DeadlineExceeded` (not retried);
- an answer whose body is not JSON (an HTML error page from a proxy, JSON nested beyond what a
  parser can hold) raises :class:`BadAnswer`.

Each becomes one line in :meth:`autonote.github.connection.GitHub.failures`.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from urllib3.exceptions import HTTPError as Urllib3Error

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_HOPS = 3
WATCHDOG_GRACE = 0.25  # seconds
_REPOS = re.compile(r"/repos/(?P<full>[^/?#]+/[^/?#]+)(?P<rest>/[^?#]*)?$")
_REPOSITORIES = re.compile(r"/repositories/(?P<id>\d+)(?P<rest>/[^?#]*)?$")


class Redirected(Exception):
    """GitHub answered a redirect autonote does not follow (to another repository or host)."""

    def __init__(self, status: int, method: str, url: str, location: str) -> None:
        super().__init__(f"HTTP {status} for {method} {url}: moved to {location or 'nowhere given'}")
        self.status, self.method, self.url, self.location = status, method, url, location


class DeadlineExceeded(Urllib3Error):
    """The whole answer did not arrive within the deadline (a urllib3 error that is not one of
    those urllib3 retries, so it passes through requests and PyGithub unchanged)."""


class BadAnswer(Exception):
    """GitHub's answer was not JSON where JSON was expected."""

    def __init__(self, status: int, what: str) -> None:
        super().__init__(f"HTTP {status} with {what}")
        self.status, self.what = status, what


@dataclass
class Wire:
    """What the connections of one :class:`~autonote.github.connection.GitHub` share."""

    deadline: float
    repo_ids: dict[str, int] = field(default_factory=dict)  # owner/name (lower case) -> repository id
    moved: dict[str, int] = field(default_factory=dict)  # owner/name followed to /repositories/ID
    expired: bool = False  # set by a watchdog: the current attempt ran out of time

    def follows(self, request_path: str, location_path: str) -> bool:
        """Whether a redirect from ``request_path`` to ``location_path`` is the same resource of
        the same repository under its new name."""
        asked, told = _REPOS.search(request_path), _REPOSITORIES.search(location_path)
        if asked is None or told is None or (asked["rest"] or "") != (told["rest"] or ""):
            return False
        full, target = asked["full"].lower(), int(told["id"])
        known = self.repo_ids.get(full)
        if asked["rest"] and known != target:
            return False  # a part of the repository moved elsewhere (an issue transferred)
        self.moved[full] = target
        return True


def _check_json(response: Any) -> None:
    text = response.text
    if not text.strip():
        return
    try:
        json.loads(text)
    except RecursionError:
        raise BadAnswer(response.status_code, "JSON nested too deeply to read") from None
    except ValueError:
        kind = (response.headers.get("Content-Type") or "no content type").split(";")[0].strip()
        what = "an HTML page" if text.lstrip()[:1] == "<" else "a body that is not JSON"
        raise BadAnswer(response.status_code, f"{what} ({kind}) where JSON was expected") from None


def exchange(wire: Wire, cnx: Any) -> Any:
    """One PyGithub request on connection ``cnx``: redirects handled, deadline watched, the answer
    checked to be JSON. Returns PyGithub's response wrapper."""
    import requests
    from github.Requester import RequestsResponse

    method = cnx.verb
    url = f"{cnx.protocol}://{cnx.host}:{cnx.port}{cnx.url}"
    for _ in range(MAX_HOPS + 1):
        wire.expired = False
        try:
            response = cnx.session.request(
                method, url, headers=cnx.headers, data=cnx.input, timeout=cnx.timeout, verify=cnx.verify,
                allow_redirects=False, stream=cnx.stream,
            )  # fmt: skip
        except requests.exceptions.RequestException as exc:
            if wire.expired:
                raise DeadlineExceeded(f"no whole answer within {wire.deadline:g} s") from exc
            raise
        if wire.expired:
            raise DeadlineExceeded(f"no whole answer within {wire.deadline:g} s")
        if response.status_code not in REDIRECTS:
            if not cnx.stream:
                _check_json(response)
            return RequestsResponse(response)
        location = response.headers.get("Location") or ""
        here, there = urlsplit(url), urlsplit(location)
        if not location or (there.netloc and there.netloc != here.netloc):
            raise Redirected(response.status_code, method, url, location)
        if not wire.follows(here.path, there.path):
            raise Redirected(response.status_code, method, url, location)
        # GitHub's Location carries the query; an older or another server's may not: keep ours.
        url = urlunsplit((here.scheme, here.netloc, there.path, there.query or here.query, ""))
    raise Redirected(response.status_code, method, url, response.headers.get("Location") or "")


def _deadline_adapter(wire: Wire, **options: Any) -> Any:
    """A requests adapter whose urllib3 connections are each watched by a deadline."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Watched:
        _timer: threading.Timer | None = None

        def request(self, *args: Any, **kwargs: Any) -> Any:
            self.disarm()
            # A little after the deadline: a server silent for the whole timeout is a read timeout
            # (urllib3's, retried as a blip), one still sending is a trickle (not retried).
            timer = threading.Timer(wire.deadline + WATCHDOG_GRACE, self._expire)
            timer.daemon = True
            self._timer = timer
            timer.start()
            return super().request(*args, **kwargs)  # type: ignore[misc]

        def _expire(self) -> None:
            wire.expired = True
            sock = getattr(self, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # a blocked read returns at once

        def disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def close(self) -> None:
            self.disarm()
            super().close()  # type: ignore[misc]

    class Connection(Watched, HTTPConnection):
        pass

    class SecureConnection(Watched, HTTPSConnection):
        pass

    class Released:
        def _put_conn(self, conn: Any) -> None:  # the answer was read to its end
            if conn is not None:
                conn.disarm()
            super()._put_conn(conn)  # type: ignore[misc]

    class Pool(Released, HTTPConnectionPool):
        ConnectionCls = Connection

    class SecurePool(Released, HTTPSConnectionPool):
        ConnectionCls = SecureConnection

    class DeadlineAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": SecurePool}

    return DeadlineAdapter(**options)


def install(requester: Any, wire: Wire) -> None:
    """Make ``requester`` (a PyGithub ``Requester``) use connections that go through
    :func:`exchange`. PyGithub picks its connection class per requester in its constructor; the
    class-wide alternative it offers (``injectConnectionClasses``) turns keep-alive off."""
    from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass

    class Through:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made: Any = self  # a PyGithub connection class below this mixin gives these attributes
            adapter = _deadline_adapter(
                wire, max_retries=made.retry, pool_connections=made.pool_size, pool_maxsize=made.pool_size
            )
            made.session.mount(f"{made.protocol}://", adapter)

        def getresponse(self) -> Any:
            return exchange(wire, self)

    class Plain(Through, HTTPRequestsConnectionClass):
        pass

    class Secure(Through, HTTPSRequestsConnectionClass):
        pass

    scheme = getattr(requester, "_Requester__scheme", "https")
    requester._Requester__connectionClass = Secure if scheme == "https" else Plain
