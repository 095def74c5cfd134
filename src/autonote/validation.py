"""Checks on what an LLM returns, tuned to the mistakes LLMs really make.

Errors make the output unusable and are sent back to the model (bounded re-asks); warnings are kept
on the note and shown at review. The thresholds are the note rules in :mod:`autonote.rules`; what is
checked here beyond them is what only an LLM answer can get wrong: tags and related ids outside the
candidates it was given, a missing translation.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from autonote.rules import (
    CheckResult,
    check_invented_numbers,
    check_japanese,
    check_key_points,
    check_summary,
    tag_shape_problem,
)
from autonote.schema import LLMNoteOutput, Paper

__all__ = ["CheckResult", "check_output"]


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
    check_summary(output.summary, result)
    check_key_points(output.key_points, result)

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
        problem = tag_shape_problem(tag)
        if problem:
            result.warnings.append(f"new tag {tag!r} dropped: it {problem}")
        else:
            result.warnings.append(f"new tag #{tag} is not in the vocabulary")
    allowed_related = set(related_candidates)
    for note_id in output.related_ids:
        if note_id not in allowed_related:
            result.errors.append(f"related id {note_id!r} is not one of the candidate notes")

    if translate:
        translation = getattr(output, "translation", None)  # a field of the per-request model only
        if not translation or not translation.strip():
            result.errors.append("translation is missing")
        else:
            check_japanese("translation", translation, result)

    points = [p.strip() for p in output.key_points if p.strip()]
    check_invented_numbers([output.summary.strip(), *points], f"{paper.title} {paper.abstract}", result)
    return result
