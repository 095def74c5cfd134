"""Git for a corpus kept in a repository: check it is safe to write, then commit exactly the
accepted notes (``git commit --only``), never anything else that happens to be staged.

Paths are given to git relative to the repository's top, with literal pathspecs, whatever the
working directory and however ``--corpus`` was written. Staging can be undone exactly: the index
entry a path had before is put back (:meth:`Repo.index_entry` / :meth:`Repo.restore_index`).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from autonote.errors import AutonoteError


class GitError(AutonoteError):
    """The repository is in a state where committing would be wrong, or git failed."""


# Variables that point git at another repository, index or object store (`git rev-parse
# --local-env-vars`). Inside a git hook, or any command run by git, GIT_DIR and GIT_INDEX_FILE are
# set for *that* repository: inherited, they would make autonote commit there. The corpus's own
# repository is found from its folder alone.
_OTHER_REPOSITORY_ENV = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE", "GIT_NAMESPACE",
    "GIT_CONFIG",
)  # fmt: skip


def git_env() -> dict[str, str]:
    """The environment for git: this process's, without what would redirect it elsewhere."""
    return {k: v for k, v in os.environ.items() if k not in _OTHER_REPOSITORY_ENV}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "--literal-pathspecs", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
            env=git_env(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not finish in 120 s") from None


# Operations that leave the repository mid-way: committing then would fold the note into them.
_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge"),
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase or git am"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
    ("sequencer", "a cherry-pick or revert sequence"),
    ("BISECT_LOG", "a bisect"),
)


@dataclass(frozen=True)
class Repo:
    root: Path  # the repository's top, resolved

    @classmethod
    def find(cls, folder: Path) -> Repo | None:
        """The repository the folder is in, or None when it is not in one (or git is missing)."""
        try:
            done = _git(folder.resolve(), "rev-parse", "--show-toplevel")
        except GitError:
            return None
        return cls(Path(done.stdout.strip()).resolve()) if done.returncode == 0 else None

    def relative(self, path: Path) -> str:
        """``path`` as git names it: relative to the top, '/'-separated."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            raise GitError(f"{path} is not inside the repository at {self.root}") from None

    def check_writable(self) -> None:
        """Refuse, before anything is written, a detached HEAD, unmerged paths, or a merge, rebase,
        cherry-pick, revert or bisect in progress."""
        if _git(self.root, "symbolic-ref", "-q", "HEAD").returncode != 0:
            raise GitError(f"{self.root}: HEAD is detached; check out a branch before accepting drafts")
        unmerged = _git(self.root, "ls-files", "--unmerged").stdout.strip()
        if unmerged:
            path = unmerged.splitlines()[0].split("\t")[-1]
            raise GitError(
                f"{self.root}: unresolved merge conflict in {path}; resolve it before accepting drafts"
            )
        for marker, what in _IN_PROGRESS:
            found = _git(self.root, "rev-parse", "--git-path", marker).stdout.strip()
            if found and (self.root / found).exists():
                raise GitError(
                    f"{self.root}: {what} is in progress; finish or abort it before accepting drafts"
                )

    def has_changes(self, path: Path) -> bool:
        """The file differs from HEAD, staged or not (an untracked file counts too)."""
        done = _git(self.root, "status", "--porcelain", "--untracked-files=all", "--", self.relative(path))
        if done.returncode != 0:
            raise GitError(f"git status failed: {_first_line(done.stderr)}")
        return bool(done.stdout.strip())

    def index_entry(self, path: Path) -> tuple[str, str] | None:
        """(mode, blob) of the path in the index now, or None when it is not in the index."""
        done = _git(self.root, "ls-files", "--stage", "--", self.relative(path))
        line = done.stdout.strip()
        if not line:
            return None
        mode, blob = line.split()[:2]
        return mode, blob

    def restore_index(self, path: Path, entry: tuple[str, str] | None) -> None:
        """Put the path's index entry back as :meth:`index_entry` saw it."""
        name = self.relative(path)
        if entry is None:
            _git(self.root, "rm", "--cached", "--quiet", "--ignore-unmatch", "--", name)
        else:
            _git(self.root, "update-index", "--add", "--cacheinfo", f"{entry[0]},{entry[1]},{name}")

    def stage(self, paths: list[Path]) -> None:
        done = _git(self.root, "add", "--", *map(self.relative, paths))
        if done.returncode != 0:
            raise GitError(f"git add failed: {_first_line(done.stderr)}")

    def commit(self, paths: list[Path], message: str) -> str:
        """Commit these paths only; returns the new commit's short hash."""
        self.stage(paths)
        names = [self.relative(p) for p in paths]
        done = _git(self.root, "commit", "--quiet", "--only", "-m", message, "--", *names)
        if done.returncode != 0:
            raise GitError(f"git commit failed: {_first_line(done.stderr or done.stdout)}")
        return _git(self.root, "rev-parse", "--short", "HEAD").stdout.strip()


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"
