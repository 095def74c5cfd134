"""autonote's listing side by side with the corpus's real pages in ../shared/seeds (skipped without it).

Seed 002 is a tag page of the corpus site as scraped text; ../shared/corpus/paper_notes_dev.xml holds
some of the same notes in the site's export. Where a note is in both, the page autonote renders from
the imported note must read like the real page.
"""

from __future__ import annotations

import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autonote.corpus.importers import read_notes
from autonote.notes.format import render_note
from autonote.publish.listing import render_listing
from autonote.publish.records import record_from_note
from autonote.schema import Note
from autonote.titleline import parse_title_line
from tests.conftest import SHARED

SEEDS = SHARED / "seeds"
DEV_XML = SHARED / "corpus" / "paper_notes_dev.xml"
pytestmark = pytest.mark.skipif(not (SEEDS.is_dir() and DEV_XML.is_file()), reason="../shared is absent")


def tag_page() -> str:
    return next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")


def seed_entries(text: str) -> list[tuple[str, str]]:
    """(issue date, title line) of each entry of the scraped tag page, in page order, once each (the
    scrape repeats its first entries)."""
    found: list[tuple[str, str]] = []
    parts = re.split(r"Issue Date: (\d{4}-\d{2}-\d{2})", text)
    for date, body in zip(parts[1::2], parts[2::2], strict=True):
        # The labels run into their text ("Summary強化学習…"); a title's own "Summary Quality" does not.
        title = re.split(r"\s*(?:Summary|Comment)(?=\S)|\s+#|\n", body.strip(), maxsplit=1)[0]
        if (date, title) not in found:
            found.append((date, " ".join(title.split())))
    return found


def nfkc(text: str) -> str:
    """The scrape shows full-width punctuation as half-width (（ → (, ？ → ?)."""
    return unicodedata.normalize("NFKC", text)


def imported(title_part: str) -> Note:
    notes = [note for _, note in read_notes("paper-notes-xml", [DEV_XML]).notes if title_part in note.title]
    assert len(notes) == 1
    return notes[0]


class _Text(HTMLParser):
    """An HTML page's text, a line per block or ``<br>``, as the seeds were scraped."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"div", "p", "h1", "h2", "article", "li"}:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data.replace("\n", ""))


def entry_lines(html: str) -> list[str]:
    """The text of the page's (one) entry."""
    parser = _Text()
    parser.feed(re.search(r"<article.*?</article>", html, re.S).group(0))
    return [line for line in "".join(parser.parts).split("\n") if line.strip()]


def test_tag_page_order_is_reproduced_paper_year_first_then_issue_date(run, tmp_path: Path) -> None:
    entries = seed_entries(tag_page())
    assert len(entries) == 87
    notes = tmp_path / "corpus" / "notes"
    notes.mkdir(parents=True)
    for number, (date, line) in enumerate(entries, start=1):
        parsed = parse_title_line(line)
        note = Note(
            id=f"issue-{number}",
            title=parsed.title if parsed else line,
            authors=[parsed.first_author] + (["et al."] if parsed.more_authors else []) if parsed else [],
            venue=parsed.venue if parsed else "",
            issue_date=date,
            tags=["action_wanted"],
        )
        (notes / f"{note.id}.md").write_text(render_note(note), encoding="utf-8")
    result = run("list", "--tag", "action_wanted", "--format", "json", "--corpus", str(tmp_path / "corpus"))
    assert result.exit_code == 0, result.stderr
    ours = [(entry["issue_date"], entry["id"]) for entry in json.loads(result.stdout)]
    # Same-day entries of the same year may come in any order; the dates, read down the page, may not.
    assert [date for date, _ in ours] == [date for date, _ in entries]
    assert (
        ours[-1][1] == f"issue-{len(entries)}"
    )  # the one entry with no venue year ("…, Anthropic, 2025.08")


def test_a_real_comment_reads_line_for_line_as_on_the_tag_page() -> None:
    page = tag_page().splitlines()
    note = imported("Motif 2.6B Technical Report")
    html = render_listing([record_from_note(note)], "html", "action_wanted")
    ours = entry_lines(html)
    assert "Issue Date: 2025-08-25" in ours
    assert "[Paper Note] Motif 2.6B Technical Report, Junghwan Lim+, arXiv'25" in ours  # as on the page
    summary = next(line for line in page if line.startswith("SummaryMotif-2.6B"))
    assert summary in ours  # the label and the summary, as the page shows them
    # The comment from its list on: links to other notes shown by their number, nesting flattened to
    # ・ lines, the image gone. (Its first lines differ only where the export differs from the page:
    # the tweet is twitter.com there, x.com on the page; see the README.)
    start = page.index("・1466")
    expected = page[start : page.index("DatasetのMixtureの比率などについても記述されている。", start) + 1]
    got = ours[ours.index("・1466") : ours.index("・1466") + len(expected)]
    assert [nfkc(line) for line in got] == [nfkc(line) for line in expected]
    assert "image" not in "".join(ours).lower().replace("imagenet", "")


def test_a_second_real_comment_ends_as_on_the_tag_page() -> None:
    page = tag_page().splitlines()
    note = imported("Longformer: The Long-Document Transformer")
    ours = entry_lines(render_listing([record_from_note(note)], "html", "action_wanted"))
    # The page's last two comment lines; the export's comment grew a paragraph since the page was saved.
    at = page.index("OpenLLMの文脈だと、Mistralに採用されて話題になったかも?")
    assert [nfkc(line) for line in ours[-2:]] == [nfkc(page[at]), nfkc(page[at + 1][: len("・1309")])]
