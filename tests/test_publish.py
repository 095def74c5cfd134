"""`autonote list` and `autonote digest`: layouts, selection, bad input, and the HTML page in a
real headless Chromium (skipped where Chromium and its driver are not installed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autonote.notes.format import parse_note, render_note
from autonote.publish.common import excerpt, link_kind, tag_slug


def test_excerpt_cuts_at_a_sentence_or_character_boundary() -> None:
    assert excerpt("短いコメント。") == "短いコメント。"
    long = (
        "最初の文です。" * 8
        + "二つ目の文はとても長くてなかなか終わらないのでどこかで切られることになるはずだ" * 3
    )
    cut = excerpt(long)
    assert cut.endswith("。...") and len(cut) <= 103
    no_stop = "あ" * 250
    assert excerpt(no_stop) == "あ" * 100 + "..."
    linked = "元ポスト:\n\n" + "https://twitter.com/x/status/" + "1" * 120
    assert excerpt(linked) == "元ポスト:..."  # a URL is never cut in the middle
    assert excerpt("[読みやすい解説](https://example.org/a) がある。") == "読みやすい解説 がある。"


def test_link_kinds() -> None:
    assert link_kind("https://arxiv.org/abs/2504.07086") == "論文"
    assert link_kind("https://aclanthology.org/2023.acl-long.1.pdf") == "論文"
    assert link_kind("https://huggingface.co/papers/2504.07086") == "論文"
    assert link_kind("https://github.com/owner/repo") == "oss"
    assert link_kind("https://huggingface.co/org/model") == "oss"
    assert link_kind("https://example.com/blog/post") == "blog"
    assert link_kind(None) == "blog"
    assert tag_slug("Selected Papers/Blogs") != tag_slug("Selected Papers-Blogs")


def test_list_markdown_is_newest_first_in_the_listing_layout(run, corpus: Path) -> None:
    result = run("list", "--tag", "ReinforcementLearning", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    dates = [
        line.removeprefix("Issue Date: ") for line in text.splitlines() if line.startswith("Issue Date: ")
    ]
    assert dates == sorted(dates, reverse=True) and len(dates) == 3
    assert "[[Paper Note] DeepSeek-R1: Incentivizing Reasoning Capability" in text
    assert "](https://arxiv.org/abs/2501.12948)" in text
    assert "GPT Summary- 教師ありの準備学習なしに" in text and "Comment: GRPOの初出。" in text


def test_list_json_and_selection(run, corpus: Path) -> None:
    data = json.loads(run("list", "--format", "json", "--since", "2023-01-01", "--until", "2023-12-31",
                          "--corpus", str(corpus)).stdout)  # fmt: skip
    assert [d["issue_date"] for d in data] == sorted((d["issue_date"] for d in data), reverse=True)
    assert all("2023-01-01" <= d["issue_date"] <= "2023-12-31" for d in data) and len(data) == 3
    assert set(data[0]) == {
        "id",
        "title",
        "title_line",
        "link",
        "issue_date",
        "tags",
        "summary",
        "comment_excerpt",
    }


def test_empty_selection_and_unknown_tag(run, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "page.md"
    empty = run("list", "--since", "2030-01-01", "-o", str(out), "--corpus", str(corpus))
    assert empty.exit_code == 0 and "no note matches the selection; nothing written" in empty.stderr
    assert not out.exists()
    unknown = run("list", "--tag", "reinforcementlearning", "--corpus", str(corpus))
    assert unknown.exit_code == 2
    assert "no note has the tag #reinforcementlearning; closest: #ReinforcementLearning" in unknown.stderr
    nothing = run("digest", "--since", "2026-01-01", "--corpus", str(corpus))
    assert nothing.exit_code == 0 and "nothing written" in nothing.stderr
    assert run("digest", "--since", "someday", "--corpus", str(corpus)).exit_code == 2
    assert (
        run("digest", "--since", "2030-01-01", "--until", "2029-01-01", "--corpus", str(corpus)).exit_code
        == 2
    )
    assert run("list", "--all-tags", "--corpus", str(corpus)).exit_code == 2


def test_per_tag_pages(run, corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    result = run("list", "--all-tags", "-o", str(folder), "--format", "html", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    rl = (folder / f"{tag_slug('ReinforcementLearning')}.html").read_text(encoding="utf-8")
    assert rl.count('<article class="entry"') == 3
    assert f'href="{tag_slug("NLP")}.html"' in rl  # tag links go to the other tags' pages
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert f'href="{tag_slug("ReinforcementLearning")}.html">#ReinforcementLearning</a> (3)' in index
    markdown = run("list", "--all-tags", "-o", str(tmp_path / "md"), "--corpus", str(corpus))
    assert markdown.exit_code == 0 and (tmp_path / "md" / "index.md").exists()


def test_digest_groups_by_kind_with_key_points_or_summary_sentences(run, corpus: Path) -> None:
    path = corpus / "notes" / "arxiv-2503.20783.md"
    note = parse_note(path.read_text(encoding="utf-8"))
    path.write_text(
        render_note(note.model_copy(update={"key_points": [], "url": "https://example.com/post"})),
        encoding="utf-8",
    )
    result = run("digest", "--since", "2025-01-01", "--until", "2025-12-31", "--presenter", "Hana Sato",
                 "--corpus", str(corpus))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith("# 2025-12-31 機械学習勉強会\n\n## 今週のTOPIC\n@Hana Sato\n")
    assert (
        "- [論文] DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement Learning" in text
    )
    assert "## [blog] Understanding R1-Zero-Like Training: A Critical Perspective" in text
    # No key points: the summary's sentences are the bullets.
    section = text.split("## [blog] Understanding R1-Zero-Like Training")[1]
    assert "- R1-Zero型の学習をベースモデルと強化学習の二つの観点から分析。" in section
    assert "- ルールベース報酬のRLのみで推論能力が創発" in text  # key points of DeepSeek-R1
    html = run("digest", "--since", "2025-01-01", "--format", "html", "--corpus", str(corpus)).stdout
    assert "<h2>今週のTOPIC</h2>" in html and '<span class="kind">[論文]</span>' in html


def test_templates_are_user_overridable(run, corpus: Path) -> None:
    import os

    override = Path(os.environ["AUTONOTE_CONFIG_DIR"]) / "prompts" / "render"
    override.mkdir(parents=True)
    (override / "digest.md.j2").write_text(
        "{# version: mine.1 #}\n{% for t in topics %}* {{ t.title }}\n{% endfor %}"
    )
    result = run("digest", "--since", "2025-01-01", "--corpus", str(corpus))
    assert result.stdout.splitlines()[0].startswith("* ")


def test_html_escapes_note_text(run, corpus: Path, tmp_path: Path) -> None:
    path = corpus / "notes" / "arxiv-1706.03762.md"
    note = parse_note(path.read_text(encoding="utf-8"))
    path.write_text(
        render_note(note.model_copy(update={"comment": "<script>alert(1)</script> & more"})), encoding="utf-8"
    )
    html = run("list", "--format", "html", "--corpus", str(corpus)).stdout
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    )


# -- a real browser ------------------------------------------------------------------------------

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="chromium and chromedriver are not installed")
def test_the_html_page_in_headless_chromium(run, corpus: Path, tmp_path: Path) -> None:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    page = tmp_path / "notes.html"
    assert run("list", "--format", "html", "-o", str(page), "--corpus", str(corpus)).exit_code == 0
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,800"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        driver.get(page.as_uri())
        assert driver.title == "Paper notes"
        articles = driver.find_elements(By.CSS_SELECTOR, "article.entry")
        assert len(articles) == 9 and articles[0].is_displayed()
        assert "Issue Date: 2025-03-30" in articles[0].text  # newest first, rendered
        link = articles[0].find_element(By.LINK_TEXT, "#ReinforcementLearning")
        target = link.get_attribute("href").split("#", 1)[1]
        driver.execute_script("window.scrollTo(0, 0)")
        link.click()
        assert driver.execute_script("return location.hash") == f"#{target}"
        top = driver.execute_script(f"return document.getElementById('{target}').getBoundingClientRect().top")
        assert abs(top) < 5  # the page jumped to the tag's section
        section = driver.find_element(By.ID, target)
        assert section.find_element(By.TAG_NAME, "h2").text == "#ReinforcementLearning"
        assert len(section.find_elements(By.TAG_NAME, "li")) == 3
        section.find_elements(By.TAG_NAME, "a")[0].click()  # and back to a note from the section
        assert driver.execute_script("return location.hash").startswith("#note-")
    finally:
        driver.quit()
