"""Map the free text of arXiv's comment / journal_ref to the corpus's venue label.

"Accepted at COLM 2025" → ``COLM'25``; "Findings of ACL 2023" → ``ACL'23 Findings``;
"NeurIPS 2024 spotlight" → ``NeurIPS'24``. Nothing recognised → ``arXiv'<yy>`` of the first version.
Presentation kinds (oral, spotlight, poster) are dropped; Findings and Workshop name a different
track and are kept as a suffix.
"""

from __future__ import annotations

import datetime as dt
import re

# Canonical label → regex alternatives (matched case-insensitively, as whole words).
_VENUES: dict[str, str] = {
    "NeurIPS": r"NeurIPS|NIPS|Neural Information Processing Systems",
    "ICML": r"ICML|International Conference on Machine Learning",
    "ICLR": r"ICLR|International Conference on Learning Representations",
    "COLM": r"COLM|Conference on Language Modeling",
    "ACL": r"ACL|Annual Meeting of the Association for Computational Linguistics",
    "EMNLP": r"EMNLP|Empirical Methods in Natural Language Processing",
    "NAACL": r"NAACL",
    "EACL": r"EACL",
    "AACL": r"AACL|IJCNLP-AACL|AACL-IJCNLP",
    "COLING": r"COLING",
    "CoNLL": r"CoNLL",
    "LREC": r"LREC(?:-COLING)?",
    "TACL": r"TACL|Transactions of the Association for Computational Linguistics",
    "TMLR": r"TMLR|Transactions on Machine Learning Research",
    "JMLR": r"JMLR|Journal of Machine Learning Research",
    "CVPR": r"CVPR|Computer Vision and Pattern Recognition",
    "ICCV": r"ICCV|International Conference on Computer Vision",
    "ECCV": r"ECCV|European Conference on Computer Vision",
    "WACV": r"WACV",
    "AAAI": r"AAAI",
    "IJCAI": r"IJCAI",
    "KDD": r"KDD|SIGKDD",
    "WWW": r"WWW|The Web Conference|TheWebConf",
    "SIGIR": r"SIGIR",
    "WSDM": r"WSDM",
    "CIKM": r"CIKM",
    "RecSys": r"RecSys",
    "CHI": r"CHI",
    "UIST": r"UIST",
    "ICASSP": r"ICASSP",
    "Interspeech": r"INTERSPEECH",
    "AISTATS": r"AISTATS",
    "UAI": r"UAI",
    "CoRL": r"CoRL|Conference on Robot Learning",
    "ICRA": r"ICRA",
    "IROS": r"IROS",
    "RSS": r"RSS|Robotics: Science and Systems",
    "MLSys": r"MLSys",
    "SIGGRAPH": r"SIGGRAPH(?: Asia)?",
    "ISWC": r"ISWC",
    "INLG": r"INLG",
    "SIGDIAL": r"SIGDIAL",
}

VENUE_NAMES = frozenset(_VENUES)  # also the corpus's venue tags (#CVPR, #COLM, ...)
_NAME = "|".join(f"(?P<v{i}>{pattern})" for i, pattern in enumerate(_VENUES.values()))
_LABELS = list(_VENUES)
# Venue name and a year near it, either order: "COLM 2025", "2025 Conference on ...", "ACL'23".
_YEAR = r"(?:'|’)?(?P<year>(?:19|20)\d{2}|\d{2})"
_AFTER = re.compile(rf"(?<![\w-])(?:{_NAME})(?![A-Za-z-])[\s,:()'’]*(?:main conference\s*)?{_YEAR}\b", re.I)
_BEFORE = re.compile(rf"\b(?P<year>(?:19|20)\d{{2}})\s+(?:[\w-]+\s+){{0,4}}?(?:{_NAME})(?![\w-])", re.I)
_BARE = re.compile(rf"(?<![\w-])(?:{_NAME})(?![\w-])")
_FINDINGS = re.compile(r"\bfindings\b", re.I)
_WORKSHOP = re.compile(r"\bworkshops?\b", re.I)
_NEGATIVE = re.compile(r"\b(?:submitted|under review|in submission|rejected)\b", re.I)


def _label_of(match: re.Match[str]) -> str:
    for index, label in enumerate(_LABELS):
        if match.group(f"v{index}"):
            return label
    raise AssertionError("a venue alternative matched without a group")


def _two_digit(year: str) -> int:
    return int(year) % 100


def detect_venue(text: str | None, fallback_year: int | None = None) -> str | None:
    """Return the corpus label of the venue named in ``text``, or None.

    A venue named without a year takes ``fallback_year``. Text that only says a paper was
    submitted or is under review names no venue.
    """
    if not text or _NEGATIVE.search(text):
        return None
    match = _AFTER.search(text) or _BEFORE.search(text)
    if match is not None:
        label, yy = _label_of(match), _two_digit(match["year"])
    else:
        bare = _BARE.search(text)
        if bare is None or fallback_year is None:
            return None
        # Bare acronyms such as "CHI" or "RSS" appear in ordinary prose; demand a venue-ish context.
        if not re.search(r"accepted|appear|published|proceedings|conference|camera", text, re.I):
            return None
        label, yy = _label_of(bare), _two_digit(str(fallback_year))
    suffix = ""
    if _FINDINGS.search(text):
        suffix = " Findings"
    elif _WORKSHOP.search(text):
        suffix = " Workshop"
    return f"{label}'{yy:02d}{suffix}"


def venue_label(comment: str | None, journal_ref: str | None, published: dt.date | None) -> str:
    """The venue label for a paper: journal_ref first (it is authoritative), then the comment."""
    year = published.year if published else None
    for text in (journal_ref, comment):
        label = detect_venue(text, year)
        if label:
            return label
    if published is None:
        return ""
    return f"arXiv'{published.year % 100:02d}"
