"""Paper metadata from the arXiv API (Atom), politely: one request at a time, spaced, cached.

The feed is parsed by feedparser. arXiv reports some failures with HTTP 200 (an entry titled
``Error`` for a malformed id, a plain ``Rate exceeded.`` body when throttling); both are handled here.
"""

from __future__ import annotations

import datetime as dt
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

from autonote.errors import AutonoteError, PaperNotFoundError, SourceUnavailableError, UsageError
from autonote.schema import Paper
from autonote.sources.arxiv_ids import ArxivId, canonical_abs_url, find_arxiv_id, parse_arxiv_id
from autonote.sources.base import Fetched, PaperRef, SourceContext
from autonote.sources.http import FetchPolicy, HttpClient, Response, shown_url
from autonote.state import StateDB
from autonote.textnorm import normalize_ws
from autonote.venue import venue_label

IDS_PER_REQUEST = 100  # several ids share one id_list request


class ArxivClient:
    """Fetch papers by id, answering from the cache first, through the polite fetcher every source
    uses (:class:`autonote.sources.http.HttpClient`: pacing, retries, one deadline, size cap,
    redirect rules).

    ``min_interval`` spaces requests (arXiv asks for 3 s); it is also the base of the retry backoff.
    """

    def __init__(
        self,
        api_url: str,
        state: StateDB,
        *,
        min_interval: float = 3.0,
        timeout: float = 20.0,
        retries: int = 4,
        warn: Any = None,
        before_network: Any = None,
    ) -> None:
        self.warn = warn or (lambda message: None)
        self.before_network = before_network or (lambda: None)
        self.api_url = api_url
        self.state = state
        self.min_interval = min_interval
        self.timeout = timeout
        self.retries = retries
        self.requests_made = 0

    # -- cache --------------------------------------------------------------------------------
    def _cached(self, key: str) -> Paper | None:
        row = self.state.conn.execute("SELECT paper_json FROM papers WHERE key = ?", (key,)).fetchone()
        return Paper.model_validate_json(row[0]) if row else None

    def _store(self, key: str, paper: Paper) -> None:
        self.state.conn.execute(
            "INSERT OR REPLACE INTO papers(key, fetched_at, paper_json) VALUES (?, ?, ?)",
            (key, time.time(), paper.model_dump_json()),
        )

    # -- public -------------------------------------------------------------------------------
    def fetch(self, ids: Iterable[ArxivId], *, refresh: bool = False) -> dict[str, Paper | AutonoteError]:
        """Each id (by ``str(id)``, versioned when a version was asked for) with its paper, or a
        PaperNotFoundError when arXiv does not know it. A failing API raises for all of them."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Paper | AutonoteError] = {}
        missing: list[ArxivId] = []
        for arxiv_id in wanted:
            cached = None if refresh else self._cached(str(arxiv_id))
            if cached is not None:
                found[str(arxiv_id)] = cached
            else:
                missing.append(arxiv_id)
        for start in range(0, len(missing), IDS_PER_REQUEST):
            chunk = missing[start : start + IDS_PER_REQUEST]
            body = self._request(chunk)
            papers = _parse_feed(body)
            for arxiv_id in chunk:
                paper = papers.get(arxiv_id.versioned) or papers.get(arxiv_id.base)
                if paper is not None and (arxiv_id.version is None or paper.version == arxiv_id.version):
                    self._store(str(arxiv_id), paper)
                    if paper.version is not None:  # "2504.07086" answered with v2 also answers "…v2"
                        self._store(f"{paper.arxiv_id}v{paper.version}", paper)
                    found[str(arxiv_id)] = paper
        for arxiv_id in wanted:
            found.setdefault(str(arxiv_id), PaperNotFoundError(f"arXiv has no paper with id {arxiv_id}"))
        return found

    # -- HTTP ---------------------------------------------------------------------------------
    @cached_property
    def http(self) -> HttpClient:
        """The one polite fetcher (:mod:`autonote.sources.http`), with arXiv's own interval, time
        limit and retries."""
        policy = FetchPolicy(min_interval=self.min_interval, timeout=self.timeout, retries=self.retries)
        return HttpClient(
            self.state, policy, service="arXiv API", warn=self.warn, before_network=self.before_network,
            unreachable_hint="offline? draft from a local abstract file instead",
        )  # fmt: skip

    def _request(self, ids: list[ArxivId]) -> bytes:
        query = urllib.parse.urlencode(
            {"id_list": ",".join(i.versioned for i in ids), "start": 0, "max_results": len(ids)}
        )
        url = f"{self.api_url}?{query}"
        try:
            response = self.http.get(url, accept="application/atom+xml", retry_when=_rate_exceeded)
        except PaperNotFoundError:  # the API itself is not there: a wrong arxiv_api_url
            raise SourceUnavailableError(f"the arXiv API at {shown_url(url)} answered HTTP 404") from None
        finally:
            self.requests_made = self.http.requests_made
        if not response.ok:
            _parse_feed(response.body)  # arXiv answers a malformed id with HTTP 400 and an Error entry
            raise SourceUnavailableError(f"the arXiv API at {shown_url(url)} answered HTTP {response.status}")
        return response.body


def _rate_exceeded(response: Response) -> str | None:
    """arXiv's throttling answer: HTTP 200 with the plain body ``Rate exceeded.``"""
    return "rate exceeded" if response.body.strip().lower().startswith(b"rate exceeded") else None


def _date(struct: Any) -> dt.date | None:
    return dt.date(struct.tm_year, struct.tm_mon, struct.tm_mday) if struct else None


def _parse_feed(body: bytes) -> dict[str, Paper]:
    """Papers in an Atom feed, keyed by both versioned and base id."""
    import feedparser  # imported here: it is slow to import and only this path needs it

    feed = feedparser.parse(body)
    if feed.bozo and not feed.entries:
        raise SourceUnavailableError(f"arXiv API returned an unreadable feed ({feed.bozo_exception})")
    papers: dict[str, Paper] = {}
    for entry in feed.entries:
        entry_id = entry.get("id", "")
        if "/api/errors" in entry_id or entry.get("title", "").strip() == "Error":
            raise UsageError(f"arXiv rejected the request: {normalize_ws(entry.get('summary', ''))}")
        if not entry.get("title") or not entry.get("summary"):
            continue  # arXiv answers an unknown id with an empty entry
        arxiv_id = parse_arxiv_id(entry_id.split("/abs/", 1)[-1])
        if arxiv_id is None:
            continue
        published = _date(entry.get("published_parsed"))
        updated = _date(entry.get("updated_parsed"))  # this version's date: a bare venue takes its year
        comment = normalize_ws(entry.get("arxiv_comment", "")) or None
        journal_ref = normalize_ws(entry.get("arxiv_journal_ref", "")) or None
        paper = Paper(
            source="arxiv",
            arxiv_id=arxiv_id.base,
            version=arxiv_id.version,
            title=normalize_ws(entry.title),
            authors=[normalize_ws(a.get("name", "")) for a in entry.get("authors", []) if a.get("name")],
            abstract=normalize_ws(entry.summary),
            url=canonical_abs_url(arxiv_id),
            published=published,
            updated=updated,
            comment=comment,
            journal_ref=journal_ref,
            doi=entry.get("arxiv_doi") or None,
            categories=[t["term"] for t in entry.get("tags", []) if t.get("term")],
            venue=venue_label(comment, journal_ref, published, updated),
        )
        papers[arxiv_id.versioned] = paper
        papers[arxiv_id.base] = paper
    return papers


def arxiv_note_id(arxiv_id: str) -> str:
    """``arxiv-2504.07086``; old-style ids keep their archive: ``arxiv-hep-th_9901001``."""
    return "arxiv-" + arxiv_id.replace("/", "_")


class ArxivSource:
    """arXiv ids and arXiv/alphaxiv/Hugging Face paper URLs, fetched through :class:`ArxivClient`."""

    name = "arxiv"
    supports = "arXiv ids (2504.07086, cs/0112017), arXiv DOIs and arXiv, alphaxiv or Hugging Face paper URLs"

    def __init__(self, context: SourceContext) -> None:
        self.context = context

    @staticmethod
    def recognise(text: str) -> PaperRef | None:
        found = find_arxiv_id(text)  # ids, DOIs, paper URLs; InvalidArxivId (a UsageError) if impossible
        return PaperRef("arxiv", str(found), text) if found is not None else None

    @cached_property
    def client(self) -> ArxivClient:
        s = self.context.settings
        return ArxivClient(
            s.arxiv_api_url, self.context.state, min_interval=s.arxiv_min_interval,
            timeout=s.arxiv_timeout, retries=s.arxiv_retries, warn=self.context.warn,
            before_network=self.context.before_network,
        )  # fmt: skip

    @staticmethod
    def note_id(paper: Paper) -> str | None:
        """``arxiv-2504.07086``; old-style ids keep their archive: ``arxiv-hep-th_9901001``."""
        return arxiv_note_id(paper.arxiv_id) if paper.arxiv_id else None

    def fetch(self, refs: Sequence[PaperRef]) -> Fetched:
        ids = [parse_arxiv_id(ref.key) for ref in refs]
        return self.client.fetch([i for i in ids if i is not None], refresh=self.context.refresh)
