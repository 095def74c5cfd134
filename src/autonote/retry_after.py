"""The one reading of an HTTP ``Retry-After`` value, for every client autonote has (sources, arXiv,
the LLM limiter; PyGithub's retry reads GitHub's through urllib3, which reads it the same way).

RFC 9110 §10.2.3: delta-seconds or an HTTP date. A value that is neither, negative, or not finite
is no answer (None): the caller falls back to its own backoff rather than waiting forever.
"""

from __future__ import annotations

import datetime as dt
import math
import time


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now (0 for a date in the past); None when absent or bad."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def shown_seconds(seconds: float) -> str:
    """A server-told wait for a message: ``100,000`` seconds, or ``1.0e+308`` past 30 years (a
    server may ask for any number; the line that says so stays one short line)."""
    return f"{seconds:,.0f}" if seconds < 1e9 else f"{seconds:.1e}"
