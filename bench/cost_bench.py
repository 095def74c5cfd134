"""Benchmark the cost of a note: autonote's one request against the corpus's current two-call
pipeline (translate the abstract, then summarise the translation with one example), on the same
real papers, at list prices.

Papers are notes of the real sample (`../shared/corpus/paper_notes_dev.xml`): each is drafted the
way `regen` drafts it (the note hidden from its own candidates), and its requests are built exactly
as autonote sends them; nothing is sent. Prompt tokens are counted with tiktoken on the requests as
sent (the JSON schema of `response_format` included). Completions are the answers a model would
write for that note: its real GPT summary, key points of the sizes autonote asks for, its real tags
and links among the candidates; for the peer, the note's real translation and summary.

Prompt caching is estimated as OpenAI bills it: the prefix a request shares with the one before it,
when at least 1,024 tokens, counted in steps of 128, at the cached-input price. The Batch API bills
half the list price (without caching).

Run: `.venv/bin/python bench/cost_bench.py [--papers 40]` (needs ../shared; TIKTOKEN_CACHE_DIR set).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "corpus" / "paper_notes_dev.xml"
MODEL = "gpt-4o-mini"
CACHED_INPUT_PER_MTOK = 0.075  # gpt-4o-mini cached input, list price

PEER_TRANSLATE = (
    "You are a professional translator. Translate the following English abstract of a research paper "
    "into natural, faithful Japanese. Keep technical terms, model names and numbers as they are. "
    "Output only the translation.\n\n{abstract}"
)
PEER_SUMMARIZE = (
    "以下は研究論文のアブストラクトの日本語訳です。例にならって、論文の要点を3〜5文程度の日本語で簡潔に"
    "要約してください。要約のみを出力してください。\n\n例:\n翻訳: {example_translation}\n要約: "
    "{example_summary}\n\n翻訳: {translation}\n要約:"
)


def cached_tokens(tokens: list[int], previous: list[int] | None) -> int:
    if previous is None:
        return 0
    shared = 0
    for a, b in zip(tokens, previous, strict=False):
        if a != b:
            break
        shared += 1
    return 0 if shared < 1024 else 1024 + (shared - 1024) // 128 * 128


def import_sample(folder: Path) -> Path:
    corpus = folder / "corpus"
    corpus.mkdir()
    autonote = Path(sys.executable).with_name("autonote")
    subprocess.run([str(autonote), "import", "paper-notes-xml", str(SAMPLE), "--corpus", str(corpus)],
                   check=True, capture_output=True, env={**os.environ, "AUTONOTE_CONFIG_DIR": str(folder / "cfg")})  # fmt: skip
    return corpus


def answer_for(note, tag_candidates: list[str], related_ids: list[str]) -> str:  # type: ignore[no-untyped-def]
    """The answer a model would write for this note, at the sizes autonote asks for."""
    sentences = [s for s in re.split(r"(?<=[。.])", note.summary) if s.strip()]
    points = [s.strip()[:60] for s in sentences[:3]]
    while len(points) < 3:
        points.append(points[-1] if points else "要点")
    return json.dumps(
        {"summary": note.summary, "key_points": points,
         "tags": [t for t in note.tags if t in tag_candidates][:6], "new_tags": [],
         "related_ids": [r.id for r in note.related if r.id in related_ids][:3]},
        ensure_ascii=False,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=40)
    args = parser.parse_args()
    if not SAMPLE.is_file():
        raise SystemExit(f"needs the real sample at {SAMPLE}")
    import tiktoken

    from autonote.app import Workspace
    from autonote.config import load_settings
    from autonote.llm.cost import price_for
    from autonote.llm.structured import response_format_for
    from autonote.regen.engine import RegenEngine
    from autonote.schema import llm_output_model

    encoding = tiktoken.encoding_for_model(MODEL)

    def count(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    input_price, output_price = price_for(MODEL)  # type: ignore[misc]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = import_sample(folder)
        os.environ["AUTONOTE_CONFIG_DIR"] = str(folder / "cfg")
        settings, _ = load_settings({"corpus": str(corpus), "model": MODEL})
        ws = Workspace(settings)
        engine = RegenEngine(ws, ("summary", "keypoints", "tags"))
        notes = [n for n in (ws.corpus.get(i) for i in sorted(ws.corpus.paths)) if n is not None]
        papers = [n for n in notes if n.abstract and n.summary and n.translation][: args.papers]
        example = papers[-1]
        parts: dict[str, list[int]] = {}
        ours: list[tuple[int, int, int]] = []  # prompt, cached, completion
        peer: list[tuple[int, int, int]] = []
        previous: list[int] | None = None
        for note in papers:
            job = engine.job_for(note)
            messages = job.build("json_schema")
            schema = json.dumps(response_format_for("json_schema", job.output_model), ensure_ascii=False)
            sequence = encoding.encode(
                schema + messages[0]["content"] + messages[1]["content"], disallowed_special=()
            )
            prompt = len(sequence) + 3 + 4 * len(messages)
            ours.append(
                (
                    prompt,
                    cached_tokens(sequence, previous),
                    count(answer_for(note, job.tag_candidates, [n.id for n in job.related_notes])),
                )
            )
            previous = sequence
            # The tag candidates are sent once, as the schema's enum: their part is what an empty
            # enum saves in the schema (the user message names no tag).
            with_translation = "translation" in job.output_model.model_fields
            related_ids = [n.id for n in job.related_notes]
            no_tags = response_format_for(
                "json_schema", llm_output_model([], related_ids, translate=with_translation)
            )
            tag_tokens = count(schema) - count(json.dumps(no_tags, ensure_ascii=False))
            user_parts = job.prompt.parts(count)
            user_parts["rest of the user message"] += user_parts.pop("tag candidates")
            user_parts["tag candidates (schema enum)"] = tag_tokens
            user_parts["response_format schema (rest)"] = count(schema) - tag_tokens
            for name, tokens in user_parts.items():
                parts.setdefault(name, []).append(tokens)
            other = example if note is not example else papers[0]
            translate = PEER_TRANSLATE.format(abstract=note.abstract)
            summarize = PEER_SUMMARIZE.format(example_translation=other.translation, example_summary=other.summary,
                                              translation=note.translation)  # fmt: skip
            peer.append(
                (
                    count(translate) + count(summarize) + 14,
                    0,
                    count(note.translation or "") + count(note.summary),
                )
            )

    def dollars(rows: list[tuple[int, int, int]], *, caching: bool, batch: bool = False) -> float:
        total = 0.0
        for prompt, cached, completion in rows:
            cached = cached if caching else 0
            cost = (
                (prompt - cached) * input_price + cached * CACHED_INPUT_PER_MTOK + completion * output_price
            )
            total += cost * (0.5 if batch else 1.0)
        return total / len(rows) / 1_000_000

    print(f"{len(papers)} papers of the real sample, model {MODEL} (list: ${input_price}/M in, ${output_price}/M out,"
          f" ${CACHED_INPUT_PER_MTOK}/M cached in)\n")  # fmt: skip
    print("autonote's prompt by part (tokens per note, mean):")
    total_prompt = statistics.mean(p for p, _, _ in ours)
    for name, values in parts.items():
        print(f"  {name:<28} {statistics.mean(values):7.0f}  {statistics.mean(values) / total_prompt:5.0%}")
    rows = [
        ("prompt tokens per note", f"{total_prompt:.0f}", f"{statistics.mean(p for p, _, _ in peer):.0f}"),
        ("  of which cached (estimated)", f"{statistics.mean(c for _, c, _ in ours):.0f}", "0"),
        ("completion tokens per note", f"{statistics.mean(c for _, _, c in ours):.0f}", f"{statistics.mean(c for _, _, c in peer):.0f}"),
        ("$ per note, list price", f"{dollars(ours, caching=False) * 1e6:.0f} µ$", f"{dollars(peer, caching=False) * 1e6:.0f} µ$"),
        ("$ per note, with prompt caching", f"{dollars(ours, caching=True) * 1e6:.0f} µ$", f"{dollars(peer, caching=True) * 1e6:.0f} µ$"),
        ("$ per note, Batch API", f"{dollars(ours, caching=False, batch=True) * 1e6:.0f} µ$", f"{dollars(peer, caching=False, batch=True) * 1e6:.0f} µ$"),
    ]  # fmt: skip
    print(f"\n{'measure':<34} {'autonote':>10} {'two-call peer':>14}")
    for name, a, b in rows:
        print(f"{name:<34} {a:>10} {b:>14}")
    base = dollars(peer, caching=False)
    print(
        f"\nautonote / peer at list price: {dollars(ours, caching=False) / base:.2f} (with caching"
        f" {dollars(ours, caching=True) / base:.2f}; target ≤ 0.90)"
    )
    print(
        f"autonote via Batch API / peer at list price: {dollars(ours, caching=False, batch=True) / base:.2f} (target ≤ 0.50)"
    )


if __name__ == "__main__":
    main()
