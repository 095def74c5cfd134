"""Talking to an OpenAI-compatible server: structured output with re-asks, usage and cost."""
