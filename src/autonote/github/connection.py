"""GitHub access in one place: the API root, the token, the client, retries, rate limits, errors.

- The API root is ``GITHUB_API_URL`` (GitHub Actions sets it; default ``https://api.github.com``),
  the token ``GITHUB_TOKEN``, then ``GH_TOKEN``, then ``gh auth token`` when ``gh`` is installed.
- The client is PyGithub (pagination by ``Link`` headers, ``since``, objects for issues, comments
  and labels), with two extensions measured to be needed (see :mod:`autonote.github.pacing`):
  waiting *before* a request when ``x-ratelimit-remaining`` is 0 (PyGithub only reacts after GitHub
  refused one), and saying every wait and retry on stderr in autonote's words (urllib3 waits for
  5xx and timeouts without a word; PyGithub logs only its rate-limit backoffs).
- Every failure becomes one line naming the repository (:class:`GitHubError`), and no message
  autonote prints carries the token: messages pass through :meth:`GitHub.clean`.

The token lives only in memory, in the ``Authorization`` header of requests; it is never written to
a file, a log or an error.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlparse

from autonote import __version__
from autonote.errors import AutonoteError, ConfigError, RemoteNoteGoneError, RemoteStoreError, UsageError
from autonote.github.pacing import MAX_RATE_WAIT, Traffic
from autonote.github.transport import BadAnswer, DeadlineExceeded, Redirected, Wire

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_TIMEOUT = 30.0
DEFAULT_WRITE_INTERVAL = 1.0  # GitHub asks for a second between writes (secondary rate limits)
PER_PAGE = 100
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_NAME = r"[A-Za-z0-9._-]{1,100}"
_REPO = re.compile(rf"(?P<owner>{_OWNER})/(?P<name>{_NAME})")


class GitHubError(RemoteStoreError):
    """GitHub refused or failed a request (one line naming the repository; exit 1)."""


class IssueGoneError(GitHubError, RemoteNoteGoneError):
    """One issue is no longer in the repository: transferred to another (GitHub answers a redirect
    there) or deleted (HTTP 410). It stops that note, not the others."""


_ISSUE_PATH = re.compile(r"/(?:repos/[^/]+/[^/]+|repositories/\d+)/issues/(?P<number>\d+)(?:/|$|\?)")


def parse_repo(text: str) -> str:
    """``OWNER/NAME`` as given (a usage error otherwise)."""
    value = text.strip().removesuffix(".git")
    found = _REPO.fullmatch(value)
    if found is None or found["name"] in (".", ".."):
        shown = repr(text) if len(text) <= 80 else repr(text[:77] + "...")
        raise UsageError(f"--repo {shown} is not OWNER/NAME (e.g. octocat/paper_notes)")
    return value


@dataclass(frozen=True)
class Access:
    """Where the API is and how autonote is known to it (the token is never shown)."""

    api_url: str
    token: str | None = field(repr=False)
    token_source: str  # GITHUB_TOKEN | GH_TOKEN | gh auth token | none
    timeout: float = DEFAULT_TIMEOUT  # for a whole answer (headers and body), each attempt
    write_interval: float = DEFAULT_WRITE_INTERVAL
    max_wait: float = MAX_RATE_WAIT  # the longest autonote waits when GitHub says to wait


def _api_url(environ: Mapping[str, str]) -> str:
    raw = (environ.get("GITHUB_API_URL") or "").strip() or DEFAULT_API_URL
    parts = urlparse(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("GITHUB_API_URL is not an http(s) URL")
    if parts.username or parts.password:
        raise ConfigError("GITHUB_API_URL must not carry credentials; give the token as GITHUB_TOKEN")
    return raw.rstrip("/")


def _gh_host(api_url: str) -> str:
    host = urlparse(api_url).hostname or "github.com"
    return "github.com" if host == "api.github.com" else host


def _gh_token(api_url: str) -> str | None:
    """The token ``gh`` keeps for the API's host, when gh is installed and logged in."""
    gh = shutil.which("gh")
    if gh is None:
        return None
    try:
        done = subprocess.run(
            [gh, "auth", "token", "--hostname", _gh_host(api_url)],
            capture_output=True, text=True, timeout=15, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    token = done.stdout.strip()
    return token if done.returncode == 0 and token and "\n" not in token else None


def _float_env(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds") from None
    if not math.isfinite(value):  # nan or inf seconds bound nothing (a timeout, the longest wait)
        raise ConfigError(f"{name}={raw!r} is not a finite number of seconds")
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def find_access(environ: Mapping[str, str] | None = None, *, ask_gh: bool = True) -> Access:
    """The API root and token from the environment (GitHub Actions sets both)."""
    environ = os.environ if environ is None else environ
    api_url = _api_url(environ)
    token, source = None, "none"
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        value = (environ.get(name) or "").strip()
        if value:
            token, source = value, name
            break
    if token is None and ask_gh:
        token = _gh_token(api_url)
        source = "gh auth token" if token else "none"
    return Access(
        api_url=api_url, token=token, token_source=source,
        timeout=_float_env(environ, "AUTONOTE_GITHUB_TIMEOUT", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT,
        write_interval=_float_env(environ, "AUTONOTE_GITHUB_WRITE_INTERVAL", DEFAULT_WRITE_INTERVAL),
        max_wait=_float_env(environ, "AUTONOTE_GITHUB_MAX_WAIT", MAX_RATE_WAIT),
    )  # fmt: skip


def _request_failure(exc, repo: str, api: str, doing: str) -> str:
    """The line for what requests raised (exc: a ``requests.exceptions.RequestException``)."""
    import requests

    if isinstance(exc, requests.exceptions.RetryError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return f"{repo}: the GitHub API at {api} kept failing while {doing} ({reason or exc})"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"{repo}: the GitHub API at {api} timed out while {doing}"
    reason = exc.args[0] if exc.args else exc
    reason = str(getattr(reason, "reason", reason))
    reason = reason.rsplit("Failed to establish a new connection: ", 1)[-1].rstrip(")")
    return f"{repo}: cannot reach the GitHub API at {api} while {doing} ({reason})"


def _server_message(data: Any) -> str:
    """GitHub's own words for a refusal: its ``message`` and the ``errors`` of a 422."""
    if not isinstance(data, dict):
        return " ".join(str(data or "").split())[:200]
    message = str(data.get("message") or "").strip()
    details = []
    for error in data.get("errors") or []:
        if isinstance(error, dict):
            what = error.get("field") or error.get("resource") or ""
            value = error.get("value")
            text = error.get("message") or error.get("code") or ""
            details.append(f"{what} {text}" + (f" {value!r}" if value is not None else ""))
        else:
            details.append(str(error))
    return message + (f" ({'; '.join(d.strip() for d in details)})" if details else "")


class GitHub:
    """A connection to one GitHub API root: the PyGithub client and what it did (``traffic``)."""

    def __init__(self, access: Access, *, warn: Callable[[str], None] | None = None) -> None:
        self.access = access
        self.warn = warn or (lambda message: None)
        self.traffic = Traffic()
        self.wire = Wire(deadline=access.timeout)

    @property
    def authenticated(self) -> bool:
        return self.access.token is not None

    def require_token(self, action: str) -> None:
        if not self.authenticated:
            raise GitHubError(
                f"cannot {action} without a GitHub token: set GITHUB_TOKEN or GH_TOKEN, or log in with"
                " `gh auth login`"
            )

    @cached_property
    def client(self) -> Any:  # github.Github
        import logging

        from github import Github

        from autonote.github.pacing import paced_auth, reporting_retry
        from autonote.github.transport import install

        # PyGithub logs its retries on stderr at INFO; autonote says them itself (without the noise).
        logging.getLogger("github").setLevel(logging.WARNING)
        wire = self.wire
        return Github(
            base_url=self.access.api_url,
            auth=paced_auth(
                self.access.token,
                self.traffic,
                self._say,
                attach=lambda requester: install(requester, wire),
                max_wait=self.access.max_wait,
            ),
            timeout=int(max(1, round(self.access.timeout))),
            user_agent=f"autonote/{__version__}",
            per_page=PER_PAGE,
            retry=reporting_retry(
                self.traffic, self._say, expired=lambda: wire.expired, max_wait=self.access.max_wait
            ),
            seconds_between_requests=None,
            seconds_between_writes=self.access.write_interval or None,
            lazy=True,
        )

    def repo(self, full_name: str) -> Any:  # github.Repository.Repository (lazy: no request yet)
        return self.client.get_repo(full_name)

    def _say(self, message: str) -> None:
        self.warn(self.clean(message))

    def clean(self, text: str) -> str:
        """``text`` with the token (and anything shaped like an Authorization value) removed."""
        token = self.access.token
        if token:
            text = text.replace(token, "***")
        return re.sub(
            r"(?i)\b(authorization[\"']?\s*[:=]\s*[\"']?)(bearer|token|basic)\s+\S+", r"\1\2 ***", text
        )

    @contextlib.contextmanager
    def failures(self, repo: str, doing: str) -> Iterator[None]:
        """Turn what PyGithub, requests and the transport raise into one :class:`GitHubError` line
        naming the repository and what was being done (``doing``: "listing issues", "creating the
        issue for …"); an issue moved away or deleted is an :class:`IssueGoneError`."""
        try:
            yield
        except AutonoteError:
            raise
        except Exception as exc:
            found = self._api_failure(exc, repo, doing) or self._wire_failure(exc, repo, doing)
            if found is None:
                raise
            error, message = found
            raise error(self.clean(message)) from None

    def _api_failure(self, exc: Exception, repo: str, doing: str) -> tuple[type[GitHubError], str] | None:
        """What GitHub's answer means (a PyGithub error, a redirect), as an error and its line."""
        from github import BadCredentialsException, GithubException, UnknownObjectException

        api = self.access.api_url
        if isinstance(exc, BadCredentialsException):
            return GitHubError, (
                f"{repo}: GitHub refused the credentials while {doing} (HTTP 401: bad credentials; the token"
                f" came from {self.access.token_source})"
            )
        if isinstance(exc, UnknownObjectException):
            who = (
                "" if self.authenticated else "; no token was given, so only public repositories can be seen"
            )
            return GitHubError, (
                f"{repo}: not found while {doing} (HTTP 404 from {api}: {_server_message(exc.data) or 'Not Found'};"
                f" no such repository or issue, or the token cannot see it{who})"
            )
        if isinstance(exc, GithubException):
            said = _server_message(exc.data)
            if exc.status == 410:
                return IssueGoneError, f"{repo}: deleted on GitHub (HTTP 410: {said or 'Gone'}) while {doing}"
            return GitHubError, f"{repo}: GitHub answered HTTP {exc.status} while {doing}: {said}"
        if isinstance(exc, Redirected):
            return self._redirect_failure(exc, repo, doing)
        return None

    def _redirect_failure(self, exc: Redirected, repo: str, doing: str) -> tuple[type[GitHubError], str]:
        place = self._new_place(exc.location)
        if not _ISSUE_PATH.search(urlparse(exc.url).path):
            return GitHubError, (
                f"{repo}: GitHub answered HTTP {exc.status} (moved to {place}) while {doing}; autonote follows"
                " only a rename of the repository"
            )
        transferred = _ISSUE_PATH.search(urlparse(exc.location).path) is not None and (
            urlparse(exc.location).netloc in ("", urlparse(exc.url).netloc)
        )
        why = "transferred to another repository" if transferred else "redirected elsewhere"
        return IssueGoneError, f"{repo}: moved to {place} (HTTP {exc.status}: {why}) while {doing}"

    def _wire_failure(self, exc: Exception, repo: str, doing: str) -> tuple[type[GitHubError], str] | None:
        """What went wrong on the way (a deadline, a bad answer, the network, an answer of the wrong
        shape), as an error and its line; None for anything else (it is raised as it is)."""
        import requests
        from github.GithubException import BadAttributeException

        api = self.access.api_url
        if isinstance(exc, DeadlineExceeded):
            message = (
                f"{repo}: the GitHub API at {api} did not send its whole answer within {self.access.timeout:g} s"
                f" while {doing} (AUTONOTE_GITHUB_TIMEOUT)"
            )
        elif isinstance(exc, BadAnswer):
            message = f"{repo}: the GitHub API at {api} answered {exc} while {doing}"
        elif isinstance(exc, requests.exceptions.RequestException):
            message = _request_failure(exc, repo, api, doing)
        elif isinstance(exc, BadAttributeException):
            message = (
                f"{repo}: GitHub's answer while {doing} had an unexpected value ({exc.actual_value!r:.80})"
            )
        elif isinstance(exc, TypeError | KeyError | AttributeError | ValueError | RecursionError):
            if not _raised_in_pygithub(exc):
                return None
            message = (
                f"{repo}: GitHub's answer while {doing} was not in the shape of GitHub's API"
                f" ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"
            )
        else:
            return None
        return GitHubError, message

    def _new_place(self, location: str) -> str:
        """Where a redirect points, as a page a person can open (the issue's ``html_url`` when the
        Location is an issue GitHub can show), else the Location itself."""
        if not location:
            return "a place GitHub did not name"
        if urlparse(location).netloc not in ("", urlparse(self.access.api_url).netloc):
            return location  # never sent a request (with the token) to another host
        try:
            _, data = self.client.requester.requestJsonAndCheck("GET", location)
        except Exception:  # naming the place is best effort; the Location is the fallback
            return location
        html = data.get("html_url") if isinstance(data, dict) else None
        return html if isinstance(html, str) and html else location


def _raised_in_pygithub(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside PyGithub (reading an answer of a shape it did not expect),
    not in autonote's own code."""
    import os

    import github

    root = os.path.dirname(github.__file__)
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return last is not None and last.startswith(root)
