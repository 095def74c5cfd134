"""`autonote draft` and `autonote suggest` end to end with the OpenReview, ACL Anthology and web
sources, against loopback servers (LLM and offline)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from autonote.notes.format import parse_note
from tests.loopback import AclAnthologyServer, ArxivServer, OpenAIServer, OpenReviewServer, WebServer
from tests.test_draft_cli import drafts

REPO = Path(__file__).resolve().parents[1]
FORUM = "https://openreview.net/forum?id=Xq7pL2mN4a&noteId=U0uk5A0VlT#discussion"


def test_draft_from_an_openreview_url(
    run, corpus: Path, openreview_server: OpenReviewServer, llm_server: OpenAIServer
) -> None:
    result = run("draft", FORUM, "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == corpus / "drafts" / "openreview-Xq7pL2mN4a.md"
    note = parse_note(path.read_text(encoding="utf-8"))
    assert (
        note.kind == "paper"
        and note.venue == "ICLR'25"
        and note.url == "https://openreview.net/forum?id=Xq7pL2mN4a"
    )
    assert note.title_line.startswith("[Paper Note] Sparse Memory Routing") and note.title_line.endswith(
        "ICLR'25, 2024.10"
    )
    assert "ICLR" in note.tags  # the venue's tag, as for arXiv papers, when the corpus uses it
    prompt = llm_server.chat_requests()[0]["messages"][-1]["content"]
    assert "Sparse Memory Routing" in prompt and "retrieval heads" in prompt


def test_draft_from_an_acl_anthology_id_offline(run, corpus: Path, acl_server: AclAnthologyServer) -> None:
    result = run("draft", "2023.findings-emnlp.998", "--corpus", str(corpus), "--json")
    assert result.exit_code == 0, result.stderr
    note = json.loads(result.stdout)
    assert note["id"] == "acl-2023.findings-emnlp.998" and note["venue"] == "EMNLP'23 Findings"
    assert note["provenance"]["generator"] == "offline" and "offline mode" in result.stderr
    assert drafts(corpus) == ["acl-2023.findings-emnlp.998.md"]


def test_offline_draft_of_a_blog_post(run, corpus: Path, web_server: WebServer) -> None:
    result = run(
        "draft", web_server.page_url("company-blog.html") + "?utm_source=twitter", "--corpus", str(corpus)
    )
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.parent == corpus / "drafts" and path.name.startswith("web-127.0.0.1-")
    text = path.read_text(encoding="utf-8")
    note = parse_note(text)
    assert note.kind == "blog" and note.venue == "" and note.url == web_server.page_url("company-blog.html")
    assert note.title_line == (
        "Introducing Loopback Hybrid: mixing attention and recurrence for cheaper long context, Ai2, 2026.03"
    )
    assert f"\n{note.title_line}\n" in text and "[Paper Note] Introducing" not in text
    assert note.summary.startswith("Loopback Hybrid interleaves") and 3 <= len(note.key_points) <= 6
    assert note.provenance is not None and note.provenance.generator == "offline"


def test_a_blog_post_drafted_again_is_refused_without_fetching_it_again(
    run, corpus: Path, web_server: WebServer
) -> None:
    url = web_server.page_url("medium-post.html")
    assert run("draft", url, "--corpus", str(corpus)).exit_code == 0
    again = run("draft", url + "#comments", "--corpus", str(corpus))
    assert again.exit_code == 1 and "a draft already exists" in again.stderr
    assert len(web_server.requests) == 1  # the second came from the cache
    forced = run("draft", url, "--corpus", str(corpus), "--force", "--refresh")
    assert forced.exit_code == 0 and len(web_server.requests) == 2


def test_one_draft_command_takes_every_kind_of_input(
    run,
    corpus: Path,
    arxiv_server: ArxivServer,
    openreview_server: OpenReviewServer,
    acl_server: AclAnthologyServer,
    web_server: WebServer,
    llm_server: OpenAIServer,
) -> None:
    inputs = ["2410.99902", FORUM, "P19-1999", web_server.page_url("hatena-ja.html"), "P02-1099"]
    result = run("draft", *inputs, "--corpus", str(corpus))
    assert result.exit_code == 1  # the anthology paper without an abstract
    errors = [line for line in result.stderr.splitlines() if line.startswith("autonote: error:")]
    assert len(errors) == 1 and "P02-1099" in errors[0] and "no abstract" in errors[0]
    names = drafts(corpus)
    assert {"arxiv-2410.99902.md", "openreview-Xq7pL2mN4a.md", "acl-P19-1999.md"} <= set(names)
    blog = [n for n in names if n.startswith("web-")]
    assert len(blog) == 1
    note = parse_note((corpus / "drafts" / blog[0]).read_text(encoding="utf-8"))
    assert note.kind == "blog" and note.title_line == "アテンションの外挿はなぜ難しいのか, Joisino, 2025.09"


def test_suggest_takes_every_source(
    run,
    corpus: Path,
    openreview_server: OpenReviewServer,
    acl_server: AclAnthologyServer,
    web_server: WebServer,
) -> None:
    for source, first_line in [
        (FORUM, "[Paper Note] Sparse Memory Routing"),
        ("https://aclanthology.org/2023.acl-long.999/", "[Paper Note] Retrieval Heads Are Few"),
        (web_server.page_url("medium-post.html"), "MHA vs MQA vs GQA vs MLA, Zoe Abernathy, 2024.07"),
    ]:
        result = run("suggest", source, "--corpus", str(corpus))
        assert result.exit_code == 0, result.stderr
        assert result.stdout.splitlines()[0].startswith(first_line)
    data = json.loads(
        run("suggest", web_server.page_url("company-blog.html"), "--corpus", str(corpus), "--json").stdout
    )
    assert "Attention" in {t["tag"] for t in data["tags"]} and data["related"]


def test_an_unsupported_url_names_what_is_supported(run, corpus: Path) -> None:
    result = run("draft", "gopher://example.org/1/papers", "--corpus", str(corpus))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert (
        "not a supported URL (supported: arXiv ids" in result.stderr
        and "any other http(s) web page" in result.stderr
    )


def test_a_blog_post_is_drafted_by_a_separate_process_from_a_local_server(
    corpus: Path, web_server: WebServer, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTONOTE_", "OPENAI_"))}
    env |= {"AUTONOTE_CONFIG_DIR": str(tmp_path / "config"), "AUTONOTE_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "autonote", "draft", web_server.page_url("nextjs-jsonld.html"), "--corpus", str(corpus), "--stdout"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "LFM3-8B: an efficient on-device mixture of experts, Liquid AI, 2025.10" in done.stdout
    assert "kind: blog" in done.stdout
