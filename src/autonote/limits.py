"""The resource limits on input autonote reads, in one place (docs/exit-codes.md lists them).

Past a limit the input is refused before it is read in full, with one line naming the limit:
a whole export (exit 2), or only the one entry or note that is too large (skipped and named, the
rest read as usual).
"""

from __future__ import annotations

MiB = 1 << 20

MAX_EXPORT_BYTES = 256 * MiB
"""The largest export file ``autonote import`` reads (a real 10,000-note export is about 45 MB)."""

MAX_NOTE_BYTES = 4 * MiB
"""The largest note file, and the largest single entry of an export (the corpus's largest note,
comment included, is under 100 kB)."""

MAX_NESTING = 64
"""The deepest nesting of lists and objects (tables, mappings) in any JSON, YAML or TOML input.
autonote's own files nest at most four levels; real exports (``gh issue list``, GitHub events) six."""


def size_text(size: int) -> str:
    """``256 MiB`` / ``4 MiB`` / ``512 bytes``."""
    return f"{size // MiB} MiB" if size >= MiB and size % MiB == 0 else f"{size} bytes"
