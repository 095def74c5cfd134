"""Atomic file writes: a reader never sees a half-written file, a failure leaves the old one intact."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from autonote.errors import WriteRefusedError


def write_text_atomic(path: Path, text: str, *, overwrite: bool = False) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename.

    With ``overwrite=False`` an existing file is never replaced (the check and the link are one
    step: ``os.link`` fails if the target exists), so two concurrent writers cannot clobber each other.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteRefusedError(f"cannot write {path}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise WriteRefusedError(f"{path} already exists (use --force to overwrite)") from None
    except OSError as exc:
        raise WriteRefusedError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
