"""Token counting with tiktoken, and an honest approximation where no encoding can be loaded.

tiktoken downloads its encodings on first use; offline, point ``TIKTOKEN_CACHE_DIR`` at a folder
holding them. Without one, counts are estimated (and flagged as estimates) instead of failing.

Loading an encoding costs most of a second, so it is loaded only when a count is really needed:
:meth:`TokenCounter.fits` first tries a cheap upper bound (no token is shorter than one byte of
UTF-8), and a draft whose prompt is clearly within budget never loads it; the counts it reports
then come from the server's usage.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any

_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


_UNLOADED = object()
MESSAGE_OVERHEAD, PROMPT_OVERHEAD = 4, 3  # tokens a chat message / a prompt adds to its contents


class TokenCounter:
    """Counts and trims text in the tokens of a model's encoding (loaded on first need)."""

    def __init__(self, encoding: Any | None = _UNLOADED, model: str = "gpt-4o-mini") -> None:
        self._encoding = encoding
        self.model = model

    @property
    def encoding(self) -> Any | None:
        if self._encoding is _UNLOADED:
            self._encoding = _load_encoding(self.model)
        return self._encoding

    @property
    def loaded(self) -> bool:
        return self._encoding is not _UNLOADED

    @property
    def exact(self) -> bool:
        return self.encoding is not None

    @property
    def exact_if_used(self) -> bool:
        """False only when counts were made and had to be estimated (no encoding)."""
        return not self.loaded or self._encoding is not None

    def count(self, text: str) -> int:
        encoding = self.encoding
        if encoding is not None:
            return len(encoding.encode(text, disallowed_special=()))
        return approximate_tokens(text)

    def count_messages(self, messages: list[dict[str, str]]) -> int:
        """Tokens of a chat prompt: content plus the few tokens each message adds."""
        return sum(self.count(m["content"]) + MESSAGE_OVERHEAD for m in messages) + PROMPT_OVERHEAD

    def fits(self, messages: list[dict[str, str]], budget: int) -> bool:
        """Whether the prompt is within ``budget`` tokens: decided by an upper bound (UTF-8 bytes)
        when it can be, so the encoding is loaded only for prompts near or over the budget."""
        bound = sum(len(m["content"].encode()) + MESSAGE_OVERHEAD for m in messages) + PROMPT_OVERHEAD
        return bound <= budget or self.count_messages(messages) <= budget

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
    """The counter for a model's encoding (loaded when it is first needed)."""
    return TokenCounter(model=model)


@lru_cache(maxsize=8)
def _load_encoding(model: str) -> Any | None:
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
    return encoding
