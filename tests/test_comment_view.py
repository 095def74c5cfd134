"""The owner's comment as the corpus's pages show it: examples, and properties over any text
(never a traceback, nothing lost from plain text, no unsafe link)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autonote.errors import UsageError
from autonote.publish.comment_view import (
    Segment,
    comment_html,
    demote_headings,
    display_lines,
    lines_html,
    lines_markdown,
    split_urls,
)
from autonote.publish.digest import parse_member
from autonote.publish.records import venue_year


def texts(lines) -> list[str]:
    return ["".join(segment.text for segment in line) for line in lines]


def test_lists_become_kana_dot_lines_and_images_go() -> None:
    comment = (
        "元ポスト:\n\nhttps://x.com/a/status/1?s=46&t=Q\n\n- アーキテクチャ\n  - [Differential Transformer]"
        "(https://github.com/o/r/issues/1466)\n    - 8B token学習するごとに\n1. 一つ目\n2. 二つ目\n\n"
        "> 引用\n\n![image](https://example.org/a.png)\n\n**太字** と `code` と *斜体*"
    )
    lines = display_lines(comment, lambda number, href: number == 1466)
    assert texts(lines) == [
        "元ポスト:", "https://x.com/a/status/1?s=46&t=Q", "・アーキテクチャ", "・1466", "・8B token学習するごとに",
        "1. 一つ目", "2. 二つ目", ">引用", "太字 と code と 斜体",
    ]  # fmt: skip
    assert lines[1] == (Segment("https://x.com/a/status/1?s=46&t=Q", "https://x.com/a/status/1?s=46&t=Q"),)
    assert lines[3] == (Segment("・"), Segment("1466", "https://github.com/o/r/issues/1466"))


def test_a_link_to_an_issue_that_is_not_a_note_keeps_its_text() -> None:
    lines = display_lines("[vLLMのバグ](https://github.com/vllm-project/vllm/issues/42)")
    assert lines == ((Segment("vLLMのバグ", "https://github.com/vllm-project/vllm/issues/42"),),)


def test_a_url_ends_where_the_japanese_text_starts() -> None:
    assert split_urls("元ポスト:https://x.com/a?s=46&t=Y6-Q学習データ。") == [
        Segment("元ポスト:"), Segment("https://x.com/a?s=46&t=Y6-Q", "https://x.com/a?s=46&t=Y6-Q"),
        Segment("学習データ。"),
    ]  # fmt: skip
    assert (
        split_urls("(see https://en.wikipedia.org/wiki/A_(b)).")[1].href
        == "https://en.wikipedia.org/wiki/A_(b)"
    )
    assert split_urls("see https://example.org/a.")[1].href == "https://example.org/a"


def test_lines_render_as_markdown_and_escaped_html() -> None:
    lines = (
        (Segment("a<b"), Segment("x", "https://e.org/?a=1&b=2")),
        (Segment("https://u.org", "https://u.org"),),
    )
    assert lines_markdown(lines) == "a<b[x](https://e.org/?a=1&b=2)  \n<https://u.org>"
    assert lines_html(lines) == (
        'a&lt;b<a href="https://e.org/?a=1&amp;b=2">x</a><br>\n<a href="https://u.org">https://u.org</a>'
    )


def test_comment_html_moves_headings_down_links_bare_urls_and_escapes_raw_html() -> None:
    html = comment_html("# 概要\n\n## 詳細\n\n見て: https://e.org/x 。<b>太</b>", heading_level=3)
    assert "<h3>概要</h3>" in html and "<h4>詳細</h4>" in html
    assert '<a href="https://e.org/x">https://e.org/x</a>' in html and "&lt;b&gt;太&lt;/b&gt;" in html
    unsafe = comment_html("[x](javascript:alert(1)) <javascript:alert(1)>")
    assert "href" not in unsafe and "[x](javascript:alert(1))" in unsafe  # shown as text, never a link


def test_demote_headings_leaves_fenced_code_alone() -> None:
    text = "# A\n\n```\n# not a heading\n```\n\n## B\n#hashtag"
    assert demote_headings(text, 4) == "#### A\n\n```\n# not a heading\n```\n\n##### B\n#hashtag"
    assert demote_headings("### already low", 2) == "### already low"


def test_venue_years() -> None:
    import datetime as dt

    today = dt.date(2026, 5, 1)
    assert venue_year("ACL'23 Findings", today) == 2023 and venue_year("ESWC'98", today) == 1998
    assert venue_year("arXiv'27", today) == 2027 and venue_year("", today) is None
    assert venue_year("Nature Machine Intelligence'25", today) == 2025


def test_member_option() -> None:
    assert parse_member("Ryosuke Fukazawa (qluto)=../team/qluto") == ("Ryosuke Fukazawa (qluto)",
                                                                       __import__("pathlib").Path("../team/qluto"))  # fmt: skip
    for bad in ("nobody", "=corpus", "name=", "  = "):
        with pytest.raises(UsageError, match="expected NAME=CORPUS"):
            parse_member(bad)


# -- properties --------------------------------------------------------------------------------------

ANY_TEXT = st.lists(
    st.sampled_from([*"ab あ漢-*_[]()<>!#`~>|\\\n\t:/.&=?1 ", "https://", "javascript:", "](", "![", "    "]),
    max_size=80,
).map("".join)
UNSAFE = ("javascript:", "vbscript:", "file:", "data:")


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_display_lines_never_fail_and_never_link_unsafely(text: str) -> None:
    lines = display_lines(text, lambda number, href: True)
    assert isinstance(lines, tuple)
    for line in lines:
        assert line and all(isinstance(segment, Segment) for segment in line)
        joined = "".join(segment.text for segment in line)
        assert joined.strip() and "\n" not in joined
        for segment in line:
            assert not (segment.href or "").strip().lower().startswith(UNSAFE)
    html = lines_html(lines) + comment_html(text)
    assert not any(f'href="{scheme}' in html.lower() for scheme in UNSAFE)


WORD = st.text(alphabet=st.sampled_from(list("abcXYZあいう漢字")), min_size=1, max_size=8)
PLAIN_LINE = st.lists(WORD, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(PLAIN_LINE, st.just("")), max_size=12))
def test_plain_text_keeps_every_line_and_drops_only_blank_ones(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert texts(display_lines(text)) == [line for line in lines if line]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_split_urls_loses_nothing(text: str) -> None:
    segments = split_urls(text)
    assert "".join(segment.text for segment in segments) == text
    for segment in segments:
        assert segment.href is None or (segment.href == segment.text and segment.href.startswith("http"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_member_option_is_parsed_or_refused_in_one_line(value: str) -> None:
    try:
        name, folder = parse_member(value)
    except UsageError as exc:
        assert "\n" not in str(exc).strip("\n") or "\n" in value
    else:
        assert name and str(folder) and "=" in value
