"""Atomic file writes: a reader never sees a half-written file, a failure leaves the old one intact.

Modes follow the user's intent, not the temporary file's: a new file gets ``0666 & ~umask`` (0644
under the usual umask 022, so a static web server can serve published pages), a replaced file keeps
the mode it had. Folders are made with the umask's modes too.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
from pathlib import Path

from autonote.errors import WriteRefusedError

_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask (read by setting it and putting it back, under a lock)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def new_file_mode() -> int:
    return 0o666 & ~current_umask()


def write_text_atomic(path: Path, text: str, *, overwrite: bool = False) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename.

    With ``overwrite=False`` an existing file is never replaced (the check and the link are one
    step: ``os.link`` fails if the target exists), so two concurrent writers cannot clobber each other.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # folders get the umask's modes
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteRefusedError(f"cannot write {path}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            mode = new_file_mode()
        os.fchmod(fd, mode)
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


def write_many_atomic(items: list[tuple[Path, str, bool]]) -> list[Path]:
    """Write several files, each atomically as :func:`write_text_atomic` does, with one flush to
    disk for all of them (a bulk import would otherwise wait for thousands of fsyncs): every
    temporary file is written, then the disk is synced once, then each is moved into place. Items
    are ``(path, text, overwrite)``. Returns the paths moved into place; if one cannot be, the
    error is raised after the others before it were placed (the caller knows them from
    :class:`PartialWriteError`)."""
    staged: list[tuple[Path, Path, bool]] = []
    placed: list[Path] = []
    folders: set[Path] = set()  # made (or found) already: once per folder, not per file
    new_mode = new_file_mode()
    try:
        for path, text, overwrite in items:
            folder = path.parent
            try:
                if folder not in folders:
                    folder.mkdir(parents=True, exist_ok=True)
                    folders.add(folder)
                fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
            except OSError as exc:
                raise WriteRefusedError(f"cannot write {path}: {exc.strerror or exc}") from exc
            staged.append((Path(tmp_name), path, overwrite))
            mode = new_mode
            if overwrite:  # a new file is linked into place only where there is none: its mode is new_mode
                with contextlib.suppress(FileNotFoundError):
                    mode = stat.S_IMODE(os.stat(path).st_mode)
            try:
                os.fchmod(fd, mode)
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
            except OSError as exc:
                raise WriteRefusedError(f"cannot write {path}: {exc.strerror or exc}") from exc
        os.sync()
        for tmp, path, overwrite in staged:
            try:
                if overwrite:
                    os.replace(tmp, path)
                else:
                    os.link(tmp, path)
            except FileExistsError:
                raise PartialWriteError(f"{path} already exists", placed) from None
            except OSError as exc:
                raise PartialWriteError(f"cannot write {path}: {exc.strerror or exc}", placed) from exc
            placed.append(path)
    finally:
        for tmp, _, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    return placed


class PartialWriteError(WriteRefusedError):
    """Some files of a :func:`write_many_atomic` were placed before one could not be."""

    def __init__(self, message: str, placed: list[Path]) -> None:
        super().__init__(message)
        self.placed = list(placed)
