"""Field terms: what the index keeps of a note besides its text, for the related-note signals that
read one part of a note alone.

Two fields, each stored in the index's postings under a prefix no text term can have (text terms
never hold a ``:``), so they share the postings, the hiding of notes and the statistics of BM25:

- ``t:`` the title's terms, for notes **without an abstract** (blog posts, talks, repositories,
  stubs): their text is little more than the title, so the main search rarely ranks them; a search
  over this field matches the paper's words against those titles alone (the *title match*);
- ``n:`` the note's short names, for every note: the part of its title before a colon
  (``DoRA: Weight-Decomposed ...``), that part's initials when it is several capitalised words
  (``Direct Preference Optimization: ...`` → ``dpo``) and name-like title words (``MobileLLM-R1``,
  ``GQA``, ``RLHF_DPO``); a search over this field with the paper's abstract finds the notes whose
  name the abstract mentions (the *named* signal), which the title often does not say.
"""

from __future__ import annotations

import re

from autonote.corpus.terms import english_words, terms
from autonote.titleline import parse_other_title_line, parse_title_line, without_prefix

# Bump when field_terms() changes: the index rebuilds itself when its stored version differs.
FIELDS_VERSION = "fields.3"
TITLE_FIELD = "t:"
NAME_FIELD = "n:"

_NAME_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+\-.]*[A-Za-z0-9+]|[A-Za-z]")
_INITIALS_MIN, _INITIALS_MAX = 2, 5  # words of a colon head whose initials make a name


def short_names(title: str) -> list[str]:
    """The search terms of a title's names: the part before a colon when it is short
    (``LongLoRA: Efficient ...``), and words that look like names of methods, models or datasets
    (``MobileLLM-R1``, ``GQA``, ``LLaMA2``, ``FP4``: a capital inside a word, or capitals and
    digits together; ``Sub-Billion`` is just a capitalised title word)."""
    names = []
    head, colon, _ = title.partition(":")
    if colon and 0 < len(head.split()) <= 5:
        names.extend(english_words(head))
    names.extend(_name_words(title))
    return list(dict.fromkeys(names))


def initials(title: str) -> str | None:
    """The acronym a title's colon head stands for, when the head is two to five capitalised
    words: ``Direct Preference Optimization: Your ...`` → ``dpo``; else None."""
    head, colon, _ = title.partition(":")
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", head)
    if not colon or not _INITIALS_MIN <= len(words) <= _INITIALS_MAX or len(words) != len(head.split()):
        return None
    if not all(w[0].isupper() for w in words):
        return None
    return "".join(w[0] for w in words).lower()


def note_names(title: str) -> list[str]:
    """A note's short names as terms, each one word of three letters or more: the colon head when
    it is one word, its :func:`initials` when it is several (three letters or more), and the
    name-like words of :func:`short_names`. (A head of several words is no name in itself:
    ``Recursive Language Models`` would make every abstract's ``language`` name the note.)"""
    head, colon, _ = title.partition(":")
    names = short_names(title)
    if colon and len(head.split()) > 1:
        phrase = set(english_words(head))
        names = [n for n in names if n not in phrase or any(n in w for w in _name_words(head))]
    acronym = initials(title)
    if acronym and len(acronym) >= 3:
        names.append(acronym)
    return [n for n in dict.fromkeys(names) if len(n) >= 3]


def _name_words(text: str) -> list[str]:
    """The name-like words of a text (see :func:`short_names`), as terms."""
    found = []
    for word in _NAME_WORD.findall(text):
        inner = any(ch.isupper() for part in word.split("-") for ch in part[1:])
        mixed = any(ch.isdigit() for ch in word) and any(ch.isupper() for ch in word)
        if inner or mixed:
            found.extend(english_words(word))
    return found


def field_terms(title: str, has_abstract: bool) -> list[str]:
    """The field terms of a note (distinct): its short names, and its title's terms when it has
    no abstract."""
    found = [NAME_FIELD + name for name in note_names(title)]
    if not has_abstract:
        found.extend(TITLE_FIELD + term for term in terms(title))
    return list(dict.fromkeys(found))


def field_query(text_terms: dict[str, float], field: str) -> dict[str, float]:
    """A text's query terms (see :func:`autonote.corpus.index.query_terms`) searched in a field."""
    return {field + term: weight for term, weight in text_terms.items()}


SURNAME = "surname"  # marks an author known by one word only (``Shao+``): see :func:`author_entries`
_NOT_AUTHOR = re.compile(r"^(?:N[/_]A|et al\.?|X Post|.*[0-9'].*)$", re.I)


def title_line_author(line: str) -> str | None:
    """The first author a title line names, ``+`` removed (``Shao+`` → ``Shao``), in any kind's
    line (:data:`autonote.titleline.TEMPLATES`) and a paper's line without a venue. None when the line names none (a venue, ``N/A``, a date)."""
    line = line.strip()
    parsed = parse_title_line(line) or parse_other_title_line(without_prefix(line))
    if parsed is None:
        return None
    author = parsed.first_author.strip().removesuffix("+").strip()
    if not author or _NOT_AUTHOR.match(author):
        return None
    return author


def author_entries(authors: list[str], title_line: str) -> list[str]:
    """The authors the index keeps for a note: its authors; for a note without any, the first
    author its title line names (as imported notes whose title holds the whole line are). One
    word of letters alone (``Shao``; not ``DeepSeek-AI``) is a surname: kept as ``surname Shao``, which a paper's author
    ``Zhihong Shao`` meets by its last word (see :meth:`CorpusIndex.author_matches`)."""
    if authors:
        return authors
    author = title_line_author(title_line)
    if author is None:
        return []
    return [f"{SURNAME} {author}" if author.isalpha() else author]
