"""Helpers for the source tests: a SourceContext on real settings and a state folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autonote.config import load_settings
from autonote.sources.base import SourceContext
from autonote.state import StateDB


def context(tmp_path: Path, *, refresh: bool = False, warnings: list[str] | None = None) -> SourceContext:
    """A context as ``autonote draft`` builds it (settings from the environment the fixtures set)."""
    settings, _ = load_settings({})
    state = StateDB(tmp_path / "state")
    sink: Any = warnings.append if warnings is not None else None
    return SourceContext(settings, lambda: state, refresh=refresh, warn=sink)


def headers(content_type: str):  # -> email.message.Message
    """Response headers with this Content-Type ("" for none), as urllib hands them over."""
    from email.message import Message

    found = Message()
    if content_type:
        found["Content-Type"] = content_type
    return found
