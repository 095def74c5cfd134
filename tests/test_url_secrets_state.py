"""A token in the URL of a fetched page is used for the fetch but written nowhere: not in the note
(tests/test_fetch_policy_cli.py) and not in the state database, whose page cache used to keep the
URL as its key and in the cached paper."""

from __future__ import annotations

from pathlib import Path

from tests.loopback import WebServer

TOKEN = "abcdef0123456789SECRETVALUE"


def every_byte(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_token_in_a_pages_url_is_not_written_into_the_corpus_or_its_state(
    run, corpus: Path, web_server: WebServer
) -> None:
    url = web_server.page_url("minimal.html") + f"?access_token={TOKEN}&lang=en"
    result = run("draft", url, "--offline", "--corpus", str(corpus))
    assert result.exit_code == 0, result.stderr
    assert TOKEN in web_server.requests[0]["path"]  # the page needed it
    written = [name for name, data in every_byte(corpus).items() if TOKEN.encode() in data]
    assert written == [] and TOKEN not in result.stdout + result.stderr

    again = run("draft", url, "--offline", "--force", "--corpus", str(corpus))  # the cache answers
    assert again.exit_code == 0, again.stderr
    assert len(web_server.requests) == 1
    assert [name for name, data in every_byte(corpus).items() if TOKEN.encode() in data] == []


def test_a_page_without_secrets_keeps_its_url_as_the_cache_key(
    run, corpus: Path, web_server: WebServer
) -> None:
    import sqlite3

    url = web_server.page_url("minimal.html")
    assert run("draft", url, "--offline", "--corpus", str(corpus)).exit_code == 0
    with sqlite3.connect(corpus / ".autonote" / "state.sqlite") as db:
        keys = [key for (key,) in db.execute("SELECT key FROM source_cache WHERE source = 'web'")]
    assert keys == [url]
