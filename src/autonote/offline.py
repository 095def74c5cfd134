"""A complete draft without an LLM: metadata, corpus tags and related notes, extractive key points.

Used when no API key or base URL is configured (or with --offline). The summary is a few sentences
of the abstract itself and is labelled as not LLM-generated.
"""

from __future__ import annotations

import re

from autonote.rules import KEY_POINTS_MAX, KEY_POINTS_MIN, SUMMARY_SOFT_MAX
from autonote.schema import Paper
from autonote.textnorm import split_sentences

_SIGNAL = re.compile(
    r"\b(we (?:propose|present|introduce|show|find|demonstrate|develop|release)|our|results?|outperform\w*|"
    r"improv\w*|achiev\w*|state-of-the-art|significant\w*|novel)\b|\d",
    re.I,
)
SUMMARY_MAX_CHARS = SUMMARY_SOFT_MAX


def extractive_summary(paper: Paper) -> str:
    """Leading sentences of the abstract, up to about 400 characters."""
    summary = ""
    for sentence in split_sentences(paper.abstract):
        if summary and len(summary) + len(sentence) + 1 > SUMMARY_MAX_CHARS:
            break
        summary = f"{summary} {sentence}".strip()
    return summary[: SUMMARY_MAX_CHARS * 2]


def extractive_key_points(paper: Paper) -> list[str]:
    """3-6 abstract sentences that carry the contribution and results, in their original order."""
    sentences = split_sentences(paper.abstract)
    if len(sentences) <= KEY_POINTS_MIN:
        return sentences
    scored = sorted(
        range(len(sentences)),
        key=lambda i: (-len(_SIGNAL.findall(sentences[i])), i),
    )
    keep = sorted(scored[: min(KEY_POINTS_MAX, max(KEY_POINTS_MIN, len(sentences) // 2))])
    return [sentences[i] for i in keep]
