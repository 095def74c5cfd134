"""`autonote list` and `autonote digest`: layouts, selection, bad input, file modes, and the HTML page
in a real headless Chromium (skipped where Chromium and its driver are not installed)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from autonote.notes.format import parse_note, render_note
from autonote.publish.common import link_kind, tag_slug
from autonote.schema import Note, Origin, RelatedNote
from tests.loopback import FIXTURES

XML = FIXTURES / "exports" / "paper-notes-sample.xml"


def edit(corpus: Path, note_id: str, **changes: object) -> Note:
    """Change a note of the corpus on disk (as its owner would) and return the new note."""
    path = corpus / "notes" / f"{note_id}.md"
    note = with_changes(parse_note(path.read_text(encoding="utf-8")), **changes)
    path.write_text(render_note(note), encoding="utf-8")
    return note


def with_changes(note: Note, **changes: object) -> Note:
    return Note.model_validate({**note.model_dump(), **changes})  # validated: dates may be given as text


def entries_of(markdown: str) -> list[str]:
    """A markdown listing's entries (the page title dropped)."""
    body = markdown.split("\n\n", 1)[1] if markdown.startswith("# ") else markdown
    return [part.strip("\n") for part in body.split("\n---\n") if "Issue Date: " in part]


def test_link_kinds() -> None:
    assert link_kind("https://arxiv.org/abs/2504.07086") == "論文"
    assert link_kind("https://aclanthology.org/2023.acl-long.1.pdf") == "論文"
    assert link_kind("https://huggingface.co/papers/2504.07086") == "論文"
    assert link_kind("https://github.com/owner/repo") == "oss"
    assert link_kind("https://huggingface.co/org/model") == "oss"
    assert link_kind("https://example.com/blog/post") == "blog"
    assert link_kind(None) == "blog"
    assert tag_slug("Selected Papers/Blogs") != tag_slug("Selected Papers-Blogs")


def test_added_by_round_trips_through_the_front_matter_and_is_absent_when_unset(corpus: Path) -> None:
    path = corpus / "notes" / "arxiv-2212.10560.md"
    before = path.read_text(encoding="utf-8")
    assert "added_by" not in before and parse_note(before).added_by is None
    note = edit(corpus, "arxiv-2212.10560", added_by="Hana Sato: 佐藤")
    text = path.read_text(encoding="utf-8")
    assert 'added_by: "Hana Sato: 佐藤"\n' in text
    assert parse_note(text) == note and note.added_by == "Hana Sato: 佐藤"
    assert render_note(note.model_copy(update={"added_by": None})) == before


# -- list: the tag pages' layout ------------------------------------------------------------------


def test_a_tag_page_is_headed_by_its_tag_and_ordered_by_paper_year_then_issue_date(run, corpus: Path) -> None:
    # An older paper noted recently still comes after the newer papers, as on the corpus's pages.
    edit(corpus, "arxiv-1706.03762", tags=["NLP", "ReinforcementLearning"], issue_date="2025-12-01")
    result = run("list", "--tag", "ReinforcementLearning", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith("# ReinforcementLearning\n")
    dates = re.findall(r"^Issue Date: (\S+)$", text, re.M)
    assert dates == ["2025-03-30", "2025-01-25", "2024-02-20", "2025-12-01"]  # '25, '25, '24, then '17
    first = entries_of(text)[0]
    assert "[[Paper Note] Understanding R1-Zero-Like Training: A Critical Perspective, Zichen Liu+, " \
           "arXiv'25, 2025.03](https://arxiv.org/abs/2503.20783)" in first  # fmt: skip
    assert "**Summary** R1-Zero型の学習を" in first and "GPT Summary" not in text


def test_tag_page_comment_is_whole_with_related_notes_by_number_and_urls_as_links(
    run, tmp_path: Path
) -> None:
    corpus = tmp_path / "imported"
    corpus.mkdir()
    assert run("import", "paper-notes-xml", str(XML), "--corpus", str(corpus)).exit_code == 1  # 3 skipped
    markdown = run("list", "--corpus", str(corpus)).stdout
    routers = next(e for e in entries_of(markdown) if "Sparse Routers" in e)
    # The whole comment, a line per paragraph or item; the link to note 9102 shown by its number;
    # the image dropped; the bare tweet URL a link.
    assert routers.split("**Comment** ", 1)[1].strip() == (
        "元ポスト:  \n<https://twitter.com/someone/status/123456789?s=46&t=AbCdEf>  \n"
        "ルーティングの偏りは以前から指摘されていた。  \n"
        "・[9102](https://github.com/example-owner/paper_notes/issues/9102)  \n"
        "実装は シンプル で R&D 向き。"
    )
    html = run("list", "--format", "html", "--corpus", str(corpus)).stdout
    article = re.search(r'<article class="entry" id="note-issue-9101">.*?</article>', html, re.S).group(0)
    assert '<p class="comment"><span class="label">Comment</span>元ポスト:<br>\n' in article
    assert '<a href="https://twitter.com/someone/status/123456789?s=46&amp;t=AbCdEf">' in article
    assert '・<a href="https://github.com/example-owner/paper_notes/issues/9102">9102</a>' in article
    assert "R&amp;D" in article and "<img" not in article
    assert '<span class="label">Summary</span>MoE言語モデル' in article


def test_an_imported_title_without_paper_note_is_shown_as_the_corpus_wrote_it(run, tmp_path: Path) -> None:
    export = tmp_path / "export.xml"
    blog = (
        "Persona vectors: Monitoring and controlling character traits in language models, Anthropic, 2025.08"
    )
    export.write_text(
        XML.read_text(encoding="utf-8").replace("[Paper Note] A Blog Post Without Venue Or Date", blog),
        encoding="utf-8",
    )
    corpus = tmp_path / "imported"
    corpus.mkdir()
    run("import", "paper-notes-xml", str(export), "--corpus", str(corpus))
    entry = next(e for e in entries_of(run("list", "--corpus", str(corpus)).stdout) if "Persona" in e)
    assert f"[{blog}](https://github.com/example-owner/paper_notes/issues/9104)" in entry
    data = json.loads(run("list", "--format", "json", "--corpus", str(corpus)).stdout)
    assert [d["title_line"] for d in data if d["id"] == "issue-9104"] == [blog]


def test_related_notes_not_linked_from_the_comment_follow_it_under_kanren(run, corpus: Path) -> None:
    edit(corpus, "arxiv-2402.03300", related=[
        RelatedNote(id="issue-1466", title_line="[Paper Note] Differential Transformer, Tianzhu Ye+, ICLR'25",
                    url="https://github.com/o/paper_notes/issues/1466"),
        RelatedNote(id="arxiv-2501.12948", title_line="[Paper Note] DeepSeek-R1, DeepSeek-AI, arXiv'25",
                    url="https://arxiv.org/abs/2501.12948"),
    ], comment="GRPOの初出。\n\n- [Differential Transformer](https://github.com/o/paper_notes/issues/1466)")  # fmt: skip
    listing = run("list", "--corpus", str(corpus)).stdout
    entry = next(e for e in entries_of(listing) if "Issue Date: 2024-02-20" in e)
    comment = entry.split("**Comment** ", 1)[1].strip()
    assert comment == (
        "GRPOの初出。  \n・[1466](https://github.com/o/paper_notes/issues/1466)  \n関連:  \n"
        "・[[Paper Note] DeepSeek-R1, DeepSeek-AI, arXiv'25](https://arxiv.org/abs/2501.12948)"
    )  # 1466 is in the comment already; DeepSeek-R1 is not an issue, so it shows by its title line
    in_depth = run("list", "--layout", "in-depth", "--corpus", str(corpus)).stdout
    entry = next(e for e in entries_of(in_depth) if "Issue Date: 2024-02-20" in e)
    assert (
        "関連:\n- [[Paper Note] DeepSeek-R1, DeepSeek-AI, arXiv'25](https://arxiv.org/abs/2501.12948)"
        in entry
    )
    assert entry.count("Differential Transformer") == 1


def test_in_depth_layout_has_its_links_gpt_summary_and_the_full_comment(run, corpus: Path) -> None:
    edit(corpus, "arxiv-2212.10560", comment="Alpacaなどでも利用されている。\n\n# 概要\n\n- 手順\n  - 生成\n  - 選別\n\n"
         "![image](https://example.org/fig.png)\n\n<script>alert(1)</script>",
         origin=Origin(importer="paper-notes-xml", issue=520, url="https://github.com/o/paper_notes/issues/520",
                       entry_hash="0"))  # fmt: skip
    markdown = run(
        "list", "--layout", "in-depth", "--tag", "InstructionTuning", "--corpus", str(corpus)
    ).stdout
    entry = entries_of(markdown)[0]
    assert entry.startswith(
        "[Paper/Blog Link](https://arxiv.org/abs/2212.10560) [My Issue](https://github.com/o/paper_notes/issues/520)"
    )
    assert "\nGPT Summary- " in entry and "**Summary**" not in entry
    assert "Comment\n\nAlpacaなどでも利用されている。\n\n### 概要\n\n- 手順\n  - 生成\n  - 選別" in entry
    html = run("list", "--layout", "in-depth", "--format", "html", "--tag", "InstructionTuning",
               "--corpus", str(corpus)).stdout  # fmt: skip
    assert '<a href="https://github.com/o/paper_notes/issues/520">My Issue</a>' in html
    assert "<h3>概要</h3>" in html and "<li>手順\n<ul>\n<li>生成</li>" in html
    assert '<img src="https://example.org/fig.png" alt="image"' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_offline_summary_is_not_labelled_gpt(run, corpus: Path) -> None:
    from autonote.schema import Provenance

    note = parse_note((corpus / "notes" / "arxiv-2212.10560.md").read_text(encoding="utf-8"))
    edit(corpus, note.id, provenance=Provenance(generator="offline", prompt_version="offline.1",
                                                created="2023-03-30T00:00:00"))  # fmt: skip
    text = run("list", "--layout", "in-depth", "--tag", "InstructionTuning", "--corpus", str(corpus)).stdout
    entry = next(e for e in entries_of(text) if "Issue Date: 2023-03-30" in e)
    assert "Extractive Summary (offline, not LLM-generated)- " in entry and "GPT Summary-" not in entry
    assert "**Summary** " in run("list", "--tag", "InstructionTuning", "--corpus", str(corpus)).stdout


def test_list_json_and_selection(run, corpus: Path) -> None:
    data = json.loads(run("list", "--format", "json", "--since", "2023-01-01", "--until", "2023-12-31",
                          "--corpus", str(corpus)).stdout)  # fmt: skip
    assert all("2023-01-01" <= d["issue_date"] <= "2023-12-31" for d in data) and len(data) == 3
    assert set(data[0]) == {"id", "title", "title_line", "link", "url", "issue_date", "tags", "summary",
                            "comment", "related"}  # fmt: skip
    everything = json.loads(run("list", "--format", "json", "--corpus", str(corpus)).stdout)
    r1 = next(d for d in everything if d["id"] == "arxiv-2501.12948")
    assert r1["comment"] == "関連: GRPOについてはDeepSeekMathを参照。"
    assert r1["related"] == [{"id": "arxiv-2402.03300", "url": "https://arxiv.org/abs/2402.03300", "title_line":
        "[Paper Note] DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models, "
        "Zhihong Shao+, arXiv'24, 2024.02"}]  # fmt: skip


def test_empty_selection_and_bad_input(run, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "page.md"
    empty = run("list", "--since", "2030-01-01", "-o", str(out), "--corpus", str(corpus))
    assert empty.exit_code == 0 and "no note matches the selection; nothing written" in empty.stderr
    assert not out.exists()
    site = tmp_path / "site"
    empty = run("list", "--all-tags", "--since", "2030-01-01", "-o", str(site), "--corpus", str(corpus))
    assert empty.exit_code == 0 and "nothing written" in empty.stderr and not site.exists()
    folded = run("list", "--tag", "reinforcementlearning", "--format", "json", "--corpus", str(corpus))
    assert folded.exit_code == 0 and json.loads(folded.stdout)  # tags match ignoring case
    unknown = run("list", "--tag", "ReinforcementLearnig", "--corpus", str(corpus))
    assert unknown.exit_code == 2
    assert (
        "--tag ReinforcementLearnig: no note has this tag (did you mean #ReinforcementLearning"
        in unknown.stderr
    )
    assert run("list", "--all-tags", "--corpus", str(corpus)).exit_code == 2
    out.write_text("a file, not a folder")
    onto_file = run("list", "--all-tags", "-o", str(out), "--corpus", str(corpus))
    assert (
        onto_file.exit_code == 2 and "is a file" in onto_file.stderr and "Traceback" not in onto_file.stderr
    )


def test_unsafe_links_in_a_note_never_become_hrefs(run, corpus: Path) -> None:
    edit(corpus, "arxiv-1706.03762", url="javascript:alert(1)",
         comment="[click](javascript:alert(2)) and <a href='javascript:alert(3)'>x</a>")  # fmt: skip
    for layout in ("tag", "in-depth"):
        html = run("list", "--format", "html", "--layout", layout, "--corpus", str(corpus)).stdout
        assert 'href="javascript' not in html.lower(), layout


def test_per_tag_pages(run, corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "site" / "notes"
    result = run("list", "--all-tags", "-o", str(folder), "--format", "html", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    rl = (folder / f"{tag_slug('ReinforcementLearning')}.html").read_text(encoding="utf-8")
    assert rl.count('<article class="entry"') == 3
    assert "<title>ReinforcementLearning</title>" in rl and "<h1>ReinforcementLearning</h1>" in rl
    assert f'href="{tag_slug("NLP")}.html"' in rl  # tag links go to the other tags' pages
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert f'href="{tag_slug("ReinforcementLearning")}.html">#ReinforcementLearning</a> (3)' in index
    markdown = run("list", "--all-tags", "-o", str(tmp_path / "md"), "--corpus", str(corpus))
    page = (tmp_path / "md" / f"{tag_slug('Mathematics')}.md").read_text(encoding="utf-8")
    assert markdown.exit_code == 0 and page.startswith("# Mathematics\n\n[all tags](index.md)\n")
    index_md = (tmp_path / "md" / "index.md").read_text(encoding="utf-8")
    assert f"- [#Mathematics]({tag_slug('Mathematics')}.md) (1)" in index_md
    run("list", "--all-tags", "-o", str(tmp_path / "json"), "--format", "json", "--corpus", str(corpus))
    math = json.loads((tmp_path / "json" / f"{tag_slug('Mathematics')}.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in math] == ["arxiv-2402.03300"]


def test_pages_get_the_umask_modes_so_a_static_web_server_can_serve_them(
    run, corpus: Path, tmp_path: Path
) -> None:
    old = os.umask(0o022)
    try:
        folder = tmp_path / "www" / "site"
        assert run("list", "--all-tags", "-o", str(folder), "--format", "html",
                   "--corpus", str(corpus)).exit_code == 0  # fmt: skip
    finally:
        os.umask(old)
    folders = [tmp_path / "www", folder]
    files = list(folder.iterdir())
    assert len(files) > 10
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in folders} == {"0o755"}
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {"0o644"}


def test_folders_made_for_pages_honour_the_umask(run, corpus: Path, tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        folder = tmp_path / "a" / "b"
        assert run("list", "--all-tags", "-o", str(folder), "--corpus", str(corpus)).exit_code == 0
    finally:
        os.umask(old)
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in (tmp_path / "a", folder)} == {"0o750"}


def test_templates_are_user_overridable(run, corpus: Path) -> None:
    override = Path(os.environ["AUTONOTE_CONFIG_DIR"]) / "prompts" / "render"
    override.mkdir(parents=True)
    (override / "listing-entry.md.j2").write_text("{# version: mine.1 #}\n* {{ entry.title_line }}\n")
    (override / "digest.md.j2").write_text(
        "{# version: mine.1 #}\n{% for g in groups %}{% for t in g.topics %}* {{ t.title }}\n{% endfor %}{% endfor %}"
    )
    listing = run("list", "--tag", "Mathematics", "--corpus", str(corpus)).stdout
    assert listing == "# Mathematics\n\n* [Paper Note] DeepSeekMath: Pushing the Limits of Mathematical " \
                      "Reasoning in Open Language Models, Zhihong Shao+, arXiv'24, 2024.02\n"  # fmt: skip
    result = run("digest", "--since", "2025-01-01", "--corpus", str(corpus))
    assert result.stdout.splitlines()[0].startswith("* ")


# -- digest -----------------------------------------------------------------------------------------


def make_member_corpus(tmp_path: Path, name: str, notes: list[Note]) -> Path:
    root = tmp_path / name
    (root / "notes").mkdir(parents=True)
    for note in notes:
        (root / "notes" / f"{note.id}.md").write_text(render_note(note), encoding="utf-8")
    return root


def test_digest_items_each_presented_by_their_member_with_comment_or_key_points(run, corpus: Path,
                                                                                tmp_path: Path) -> None:  # fmt: skip
    edit(corpus, "arxiv-2503.20783", key_points=[], url="https://example.com/post")
    edit(corpus, "arxiv-2501.12948", comment="- 学習方法: 二段階\n  - Stage1. 弱教師あり\n    - 大きなバッチ\n"
         "- 結果\n\n![fig](https://example.org/a.png)")  # fmt: skip
    shun = parse_note((corpus / "notes" / "arxiv-2402.03300.md").read_text(encoding="utf-8"))
    member = make_member_corpus(tmp_path, "shun", [
        with_changes(shun, id="oss-nanovlm", title="huggingface/nanoVLM", issue_date="2025-05-30",
                     url="https://github.com/huggingface/nanoVLM", comment=""),
        with_changes(shun, id="blog-tips", title="PyTorchにおける動的リンク", issue_date="2025-05-31",
                     url="https://huggingface.co/blog/tips", comment="pipのPyTorchは固定。", added_by="Takumi Iida",
                     kind="blog"),  # by its URL alone (huggingface.co) it would be [oss]
    ])  # fmt: skip
    result = run("digest", "--since", "2025-01-01", "--until", "2025-05-31", "--date", "2025-06-03",
                 "--presenter", "Hana Sato", "--member", f"Shun Ito={member}", "--corpus", str(corpus))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith("# 2025-06-03 機械学習勉強会\n\n## 今週のTOPIC\n\n@Hana Sato\n\n### [論文] "
                           "[DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement Learning]"
                           "(https://arxiv.org/abs/2501.12948)\n\n- 学習方法: 二段階\n  - Stage1. 弱教師あり\n"
                           "    - 大きなバッチ\n- 結果\n\n![fig](https://example.org/a.png)\n")  # fmt: skip
    # No comment and no key points: the summary's sentences.
    blog = text.split("### [blog] [Understanding R1-Zero-Like Training: A Critical Perspective]"
                      "(https://example.com/post)\n\n")[1]  # fmt: skip
    assert blog.startswith("- R1-Zero型の学習をベースモデルと強化学習の二つの観点から分析。\n- ")
    # One @ line per run of items by the same member; a note naming who added it goes to that member.
    assert text.count("@Hana Sato") == 1 and text.count("@Shun Ito") == 1 and text.count("@Takumi Iida") == 1
    shun_part = text.split("@Shun Ito\n\n")[1].split("@Takumi Iida")[0]
    assert shun_part.startswith("### [oss] [huggingface/nanoVLM](https://github.com/huggingface/nanoVLM)\n")
    assert "- ルールベース報酬" not in shun_part  # its comment is empty: key points of DeepSeekMath
    assert (
        "### [blog] [PyTorchにおける動的リンク](https://huggingface.co/blog/tips)\n\npipのPyTorchは固定。"
        in text
    )
    assert "メインTOPIC" not in text
    html = run("digest", "--since", "2025-01-01", "--format", "html", "--presenter", "Hana Sato",
               "--corpus", str(corpus)).stdout  # fmt: skip
    assert '<p class="presenter">@Hana Sato</p>' in html
    assert "<li>学習方法: 二段階\n<ul>\n<li>Stage1. 弱教師あり\n<ul>\n<li>大きなバッチ</li>" in html
    assert '<h3><span class="kind">[論文]</span> <a href="https://arxiv.org/abs/2501.12948">' in html


def test_digest_main_topic_has_the_full_comment_and_is_not_listed_twice(run, corpus: Path) -> None:
    edit(corpus, "arxiv-2501.12948", comment="# 概要\n\n- RLは汎化する\n\n## 実験\n\n詳細は本文。")
    result = run("digest", "--since", "2025-01-01", "--main", "arxiv-2501.12948", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    topics, main = result.stdout.split("## メインTOPIC\n")
    assert "DeepSeek-R1" not in topics and "Understanding R1-Zero" in topics
    assert main.startswith("\n### [DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement "
                           "Learning](https://arxiv.org/abs/2501.12948)\n\narXiv'25\n\nDeepSeek-AI\n\n"
                           "#### 概要\n\n- RLは汎化する\n\n##### 実験\n\n詳細は本文。")  # fmt: skip
    older = run("digest", "--since", "2025-03-01", "--main", "arxiv-1706.03762", "--corpus", str(corpus))
    assert "### [Attention Is All You Need](https://arxiv.org/abs/1706.03762)" in older.stdout  # any note


def test_digest_bad_input(run, corpus: Path, tmp_path: Path) -> None:
    nothing = run("digest", "--since", "2026-01-01", "--corpus", str(corpus))
    assert nothing.exit_code == 0 and "nothing written" in nothing.stderr
    assert run("digest", "--since", "someday", "--corpus", str(corpus)).exit_code == 2
    backwards = run("digest", "--since", "2030-01-01", "--until", "2029-01-01", "--corpus", str(corpus))
    assert backwards.exit_code == 2
    no_name = run("digest", "--since", "2025-01-01", "--member", str(corpus), "--corpus", str(corpus))
    assert no_name.exit_code == 2 and "expected NAME=CORPUS" in no_name.stderr
    missing = run("digest", "--since", "2025-01-01", "--member", f"Hana={tmp_path / 'nope'}")
    assert missing.exit_code == 2 and "is not a corpus folder" in missing.stderr
    unknown = run("digest", "--since", "2025-01-01", "--main", "arxiv-0000.00000", "--corpus", str(corpus))
    assert unknown.exit_code == 2 and "no note arxiv-0000.00000" in unknown.stderr
    twin = tmp_path / "twin"
    shutil.copytree(corpus, twin, ignore=shutil.ignore_patterns(".autonote"))
    both = run("digest", "--since", "2025-01-01", "--main", "arxiv-2501.12948", "--member", f"Ann={corpus}",
               "--member", f"Bo={twin}")  # fmt: skip
    assert both.exit_code == 2 and "more than one corpus (Ann, Bo): use MEMBER:ID" in both.stderr
    chosen = run("digest", "--since", "2025-01-01", "--main", "Bo:arxiv-2501.12948", "--member", f"Ann={corpus}",
                 "--member", f"Bo={twin}")  # fmt: skip
    assert (
        chosen.exit_code == 0 and chosen.stdout.count("DeepSeek-R1: Incentivizing") == 2
    )  # Ann's item, Bo's main
    for result in (no_name, missing, unknown, both):
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


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
        assert "Issue Date: 2025-03-30" in articles[0].text  # newest paper year first, rendered
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
