"""What kind of note a link makes: a paper, a repository (``oss``) or anything else on the web
(``blog``), as the corpus's study-group pages mark them ``[論文]``, ``[oss]``, ``[blog]``."""

from __future__ import annotations

from urllib.parse import urlparse

from autonote.schema import NoteKind

PAPER_HOSTS = ("arxiv.org", "openreview.net", "aclanthology.org", "doi.org", "alphaxiv.org", "semanticscholar.org",
               "proceedings.neurips.cc", "proceedings.mlr.press", "dl.acm.org", "ieeexplore.ieee.org")  # fmt: skip
OSS_HOSTS = ("github.com", "gitlab.com", "pypi.org", "bitbucket.org")
DIGEST_LABELS: dict[str, str] = {"paper": "論文", "oss": "oss", "blog": "blog"}


def kind_for_url(url: str | None) -> NoteKind:
    """``paper`` for papers (paper hosts, PDFs, Hugging Face paper pages), ``oss`` for repositories
    and model pages, ``blog`` for anything else (a link-less note too)."""
    if not url:
        return "blog"
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower().removeprefix("www.")
    if any(host == h or host.endswith("." + h) for h in PAPER_HOSTS) or parsed.path.lower().endswith(".pdf"):
        return "paper"
    if host in ("huggingface.co", "hf.co") and parsed.path.startswith("/papers/"):
        return "paper"
    if host in OSS_HOSTS or host in ("huggingface.co", "hf.co"):
        return "oss"
    return "blog"
