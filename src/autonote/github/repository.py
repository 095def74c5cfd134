"""Which repository's issues are the corpus, named once: ``--repo``, else ``github_repo`` in the
settings (``autonote.toml``, or ``AUTONOTE_GITHUB_REPO``), else ``GITHUB_REPOSITORY`` (GitHub
Actions sets it), else the corpus folder's git remote ``origin`` when it is on GitHub
(``https://github.com/OWNER/NAME(.git)``, ``git@github.com:OWNER/NAME(.git)``,
``ssh://git@github.com/OWNER/NAME(.git)``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from autonote.errors import UsageError
from autonote.github.connection import parse_repo

_REMOTE = re.compile(
    r"^(?:(?:https?|ssh|git)://(?:[^@/]+@)?(?P<host1>[^/:]+)(?::\d+)?/|(?:[^@/]+@)?(?P<host2>[^/:]+):)"
    r"(?P<path>[^/]+/[^/]+?)(?:\.git)?/?$"
)


def repo_of_remote(url: str, hosts: tuple[str, ...] = ("github.com",)) -> str | None:
    """``OWNER/NAME`` of a git remote URL on one of ``hosts`` (None for anything else)."""
    found = _REMOTE.match(url.strip())
    if found is None or (found["host1"] or found["host2"] or "").lower() not in hosts:
        return None
    try:
        return parse_repo(found["path"])
    except UsageError:
        return None


def origin_url(folder: Path) -> str | None:
    """The URL of the remote ``origin`` of the git repository holding ``folder`` (None without git
    or a remote)."""
    git = shutil.which("git")
    if git is None or not folder.is_dir():
        return None
    try:
        done = subprocess.run(
            [git, "-C", str(folder), "remote", "get-url", "origin"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def resolve_repo(
    flag: str | None, configured: str | None, environ: Mapping[str, str], corpus: Path | None,
    hosts: tuple[str, ...] = ("github.com",),
) -> tuple[str, str]:  # fmt: skip
    """(OWNER/NAME, where it was named) by the first layer that names one; a usage error (exit 2)
    when none does or the one that does is not OWNER/NAME."""
    if flag:
        return parse_repo(flag), "--repo"
    if configured:
        return _named(configured, "github_repo"), "github_repo"
    actions = (environ.get("GITHUB_REPOSITORY") or "").strip()
    if actions:
        return _named(actions, "GITHUB_REPOSITORY"), "GITHUB_REPOSITORY"
    url = origin_url(corpus) if corpus is not None else None
    if url:
        found = repo_of_remote(url, hosts)
        if found:
            return found, "the git remote origin"
    raise UsageError(
        'no repository named: give --repo OWNER/NAME, or set github_repo = "OWNER/NAME" in the corpus\'s'
        " autonote.toml (GITHUB_REPOSITORY and the corpus's git remote origin on GitHub are also read)"
    )


def _named(value: str, where: str) -> str:
    try:
        return parse_repo(value)
    except UsageError:
        shown = repr(value) if len(value) <= 80 else repr(value[:77] + "...")
        raise UsageError(f"{where} {shown} is not OWNER/NAME (e.g. octocat/paper_notes)") from None
