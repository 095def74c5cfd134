"""Benchmark the web page reader (sources/web_page.py, trafilatura) against the peers considered.

For each page in fixtures/web/ (written after real company blogs, WordPress with a Yoast JSON-LD
graph, Medium, Hatena, Next.js, a bare page and a Shift_JIS page) it checks the title, the
title line's "<Author or Org>" and the month against the expected values, and times the reading.
The peers, when installed, get the smallest glue code that maps their output to the same fields
(a PageMetadata), and every reader's fields go through the same byline rule (sources/web.py):

- extruct (OpenGraph + JSON-LD + microdata, no <title>/<meta name>, no dates parsed, no main text);
- metadata_parser (OpenGraph, Twitter, <meta>, <title>; no JSON-LD, no main text).

Import times are measured in fresh interpreters (median of 5). Run:
`.venv/bin/python bench/web_metadata_bench.py` (peers: `pip install extruct metadata_parser`).

Then, per kind of page where title lines went wrong on real pages (fixtures/web/kinds/, one or two
pages per kind, expected values in its expected.toml), how many fields are right with this checkout
("after") and, with `--baseline SRC` (another checkout's src/, e.g. main's), with that one
("before"), read in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("AUTONOTE_BENCH_SRC") or str(REPO / "src"))

from autonote.sources.web import abstract_of, byline  # noqa: E402
from autonote.sources.web_page import PageMetadata, read_page  # noqa: E402

PAGES = REPO / "fixtures" / "web"
KINDS = PAGES / "kinds"
# page: (URL it lives at, title, "<Author or Org>", "yyyy-mm" or "")
EXPECTED = {
    "company-blog.html": ("https://allenai.org/blog/loopback-hybrid",
                          "Introducing Loopback Hybrid: mixing attention and recurrence for cheaper long context", "Ai2", "2026-03"),
    "wordpress-ja.html": ("https://tech.preferred.jp/ja/blog/rewarmup-cpt/",
                          "大規模言語モデルの継続事前学習における学習率の再ウォームアップの検証", "Preferred Networks", "2025-12"),
    "medium-post.html": ("https://medium.com/@zoe.abernathy/mha-vs-mqa-vs-gqa-vs-mla-c6cf8285bbec",
                         "MHA vs MQA vs GQA vs MLA", "Zoe Abernathy", "2024-07"),
    "hatena-ja.html": ("https://joisino.hatenablog.com/entry/extrapolation", "アテンションの外挿はなぜ難しいのか", "Joisino", "2025-09"),
    "nextjs-jsonld.html": ("https://www.liquid.example/blog/lfm3-8b",
                           "LFM3-8B: an efficient on-device mixture of experts", "Liquid AI", "2025-10"),
    "minimal.html": ("https://www.evanmiller.example/attention-is-off-by-one.html", "Attention Is Off By One", "evanmiller.example", "2023-07"),
    "shift-jis.html": ("http://memo.example.jp/dic.html", "形態素解析器の辞書を自作する", "鈴木 一郎", "2019-04"),
}  # fmt: skip


def autonote_reader(body: bytes, url: str) -> PageMetadata:
    return read_page(body, url)


def _date(text: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def extruct_reader(body: bytes, url: str) -> PageMetadata:
    """extruct's OpenGraph and JSON-LD, mapped by the smallest glue (JSON-LD @graph and author lists
    included; no <title>, <meta name> or main text: extruct does not read them)."""
    import extruct

    data = extruct.extract(body, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True)
    og = (data.get("opengraph") or [{}])[0]
    items = []
    for item in data.get("json-ld") or []:
        items.extend(item.get("@graph", [item]) if isinstance(item, dict) else [])
    article = next((i for i in items if isinstance(i, dict) and "headline" in i), {})
    authors = article.get("author") or []
    authors = authors if isinstance(authors, list) else [authors]
    people = [a.get("name", "") for a in authors if isinstance(a, dict) and a.get("@type") != "Organization"]
    orgs = [a.get("name", "") for a in authors if isinstance(a, dict) and a.get("@type") == "Organization"]
    publisher = article.get("publisher") if isinstance(article.get("publisher"), dict) else {}
    return PageMetadata(
        title=og.get("og:title") or article.get("headline") or "",
        authors=[p for p in people if p],
        organisation=(orgs[0] if orgs else "") or publisher.get("name", ""),
        site_name=og.get("og:site_name", ""),
        published=_date(og.get("article:published_time") or article.get("datePublished") or ""),
        canonical_url=og.get("og:url", ""),
    )


def metadata_parser_reader(body: bytes, url: str) -> PageMetadata:
    """metadata_parser's OpenGraph, Twitter, <meta> and <title> fields (it reads no JSON-LD)."""
    import metadata_parser

    result = metadata_parser.MetadataParser(
        html=body.decode("utf-8", "replace"), search_head_only=False
    ).parsed_result

    def first(field: str, strategy: list[str]) -> str:
        try:
            found = result.get_metadatas(field, strategy=strategy)
        except Exception:
            return ""
        values = found if isinstance(found, list) else next(iter((found or {}).values()), [])
        return values[0] if values else ""

    return PageMetadata(
        title=first("title", ["og", "page"]),
        authors=[a for a in [first("author", ["meta"])] if a],
        site_name=first("site_name", ["og"]),
        published=_date(first("article:published_time", ["og", "meta"])),
        canonical_url=first("url", ["og"]),
    )


def import_time(module: str) -> float | None:
    if importlib.util.find_spec(module) is None:
        return None
    runs = []
    for _ in range(5):
        code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        runs.append(float(done.stdout))
    return statistics.median(runs)


def main() -> None:
    readers = {"autonote (trafilatura)": ("trafilatura", autonote_reader)}
    for name, module, reader in (("extruct", "extruct", extruct_reader), ("metadata_parser", "metadata_parser", metadata_parser_reader)):  # fmt: skip
        if importlib.util.find_spec(module) is not None:
            readers[name] = (module, reader)
    print(f"{len(EXPECTED)} pages; right = title / byline / month equal to the expected value\n")
    print("| reader | import (s) | title right | byline right | month right | ms per page (median) |")
    print("|---|---:|---:|---:|---:|---:|")
    details = {}
    for name, (module, reader) in readers.items():
        right = [0, 0, 0]
        times, got = [], {}
        for page, (url, *expected) in EXPECTED.items():
            body = (PAGES / page).read_bytes()
            reader(body, url)  # warm up (lazy imports, caches)
            started = time.perf_counter()
            page_data = reader(body, url)
            times.append((time.perf_counter() - started) * 1000)
            month = page_data.published.isoformat()[:7] if page_data.published else ""
            values = (page_data.title, byline(page_data, url), month)
            got[page] = values
            for i, (value, want) in enumerate(zip(values, expected, strict=True)):
                right[i] += value == want
        details[name] = got
        seconds = import_time(module)
        shown = f"{seconds:.3f}" if seconds is not None else "n/a"
        print(f"| {name} | {shown} | {right[0]}/{len(EXPECTED)} | {right[1]}/{len(EXPECTED)} |"
              f" {right[2]}/{len(EXPECTED)} | {statistics.median(times):.1f} |")  # fmt: skip
    print("\nWhat each reader gave (title | byline | month):")
    for page in EXPECTED:
        print(f"- {page}")
        for name, got in details.items():
            print(f"    {name}: {json.dumps(got[page], ensure_ascii=False)}")


def kinds_read() -> dict[str, list[str]]:
    """(title, byline, month, whether it has text to summarise) of each page in fixtures/web/kinds/, read by the checkout on sys.path."""
    got = {}
    for page in tomllib.loads((KINDS / "expected.toml").read_text(encoding="utf-8")):
        body = (KINDS / f"{page}.html").read_bytes()
        url = re.search(rb'rel="canonical" href="([^"]+)"', body)[1].decode()  # type: ignore[index]
        data = read_page(body, url)
        month = data.published.isoformat()[:7] if data.published else ""
        got[page] = [data.title, byline(data, url), month, "text" if abstract_of(data) else "no text"]
    return got


def kinds_table(baseline: str | None) -> None:
    expected = tomllib.loads((KINDS / "expected.toml").read_text(encoding="utf-8"))
    runs = {"after": kinds_read()}
    if baseline:
        env = {**os.environ, "AUTONOTE_BENCH_SRC": str(Path(baseline).resolve())}
        done = subprocess.run(
            [sys.executable, __file__, "--emit-kinds"], env=env, capture_output=True, text=True, check=True
        )
        runs = {"before": json.loads(done.stdout), **runs}
    print(
        f"\n{len(expected)} pages by kind; right = title, byline and month all equal to the expected values, and text to summarise\n"
    )
    print("| kind | pages | " + " | ".join(f"{run} right" for run in runs) + " |")
    print("|---|---:|" + "---:|" * len(runs))
    kinds: dict[str, list[str]] = {}
    for page, want in expected.items():
        kinds.setdefault(want["kind"], []).append(page)
    totals = dict.fromkeys(runs, 0)
    for kind, pages in kinds.items():
        cells = []
        for run, got in runs.items():
            right = sum(
                got[p] == [*(expected[p][f] for f in ("title", "byline", "month")), "text"] for p in pages
            )
            totals[run] += right
            cells.append(f"{right}/{len(pages)}")
        print(f"| {kind} | {len(pages)} | " + " | ".join(cells) + " |")
    print(f"| all | {len(expected)} | " + " | ".join(f"{totals[r]}/{len(expected)}" for r in runs) + " |")
    if "before" in runs:
        print("\nWhat changed (before → after):")
        for page in expected:
            if runs["before"][page] != runs["after"][page]:
                print(f"- {page}: {json.dumps(runs['before'][page], ensure_ascii=False)} → "
                      f"{json.dumps(runs['after'][page], ensure_ascii=False)}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="another checkout's src/ to compare with (the 'before' column)")
    parser.add_argument("--emit-kinds", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emit_kinds:
        print(json.dumps(kinds_read()))
    else:
        main()
        kinds_table(args.baseline)
