"""Checks on what an LLM returns, tuned to the mistakes LLMs really make.

Errors make the output unusable and are sent back to the model (bounded re-asks); warnings are kept
on the note and shown at review. Thresholds come from the corpus: its GPT summaries run about
100-400 characters and are at least ~80% Japanese script.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from autonote.schema import KEY_POINTS_MAX, KEY_POINTS_MIN, LLMNoteOutput, Paper
from autonote.textnorm import japanese_share, numbers_in

SUMMARY_HARD_MIN, SUMMARY_HARD_MAX = 60, 600  # outside: an error, re-ask
SUMMARY_SOFT_MIN, SUMMARY_SOFT_MAX = 100, 400  # outside: a warning
JAPANESE_MIN_SHARE = 0.5  # below: not Japanese (an error)
JAPANESE_SOFT_SHARE = 0.7  # below: a warning (heavy English)
KEY_POINT_MIN_SHARE = 0.2  # key points are short and full of method names; flag only near-English ones
KEY_POINT_MAX_CHARS = 200


@dataclass
class CheckResult:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_japanese(
    label: str,
    text: str,
    result: CheckResult,
    minimum: float = JAPANESE_MIN_SHARE,
    soft: float = JAPANESE_SOFT_SHARE,
) -> None:
    share = japanese_share(text)
    if share < minimum:
        result.errors.append(
            f"{label} is not Japanese ({share:.0%} Japanese characters); write it in Japanese"
        )
    elif share < soft:
        result.warnings.append(f"{label} is only {share:.0%} Japanese characters")


def check_output(
    output: LLMNoteOutput,
    paper: Paper,
    *,
    vocabulary: AbstractSet[str],
    tag_candidates: list[str],
    related_candidates: list[str],
    translate: bool,
) -> CheckResult:
    result = CheckResult()
    summary = output.summary.strip()
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

    points = [p.strip() for p in output.key_points if p.strip()]
    if not KEY_POINTS_MIN <= len(points) <= KEY_POINTS_MAX:
        result.errors.append(f"{len(points)} key points; give {KEY_POINTS_MIN}-{KEY_POINTS_MAX}")
    for index, point in enumerate(points, 1):
        check_japanese(f"key point {index}", point, result, KEY_POINT_MIN_SHARE, KEY_POINT_MIN_SHARE)
        if len(point) > KEY_POINT_MAX_CHARS:
            result.errors.append(
                f"key point {index} has {len(point)} characters; keep each under {KEY_POINT_MAX_CHARS}"
            )

    allowed_tags = set(tag_candidates)
    for tag in output.tags:
        if tag not in allowed_tags:
            result.errors.append(
                f"tag {tag!r} is not one of the candidate tags; choose from the list or put it in new_tags"
            )
    if tag_candidates and not output.tags and not output.new_tags:
        result.errors.append("no tags chosen; choose at least one candidate tag")
    for tag in output.new_tags:
        if tag in vocabulary:
            continue  # an existing tag listed as new is harmless; it is merged into tags
        result.warnings.append(f"new tag #{tag} is not in the vocabulary")
    allowed_related = set(related_candidates)
    for note_id in output.related_ids:
        if note_id not in allowed_related:
            result.errors.append(f"related id {note_id!r} is not one of the candidate notes")

    if translate:
        if not output.translation or not output.translation.strip():
            result.errors.append("translation is missing")
        else:
            check_japanese("translation", output.translation, result)

    source_numbers = numbers_in(f"{paper.title} {paper.abstract}")
    invented = sorted(
        n for n in numbers_in(" ".join([summary, *points])) if n not in source_numbers and not _is_trivial(n)
    )
    if invented:
        result.warnings.append("numbers not found in the abstract: " + ", ".join(invented))
    return result


def _is_trivial(number: str) -> bool:
    """Single digits are ordinals and counts ("3つの手法") more often than claims."""
    return len(number) == 1
