"""Git for a corpus kept in a repository: check it is safe to write, then commit exactly the
accepted notes (``git commit --only``), never anything else that happens to be staged."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from autonote.errors import AutonoteError


class GitError(AutonoteError):
    """The repository is in a state where committing would be wrong, or git failed."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise GitError("git is not installed") from None


@dataclass(frozen=True)
class Repo:
    root: Path

    @classmethod
    def find(cls, folder: Path) -> Repo | None:
        """The repository the folder is in, or None when it is not in one (or git is missing)."""
        try:
            done = _git(folder, "rev-parse", "--show-toplevel")
        except GitError:
            return None
        return cls(Path(done.stdout.strip())) if done.returncode == 0 else None

    def check_writable(self) -> None:
        """Refuse, before anything is written, a detached HEAD or a merge/rebase with conflicts."""
        if _git(self.root, "symbolic-ref", "-q", "HEAD").returncode != 0:
            raise GitError(f"{self.root}: HEAD is detached; check out a branch before accepting drafts")
        unmerged = _git(self.root, "ls-files", "--unmerged").stdout.strip()
        if unmerged:
            path = unmerged.splitlines()[0].split("\t")[-1]
            raise GitError(
                f"{self.root}: unresolved merge conflict in {path}; resolve it before accepting drafts"
            )
        for marker, what in (
            ("MERGE_HEAD", "a merge"),
            ("rebase-merge", "a rebase"),
            ("rebase-apply", "a rebase"),
        ):
            path = _git(self.root, "rev-parse", "--git-path", marker).stdout.strip()
            if path and (self.root / path).exists():
                raise GitError(
                    f"{self.root}: {what} is in progress; finish or abort it before accepting drafts"
                )

    def stage(self, paths: list[Path]) -> None:
        done = _git(self.root, "add", "--", *map(str, paths))
        if done.returncode != 0:
            raise GitError(f"git add failed: {_first_line(done.stderr)}")

    def commit(self, paths: list[Path], message: str) -> str:
        """Commit these paths only; returns the new commit's short hash."""
        self.stage(paths)
        done = _git(self.root, "commit", "--quiet", "--only", "-m", message, "--", *map(str, paths))
        if done.returncode != 0:
            raise GitError(f"git commit failed: {_first_line(done.stderr or done.stdout)}")
        return _git(self.root, "rev-parse", "--short", "HEAD").stdout.strip()


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"
