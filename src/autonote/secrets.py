"""Masking secrets in every text autonote shows or keeps: the one place that knows what a secret is.

Two kinds of masking:

- *known secrets*: the values of this run (the API key from ``OPENAI_API_KEY`` or the settings, the
  password and token-like query values of ``OPENAI_BASE_URL``), registered with :func:`register`
  and replaced wherever they appear, also percent-encoded or JSON-escaped. Only values of at least
  :data:`MIN_SECRET_LENGTH` characters are known secrets: a one-character key (``OPENAI_API_KEY=x``,
  common with local servers that need none) must not turn every "x" of a message into ``***``.
- *structural patterns*, masked whatever their value: ``Authorization:`` / ``Bearer …`` /
  ``api-key:`` values, the userinfo of a URL (``https://user:pass@host``), token-like query
  parameters (``?key=``, ``token=``, ``api_key=``, ``sig=`` …) and OpenAI-style ``sk-…`` keys.

:func:`redact` is used by the CLI's error handler, by every message built from a server's answer,
and on every reply before it is logged, cached or written. :func:`scrub_exception` masks an
exception (and its cause and context) in place, so that a ``--debug`` traceback shows no secret.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

MIN_SECRET_LENGTH = 8
MASK = "***"
_ENV_SECRETS = ("OPENAI_API_KEY",)  # whole values
_ENV_URLS = ("OPENAI_BASE_URL",)  # URLs whose userinfo and token-like query values are secrets

_TOKEN_PARAMS = (
    r"api[-_]?key|key|token|access[-_]?token|refresh[-_]?token|id[-_]?token|auth|secret|client[-_]?secret"
    r"|password|passwd|pwd|sig|signature|code|session|apikey"
)
_HEADER_VALUE = re.compile(
    r"(?i)(\b(?:proxy-)?authorization|\bx-api-key|\bapi-key|\bopenai-api-key)"
    r"([\"']?\s*[:=]\s*[\"']?)(?:(bearer|basic|token|digest)\s+)?[^\s\"',;})\]]+"
)


def _header_value(match: re.Match[str]) -> str:
    scheme = f"{match.group(3)} " if match.group(3) else ""
    return f"{match.group(1)}{match.group(2)}{scheme}{MASK}"


_PATTERNS: list[tuple[re.Pattern[str], Any]] = [  # (pattern, replacement text or function)
    # Authorization: Bearer xyz / "authorization": "Bearer xyz" / api-key: xyz / x-api-key=xyz
    (_HEADER_VALUE, _header_value),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=\-]+"), r"\1 " + MASK),
    # userinfo in URLs: scheme://user:password@host or scheme://token@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/@:\"'<>]+(?::[^\s/@\"'<>]*)?@"), r"\1" + MASK + "@"),
    # token-like query parameters
    (re.compile(rf"(?i)([?&;](?:{_TOKEN_PARAMS})=)[^&#\s\"'<>]+"), r"\1" + MASK),
    # OpenAI-style keys, whoever's they are
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"), "sk-" + MASK),
]


class Redactor:
    """Masks the known secrets of a run and the structural patterns (see the module docstring)."""

    def __init__(self, secrets: Iterable[str | None] = (), *, environment: bool = True) -> None:
        self._secrets: set[str] = set()
        self._environment = environment
        self._lock = threading.Lock()
        self._compiled: tuple[frozenset[str], re.Pattern[str] | None] = (frozenset(), None)
        for secret in secrets:
            self.register(secret)

    def register(self, secret: str | None) -> None:
        """Remember a secret value (ignored when shorter than :data:`MIN_SECRET_LENGTH`)."""
        if secret and len(secret.strip()) >= MIN_SECRET_LENGTH:
            with self._lock:
                self._secrets.add(secret.strip())

    def register_url(self, url: str | None) -> None:
        """Remember the secret parts of a URL: the userinfo password (or token) and token-like
        query values."""
        for secret in url_secrets(url):
            self.register(secret)

    def known(self) -> frozenset[str]:
        found = set(self._secrets)
        if self._environment:
            for name in _ENV_SECRETS:
                value = os.environ.get(name)
                if value and len(value.strip()) >= MIN_SECRET_LENGTH:
                    found.add(value.strip())
            for name in _ENV_URLS:
                found.update(s for s in url_secrets(os.environ.get(name)) if len(s) >= MIN_SECRET_LENGTH)
        return frozenset(found)

    def _literal_pattern(self) -> re.Pattern[str] | None:
        secrets = self.known()
        cached_for, pattern = self._compiled
        if secrets == cached_for:
            return pattern
        variants: set[str] = set()
        for secret in secrets:
            variants.update({secret, quote(secret, safe=""), json.dumps(secret)[1:-1]})
        ordered = sorted((v for v in variants if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._compiled = (secrets, pattern)
        return pattern

    def redact(self, text: str) -> str:
        """``text`` with every known secret and every structural secret masked."""
        if not text:
            return text
        literal = self._literal_pattern()
        if literal is not None:
            text = literal.sub(MASK, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def __call__(self, text: str) -> str:
        return self.redact(text)

    def contains_secret(self, text: str) -> bool:
        return self.redact(text) != text


def url_secrets(url: str | None) -> list[str]:
    """The secret parts of a URL (userinfo password or token, token-like query values)."""
    if not url:
        return []
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return []
    found = []
    if parts.password:
        found.append(unquote(parts.password))
    elif parts.username and "@" in parts.netloc:
        found.append(unquote(parts.username))  # https://TOKEN@host
    token_param = re.compile(rf"(?i)^(?:{_TOKEN_PARAMS})$")
    found.extend(value for name, value in parse_qsl(parts.query) if token_param.match(name) and value)
    return found


def safe_url(url: str | None) -> str:
    """A URL fit to show or store: no userinfo, no query string, no fragment."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return redact(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if not parts.scheme:
        return redact(url)
    return f"{parts.scheme}://{host}{parts.path}".rstrip("/")


def strip_url_secrets(url: str) -> tuple[str, bool]:
    """``url`` fit to keep in a note (which may become a public issue): without its userinfo
    (``https://user:KEY@host``) and without the query parameters the redactor treats as secrets
    (``token=``, ``key=``, ``sig=`` …, :data:`_TOKEN_PARAMS`); the rest of the URL as it was. The
    flag says whether anything was removed. A URL that does not parse is returned as it is."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return url, False
    removed = False
    netloc = parts.netloc
    if "@" in netloc and host:
        netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
        removed = True
    query = parts.query
    if query:
        token_param = re.compile(rf"(?i)^(?:{_TOKEN_PARAMS})$")
        pairs = re.split(r"[&;]", query)
        kept = [pair for pair in pairs if not token_param.match(unquote(pair.split("=", 1)[0]))]
        if len(kept) != len(pairs):
            query, removed = "&".join(kept), True
    if not removed:
        return url, False
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), True


DEFAULT = Redactor()


def register(secret: str | None) -> None:
    """Add a secret of this run to the process-wide redactor."""
    DEFAULT.register(secret)


def register_url(url: str | None) -> None:
    DEFAULT.register_url(url)


def redact(text: str) -> str:
    """Mask every secret known to the process-wide redactor (and every structural one)."""
    return DEFAULT.redact(text)


def scrub_exception(exc: BaseException, redactor: Redactor = DEFAULT) -> None:
    """Mask secrets in an exception's arguments and notes, following its cause and context, in place
    (so that a traceback printed afterwards shows none)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    pending = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        with contextlib.suppress(AttributeError, TypeError):
            current.args = tuple(_scrub_value(arg, redactor) for arg in current.args)
        notes = getattr(current, "__notes__", None)
        if isinstance(notes, list):
            current.__notes__ = [redactor.redact(n) if isinstance(n, str) else n for n in notes]
        for name in ("message", "filename", "filename2", "strerror", "msg"):
            value = getattr(current, name, None)
            if isinstance(value, str) and redactor.contains_secret(value):
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(current, name, redactor.redact(value))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _scrub_value(value: object, redactor: Redactor) -> object:
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, bytes):
        try:
            return redactor.redact(value.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return value
    if isinstance(value, tuple | list):
        return type(value)(_scrub_value(v, redactor) for v in value)
    if isinstance(value, dict):
        return {k: _scrub_value(v, redactor) for k, v in value.items()}
    return value
