"""Papers in the ACL Anthology: its ids, URLs and DOIs, with metadata from the paper's MODS XML.

Anthology ids, as the anthology writes them (``acl_anthology.utils.ids``):

- from 2020: ``<year>.<venue>-<volume>.<paper>``, e.g. ``2023.acl-long.123``,
  ``2023.findings-emnlp.45``, ``2022.repl4nlp-1.7``;
- before: ``<letter><yy>-<volume><paper>``, e.g. ``P19-1001`` (ACL 2019), ``D19-1410``, ``J93-2003``,
  ``W04-3216`` (W is for workshops, whose volume has two digits).

Accepted: the bare id; ``aclanthology.org/<id>/``, ``…/<id>.pdf`` (``v2`` revisions too),
``.bib``/``.xml``; old ``aclweb.org/anthology/<id>`` links; the DOI ``10.18653/v1/<id>``. A volume's
id, or an anthology page that names no paper, is refused saying so.

The anthology serves BibTeX (``<id>.bib``, LaTeX-escaped: ``M{\\"u}ller``, ``28.2{\\%}``) and MODS
(``<id>.xml``, made from the BibTeX by bibutils, in plain Unicode, names split into given and family
parts) for every paper. autonote reads the MODS: no LaTeX to decode, one request per paper.

The venue comes from the id: ``2023.acl-long`` → ``ACL'23``, ``2023.findings-emnlp`` → ``EMNLP'23
Findings``, ``P19-1001`` → ``ACL'19``, through the venue table (:mod:`autonote.venue`). A workshop's
id names no conference: its proceedings title is read instead (``Proceedings of the 2004 Conference
on Empirical Methods…`` → ``EMNLP'04``), and failing that the workshop's own short name as its
proceedings write it: ``(RepL4NLP 2023)`` or ``(*SEM 2019)`` in the title, else the id in the title's
spelling (``nlp4convai`` with "NLP for Conversational AI" → ``NLP4ConvAI'22``).
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autonote.errors import PaperNotFoundError, SourceUnavailableError, UsageError
from autonote.notes.ids import is_note_id
from autonote.schema import Paper
from autonote.sources.base import PaperRef
from autonote.sources.http import PoliteSource, shown_url
from autonote.textnorm import normalize_ws
from autonote.venue import detect_venue

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

HOSTS = frozenset({"aclanthology.org", "www.aclanthology.org"})
OLD_HOSTS = frozenset({"aclweb.org", "www.aclweb.org"})  # aclweb.org/anthology/<id>
DOI_PREFIX = "10.18653/v1/"
_NEW = re.compile(r"(?P<year>[0-9]{4})\.(?P<venue>[a-z0-9]+)-(?P<volume>[a-z0-9]+)\.(?P<paper>[0-9]+)")
_NEW_VOLUME = re.compile(r"[0-9]{4}\.[a-z0-9]+(?:-[a-z0-9]+)?")
_OLD = re.compile(r"(?P<letter>[A-Z])(?P<yy>[0-9]{2})-(?P<number>[0-9]{4})")
_OLD_VOLUME = re.compile(r"[A-Z][0-9]{2}-[0-9]{1,2}")
_SUFFIX = re.compile(r"(?:v[0-9]+)?(?:\.(?:pdf|bib|xml|endf))?$", re.I)
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_DOI = re.compile(r"(?:doi\s*:\s*)?(?P<doi>10\.18653/v1/\S+)", re.I)
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})

# Old-style collection letters of the main conferences and journals, by the venue table's name.
# W (workshops) and the rest are named by their proceedings' title.
LETTER_VENUES = {
    "P": "ACL", "N": "NAACL", "D": "EMNLP", "E": "EACL", "C": "COLING", "J": "Computational Linguistics",
    "Q": "TACL", "K": "CoNLL", "L": "LREC",
}  # fmt: skip
# New-style venue ids whose name in the venue table is not the id in capitals.
VENUE_NAMES = {"cl": "Computational Linguistics", "lrec": "LREC", "conll": "CoNLL", "sigdial": "SIGDIAL"}
# Volumes that are a conference's workshop rather than its main track.
WORKSHOP_VOLUMES = frozenset({"srw", "ws"})
MODS = "{http://www.loc.gov/mods/v3}"


@dataclass(frozen=True)
class AnthologyId:
    text: str  # canonical: "2023.acl-long.123", "P19-1001"
    year: int
    venue: str | None = None  # new style: "acl", "findings", "repl4nlp"
    volume: str | None = None  # new style: "long", "emnlp", "1"
    letter: str | None = None  # old style: "P"
    workshop_volume: bool = False  # old style: a two-digit (workshop) volume

    def __str__(self) -> str:
        return self.text


def parse_anthology_id(text: str) -> AnthologyId | None:
    """A paper's id, written as the anthology writes it (new-style ids in lower case); None otherwise."""
    new = _NEW.fullmatch(text)
    if new:
        year = int(new["year"])
        if not 1950 <= year <= 2099:
            return None
        return AnthologyId(text, year, venue=new["venue"], volume=new["volume"])
    old = _OLD.fullmatch(text)
    if old:
        yy, letter, number = int(old["yy"]), old["letter"], old["number"]
        two_digit = letter == "W" or text.startswith("C69") or (text.startswith("D19") and number[0] >= "5")
        return AnthologyId(text, (1900 if yy >= 60 else 2000) + yy, letter=letter, workshop_volume=two_digit)
    return None


def _shown(text: str) -> str:
    return repr(shown_url(text)) if _URL_SCHEME.match(text) else repr(text)


def _normalise(segment: str) -> str:
    """``2023.ACL-long.123v2.pdf`` → ``2023.acl-long.123``; ``p19-1001`` → ``P19-1001``."""
    segment = _SUFFIX.sub("", segment.strip())
    if segment[:1].isdigit():
        return segment.lower()
    return segment[:1].upper() + segment[1:]


def _from_segment(segment: str, shown: str) -> AnthologyId | None:
    candidate = _normalise(segment)
    found = parse_anthology_id(candidate)
    if found is not None:
        return found
    if "-" in candidate and (_NEW_VOLUME.fullmatch(candidate) or _OLD_VOLUME.fullmatch(candidate)):
        raise UsageError(
            f"{shown}: {candidate} is an ACL Anthology volume, not a paper (add the paper's number)"
        )
    return None


def find_anthology_id(text: str) -> AnthologyId | None:
    """The paper ``text`` names (an id, an anthology URL, an ACL DOI); None when it is not the
    anthology's. A URL of the anthology that names no paper raises UsageError."""
    text = text.strip()
    shown = _shown(text)
    if not text or len(text) > 512:
        return None
    doi = _DOI.fullmatch(text)
    if doi:
        return _from_doi(doi["doi"], shown)
    if not _URL_SCHEME.match(text) and "/" not in text:
        return _from_segment(text, shown)
    candidate = text if _URL_SCHEME.match(text) else "https://" + text
    try:
        parts = urllib.parse.urlsplit(candidate)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    segments = [s for s in urllib.parse.unquote(parts.path).split("/") if s]
    if host in _DOI_HOSTS:
        path = "/".join(segments)
        return _from_doi(path, shown) if path.lower().startswith(DOI_PREFIX.lower()) else None
    if host in HOSTS:
        found = _from_segment(segments[0], shown) if len(segments) == 1 else None
    elif host in OLD_HOSTS and segments[:1] == ["anthology"]:
        # aclweb.org/anthology/P19-1001, …/anthology/P/P19/P19-1001.pdf
        found = _from_segment(segments[-1], shown) if len(segments) > 1 else None
    else:
        return None
    if found is None:
        raise UsageError(f"{shown}: an ACL Anthology URL that names no paper (use the paper's page or PDF)")
    return found


def _from_doi(doi: str, shown: str) -> AnthologyId | None:
    rest = doi[len(DOI_PREFIX) :] if doi.lower().startswith(DOI_PREFIX.lower()) else ""
    found = _from_segment(rest.rstrip("/"), shown) if rest and "/" not in rest.rstrip("/") else None
    if found is None:
        raise UsageError(f"{shown}: an ACL DOI that names no anthology paper")
    return found


def paper_url(anthology_id: AnthologyId | str) -> str:
    return f"https://aclanthology.org/{anthology_id}/"


# -- the venue ----------------------------------------------------------------------------------


_LEADING_NAME = re.compile(
    r"Proceedings\s+of\s+(?:the\s+)?(?P<name>\*?[A-Za-z][A-Za-z0-9&+*.-]{1,30})[\s'’-]*(?:19|20)[0-9]{2}\b"
)


def _spelled_as_in(venue_id: str, booktitle: str) -> str:
    """The id's letters in the case the proceedings' title writes them: ``nlp4convai`` with "NLP for
    Conversational AI" → ``NLP4ConvAI``; each run of letters is a prefix of a word in the title, in
    order. "" when the id cannot be read so."""
    words = re.findall(r"[A-Za-z]+", booktitle)
    spelled, rest, w = "", venue_id, 0
    while rest:
        if not rest[0].isalpha():
            spelled, rest = spelled + rest[0], rest[1:]
            continue
        run = re.match(r"[a-z]+", rest.lower())
        letters = run.group() if run else ""
        while w < len(words) and not letters.startswith(words[w][:1].lower()):
            w += 1
        if w == len(words):
            return ""
        word = words[w]
        size = next(n for n in range(min(len(word), len(letters)), 0, -1) if word[:n].lower() == letters[:n])
        spelled, rest, w = spelled + word[:size], rest[size:], w + 1
    return spelled


def _workshop_label(booktitle: str, anthology_id: AnthologyId) -> str:
    """A workshop's own short name and year: "(RepL4NLP 2023)" or "(*SEM 2019)" in its proceedings'
    title, else its id as the title spells it ("NLP4ConvAI"), else its id in capitals."""
    name = ""
    for group in reversed(re.findall(r"\(([^()]{2,60})\)", booktitle)):
        token = re.sub(r"[\s'’-]*(?:19|20)[0-9]{2}$|[\s'’-]*'[0-9]{2}$", "", group.strip())
        if re.fullmatch(r"\*?[A-Za-z][A-Za-z0-9&+*.-]{1,30}", token) and not token.lower().startswith(
            "volume"
        ):
            name = token
            break
    leading = _LEADING_NAME.match(booktitle)
    if not name and leading:  # "Proceedings of *SEM 2021: The Tenth Joint Conference on …"
        name = leading["name"]
    if not name and anthology_id.venue:
        name = _spelled_as_in(anthology_id.venue, booktitle)
        name = name if name and name != name.lower() else ""  # all lower case: the title did not spell it
    if not name:
        name = (anthology_id.venue or anthology_id.letter or "ACL").upper()
    return f"{name}'{anthology_id.year % 100:02d}"


def venue_for(anthology_id: AnthologyId, booktitle: str = "") -> str:
    """The corpus label for the paper's venue, from its id (then its proceedings' title)."""
    year = anthology_id.year
    text = ""
    if anthology_id.venue == "findings" and anthology_id.volume:
        host = anthology_id.volume.split("-")[0]
        text = f"Findings of {VENUE_NAMES.get(host, host.upper())} {year}"
    elif anthology_id.venue:
        text = f"{VENUE_NAMES.get(anthology_id.venue, anthology_id.venue.upper())} {year}"
        if anthology_id.volume in WORKSHOP_VOLUMES:
            text += " Workshop"
    elif anthology_id.letter in LETTER_VENUES and not anthology_id.workshop_volume:
        text = f"{LETTER_VENUES[anthology_id.letter]} {year}"
    label = detect_venue(text, year, trusted=True) if text else None
    if label is None and booktitle:
        label = detect_venue(booktitle, year, trusted=True)
    return label or _workshop_label(booktitle, anthology_id)


# -- MODS ---------------------------------------------------------------------------------------


def _text_of(element: ET.Element | None) -> str:
    return normalize_ws("".join(element.itertext())) if element is not None else ""


def _names(mods: ET.Element, role: str) -> list[str]:
    names = []
    for name in mods.findall(f"{MODS}name"):
        roles = {_text_of(r).lower() for r in name.iter(f"{MODS}roleTerm")}
        if roles and role not in roles:
            continue
        given = " ".join(_text_of(p) for p in name.findall(f"{MODS}namePart") if p.get("type") == "given")
        family = " ".join(_text_of(p) for p in name.findall(f"{MODS}namePart") if p.get("type") == "family")
        plain = " ".join(_text_of(p) for p in name.findall(f"{MODS}namePart") if p.get("type") is None)
        full = normalize_ws(f"{given} {family}") or plain
        if full:
            names.append(full)
    return names


def _month_date(text: str) -> dt.date | None:
    """``2023-07`` → 2023-07-01; a bare year says no month, so no date (the title line leaves it out)."""
    found = re.match(r"([0-9]{4})-([0-9]{2})", text.strip())
    if found and 1 <= int(found[2]) <= 12:
        return dt.date(int(found[1]), int(found[2]), 1)
    return None


def paper_from_mods(body: bytes, anthology_id: AnthologyId) -> Paper:
    """A Paper from the anthology's MODS XML for one paper."""
    import xml.etree.ElementTree as ET  # imported here: only a fetched record needs it

    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise SourceUnavailableError(
            f"the ACL Anthology's MODS for {anthology_id} is not XML ({exc})"
        ) from None
    mods = root if root.tag == f"{MODS}mods" else root.find(f"{MODS}mods")
    if mods is None:
        raise SourceUnavailableError(f"the ACL Anthology answered {anthology_id} without a MODS record")
    title_info = mods.find(f"{MODS}titleInfo")
    title = _text_of(title_info.find(f"{MODS}title")) if title_info is not None else ""
    subtitle = _text_of(title_info.find(f"{MODS}subTitle")) if title_info is not None else ""
    if subtitle:
        title = f"{title}: {subtitle}"
    if not title:
        raise SourceUnavailableError(f"the ACL Anthology's record for {anthology_id} has no title")
    abstract = _text_of(mods.find(f"{MODS}abstract"))
    if not abstract:
        raise UsageError(
            f"the ACL Anthology has no abstract for {anthology_id}; draft it from a local abstract file"
            f" (autonote draft FILE --title … --url {paper_url(anthology_id)})"
        )
    host = mods.find(f"{MODS}relatedItem[@type='host']")
    host_info = host.find(f"{MODS}titleInfo") if host is not None else None
    booktitle = _text_of(host_info.find(f"{MODS}title")) if host_info is not None else ""
    issued = mods.find(f"{MODS}originInfo/{MODS}dateIssued")
    if issued is None and host is not None:
        issued = host.find(f"{MODS}originInfo/{MODS}dateIssued")
    if issued is None:
        issued = mods.find(f"{MODS}part/{MODS}date")
    doi = next((_text_of(i) for i in mods.findall(f"{MODS}identifier") if i.get("type") == "doi"), "") or None
    return Paper(
        source="acl",
        kind="paper",
        title=title,
        authors=_names(mods, "author"),
        abstract=abstract,
        url=paper_url(anthology_id),
        published=_month_date(_text_of(issued)),
        doi=doi,
        venue=venue_for(anthology_id, booktitle),
    )


def acl_note_id(anthology_id: str) -> str:
    """``acl-2023.acl-long.123``, ``acl-P19-1001``: the ACL Anthology id as it is."""
    return "acl-" + anthology_id


class AclAnthologySource(PoliteSource):
    """ACL Anthology ids, URLs and DOIs, through the anthology's MODS export."""

    name = "acl"
    supports = "ACL Anthology ids and URLs (2023.acl-long.123, P19-1001, aclanthology.org/…)"
    service = "ACL Anthology"

    @staticmethod
    def recognise(text: str) -> PaperRef | None:
        found = find_anthology_id(text)
        return PaperRef("acl", str(found), text) if found is not None else None

    @staticmethod
    def note_id(paper: Paper) -> str | None:
        """``acl-<anthology id>``, the id read back from the paper's anthology URL."""
        found = urllib.parse.urlsplit(paper.url or "").path.strip("/")
        return acl_note_id(found) if is_note_id(found) else None

    def fetch_one(self, key: str) -> Paper:
        anthology_id = parse_anthology_id(key)
        if anthology_id is None:
            raise UsageError(f"not an ACL Anthology id: {key!r}")
        return self._fetch_mods(self.context.settings.acl_anthology_url.rstrip("/"), anthology_id)

    def _fetch_mods(self, base: str, anthology_id: AnthologyId) -> Paper:
        url = f"{base}/{anthology_id}.xml"
        try:
            response = self.http.get(url, accept="application/xml, text/xml")
        except PaperNotFoundError:
            raise PaperNotFoundError(f"the ACL Anthology has no paper {anthology_id}") from None
        if not response.ok:
            raise SourceUnavailableError(
                f"the ACL Anthology answered HTTP {response.status} for {anthology_id}"
            )
        return paper_from_mods(response.body, anthology_id)
