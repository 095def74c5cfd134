"""The rules of a valid note, in one place: lengths, counts, Japanese share, tag shape.

Everything that judges or asks for a note uses these: the prompt (the numbers it asks the model
for), the schema sent to the server (its field descriptions), validation of LLM output (errors are
re-asked), the offline draft (it stays inside them), review warnings and lint (checked again on the
note as it is now). ``RULES_VERSION`` changes whenever a rule changes; it is part of the regen
journal key, so a stricter rule makes regen look at every note again.

Thresholds come from the corpus: its GPT summaries run about 100-400 characters (155-293 in the
30-note sample) and are at least ~80% Japanese script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from autonote.textnorm import japanese_share, numbers_in

RULES_VERSION = "rules.3"

SUMMARY_HARD_MIN, SUMMARY_HARD_MAX = 60, 600  # outside: an error (re-asked)
SUMMARY_SOFT_MIN, SUMMARY_SOFT_MAX = 100, 400  # outside: a warning
KEY_POINTS_MIN, KEY_POINTS_MAX = 3, 6
KEY_POINT_MAX_CHARS = 200  # an error beyond; the prompt asks for fewer
KEY_POINT_ASK_CHARS = 120  # what the prompt asks for
JAPANESE_MIN_SHARE = 0.5  # below: not Japanese (an error)
JAPANESE_SOFT_SHARE = 0.7  # below: a warning (heavy English)
KEY_POINT_MIN_SHARE = 0.2  # key points are short and full of method names; flag only near-English ones
TAG_MAX_CHARS = 40

# A tag in the corpus's style: a short name (``LanguageModel``, ``Supervised-FineTuning (SFT)``,
# ``Selected Papers/Blogs``), not a sentence: no line breaks, no '#', no trailing punctuation.
_TAG_BAD_END = re.compile(r"[.,;:!?。、，．！？]$")
_TAG_WORDS_MAX = 5


@dataclass
class CheckResult:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def prompt_numbers() -> dict[str, Any]:
    """The numbers the prompt and the schema descriptions ask for."""
    return {
        "summary_min": SUMMARY_SOFT_MIN,
        "summary_max": SUMMARY_SOFT_MAX,
        "key_points_min": KEY_POINTS_MIN,
        "key_points_max": KEY_POINTS_MAX,
        "key_point_chars": KEY_POINT_ASK_CHARS,
        "tag_max_chars": TAG_MAX_CHARS,
    }


# Inline maths (``$\\mathcal{O}(N^2)$``, ``\\(x\\)``) is neither Japanese nor English: the owner's
# Japanese summaries quote formulas, which would otherwise count as non-Japanese letters.
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$|\\\(.+?\\\)", re.S)


def prose_japanese_share(text: str) -> float:
    """:func:`japanese_share` of the text without its inline maths."""
    return japanese_share(_MATH.sub(" ", text))


def check_japanese(
    label: str,
    text: str,
    result: CheckResult,
    minimum: float = JAPANESE_MIN_SHARE,
    soft: float = JAPANESE_SOFT_SHARE,
) -> None:
    share = prose_japanese_share(text)
    if share < minimum:
        result.errors.append(
            f"{label} is not Japanese ({share:.0%} Japanese characters); write it in Japanese"
        )
    elif share < soft:
        result.warnings.append(f"{label} is only {share:.0%} Japanese characters")


def check_summary(summary: str, result: CheckResult) -> None:
    summary = summary.strip()
    length = len(summary)
    if length < SUMMARY_HARD_MIN or length > SUMMARY_HARD_MAX:
        result.errors.append(
            f"summary has {length} characters; write {SUMMARY_SOFT_MIN}-{SUMMARY_SOFT_MAX} characters"
        )
    elif length < SUMMARY_SOFT_MIN or length > SUMMARY_SOFT_MAX:
        result.warnings.append(
            f"summary has {length} characters (corpus: {SUMMARY_SOFT_MIN}-{SUMMARY_SOFT_MAX})"
        )
    check_japanese("summary", summary, result)


def check_key_points(points: list[str], result: CheckResult, *, require_count: bool = True) -> None:
    points = [p.strip() for p in points if p.strip()]
    if require_count and not KEY_POINTS_MIN <= len(points) <= KEY_POINTS_MAX:
        result.errors.append(f"{len(points)} key points; give {KEY_POINTS_MIN}-{KEY_POINTS_MAX}")
    for index, point in enumerate(points, 1):
        check_japanese(f"key point {index}", point, result, KEY_POINT_MIN_SHARE, KEY_POINT_MIN_SHARE)
        if len(point) > KEY_POINT_MAX_CHARS:
            result.errors.append(
                f"key point {index} has {len(point)} characters; keep each under {KEY_POINT_MAX_CHARS}"
            )


def invented_numbers(generated: list[str], source: str) -> list[str]:
    """Numbers in the generated text that the source (title + abstract) does not contain. Single
    digits are left out: they are ordinals and counts ("3つの手法") more often than claims."""
    known = numbers_in(source)
    return sorted(n for n in numbers_in(" ".join(generated)) if n not in known and len(n) > 1)


def check_invented_numbers(generated: list[str], source: str, result: CheckResult) -> None:
    invented = invented_numbers(generated, source)
    if invented:
        result.warnings.append("numbers not found in the abstract: " + ", ".join(invented))


def tag_shape_problem(tag: str) -> str | None:
    """Why ``tag`` is not shaped like a corpus tag, or None when it is."""
    if not tag.strip():
        return "is empty"
    if tag != tag.strip() or "\n" in tag or "\t" in tag:
        return "has surrounding or embedded whitespace"
    if len(tag) > TAG_MAX_CHARS:
        return f"is {len(tag)} characters long (at most {TAG_MAX_CHARS})"
    if "#" in tag:
        return "contains '#'"
    if _TAG_BAD_END.search(tag):
        return "ends with punctuation"
    if len(tag.split()) > _TAG_WORDS_MAX:
        return "reads like a sentence, not a tag"
    return None
