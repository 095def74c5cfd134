"""Everything autonote remembers, in one SQLite file (WAL) under ``<corpus>/.autonote/``.

Deleting the folder loses no note, only speed and history. The schema grows by named migrations,
applied once each, in order (the approach simonw/llm takes for its log).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from autonote.errors import AutonoteError

STATE_DIR_NAME = ".autonote"
STATE_FILE_NAME = "state.sqlite"


_M001_INITIAL = """
        CREATE TABLE papers (
            key TEXT PRIMARY KEY,          -- arXiv id as requested, e.g. 2504.07086 or 2504.07086v2
            fetched_at REAL NOT NULL,
            paper_json TEXT NOT NULL
        );
        CREATE TABLE throttle (
            name TEXT PRIMARY KEY,         -- one row per polite-use policy, e.g. "arxiv"
            next_slot REAL NOT NULL        -- epoch seconds before which no request may start
        );
        CREATE TABLE generations (
            id INTEGER PRIMARY KEY,
            created REAL NOT NULL,
            note_id TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            messages_hash TEXT NOT NULL,
            response_format TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            raw_output TEXT,
            errors_json TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            duration_s REAL,
            ok INTEGER NOT NULL
        );
        CREATE INDEX generations_note ON generations(note_id);
"""

_M002_IMPORTS = """
        CREATE TABLE imports (
            note_id TEXT PRIMARY KEY,
            entry_hash TEXT NOT NULL,      -- the source entry last written to the note file
            file_sha256 TEXT NOT NULL,     -- the note file as written then (differs once the owner edits)
            imported REAL NOT NULL
        )
"""

_M003_EMBEDDINGS = """
        CREATE TABLE embeddings (
            model TEXT NOT NULL,
            text_hash TEXT NOT NULL,       -- sha256 of the embedded text (title, abstract, summary)
            dims INTEGER NOT NULL,
            vector BLOB NOT NULL,          -- float32
            PRIMARY KEY (model, text_hash)
        ) WITHOUT ROWID
"""

_M004_LLM_CACHE = """
        CREATE TABLE llm_cache (
            key TEXT PRIMARY KEY,          -- sha256 of the canonical request body (see llm/cache.py)
            model TEXT NOT NULL,
            created REAL NOT NULL,
            reply_json TEXT NOT NULL       -- content, token counts, finish reason
        )
"""

_M005_GENERATIONS_CACHED = """
        ALTER TABLE generations ADD COLUMN cached INTEGER NOT NULL DEFAULT 0
"""

_M006_REGEN = """
        CREATE TABLE regen_items (
            key TEXT PRIMARY KEY,          -- sha256 of (note input, fields, prompt version, model, parameters)
            note_id TEXT NOT NULL,
            status TEXT NOT NULL,          -- submitted (in a batch) | done | failed | skipped
            detail TEXT,                   -- the reason for failed / skipped
            draft_path TEXT,
            batch_id TEXT,
            batch_reply_json TEXT,         -- the Batch API's answer, kept until the item is done
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cost_usd REAL,
            attempts INTEGER,
            updated REAL NOT NULL
        );
        CREATE INDEX regen_items_note ON regen_items(note_id);
        CREATE INDEX regen_items_batch ON regen_items(batch_id);
        CREATE TABLE regen_batches (
            batch_id TEXT PRIMARY KEY,
            input_file_id TEXT NOT NULL,
            items INTEGER NOT NULL,
            status TEXT NOT NULL,          -- the provider's, then 'collected' once results are in the journal
            created REAL NOT NULL,
            selection_json TEXT NOT NULL   -- the regen options, so that --resume can finish the job
        )
"""

_M007_REVIEW = """
        CREATE TABLE review_decisions (
            id INTEGER PRIMARY KEY,
            note_id TEXT NOT NULL,
            decision TEXT NOT NULL,        -- accepted | rejected
            reason TEXT,
            journal_key TEXT,              -- the regen item an update-draft came from
            draft_sha256 TEXT NOT NULL,
            kept_at TEXT,                  -- where a rejected draft is kept
            created REAL NOT NULL
        );
        CREATE INDEX review_decisions_key ON review_decisions(journal_key)
"""

_M008_LEASES = """
        CREATE TABLE leases (
            item TEXT PRIMARY KEY,         -- what is being worked on, e.g. "note:arxiv-2504.07086"
            holder TEXT NOT NULL,          -- host:pid:process start time of the process working on it
            acquired REAL NOT NULL,
            expires REAL NOT NULL          -- stale after this, even if the holder cannot be checked
        )
"""

_M009_SOURCE_CACHE = """
        CREATE TABLE source_cache (
            source TEXT NOT NULL,          -- the source that fetched it: openreview, acl, web
            key TEXT NOT NULL,             -- what it fetched by: forum id, anthology id, page URL
            fetched_at REAL NOT NULL,
            paper_json TEXT NOT NULL,
            PRIMARY KEY (source, key)
        ) WITHOUT ROWID
"""

_M010_GITHUB_SYNC = """
        CREATE TABLE github_pulls (
            repo TEXT PRIMARY KEY,         -- owner/name, lower case
            since TEXT NOT NULL,           -- the latest updated_at seen (GitHub's clock): the next pull's since
            pulled_at REAL NOT NULL
        );
        CREATE TABLE github_pushes (
            note_id TEXT NOT NULL,         -- a note being published as a new issue
            repo TEXT NOT NULL,
            title TEXT NOT NULL,
            body_sha256 TEXT NOT NULL,
            started TEXT NOT NULL,         -- ISO time just before the create request
            PRIMARY KEY (note_id, repo)
        )
"""

_M011_LLM_FORMATS = """
        CREATE TABLE llm_formats (
            server TEXT NOT NULL,          -- the base URL without credentials or query (secrets.safe_url)
            model TEXT NOT NULL,
            rung TEXT NOT NULL,            -- the response format this server accepted (llm/formats.py)
            updated REAL NOT NULL,
            PRIMARY KEY (server, model)
        )
"""

# Named migrations, applied once each, in order. Each is a list of statements run in one
# transaction (not executescript, which would commit on its own half-way).
MIGRATIONS: list[tuple[str, str]] = [
    ("m001_initial", _M001_INITIAL),
    ("m002_imports", _M002_IMPORTS),
    ("m003_embeddings", _M003_EMBEDDINGS),
    ("m004_llm_cache", _M004_LLM_CACHE),
    ("m005_generations_cached", _M005_GENERATIONS_CACHED),
    ("m006_regen", _M006_REGEN),
    ("m007_review", _M007_REVIEW),
    ("m008_leases", _M008_LEASES),
    ("m009_source_cache", _M009_SOURCE_CACHE),
    ("m010_github_sync", _M010_GITHUB_SYNC),
    ("m011_llm_formats", _M011_LLM_FORMATS),
]


def make_state_dir(folder: Path) -> None:
    """Create the state folder with a ``.gitignore`` of ``*``, so that a corpus kept in git never
    commits autonote's caches by accident."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# autonote's caches and journals: rebuilt on demand, never committed\n*\n")


def state_dir(corpus: Path | None, fallback: Path) -> Path:
    """Where state lives: inside the corpus when there is one, else in the user config dir."""
    return (corpus / STATE_DIR_NAME) if corpus is not None else fallback / "state"


def _only_comments(statement: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in statement.splitlines())


_EXPECTED: dict[str, list[str]] | None = None


def _expected_schema() -> dict[str, list[str]]:
    """Table → the statements that make it and its indexes as every migration leaves them (read
    from an in-memory database migrated from scratch, once per process)."""
    global _EXPECTED
    if _EXPECTED is None:
        memory = sqlite3.connect(":memory:", isolation_level=None)
        memory.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
        for _, script in MIGRATIONS:
            for statement in script.split(";"):
                if statement.strip() and not _only_comments(statement):
                    memory.execute(statement)
        schema: dict[str, list[str]] = {}
        rows = memory.execute(
            "SELECT type, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type = 'index'"
        )
        for kind, table, sql in rows:
            if kind in ("table", "index") and table != "_migrations":
                schema.setdefault(table, []).append(sql)
        memory.close()
        _EXPECTED = schema
    return _EXPECTED


class StateUnavailableError(AutonoteError):
    """The state folder or database cannot be created or written (read-only or full disk)."""


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; on any failure a rollback that never hides the cause (a
    failed BEGIN, or a disk that filled, leaves no transaction to roll back)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


class StateDB:
    """A thin owner of the SQLite connection; the modules that use a table own its queries.

    On a corpus autonote cannot write (a read-only mount, a full disk), the state is an in-memory
    copy of what is there (``persistent`` False): reading commands keep their caches, and commands
    that write check :attr:`persistent` before doing any paid work.
    """

    def __init__(self, folder: Path, *, allow_memory: bool = True) -> None:
        self.path = folder / STATE_FILE_NAME
        self.persistent = True
        self.problem: str | None = None
        self.repaired: list[str] = []  # tables found missing and made again
        try:
            make_state_dir(folder)
            self.conn = self._connect(str(self.path))
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            if not allow_memory:
                raise StateUnavailableError(f"cannot open {self.path}: {reason}") from None
            self.problem = f"cannot write {self.path} ({reason})"
            self.persistent = False
            self.conn = self._memory_copy()
            try:
                self._migrate()
            except sqlite3.Error:  # the copy is damaged too: start from an empty state
                self.conn = self._connect(":memory:")
                self._migrate()

    @staticmethod
    def _connect(target: str, **options: object) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=30, isolation_level=None, **options)  # type: ignore[call-overload]
        conn.row_factory = sqlite3.Row
        return conn

    def _memory_copy(self) -> sqlite3.Connection:
        """A writable in-memory copy of the state file (or an empty state when there is none)."""
        memory = self._connect(":memory:")
        if self.path.is_file():
            with contextlib.suppress(sqlite3.Error, OSError):
                source = self._connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
                source.backup(memory)
                source.close()
        return memory

    def _migrate(self) -> None:
        db = self.conn
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
        done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
        if (
            not done
            and db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name != '_migrations'"
            ).fetchone()[0]
        ):
            raise StateUnavailableError(
                f"{self.path} has tables but no record of its schema (_migrations is gone); move the"
                " file aside to start afresh"
            )
        unknown = sorted(done - {name for name, _ in MIGRATIONS})
        if unknown:
            raise StateUnavailableError(
                f"{self.path} was written by a newer autonote (its schema has {unknown[0]}, which this"
                " version does not know); upgrade autonote, or move the file aside to start afresh"
            )
        for name, script in MIGRATIONS:
            if name in done:
                continue
            with write_transaction(db):
                if db.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone() is None:
                    for statement in script.split(";"):
                        if statement.strip() and not _only_comments(statement):
                            db.execute(statement)
                    db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, time.time()))
        self.repaired = self._repair()

    def _repair(self) -> list[str]:
        """Make the tables the migrations made that are missing (dropped by hand or by a tool),
        as the migrations leave them, empty; returns their names. What was in them is lost (each
        is a cache or a history); everything else is kept."""
        present = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        expected = _expected_schema()
        missing = [table for table in expected if table not in present]
        if missing:
            with write_transaction(self.conn) as db:
                for table in missing:
                    for statement in expected[table]:
                        db.execute(statement)
        return missing

    def reserve_slot(self, name: str, interval: float) -> float:
        """Reserve the next start time for a rate-limited request; returns seconds to wait.

        The reservation is one write transaction, so separate autonote processes sharing a state
        folder also keep to the interval between them.
        """
        with write_transaction(self.conn) as db:
            row = db.execute("SELECT next_slot FROM throttle WHERE name = ?", (name,)).fetchone()
            now = time.time()
            start = max(now, row[0] if row else 0.0)
            db.execute(
                "INSERT INTO throttle(name, next_slot) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET next_slot = excluded.next_slot",
                (name, start + interval),
            )
        return start - now

    def close(self) -> None:
        self.conn.close()
