"""The seam between autonote and an LLM provider.

A provider is what ``draft`` and ``regen`` need from a chat server, whatever speaks it:

- the request body for a :class:`~autonote.llm.structured.ChatRequest` (one home for the model,
  temperature, completion limit and response format, shared by direct calls and batch lines);
- the structured-output rungs it may try (:class:`~autonote.llm.formats.FormatMemory`);
- chat completion, blocking and async, under one retry policy (:mod:`autonote.llm.faults`);
- the response cache (``remember`` an answer that validated).

The first and only provider is :class:`~autonote.llm.providers.openai_compatible.OpenAICompatible`
(OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp, llama-cpp-python). ``llm/client.py`` (blocking) and
``llm/aclient.py`` (async) are its two transports; they keep their names and exports. Token counting
(:mod:`autonote.tokens`), prices (:mod:`autonote.llm.cost`) and the Batch API
(:mod:`autonote.llm.batch`) stay where they are; a second provider would add its own here.
"""

from __future__ import annotations

from typing import Any, Protocol

from autonote.llm.formats import FormatMemory
from autonote.llm.structured import ChatReply, ChatRequest


class ChatProvider(Protocol):
    """What the structured-output drivers and regen need from a chat provider."""

    model: str
    formats: FormatMemory

    def body(self, request: ChatRequest) -> dict[str, Any]: ...

    def remember(self, request: ChatRequest, reply: ChatReply) -> None: ...
