"""Map the free text of arXiv's comment / journal_ref to the corpus's venue label.

"Accepted at COLM 2025" → ``COLM'25``; "Findings of ACL 2023" → ``ACL'23 Findings``; "The 38th AAAI
Conference on Artificial Intelligence" → ``AAAI'24``; "ES-FoMo @ ICML 2024" → ``ICML'24 Workshop``.
Nothing recognised → ``arXiv'<yy>`` of the first version.

The venues, their spellings, the tracks kept as a suffix and the phrases that say whether a mention
is the paper's venue are data: ``autonote/data/venues.toml``. This module reads a text as a list of
venue *mentions* (a name, the year near it, the track words around it and the phrase before it)
and picks the one that is the paper's venue:

1. mentions after "submitted to", "under review", "an earlier version appeared at", ... are not it;
2. a journal the paper appears in beats a conference, a conference beats one it was only "presented
   at", and any of these beats a workshop; among equals the first mention wins;
3. a mention without a year takes the year of the version that carries the text (the arXiv
   ``updated`` date), and only when the text says the paper was accepted or published there, or
   names nothing else ("ICML", "TMLR");
4. two digits after a space are a conference's year when near that version's year ("NAACL 25");
   a full name followed by its short name in parentheses is one mention ("… Computational
   Linguistics (ACL Findings 2026)" → ``ACL'26 Findings``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from autonote.bounded import load_toml

# -- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Venue:
    label: str
    names: tuple[str, ...]
    kind: str = "conference"
    first_edition: int | None = None
    case_sensitive: bool = False


@dataclass(frozen=True)
class VenueTable:
    venues: tuple[Venue, ...]
    ignored: tuple[str, ...]
    tracks: tuple[tuple[str, tuple[str, ...]], ...]  # (suffix, words), in order of precedence
    track_ignore: tuple[str, ...]
    not_workshop_acronyms: frozenset[str]
    presentation: tuple[str, ...]
    context: tuple[tuple[str, tuple[str, ...]], ...]  # (kind, phrases)


def _strings(value: Any, where: str, *, required: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"venues.toml: {where} must be a list of non-empty strings")
    if required and not value:
        raise ValueError(f"venues.toml: {where} must not be empty")
    return tuple(value)


def _label(entry: Any, where: str) -> str:
    label = entry.get("label") if isinstance(entry, dict) else None
    if not isinstance(label, str) or not label.strip() or "," in label or "'" in label:
        raise ValueError(f"venues.toml: {where} needs a label (no comma, no apostrophe)")
    return label


def parse_table(text: str) -> VenueTable:
    """Read the venue table from TOML text (the packaged file, or a test's own).

    Raises ValueError (tomllib's decode error is one) naming what is wrong.
    """
    data = load_toml(text)
    venues = []
    for entry in data.get("venue", []):
        label = _label(entry, "every [[venue]]")
        kind = entry.get("kind", "conference")
        if kind not in {"conference", "journal"}:
            raise ValueError(f"venues.toml: {label!r} has kind {kind!r} (conference or journal)")
        first_edition = entry.get("first_edition")
        if first_edition is not None and not (
            isinstance(first_edition, int) and 1900 <= first_edition <= 2100
        ):
            raise ValueError(f"venues.toml: {label!r} has first_edition {first_edition!r}")
        venues.append(
            Venue(
                label=label,
                names=_strings(entry.get("names"), f"{label}.names", required=True),
                kind=kind,
                first_edition=first_edition,
                case_sensitive=bool(entry.get("case_sensitive", False)),
            )
        )
    tracks = []
    for entry in data.get("track", []):
        label = _label(entry, "every [[track]]")
        tracks.append((label, _strings(entry.get("words"), f"track {label}.words", required=True)))
    track_options = data.get("tracks", {})
    context = data.get("context", {})
    return VenueTable(
        venues=tuple(venues),
        ignored=_strings(data.get("ignore", {}).get("names", []), "ignore.names"),
        tracks=tuple(tracks),
        track_ignore=_strings(track_options.get("ignore", []), "tracks.ignore"),
        not_workshop_acronyms=frozenset(
            a.lower() for a in _strings(track_options.get("not_workshop_acronyms", []), "acronyms")
        ),
        presentation=_strings(track_options.get("presentation", []), "tracks.presentation"),
        context=tuple((kind, _strings(context.get(kind, []), f"context.{kind}")) for kind in _CONTEXT_KINDS),
    )


_CONTEXT_KINDS = ("not_yet", "earlier", "presented", "accepted", "described")


@cache
def venue_table() -> VenueTable:
    """The table shipped in the package, read once."""
    text = resources.files("autonote").joinpath("data/venues.toml").read_text(encoding="utf-8")
    return parse_table(text)


VENUE_NAMES = frozenset(v.label for v in venue_table().venues)  # also the corpus's venue tags


def venue_tag(label: str) -> str:
    """The tag a venue label makes (the owner tags every paper with its venue): the name before its
    year (``ACL'23 Findings`` → ``ACL``), a venue under an older name as the corpus names it today
    (``NIPS'20`` → ``NeurIPS``)."""
    return _venue_name(label) if label else ""


@lru_cache(maxsize=1024)
def _venue_name(label: str) -> str:
    name = label.split("'")[0]
    if name in VENUE_NAMES or name == "arXiv":
        return name
    return _venue_aliases().get(name.casefold(), name)


@cache
def _venue_aliases() -> dict[str, str]:
    """Every name of a venue in the venue table (``NIPS``, ``Neural Information Processing
    Systems``), case-folded, → the label the corpus tags it with (``NeurIPS``)."""
    return {name.casefold(): venue.label for venue in venue_table().venues for name in venue.names}


# -- patterns built from the table --------------------------------------------------------------


def _phrase(text: str) -> str:
    """A phrase as a pattern: flexible whitespace, "-" or space interchangeable."""
    words = re.split(r"[\s-]+", text.strip())
    return r"[\s-]+".join(re.escape(w) for w in words)


def _words(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted(phrases, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(_phrase(p) for p in alternatives) + r")(?![\w])", re.I)


# A year that follows a name with no space, or after an apostrophe or hyphen: ACL2024, ICML'24, AAAI-24.
_TIGHT_YEAR = re.compile(r"(?:\s?['’]|-)?(?P<year>(?:19|20)[0-9]{2}|[0-9]{2})(?![0-9])")
# A year after separators and up to four words: "COLM 2025", "NAACL Findings 2024", "ICML, July 2024".
_LOOSE_YEAR = re.compile(
    r"[\s,:()]*(?P<words>(?:[A-Za-z][\w&+-]*\s+){0,4}?)['’]?(?P<year>(?:19|20)[0-9]{2})(?![0-9])"
)
# "NAACL 25 Main Conference": two digits after a space, not a count ("ICML 25 pages").
_SPACED_SHORT_YEAR = re.compile(
    r"\s+(?P<year>[0-9]{2})(?![0-9.,:/%])(?!\s*(?:pages?|pp|figures?|figs?|tables?|min|minutes|slides?)\b)",
    re.I,
)
_ANY_YEAR = re.compile(r"(?<![0-9])(?P<year>(?:19|20)[0-9]{2})(?![0-9])")
_PARTNERS = re.compile(r"(?:-[A-Z][A-Za-z]*)*")  # ACL-IJCNLP, NAACL-HLT: the first name is the venue
_YEAR_BEFORE = re.compile(r"(?<![0-9])(?P<year>(?:19|20)[0-9]{2})\s+(?:[\w&/.-]+\s+){0,4}$")
_ACRONYM = re.compile(r"\s+(?P<token>[A-Za-z0-9][\w&/+-]*)")
_JOINED_WORDS = re.compile(r"(?:[A-Z][a-z]{3,}){2,}")  # "MainConference": words run together, no acronym
_AT_SIGN = re.compile(r"@\s*$")
_DIRECTLY_AFTER = re.compile(r"[\s(),:-]*(?:(?:conference|workshop|track|paper)\s+)?", re.I)
# Links and e-mail addresses ("github.com/x/acl2023-code" names no venue). Possessive quantifiers
# keep the scan linear on long runs of word characters.
_URLISH = re.compile(
    r"https?://\S++|www\.\S++|(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++|(?<![\w.-])(?:[\w-]++\.)++(?:com|org|net|io|edu|ai|dev)/\S*+",
    re.I,
)
# Sentence ends: ";", "|", a line break, or ". " that does not end an abbreviation or an initial.
_SENTENCE_END = re.compile(r"[;|\n]|[.!?](?=\s)")
_LAST_WORD = re.compile(r"(\w+)$")
_ABBREVIATIONS = frozenset([
    "proc", "vol", "no", "pp", "al", "trans", "conf", "int", "intl", "assoc", "comput", "ling", "mach",
    "intell", "anal", "res", "surv", "nat", "eg", "ie", "fig", "eq", "sec", "dept", "univ", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "ed", "eds",
])  # fmt: skip

_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_TEENS = [
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth",
]  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}  # fmt: skip
_TENTHS = {"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70}


def _ordinal_words(text: str) -> int | None:
    """``thirty-eighth`` → 38, ``twelfth`` → 12; None for other words."""
    parts = re.split(r"[\s-]+", text.lower())
    if len(parts) == 1:
        word = parts[0]
        if word in _UNITS:
            return _UNITS.index(word) + 1
        if word in _TEENS:
            return _TEENS.index(word) + 10
        return _TENTHS.get(word)
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS:
        return _TENS[parts[0]] + _UNITS.index(parts[1]) + 1
    return None


@dataclass(frozen=True)
class _Compiled:
    names: re.Pattern[str]
    labels: dict[str, Venue | None]  # group name → venue (None: an ignored phrase)
    tracks: tuple[tuple[str, re.Pattern[str]], ...]
    track_ignore: re.Pattern[str] | None
    presentation: re.Pattern[str] | None
    context: re.Pattern[str]
    context_kinds: dict[str, str]  # group name → context kind


def _name_pattern(name: str, case_sensitive: bool) -> str:
    if " " not in name.strip() and not case_sensitive:
        # An acronym: its exact case, or any case when a year follows (neurips 2024, Acl-2020).
        exact = re.escape(name)
        return (
            rf"(?:{exact}|(?i:{exact})(?=['’-]?[0-9]{{2}}(?![0-9])|[0-9]{{4}}|\s*['’]?(?:19|20)[0-9]{{2}}))"
        )
    pattern = _phrase(name)
    return pattern if case_sensitive else f"(?i:{pattern})"


@cache
def _compiled(table: VenueTable) -> _Compiled:
    entries: list[tuple[str, str, Venue | None]] = []
    for venue in table.venues:
        for name in venue.names:
            entries.append((name, _name_pattern(name, venue.case_sensitive), venue))
    for phrase in table.ignored:
        entries.append((phrase, f"(?i:{_phrase(phrase)})", None))
    entries.sort(key=lambda e: len(e[0]), reverse=True)  # the longest name wins at one place
    labels = {f"n{i}": venue for i, (_, _, venue) in enumerate(entries)}
    names = re.compile(
        r"(?<![A-Za-z0-9])(?:"
        + "|".join(f"(?P<n{i}>{pattern})" for i, (_, pattern, _) in enumerate(entries))
        + r")(?![A-Za-z])"
    )
    context_parts, context_kinds = [], {}
    for index, (kind, phrases) in enumerate(table.context):
        phrases = tuple(sorted(phrases, key=len, reverse=True))
        if phrases:
            context_parts.append(f"(?P<c{index}>" + "|".join(_phrase(p) for p in phrases) + ")")
            context_kinds[f"c{index}"] = kind
    context = re.compile(r"(?<![\w])(?:" + "|".join(context_parts) + r")(?![\w])", re.I)
    return _Compiled(
        names=names,
        labels=labels,
        tracks=tuple((label, _words(words)) for label, words in table.tracks),
        track_ignore=_words(table.track_ignore) if table.track_ignore else None,
        presentation=_words(table.presentation) if table.presentation else None,
        context=context,
        context_kinds=context_kinds,
    )


# -- reading a text -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """One venue named in a text, read in its sentence."""

    venue: Venue
    start: int
    year: int | None  # four digits when known, else two
    suffix: str  # "", "Findings", "Workshop", ...
    context: str  # "not_yet", "earlier", "presented", "accepted" or "" (nothing before it)
    signalled: bool  # the words around it say the paper was accepted / presented there
    end: int = 0  # where the mention (with its year) ends

    @property
    def rank(self) -> int | None:
        """Lower is more likely the paper's venue; None: not the paper's venue."""
        if self.context in {"not_yet", "earlier"}:
            return None
        if self.suffix == "Workshop":
            return 3
        if self.context == "presented":
            return 2
        return 0 if self.venue.kind == "journal" else 1

    def label(self, year: int) -> str:
        return f"{self.venue.label}'{year % 100:02d}" + (f" {self.suffix}" if self.suffix else "")


def _sentences(text: str, protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans; a full stop inside a venue name ("IEEE Trans. Pattern Anal.") ends none."""
    cuts = [0]
    for match in _SENTENCE_END.finditer(text):
        if any(start <= match.start() < end for start, end in protected):
            continue
        if match.group() == ".":
            word = _LAST_WORD.search(text, 0, match.start())
            if word and (word[1].lower() in _ABBREVIATIONS or (len(word[1]) == 1 and word[1].isupper())):
                continue  # "Proc. of", "pp. 1-10", "A. Author"
        cuts.append(match.end())
    cuts.append(len(text))
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _year_after(text: str, end: int, limit: int, near: int | None = None) -> tuple[int | None, int, str]:
    """(year, end of the mention including its year, the words between name and year); the year
    is looked for up to ``limit`` (the next venue's name or the end of the sentence). Two digits
    after a space ("NAACL 25") are a year only within two years of ``near``."""
    rest = text[end:limit]
    partners = _PARTNERS.match(rest)
    offset = partners.end() if partners else 0
    tight = _TIGHT_YEAR.match(rest, offset)
    if tight:
        return _full_year(tight["year"]), end + tight.end(), ""
    short = _SPACED_SHORT_YEAR.match(rest, offset)
    if short and near is not None and abs(_full_year(short["year"]) - near) <= 2:
        return _full_year(short["year"]), end + short.end(), ""
    loose = _LOOSE_YEAR.match(rest, offset)
    if loose:
        return int(loose["year"]), end + loose.end(), loose["words"]
    return None, end + offset, ""


def _full_year(digits: str) -> int:
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


@dataclass(frozen=True)
class _Scan:
    """A text prepared for reading: its venue names, sentences and context keywords."""

    text: str
    compiled: _Compiled
    raw: list[tuple[int, int, Venue | None]]  # (start, end, venue) of every name (None: ignored phrase)
    sentences: list[tuple[int, int]]
    sentence_starts: list[int]
    keywords: list[tuple[int, int, str]]  # (start, end, context kind)
    keyword_starts: list[int]
    venue_starts: list[int]


def _scan(text: str, table: VenueTable) -> _Scan:
    c = _compiled(table)
    text = _URLISH.sub(lambda m: " " * len(m.group()), text)
    raw = [(m.start(), m.end(), c.labels.get(m.lastgroup or "")) for m in c.names.finditer(text)]
    sentences = _sentences(text, [(s, e) for s, e, _ in raw])
    keywords = [(m.start(), m.end(), c.context_kinds[m.lastgroup or ""]) for m in c.context.finditer(text)]
    return _Scan(
        text=text,
        compiled=c,
        raw=raw,
        sentences=sentences,
        sentence_starts=[a for a, _ in sentences],
        keywords=keywords,
        keyword_starts=[k[0] for k in keywords],
        venue_starts=[s for s, _, v in raw if v is not None],
    )


def _context_before(scan: _Scan, previous_end: int, start: int) -> tuple[str, int]:
    """(context kind, where its phrase starts) from the nearest context phrase before a mention in
    its sentence: "" and ``previous_end`` when there is none. An "earlier version" anywhere before
    wins; a noun that only describes the paper ("conference paper") keeps a "submitted" before it."""
    low = bisect.bisect_left(scan.keyword_starts, previous_end)
    high = bisect.bisect_left(scan.keyword_starts, start)
    before = [k for k in scan.keywords[low:high] if k[1] <= start]
    if not before:
        return "", previous_end
    lead_from, _, context = before[-1]
    kinds = {kind for _, _, kind in before}
    if "earlier" in kinds:
        return "earlier", lead_from
    if context == "described":
        context = "not_yet" if "not_yet" in kinds else "accepted"
    return context, lead_from


def _keyword_after(scan: _Scan, full_end: int, next_start: int) -> tuple[int, int, str] | None:
    """The first context phrase after a mention, before the next venue or the sentence's end."""
    index = bisect.bisect_left(scan.keyword_starts, full_end)
    after = scan.keywords[index] if index < len(scan.keywords) else None
    return after if after is not None and after[0] < next_start else None


def _suffix(scan: _Scan, window: str, lead: str, after: str, between: str, table: VenueTable) -> str:
    """The track kept after the label ("Findings", "Workshop", ...) from the words around a mention."""
    c = scan.compiled
    if c.track_ignore is not None:
        window = c.track_ignore.sub(" ", window)
    suffix = next((label for label, pattern in c.tracks if pattern.search(window)), "")
    if not suffix and (_AT_SIGN.search(lead) or _workshop_acronym(after, between, table)):
        suffix = "Workshop"
    return suffix


def _alone(text: str, start: int, end: int) -> bool:
    """The venue's name is all the text says ("ICML", "TMLR."): it names the paper's venue."""
    return not text[:start].strip(_PUNCTUATION) and not text[end:].strip(_PUNCTUATION)


_PUNCTUATION = " \t\n.,;:()[]"


def _mention(
    scan: _Scan, at: tuple[int, int, Venue], consumed_to: int, fallback_year: int | None, trusted: bool,
    table: VenueTable,
) -> tuple[Mention, int | None, int]:  # fmt: skip
    """One mention read in its sentence: (mention, the year it resolves to or None, its end)."""
    text = scan.text
    start, end, venue = at
    s_start, s_end = scan.sentences[bisect.bisect_right(scan.sentence_starts, start) - 1]
    following = bisect.bisect_right(scan.venue_starts, start)
    next_start = min(scan.venue_starts[following], s_end) if following < len(scan.venue_starts) else s_end
    previous_end = max(s_start, consumed_to)  # the sentence start, or the previous mention's end
    near = fallback_year if venue.kind == "conference" else None  # "JMLR 25 (2024)": a volume
    year, full_end, between = _year_after(text, end, next_start, near)
    context, lead_from = _context_before(scan, previous_end, start)
    after_keyword = _keyword_after(scan, full_end, next_start)
    after_end = after_keyword[0] if after_keyword else next_start
    if (
        after_keyword is not None
        and after_keyword[2] == "not_yet"
        and _DIRECTLY_AFTER.fullmatch(text[full_end:after_end])
    ):
        context = "not_yet"  # "NeurIPS 2025 submission", "ICLR 2026 (under review)"
    lead, after = text[lead_from:start], text[full_end:after_end]
    window = f"{lead} {between} {after}"
    suffix = _suffix(scan, window, lead, after, between, table)
    if year is None:
        year = _year_before_or_ordinal(text[previous_end:start], venue, fallback_year)
    if year is None and venue.kind == "journal":
        in_window = _ANY_YEAR.search(after)
        year = int(in_window["year"]) if in_window else None
    c = scan.compiled
    signalled = (
        trusted
        or context in {"accepted", "presented"}
        or bool(suffix)
        or bool(c.presentation and c.presentation.search(window))
        or _alone(text, start, full_end)
    )
    mention = Mention(venue, start, year, suffix, context, signalled, full_end)
    if year is None and signalled:
        # A name without a year: only when the text says the paper is there (bare acronyms such
        # as CHI or RSS appear in ordinary prose), in the year of the version carrying the text.
        year = fallback_year
    return mention, year, full_end


def _merge_restated(found: list[tuple[Mention, int]], text: str) -> list[tuple[Mention, int]]:
    """A venue's full name followed by its short name in parentheses is one mention: "Annual Meeting
    of the ACL (ACL Findings 2026)" takes the track and year the parentheses give."""
    merged: list[tuple[Mention, int]] = []
    for mention, year in found:
        if merged:
            previous, _ = merged[-1]
            restates = previous.venue == mention.venue and _OPEN_PAREN.fullmatch(
                text, previous.end, mention.start
            )
            if restates:
                kept = replace(mention, start=previous.start, context=previous.context or mention.context)
                merged[-1] = (kept, year)
                continue
        merged.append((mention, year))
    return merged


_OPEN_PAREN = re.compile(r"\s*\(\s*")


def _read(
    text: str, fallback_year: int | None, trusted: bool, table: VenueTable
) -> list[tuple[Mention, int]]:
    """Every venue mention in ``text`` with the year it resolves to (mentions without one dropped)."""
    scan = _scan(text, table)
    found: list[tuple[Mention, int]] = []
    consumed_to = 0
    for start, end, venue in scan.raw:
        if start < consumed_to or venue is None:
            # the partner in "IJCAI-ECAI 2024", a name inside another's year/words, or an ignored
            # phrase (it only keeps the names inside it from being read)
            continue
        mention, year, consumed_to = _mention(
            scan, (start, end, venue), consumed_to, fallback_year, trusted, table
        )
        if year is not None:
            found.append((mention, year))
    return _merge_restated(found, scan.text)


def _year_before_or_ordinal(lead: str, venue: Venue, near: int | None) -> int | None:
    before = _YEAR_BEFORE.search(lead)
    if before:  # "Proceedings of the 2023 Conference on Empirical Methods ..."
        return int(before["year"])
    if venue.first_edition is None:
        return None
    # "The 38th AAAI Conference", "Thirty-Eighth AAAI Conference", "the 62nd Annual Meeting of ..."
    tokens = [t.strip("(),") for t in lead.split()[-4:]]
    for i in range(len(tokens) - 1, -1, -1):
        number = _ordinal(tokens[i]) or (_ordinal(f"{tokens[i - 1]}-{tokens[i]}") if i else None)
        if number:
            year = venue.first_edition + number - 1
            # An ordinal names the edition the text is about, near the version's year: "the first
            # ICML workshop on X" is not ICML 1984.
            return year if near is None or abs(year - near) <= 3 else None
    return None


def _ordinal(token: str) -> int | None:
    digits = re.fullmatch(r"([0-9]{1,3})(?:st|nd|rd|th)", token, re.I)
    return int(digits[1]) if digits else _ordinal_words(token)


def _workshop_acronym(after: str, between: str, table: VenueTable) -> bool:
    """ "ICML 2024 ES-FoMo", "ICML AI4Science 2024": a workshop's acronym right after the venue."""
    tokens = between.split()
    first = _ACRONYM.match(after)
    if first:
        tokens.append(first["token"])
    for token in tokens:
        token = token.strip(".,;:")
        if token.lower() in table.not_workshop_acronyms or _JOINED_WORDS.fullmatch(token):
            continue
        capitals = sum(ch.isupper() for ch in token)
        acronym = len(token) >= 3 and (capitals >= 2 or (capitals and any(ch.isdigit() for ch in token)))
        if acronym and not any(re.fullmatch(_phrase(w), token, re.I) for _, ws in table.tracks for w in ws):
            return True
    return False


def detect_venue(text: str | None, fallback_year: int | None = None, *, trusted: bool = False) -> str | None:
    """The corpus label of the venue ``text`` names as the paper's, or None.

    ``fallback_year`` is the year of a venue named without one (the arXiv ``updated`` year of the
    version carrying the text). ``trusted`` marks a journal_ref: every venue in it is where the
    paper was published, no "accepted" needed.
    """
    if not text or not text.strip():
        return None
    table = venue_table()
    candidates = [(m.rank, m.start, m.label(year)) for m, year in _read(text, fallback_year, trusted, table)]
    ranked = sorted((rank, start, label) for rank, start, label in candidates if rank is not None)
    return ranked[0][2] if ranked else None


def venue_label(
    comment: str | None,
    journal_ref: str | None,
    published: dt.date | None,
    updated: dt.date | None = None,
) -> str:
    """The venue label for a paper: journal_ref first (it is authoritative), then the comment.

    ``updated`` is the date of the fetched version (whose comment this is): a venue named without a
    year takes its year. Nothing recognised: ``arXiv'<yy>`` of the first version (``published``).
    """
    carrying = updated or published
    year = carrying.year if carrying else None
    label = detect_venue(journal_ref, year, trusted=True) or detect_venue(comment, year)
    if label:
        return label
    if published is None:
        return ""
    return f"arXiv'{published.year % 100:02d}"
