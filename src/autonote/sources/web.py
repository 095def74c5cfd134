"""Any other web page (a blog post, a company's research post): a note of kind ``blog`` (``oss`` for
a repository or model page, as :func:`autonote.notes.kinds.kind_for_url` judges links).

The page is fetched from its own URL (so ``http://127.0.0.1:8000/posts/x.html`` works against a
local server) through :mod:`autonote.sources.http`, and read by :mod:`autonote.sources.web_page`.
This source takes every http(s) URL that the paper sources before it in the registry did not; other
schemes are refused. A page that is not HTML (a PDF, an image, JSON) is refused with what it is.

The note's title line is ``<Title>, <Author or Org>, <yyyy>.<mm>``, as the corpus writes blog notes
(``Introducing Olmo Hybrid: …, Ai2, 2026.03``; ``MHA vs MQA vs GQA vs MLA, Zain ul Abideen,
2024.07``; ``LLM のアテンションと外挿, 佐藤竜馬, 2025.09``). Who that is (:func:`byline`):

- on a writing platform (Medium, Qiita, Zenn, note, Substack, Hatena, …, also under a custom
  domain when the page says so) the page's author, since the site's name is the platform's;
- elsewhere the organisation that published it (JSON-LD ``publisher``, an ``Organization`` as
  author, or ``og:site_name``; the site rather than a publisher that is its parent company, and
  the name a site gives itself only in its ``<title>``), since a company's post is written as the
  company's;
- else the author the page names, else the site's host.

The abstract is the page's description followed by the lead paragraphs of its main text.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Literal

from autonote.errors import SourceUnavailableError, UsageError
from autonote.notes.kinds import kind_for_url
from autonote.schema import Paper
from autonote.sources.base import PaperRef
from autonote.sources.http import PoliteSource, Response, check_http_url, shown_url
from autonote.sources.markup_limits import check_markup
from autonote.sources.web_page import PageMetadata, read_page

# Sites where people publish under the platform's name: the byline is the author, not the site.
PLATFORM_HOSTS = (
    "medium.com", "qiita.com", "zenn.dev", "note.com", "substack.com", "hatenablog.com", "hatenablog.jp",
    "hateblo.jp", "hatenadiary.com", "hatenadiary.jp", "lesswrong.com", "dev.to", "hashnode.dev",
    "wordpress.com", "blogspot.com", "ameblo.jp", "speakerdeck.com", "github.io", "tumblr.com",
)  # fmt: skip
# Query parameters that only track where a reader came from; dropped so that one page is one note.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "linkid",
    }
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_URL_SCHEME = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://", re.I)
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
MAX_ABSTRACT_CHARS = 4000


def page_url(text: str) -> str | None:
    """The URL an input names when it is a web address: ``http(s)://…`` or ``www.…``; None for
    other text (other schemes too). Credentials, a bad port or no host raise UsageError."""
    text = text.strip()
    scheme = _URL_SCHEME.match(text)
    if scheme is None:
        if not text.lower().startswith("www.") or any(c.isspace() for c in text):
            return None
        text = "https://" + text
    elif scheme["scheme"].lower() not in ("http", "https"):
        return None  # ftp://, file://: no source takes them, and the registry says what is supported
    check_http_url(text, "web page URL")
    return normalise_url(text)


def normalise_url(url: str) -> str:
    """The page's URL without its fragment or tracking parameters (``utm_*``, ``fbclid``, …)."""
    parts = urllib.parse.urlsplit(url)
    query = [
        (k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]  # fmt: skip
    host = (parts.hostname or "").lower()
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit(
        (parts.scheme.lower(), netloc, parts.path or "/", urllib.parse.urlencode(query), "")
    )


def _host(url: str) -> str:
    try:
        return (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _on_platform(host: str) -> bool:
    return any(host == h or host.endswith("." + h) for h in PLATFORM_HOSTS)


def byline(page: PageMetadata, url: str) -> str:
    """The "<Author or Org>" of the title line (see the module's docstring). The platform is judged
    by where the page says it lives (its canonical URL), else by where it was fetched from, or by
    the page itself (a platform under a custom domain)."""
    host, home = _host(url).removeprefix("www."), _host(page.canonical_url)
    person = page.authors[0] if page.authors else ""
    if page.platform or _on_platform(home or host):
        return person or page.site_name or host
    return page.publication or page.organisation or page.site_name or person or host


def abstract_of(page: PageMetadata) -> str:
    """The description, then the lead text (unless it only repeats the description)."""
    description, lead = page.description, page.lead
    if description and lead.startswith(description[: max(20, len(description) - 3)]):
        description = ""
    text = " ".join(part for part in (description, lead) if part)
    return text[:MAX_ABSTRACT_CHARS]


def _check_html(response: Response, shown: str) -> None:
    kind = response.content_type
    if kind in HTML_TYPES:
        return
    if kind == "application/pdf" or response.body[:5] == b"%PDF-":
        raise UsageError(
            f"{shown} is a PDF, not a web page; for a paper give its arXiv, OpenReview or ACL Anthology"
            " id or page, or draft it from a local abstract file"
        )
    sniffable = kind in ("", "text/plain", "application/octet-stream")
    if sniffable and _HTML_START.match(response.body[:4096]):
        return
    raise UsageError(f"{shown} is {kind or 'of no stated type'}, not an HTML page")


def paper_from_page(response: Response, shown: str) -> Paper:
    """The note's metadata from a fetched HTML page."""
    _check_html(response, shown)
    page = read_page(response.body, response.url, response.charset)
    if not page.title:
        raise UsageError(f"{shown}: the page has no title (no <title>, og:title or headline)")
    abstract = abstract_of(page)
    if not abstract:
        raise UsageError(f"{shown}: the page has no description or text to summarise")
    url = normalise_url(response.url)
    kind: Literal["oss", "blog"] = (
        "oss" if kind_for_url(url) == "oss" else "blog"
    )  # a model or repository page is the corpus's [oss]
    return Paper(
        source="web", kind=kind, title=page.title, authors=[byline(page, url)], abstract=abstract, url=url,
        published=page.published,
    )  # fmt: skip


class WebSource(PoliteSource):
    """Any http(s) page not taken by a paper source: a blog post, a company's research post."""

    name = "web"
    supports = "any other http(s) web page (a blog post: kind blog)"
    service = "web page"

    @staticmethod
    def recognise(text: str) -> PaperRef | None:
        url = page_url(text)
        return PaperRef("web", url, text) if url is not None else None

    def fetch_one(self, key: str) -> Paper:
        shown = repr(shown_url(key))
        response = self.http.get(key, accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
        if not response.ok:
            raise SourceUnavailableError(f"{shown} answered HTTP {response.status}")
        check_markup(response.body, shown)  # before any parser: markup that would take minutes
        return paper_from_page(response, shown)
