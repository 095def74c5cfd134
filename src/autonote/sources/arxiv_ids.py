"""Recognise arXiv identifiers as papers, citations, browsers and chat messages write them.

The grammar is arXiv's own ("Understanding the arXiv identifier", info.arxiv.org/help/arxiv_identifier):

- old style, August 1991 to March 2007: ``archive(.SUBJ)/YYMMNNN`` (``hep-th/9901001``,
  ``math.GT/0309136``). The subject class is not part of the identifier: ``math.GT/0309136`` is the
  paper ``math/0309136``. Numbers run from 001.
- new style from April 2007 (0704): ``YYMM.NNNN`` up to 1412, ``YYMM.NNNNN`` from 1501; numbers run
  from 0001 / 00001.
- ``vN`` (N from 1) names one version; without it the identifier means the latest version.

Accepted around an identifier: ``arXiv:`` prefixes, a cited class and stamp date
(``0706.0001v1 [q-bio.CB] 1 Jun 2007``), arXiv DOIs (``10.48550/arXiv.<id>``, bare, ``doi:`` or
doi.org URLs), and arXiv, alphaxiv and Hugging Face papers URLs in their usual forms.

Text shaped like an identifier that cannot be one (month 13, number 000, a four-digit number in
2015, full-width digits...) raises :class:`InvalidArxivId` (a UsageError: exit 2) saying why; text
shaped like none of them gives None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from autonote.errors import UsageError

# Archives that issued old-style identifiers (arXiv's taxonomy: every archive that started before
# April 2007, including the defunct ones later folded into categories).
OLD_STYLE_ARCHIVES = frozenset(
    [
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an", "chao-dyn",
        "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an", "gr-qc", "hep-ex",
        "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th", "nlin", "nucl-ex", "nucl-th",
        "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio", "quant-ph", "solv-int", "supr-con",
    ]
)  # fmt: skip

_PREFIX = r"(?:arxiv\s*:\s*|arxiv\s+)?"
_NEW = r"(?P<yymm>[0-9]{4})\.(?P<num>[0-9]+)"
_OLD = r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?P<subject>[a-z][a-z-]*))?/(?P<digits>[0-9]+)"
_VERSION = r"(?:v(?P<version>[0-9]+))?"
# How a citation or the PDF stamp follows an id: "[q-bio.CB]", then perhaps "1 Jun 2007".
_CITED = r"(?:\s*\[[a-z-]+(?:\.[a-z-]+)?\](?:\s+[0-9]{1,2}\s+[a-z]{3,9}\.?\s+[0-9]{4})?)?"
_BARE = re.compile(rf"{_PREFIX}(?:{_NEW}|{_OLD}){_VERSION}/?{_CITED}/?", re.I)
_DOI = re.compile(r"(?:doi\s*:\s*)?(?P<doi>10\.[0-9]{4,9}/\S+)", re.I)
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(?P<id>.+)", re.I)
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_FILE_SUFFIX = re.compile(r"\.(?:pdf|md|html?|ps(?:\.gz)?|gz|tar\.gz)$", re.I)
_LANGUAGE = re.compile(r"^[a-z]{2}(?:-[a-z]{2,4})?$", re.I)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

_ARXIV_VERBS = {"abs", "pdf", "html", "format", "ps", "src", "e-print"}
_ALPHAXIV_VERBS = {"abs", "pdf", "html", "overview", "paper", "resources"}
_HF_HOSTS = {"huggingface.co", "www.huggingface.co", "hf.co"}
_DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}


class InvalidArxivId(UsageError):
    """Text written like an arXiv identifier (or an arXiv URL) that cannot name an arXiv paper."""


@dataclass(frozen=True)
class ArxivId:
    base: str  # without version; old style without subject class ("math/0309136")
    version: int | None = None

    @property
    def versioned(self) -> str:
        return f"{self.base}v{self.version}" if self.version else self.base

    def __str__(self) -> str:
        return self.versioned


def _shown(text: str) -> str:
    """The input as an error message quotes it: a URL loses its query, fragment and credentials."""
    if _URL_SCHEME.match(text):
        try:
            parts = urlsplit(text)
            return repr(f"{parts.scheme}://{parts.hostname or ''}{parts.path}")
        except ValueError:
            return repr(text.split("?", 1)[0].split("#", 1)[0])
    return repr(text)


def _refuse(shown: str, reason: str) -> InvalidArxivId:
    return InvalidArxivId(f"{shown}: {reason}")


def _check_version(version: str | None, shown: str) -> int | None:
    if version is None:
        return None
    if version.startswith("0"):
        raise _refuse(shown, f"'v{version}' is not a version (versions are v1, v2, ...)")
    return int(version)


def _check_month(yymm: str, shown: str) -> None:
    month = int(yymm[2:])
    if not 1 <= month <= 12:
        raise _refuse(shown, f"month {yymm[2:]} is not a month")


def _new_style(yymm: str, num: str, shown: str) -> str:
    _check_month(yymm, shown)
    if int(yymm) < 704:
        raise _refuse(shown, f"new-style ids start in April 2007 (0704); {yymm} is before that")
    width = 4 if int(yymm) <= 1412 else 5
    if len(num) != width:
        period = "from 0704 to 1412" if width == 4 else "from 1501 on"
        raise _refuse(shown, f"ids {period} have a {width}-digit number, not {len(num)} digits")
    if int(num) == 0:
        raise _refuse(shown, f"number {num} is not used (numbers start at {'0' * (width - 1)}1)")
    return f"{yymm}.{num}"


def _old_style(archive: str, digits: str, shown: str) -> str:
    if len(digits) != 7:
        raise _refuse(shown, f"old-style ids have 7 digits after the slash (YYMMNNN), not {len(digits)}")
    yymm, number = digits[:4], digits[4:]
    _check_month(yymm, shown)
    year = (1900 if int(yymm[:2]) >= 91 else 2000) + int(yymm[:2])
    if not (1991, 8) <= (year, int(yymm[2:])) <= (2007, 3):
        raise _refuse(shown, f"old-style ids run from 9108 (August 1991) to 0703 (March 2007), not {yymm}")
    if number == "000":
        raise _refuse(shown, "number 000 is not used (numbers start at 001)")
    return f"{archive}/{digits}"


def _bare(text: str, shown: str) -> ArxivId | None:
    """A bare or cited identifier; None when ``text`` is not written like one."""
    match = _BARE.fullmatch(text)
    if match is None:
        return None
    if match["yymm"]:
        base = _new_style(match["yymm"], match["num"], shown)
    else:
        archive = match["archive"].lower()
        if archive not in OLD_STYLE_ARCHIVES:
            return None  # "data/0101001" is a path, not an arXiv id
        base = _old_style(archive, match["digits"], shown)
    return ArxivId(base=base, version=_check_version(match["version"], shown))


def _from_segments(segments: list[str], shown: str) -> ArxivId | None:
    """The id that starts a URL path's remaining segments (two segments for old-style ids)."""
    if not segments:
        return None
    if len(segments) >= 2:
        old = _bare(_FILE_SUFFIX.sub("", f"{segments[0]}/{segments[1]}"), shown)
        if old is not None:
            return old
    return _bare(_FILE_SUFFIX.sub("", segments[0]), shown)


def _doi(text: str, shown: str) -> ArxivId | None:
    match = _DOI.fullmatch(text)
    if match is None:
        return None
    arxiv = _ARXIV_DOI.fullmatch(match["doi"].rstrip("/"))
    if arxiv is None:
        return None  # another registrant's DOI: not an arXiv paper
    found = _bare(arxiv["id"], shown)
    if found is None:
        raise _refuse(shown, "the DOI does not end in an arXiv id")
    return found


def _is_host(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _from_url(text: str, shown: str) -> ArxivId | None:
    """The id in a paper URL; None when the URL is not one of the paper sites. A URL of a paper
    site that names no paper (arxiv.org/list/...) or an impossible id raises InvalidArxivId."""
    try:
        parts = urlsplit(text if _URL_SCHEME.match(text) else "https://" + text)
        host = (parts.hostname or "").lower()
    except ValueError:  # "http://[::1" and the like
        return None
    path = unquote(parts.path)
    segments = [s for s in path.split("/") if s]
    if host in _DOI_HOSTS:
        return _doi(path.strip("/"), shown)
    site = _paper_site(host)
    if site is None:
        return None  # another site's URL: not ours
    if site == _HF_SITE and (not segments or segments[0] != "papers"):
        return None  # a model, dataset or blog post: another source's
    found = _id_in_path(site, host, segments, shown)
    if found is None:
        raise _refuse(shown, f"{site} that names no paper (it has no arXiv id where the paper's id goes)")
    return found


_ARXIV_SITE, _ALPHAXIV_SITE, _HF_SITE = "an arXiv URL", "an alphaxiv URL", "a Hugging Face papers URL"


def _paper_site(host: str) -> str | None:
    """Which paper site a host is (as messages name it), None for any other."""
    if _is_host(host, "arxiv.org") or host == "xxx.lanl.gov":
        return _ARXIV_SITE
    if _is_host(host, "alphaxiv.org"):
        return _ALPHAXIV_SITE
    return _HF_SITE if host in _HF_HOSTS else None


def _id_in_path(site: str, host: str, segments: list[str], shown: str) -> ArxivId | None:
    """The id where a paper site's URL path puts it; None when it names no paper."""
    if site == _HF_SITE:
        return _from_segments(segments[1:], shown)  # /papers/<id>
    if site == _ARXIV_SITE:
        return (
            _from_segments(segments[1:], shown) if segments and segments[0].lower() in _ARXIV_VERBS else None
        )
    if len(segments) >= 2 and _LANGUAGE.match(segments[0]) and segments[1].lower() in _ALPHAXIV_VERBS:
        segments = segments[1:]  # /zh/abs/<id>, /ja/overview/<id>
    if segments and segments[0].lower() in _ALPHAXIV_VERBS:
        return _from_segments(segments[1:], shown)
    if host in {"alphaxiv.org", "www.alphaxiv.org"}:
        return None
    # Asset hosts (fetcher.alphaxiv.org/v2/pdf/<id>.pdf, ...): the first id in the path.
    return next(filter(None, (_from_segments(segments[i:], shown) for i in range(len(segments)))), None)


def _host_like(text: str) -> bool:
    """Does a scheme-less text start with the host of a paper site (``alphaxiv.org/abs/...``)?"""
    host = text.split("/", 1)[0].lower()
    return (
        host.startswith("www.")
        or host in _HF_HOSTS
        or host in _DOI_HOSTS
        or any(_is_host(host, d) for d in ("arxiv.org", "alphaxiv.org"))
    )


def _clean(text: str) -> str:
    return text.strip().strip(_INVISIBLE).strip()


def _find(text: str, shown: str) -> ArxivId | None:
    found = _bare(text, shown)
    if found is not None:
        return found
    found = _doi(text, shown)
    if found is not None:
        return found
    if looks_like_url(text) or _host_like(text):
        return _from_url(text, shown)
    return None


def _non_ascii_digit(text: str) -> str | None:
    return next((ch for ch in text if ch.isdecimal() and not ch.isascii()), None)


def find_arxiv_id(text: str) -> ArxivId | None:
    """The paper ``text`` names: a bare or cited id, an arXiv DOI, or an arXiv, alphaxiv or
    Hugging Face URL.

    None when ``text`` is none of these (a file name, another site's URL, another registrant's
    DOI). Raises InvalidArxivId when it is meant for arXiv but names no paper: an impossible id,
    digits that are not ASCII, a paper site's URL without an id.
    """
    text = _clean(text)
    shown = _shown(text)
    digit = _non_ascii_digit(text)
    if digit is not None:
        ascii_text = "".join(str(int(ch)) if ch.isdecimal() else ch for ch in text)
        try:
            written_like_id = _find(ascii_text, shown) is not None
        except InvalidArxivId:
            written_like_id = True
        if written_like_id:
            raise _refuse(shown, f"{digit!r} is not an ASCII digit (arXiv ids are written with 0-9)")
        return None
    return _find(text, shown)


def parse_arxiv_id(text: str) -> ArxivId | None:
    """A bare identifier (``2504.07086``, ``2504.07086v2``, ``arXiv:cs/0112017``), or None."""
    try:
        return _bare(_clean(text), "")
    except InvalidArxivId:
        return None


def arxiv_id_from_url(text: str) -> ArxivId | None:
    """The arXiv id carried by an arXiv (abs/pdf/html), alphaxiv, Hugging Face or doi.org URL, or None."""
    try:
        return _from_url(_clean(text), "")
    except InvalidArxivId:
        return None


def looks_like_url(text: str) -> bool:
    text = text.strip()
    return bool(_URL_SCHEME.match(text)) or text.lower().startswith("www.")


def canonical_abs_url(arxiv_id: ArxivId) -> str:
    return f"https://arxiv.org/abs/{arxiv_id.base}"
