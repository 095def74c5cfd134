"""What a command imports that it has no use for: each is a new process importing the real modules.

These are not timing tests: they name modules that a command must not load (each costs start-up
time, measured in ``bench/draft_bench.py`` and ``bench/corpus_bench.py``)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest


def loaded_after(code: str, *names: str) -> list[str]:
    """Which of ``names`` are in ``sys.modules`` after ``code`` ran in a new interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(n for n in {names!r} if n in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.split()


@pytest.mark.skipif(importlib.util.find_spec("trio") is None, reason="trio is not installed")
def test_building_the_llm_client_leaves_trio_unimported_and_importable() -> None:
    code = (
        "from autonote.llm.client import ChatClient\n"
        "client = ChatClient(model='m', api_key='k', base_url='http://127.0.0.1:9/v1', timeout=5,"
        " max_retries=0, temperature=0, max_completion_tokens=10)\n"
        "client._openai()  # the openai client a request is sent through"
    )
    assert loaded_after(code, "trio", "attr", "outcome") == []
    assert loaded_after(code + "\nimport trio", "trio") == ["trio"]  # refused only while httpcore loads


def test_an_arxiv_id_is_recognised_without_loading_the_other_sources() -> None:
    code = "from autonote.sources.registry import parse_input\nassert parse_input('2504.07086').source == 'arxiv'"
    others = ("autonote.sources.web", "autonote.sources.github_repo", "autonote.sources.local")
    assert loaded_after(code, "autonote.sources.arxiv", *others) == ["autonote.sources.arxiv"]


def test_a_file_is_still_offered_to_every_source_in_order(tmp_path) -> None:
    abstract = tmp_path / "abstract.txt"
    abstract.write_text("An abstract.\n", encoding="utf-8")
    code = f"from autonote.sources.registry import parse_input\nassert parse_input({str(abstract)!r}).source == 'local'"
    names = ("autonote.sources.arxiv", "autonote.sources.web", "autonote.sources.local")
    assert loaded_after(code, *names) == list(names)
