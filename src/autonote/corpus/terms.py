"""Search terms for mixed English/Japanese text, with no tokenizer dependency.

English: lower-cased words, stop words dropped, a light plural stemmer (``models`` → ``model``). A
hyphenated word counts whole and by its parts (``mobilellm-r1`` → ``mobilellm-r1``, ``mobilellm``,
``r1``), so a model's next version and a ``post-training`` / ``post training`` spelling still meet.
Japanese has no spaces, so every run of kana/kanji contributes its character bigrams (a one-character
run contributes itself); bigrams match across word boundaries the way a real tokenizer's words would,
at the cost of some noise, and need no dictionary.
"""

from __future__ import annotations

import hashlib
import re

# Bump when terms() changes: the index rebuilds itself when its stored version differs.
TERMS_VERSION = "terms.4"

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(r"[a-z0-9][a-z0-9+\-]*[a-z0-9+]|[a-z]")
CJK_RUN = re.compile(f"[{_CJK}]+")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "both",
        "by",
        "can",
        "could",
        "do",
        "does",
        "each",
        "for",
        "from",
        "has",
        "have",
        "how",
        "however",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "more",
        "most",
        "not",
        "of",
        "on",
        "or",
        "our",
        "over",
        "such",
        "than",
        "that",
        "the",
        "their",
        "then",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "under",
        "up",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "will",
        "with",
        "within",
        "without",
        "would",
        "also",
        "using",
        "use",
        "used",
        "show",
        "shows",
        "shown",
        "propose",
        "proposed",
        "paper",
        "approach",
        "method",
        "methods",
        "result",
        "results",
        "new",
        "work",
        "based",
        "one",
        "two",
        "three",
        "first",
        "second",
        "existing",
        "prior",
        "recent",
        "recently",
        "across",
        "well",
        "further",
        "thus",
        "among",
        "allow",
        "allows",
        "enable",
        "enables",
        "achieve",
        "achieves",
    ]
)


def stem(word: str) -> str:
    """A deliberately light plural stemmer; exact enough for matching, never merges unrelated words."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_KEPT: dict[str, str | tuple[str, ...]] = {}  # word → its term, or its terms; words repeat a lot


def _term_for(word: str) -> str | None:
    if word in STOP_WORDS or len(word) < 2 or word.isdigit():
        return None
    return stem(word)


def _terms_for(word: str) -> tuple[str, ...]:
    whole = _term_for(word)
    found = [whole] if whole is not None else []
    if "-" in word:
        for part in word.split("-"):
            term = _term_for(part.strip("+"))
            if term is not None and term != whole:
                found.append(term)
    return tuple(found)


def english_words(text: str) -> list[str]:
    """Lower-cased, stemmed, stop words removed; numbers alone are dropped, ``gpt-4o`` is kept
    (and its part ``gpt``)."""
    found: list[str] = []
    append, extend, known = found.append, found.extend, _KEPT.get
    for word in _WORD.findall(text.lower()):
        kept = known(word)
        if kept is None:
            many = _terms_for(word)
            kept = many[0] if len(many) == 1 else many
            if len(_KEPT) < 500_000:
                _KEPT[word] = kept
        if kept.__class__ is str:
            append(kept)
        else:
            extend(kept)
    return found


def terms(text: str) -> list[str]:
    """All search terms of a text, repeats kept (they are term frequencies): the English words,
    then every pair of neighbouring kana/kanji, then the ones that stand alone. Pairs are cut from
    the runs of kana/kanji (a search for pairs at every position of the text costs more)."""
    found = english_words(text)
    runs = CJK_RUN.findall(text)
    found.extend([run[i : i + 2] for run in runs for i in range(len(run) - 1)])
    found.extend([run for run in runs if len(run) == 1])
    return found


EMBEDDING_MAX_CHARS = 6000  # well inside every embedding model's input limit


def embedding_text(title: str, abstract: str, summary: str = "") -> str:
    """What a note (or a paper to draft) is embedded by."""
    return "\n".join(part for part in (title, abstract, summary) if part)[:EMBEDDING_MAX_CHARS]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
