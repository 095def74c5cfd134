"""A paper's reference list, from the Semantic Scholar Graph API: the works it cites, which the
suggester matches to the corpus's notes by arXiv id and DOI (foundations and sibling methods are
the notes an owner links most, and the title often names neither).

One request per paper, ``GET {references_api_url}/paper/arXiv:{id}/references?fields=externalIds,title&limit=1000``
(``DOI:{doi}`` for a paper without an arXiv id), answered as
``{"offset": 0, "next": …, "data": [{"citedPaper": {"paperId", "externalIds": {"ArXiv", "DOI", …}, "title"}}]}``;
1000 is the most the API returns at once, and a paper's first 1000 references are all we read.
The request goes through the shared polite fetcher (:mod:`autonote.sources.http`: pacing per
host, retries honouring ``Retry-After``, a time limit) and the answer is cached in the state
database's source cache, so a paper's list is fetched once (``--refresh`` fetches it again).

Nothing here is ever fatal: without a network, with the API down or refusing, or for a paper it
does not know, the list is empty and :func:`references_for` says why in one warning; the draft goes
on with the corpus's own evidence.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from autonote.errors import AutonoteError
from autonote.sources.cache import SourceCache
from autonote.sources.http import PoliteSource

if TYPE_CHECKING:
    from autonote.schema import Paper
    from autonote.sources.base import SourceContext

LIMIT = 1000  # the most references the API returns in one answer
FIELDS = "externalIds,title"
_VERSION = re.compile(r"v\d+$")


@dataclass(frozen=True)
class Reference:
    """One cited work, as far as the API identifies it."""

    title: str = ""
    arxiv_id: str | None = None  # without version
    doi: str | None = None


def parse_references(body: bytes | str) -> list[Reference]:
    """The references of an answer in the API's shape; entries the API could not resolve
    (``citedPaper`` null, or with no ids and no title) are left out. ValueError when the body is
    not such an answer."""
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("data", []), list | None):
        raise ValueError("not a reference list")
    found = []
    for row in data.get("data") or []:
        cited = row.get("citedPaper") if isinstance(row, dict) else None
        if not isinstance(cited, dict):
            continue
        ids = cited.get("externalIds")
        ids = ids if isinstance(ids, dict) else {}
        arxiv = _text(ids.get("ArXiv"))
        reference = Reference(
            title=_text(cited.get("title")) or "",
            arxiv_id=_VERSION.sub("", arxiv) if arxiv else None,
            doi=_text(ids.get("DOI")),
        )
        if reference.arxiv_id or reference.doi or reference.title:
            found.append(reference)
    return found


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def paper_key(paper: Paper) -> str | None:
    """How the API names the paper (``arXiv:2305.18290``, ``DOI:10.18653/v1/…``); None when it
    has neither id (a web page, a local abstract without one)."""
    if paper.arxiv_id:
        return f"arXiv:{paper.arxiv_id}"
    if paper.doi:
        return f"DOI:{paper.doi}"
    return None


class ReferenceSource(PoliteSource):
    name = "references"
    service = "references API"

    def __init__(self, context: SourceContext) -> None:
        super().__init__(context)
        self.base = context.settings.references_api_url.rstrip("/")

    def url(self, key: str) -> str:
        return (
            f"{self.base}/paper/{urllib.parse.quote(key, safe=':/')}/references"
            f"?{urllib.parse.urlencode({'fields': FIELDS, 'limit': LIMIT})}"
        )

    def references(self, key: str) -> list[Reference]:
        """The references of the paper the API calls ``key``, from the cache or one request
        (an AutonoteError says why there are none)."""
        cache = SourceCache(self.context.state, self.name)
        cached = None if self.context.refresh else cache.get_text(key)
        if cached is not None:
            try:
                return [Reference(**entry) for entry in json.loads(cached)]
            except (ValueError, TypeError):
                pass  # written by another version: fetch again
        response = self.http.get(self.url(key), accept="application/json")
        if not response.ok:
            raise AutonoteError(f"the {self.service} answered HTTP {response.status}")
        try:
            found = parse_references(response.body)
        except ValueError:
            raise AutonoteError(
                f"the {self.service} answered something that is not a reference list"
            ) from None
        cache.put_text(key, json.dumps([asdict(r) for r in found]))
        return found


def references_for(paper: Paper, context: SourceContext) -> list[Reference]:
    """The paper's references, or an empty list with a warning (through ``context.warn``) saying
    they were unavailable and why; never raises for a network or API failure."""
    key = paper_key(paper)
    if key is None or not context.settings.references:
        return []
    warn = context.warn or (lambda message: None)
    try:
        return ReferenceSource(context).references(key)
    except AutonoteError as exc:
        warn(f"references unavailable ({exc}); related notes from the corpus alone")
        return []
