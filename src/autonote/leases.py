"""Leases on work items, so that two autonote processes on one corpus never pay twice for one note.

A lease names an item (``note:<id>``) and the process holding it. It is taken in one SQLite write
transaction; another process sees it as held while the holder is alive (same host: its pid still
runs the same process; another host: until it expires) and either waits or skips the item. A lease
left by a killed process is free again at once on the same host.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

from autonote.state import StateDB, write_transaction

DEFAULT_TTL = 3600.0  # an item is never worked on this long; after it, a lease is stale anywhere


def _process_start(pid: int) -> str | None:
    """The start time of a process (Linux /proc), to tell a pid from a later process reusing it."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return fields[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    return started is None or _process_start(pid) in (None, started)


_HOST = socket.gethostname()
_ME = f"{_HOST}:{os.getpid()}:{_process_start(os.getpid()) or ''}"


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    started: str | None

    @classmethod
    def parse(cls, text: str) -> Holder:
        host, pid, started = ([*text.rsplit(":", 2), "", ""])[:3]
        return cls(host, int(pid) if pid.isdigit() else -1, started or None)

    def alive(self, expires: float) -> bool:
        if self.host == _HOST:
            return self.pid > 0 and _alive(self.pid, self.started)
        return expires > time.time()

    def __str__(self) -> str:
        return f"pid {self.pid}" + ("" if self.host == _HOST else f" on {self.host}")


class Leases:
    def __init__(self, state: StateDB, *, ttl: float = DEFAULT_TTL) -> None:
        self.conn = state.conn
        self.ttl = ttl
        self.held: set[str] = set()

    def try_acquire(self, item: str) -> Holder | None:
        """Take the lease on ``item``; returns None when taken, else the live holder."""
        now = time.time()
        with write_transaction(self.conn) as db:
            row = db.execute("SELECT holder, expires FROM leases WHERE item = ?", (item,)).fetchone()
            if row is not None and row[0] != _ME:
                holder = Holder.parse(row[0])
                if holder.alive(row[1]):
                    return holder
            db.execute(
                "INSERT INTO leases(item, holder, acquired, expires) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(item) DO UPDATE SET holder = excluded.holder, acquired = excluded.acquired,"
                " expires = excluded.expires",
                (item, _ME, now, now + self.ttl),
            )
        self.held.add(item)
        return None

    def acquire(self, item: str, *, wait: float, on_wait=None, poll: float = 0.2) -> Holder | None:
        """Take the lease, waiting up to ``wait`` seconds for another holder to finish (``on_wait``
        is called with it once, when there is one). Returns None when taken, else the holder."""
        deadline = time.monotonic() + wait
        holder = self.try_acquire(item)
        if holder is not None and on_wait is not None:
            on_wait(holder)
        while holder is not None and time.monotonic() < deadline:
            time.sleep(poll)
            holder = self.try_acquire(item)
        return holder

    def release(self, item: str) -> None:
        self.conn.execute("DELETE FROM leases WHERE item = ? AND holder = ?", (item, _ME))
        self.held.discard(item)
