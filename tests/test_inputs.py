"""Recognising what the user pasted: arXiv ids (new and old style) and paper URLs."""

import pytest

from autonote.errors import UsageError
from autonote.sources.arxiv_ids import arxiv_id_from_url, parse_arxiv_id
from autonote.sources.registry import parse_input


@pytest.mark.parametrize(
    ("text", "base", "version"),
    [
        ("2504.07086", "2504.07086", None),
        ("2504.07086v2", "2504.07086", 2),
        ("arXiv:2504.07086", "2504.07086", None),
        ("1412.1234", "1412.1234", None),
        ("cs/0112017", "cs/0112017", None),
        ("hep-th/9901001v1", "hep-th/9901001", 1),
        ("math.GT/0309136", "math.GT/0309136", None),
    ],
)
def test_well_formed_ids_parse_to_base_and_version(text: str, base: str, version: int | None) -> None:
    parsed = parse_arxiv_id(text)
    assert parsed is not None
    assert (parsed.base, parsed.version) == (base, version)


@pytest.mark.parametrize(
    "text", ["2513.01234", "1412.12345", "1501.1234", "0612.1234", "abc", "2504.070", "cs/01"]
)
def test_malformed_ids_are_rejected(text: str) -> None:
    assert parse_arxiv_id(text) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2504.07086v2", "2504.07086v2"),
        ("https://arxiv.org/pdf/2504.07086.pdf", "2504.07086"),
        ("https://arxiv.org/pdf/2504.07086v1", "2504.07086v1"),
        ("https://arxiv.org/html/2504.07086v1/", "2504.07086v1"),
        ("http://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://www.alphaxiv.org/abs/2504.07086", "2504.07086"),
        ("https://www.alphaxiv.org/overview/2504.07086v3", "2504.07086v3"),
        ("https://huggingface.co/papers/2504.07086", "2504.07086"),
        ("arxiv.org/abs/cs/0112017v2", "cs/0112017v2"),
    ],
)
def test_paper_urls_yield_their_arxiv_id(url: str, expected: str) -> None:
    assert str(arxiv_id_from_url(url)) == expected


def test_url_of_another_site_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"example\.com"):
        parse_input("https://example.com/papers/2504.07086")


def test_an_existing_file_is_a_local_abstract(tmp_path) -> None:
    path = tmp_path / "abstract.txt"
    path.write_text("Title: T\n\nAbstract.")
    ref = parse_input(str(path))
    assert (ref.source, ref.key) == ("local", str(path))


def test_garbage_names_what_was_wrong() -> None:
    with pytest.raises(UsageError, match=r"'not-a-paper'"):
        parse_input("not-a-paper")
