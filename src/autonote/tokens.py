"""Token counting with tiktoken, and an honest approximation where no encoding can be loaded.

tiktoken downloads its encodings on first use; offline, point ``TIKTOKEN_CACHE_DIR`` at a folder
holding them. Without one, counts are estimated (and flagged as estimates) instead of failing.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any

_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


class TokenCounter:
    """Counts and trims text in the tokens of a model's encoding."""

    def __init__(self, encoding: Any | None) -> None:
        self._encoding = encoding

    @property
    def exact(self) -> bool:
        return self._encoding is not None

    def count(self, text: str) -> int:
        if self._encoding is not None:
            return len(self._encoding.encode(text, disallowed_special=()))
        return approximate_tokens(text)

    def count_messages(self, messages: list[dict[str, str]]) -> int:
        """Tokens of a chat prompt: content plus the few tokens each message adds."""
        return sum(self.count(m["content"]) + 4 for m in messages) + 3

    def trim(self, text: str, max_tokens: int) -> str:
        """The longest prefix of ``text`` within ``max_tokens``, cut at a whole character.

        Prefers a sentence or word boundary when one lies in the last fifth of the kept text.
        """
        if self.count(text) <= max_tokens:
            return text
        low, high = 0, len(text)
        while low < high:  # binary search on characters, so a cut never splits a character
            mid = (low + high + 1) // 2
            if self.count(text[:mid]) <= max_tokens:
                low = mid
            else:
                high = mid - 1
        kept = text[:low]
        boundary = max(kept.rfind(". "), kept.rfind("。"), kept.rfind(" "))
        if boundary >= int(len(kept) * 0.8):
            kept = kept[: boundary + 1]
        return kept.rstrip() + " …"


def approximate_tokens(text: str) -> int:
    """About one token per CJK character and one per four other characters."""
    wide = len(_WIDE.findall(text))
    return wide + (len(text) - wide + 3) // 4


@lru_cache(maxsize=8)
def counter_for(model: str) -> TokenCounter:
    try:
        import tiktoken

        try:
            encoding = tiktoken.encoding_for_model(model)
        except KeyError:
            encoding = tiktoken.get_encoding("o200k_base")
    except Exception as exc:  # no network and no cache, or tiktoken missing: degrade, don't fail
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        print(
            f"autonote: warning: tiktoken encoding unavailable ({reason}); token counts are "
            "approximate. Set TIKTOKEN_CACHE_DIR to a folder holding the encodings.",
            file=sys.stderr,
        )
        encoding = None
    return TokenCounter(encoding)
