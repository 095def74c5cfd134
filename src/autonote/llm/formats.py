"""Which structured-output format a server accepts, learned once and remembered.

The ladder of rungs, best first:

- ``json_schema``: Structured Outputs (``{"type": "json_schema", "json_schema": {...}}``);
- ``json_object+schema``: JSON mode carrying the schema the way llama-cpp-python and other local
  servers read it (``{"type": "json_object", "schema": {...}}``); never sent to OpenAI itself;
- ``json_object``: plain JSON mode;
- ``none``: no response format (the schema is in the prompt, as in both JSON modes).

A server that refuses a rung (see :func:`autonote.llm.faults.is_format_complaint`) moves the whole
run down one rung, so a regen of 1,000 notes sends one refused request, not 1,000; the rung that
worked is kept per (server, model) in ``state.sqlite`` (table ``llm_formats``) for the next run.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from autonote.secrets import safe_url

RUNGS = ("json_schema", "json_object+schema", "json_object", "none")
OPENAI_HOSTS = ("api.openai.com",)
OPENAI_HOST_SUFFIXES = (".openai.azure.com", ".openai.com")


def is_openai_url(base_url: str | None) -> bool:
    """True for OpenAI's own API (the default when no base URL is set) and Azure OpenAI."""
    if not base_url:
        return True
    try:
        host = (urlsplit(base_url.strip()).hostname or "").lower()
    except ValueError:
        return False
    return host in OPENAI_HOSTS or host.endswith(OPENAI_HOST_SUFFIXES)


def mode_of(rung: str) -> str:
    """The prompt mode of a rung (``json_object+schema`` is JSON mode)."""
    return rung.split("+", 1)[0]


def ladder_for(setting: str, base_url: str | None) -> tuple[str, ...]:
    """The rungs to try for a ``response_format`` setting (``auto`` tries them all)."""
    if setting == "auto":
        rungs: tuple[str, ...] = RUNGS
    elif setting == "json_object":
        rungs = ("json_object+schema", "json_object")
    else:
        rungs = (setting,)
    if is_openai_url(base_url):  # OpenAI documents no "schema" key in JSON mode: never send one
        rungs = tuple(r for r in rungs if r != "json_object+schema") or ("json_object",)
    return rungs


def response_format_for(rung: str, schema: dict[str, Any] | None) -> dict[str, Any] | None:
    if rung == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "paper_note", "schema": schema, "strict": True},
        }
    if rung == "json_object+schema":
        return {"type": "json_object", "schema": schema}
    if rung == "json_object":
        return {"type": "json_object"}
    return None


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema in the form Structured Outputs' strict mode accepts:
    every property required, no additional properties, no defaults."""
    schema = model.model_json_schema()

    def tighten(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            node.pop("default", None)
            for value in node.values():
                tighten(value)
        elif isinstance(node, list):
            for value in node:
                tighten(value)

    tighten(schema)
    return schema


class FormatStore:
    """The ``llm_formats`` table: the rung each (server, model) accepted last."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def get(self, server: str, model: str) -> str | None:
        try:
            row = self.conn.execute(
                "SELECT rung FROM llm_formats WHERE server = ? AND model = ?", (server, model)
            ).fetchone()
        except sqlite3.Error:  # an unreadable state database only costs the memory
            return None
        return row[0] if row else None

    def put(self, server: str, model: str, rung: str) -> None:
        with contextlib.suppress(sqlite3.Error):  # a state database that cannot be written: no memory
            self.conn.execute(
                "INSERT INTO llm_formats(server, model, rung, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(server, model) DO UPDATE SET rung = excluded.rung, updated = excluded.updated",
                (server, model, rung, time.time()),
            )


class FormatMemory:
    """The rung to start from, shared by every request of a run (and remembered across runs).

    Only ever moves down the ladder within a run. Until a rung has been accepted in this run
    (``confirmed``), concurrent callers let one request probe the ladder alone (:meth:`probe_lock`)
    and the others start at the rung it found: a server that refuses the first rung sees one refused
    request per run, not one per request in flight. A rung remembered from an earlier run is tried
    first but still probed once (the server behind the URL may have changed).
    """

    def __init__(
        self,
        ladder: tuple[str, ...],
        *,
        server: str = "",
        model: str = "",
        store: FormatStore | None = None,
    ) -> None:
        self.ladder = ladder
        self.server, self.model, self.store = server, model, store
        remembered = store.get(server, model) if store is not None else None
        self.index = ladder.index(remembered) if remembered in ladder else 0
        self.stored = remembered
        self.confirmed = False  # a rung was accepted in this run
        self._probe: Any = None  # asyncio.Lock, made on first use (in the running event loop)

    @classmethod
    def for_settings(cls, setting: str, base_url: str | None, model: str, conn: Any = None) -> FormatMemory:
        return cls(
            ladder_for(setting, base_url),
            server=safe_url(base_url) or "https://api.openai.com/v1",
            model=model,
            store=FormatStore(conn) if conn is not None else None,
        )

    @property
    def rung(self) -> str:
        return self.ladder[min(self.index, len(self.ladder) - 1)]

    def refused(self, index: int) -> bool:
        """The server refused rung ``index``: move down. False when no rung is left."""
        self.index = max(self.index, index + 1)
        return self.index < len(self.ladder)

    def probe_lock(self) -> Any:
        """The lock one async request holds while it probes an unconfirmed rung."""
        if self._probe is None:
            import asyncio

            self._probe = asyncio.Lock()
        return self._probe

    def accepted(self, index: int) -> None:
        self.confirmed = True
        rung = self.ladder[index]
        if self.store is not None and rung != self.stored:
            self.stored = rung
            self.store.put(self.server, self.model, rung)


def format_memory(settings: Any, state: Callable[[], Any] | None = None) -> FormatMemory:
    """The memory for these settings, remembered in the state database when it can be opened
    (``state`` is called lazily; a state that cannot be opened only costs the memory)."""
    conn = None
    if state is not None:
        try:
            conn = state().conn
        except Exception:
            conn = None
    return FormatMemory.for_settings(settings.response_format, settings.base_url, settings.model, conn)
