"""A push from the workspace's corpus to a remote note store, as a backend's command runs it: the
loop of :mod:`autonote.notes.push` over the workspace's store, each note it writes recorded as an
import (:func:`autonote.corpus.import_apply.record_import`), and its intents kept in the state
database (:class:`StateIntents`). A backend brings its :class:`~autonote.notes.push.RemoteStore`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from autonote.app import Workspace
from autonote.corpus.import_apply import record_import
from autonote.notes.push import Intent, PushOptions, PushReport, RemoteStore, push
from autonote.state import StateDB


class StateIntents:
    """A push's intents (:class:`autonote.notes.push.Intents`) in the state database, under the
    remote's name as it is now (``resolve`` may change it), lower case, and looked for under the name
    asked for too (a push stopped before the remote was renamed kept them there). The table is
    ``github_pushes``, named for its first user; another backend gives a ``prefix`` of its own
    ("gitlab:") so that its names never meet a GitHub repository's."""

    def __init__(self, state: StateDB, remote: RemoteStore, *, prefix: str = "") -> None:
        self.conn, self.remote, self.prefix = state.conn, remote, prefix
        # The name asked for: a push stopped before the remote was renamed kept its intents under it.
        self.asked = self.key

    @property
    def key(self) -> str:
        return f"{self.prefix}{self.remote.name}".lower()

    def _keys(self) -> tuple[str, str]:
        return self.key, self.asked

    def intend(self, intent: Intent) -> None:
        """Before a remote note is created: if autonote stops before the local note adopts it, the
        next push finds it instead of creating a second one."""
        self.conn.execute(
            "INSERT OR REPLACE INTO github_pushes(note_id, repo, title, body_sha256, started) VALUES (?, ?, ?, ?, ?)",
            (intent.note_id, self.key, intent.title, intent.revision, intent.started.isoformat()),
        )

    def pending(self) -> list[Intent]:
        rows = self.conn.execute(
            "SELECT note_id, title, body_sha256, started FROM github_pushes WHERE repo IN (?, ?)",
            self._keys(),
        )
        return [Intent(r[0], r[1], r[2], dt.datetime.fromisoformat(r[3])) for r in rows]

    def done(self, note_id: str) -> None:
        self.conn.execute(
            "DELETE FROM github_pushes WHERE note_id = ? AND repo IN (?, ?)", (note_id, *self._keys())
        )


def push_workspace(
    ws: Workspace, remote: RemoteStore, selected: list[str], options: PushOptions, *, prefix: str = ""
) -> PushReport:
    """Push the notes ``selected`` (:func:`autonote.notes.push.select_notes`) to ``remote``."""
    intents = StateIntents(ws.state, remote, prefix=prefix)
    return push(ws.store, remote, intents, selected, record=partial(record_import, ws.state), options=options)
