"""Recognise arXiv identifiers in what a user pastes: bare ids, arXiv/alphaxiv/Hugging Face URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

# New style since 2007-04: YYMM.NNNN (to 2014-12) or YYMM.NNNNN (from 2015-01), optional version.
_NEW = r"(?P<new>(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<num>\d{4,5}))"
# Old style: archive(.SUBJ)/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136, cs/0112017.
_OLD = r"(?P<old>[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})"
_ID = re.compile(rf"^(?:arxiv:)?(?:{_NEW}|{_OLD})(?:v(?P<version>\d+))?$", re.I)

_ARXIV_HOSTS = {"arxiv.org", "export.arxiv.org", "www.arxiv.org"}
_ALPHAXIV_HOSTS = {"alphaxiv.org", "www.alphaxiv.org"}
_HF_HOSTS = {"huggingface.co", "www.huggingface.co", "hf.co"}


@dataclass(frozen=True)
class ArxivId:
    base: str  # without version
    version: int | None = None

    @property
    def versioned(self) -> str:
        return f"{self.base}v{self.version}" if self.version else self.base

    def __str__(self) -> str:
        return self.versioned


def parse_arxiv_id(text: str) -> ArxivId | None:
    """Parse a bare identifier (``2504.07086``, ``2504.07086v2``, ``arXiv:cs/0112017``)."""
    match = _ID.match(text.strip())
    if match is None:
        return None
    if match["new"]:
        month, digits, yymm = int(match["mm"]), len(match["num"]), int(match["yy"] + match["mm"])
        # The scheme starts in 2007-04; five-digit numbers start in 2015-01, four-digit ones end before.
        if not 1 <= month <= 12 or yymm < 704 or (digits == 5) != (yymm >= 1501):
            return None
        base = match["new"]
    else:
        archive, number = match["old"].split("/")
        base = f"{archive.split('.')[0].lower()}{archive[len(archive.split('.')[0]) :]}/{number}"
    version = int(match["version"]) if match["version"] else None
    return ArxivId(base=base, version=version)


def _id_from_path(path: str) -> ArxivId | None:
    parts = [p for p in path.split("/") if p]
    # Old-style ids span two path segments (archive/number); try the last two, then the last one.
    candidates = []
    if len(parts) >= 2:
        candidates.append("/".join(parts[-2:]))
    if parts:
        candidates.append(parts[-1])
    for candidate in candidates:
        candidate = re.sub(r"\.pdf$", "", candidate, flags=re.I)
        found = parse_arxiv_id(candidate)
        if found:
            return found
    return None


def looks_like_url(text: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://", text.strip(), re.I)) or text.startswith("www.")


def arxiv_id_from_url(text: str) -> ArxivId | None:
    """The arXiv id carried by an arXiv (abs/pdf/html), alphaxiv or Hugging Face papers URL."""
    url = urlparse(text.strip() if "://" in text else "https://" + text.strip())
    host = (url.hostname or "").lower()
    path = url.path.rstrip("/")
    if host in _ARXIV_HOSTS:
        match = re.match(r"^/(?:abs|pdf|html|format)/(.+)$", path)
        return _id_from_path(match.group(1)) if match else None
    if host in _ALPHAXIV_HOSTS:
        match = re.match(r"^/(?:abs|overview|pdf)/(.+)$", path)
        return _id_from_path(match.group(1)) if match else None
    if host in _HF_HOSTS:
        match = re.match(r"^/papers/(.+)$", path)
        return _id_from_path(match.group(1)) if match else None
    return None


def canonical_abs_url(arxiv_id: ArxivId) -> str:
    return f"https://arxiv.org/abs/{arxiv_id.base}"
