"""Generate a synthetic corpus of N notes in autonote's on-disk format, for the corpus benchmarks.

Notes are rendered with autonote's own renderer, at the sizes of the real corpus sample (about 20
authors, a 1,200-character English abstract, a 200-character Japanese summary, a translation, a
120-character comment, 8 tags from a Zipf-distributed vocabulary, a few related links). Text is random but drawn
from topic-specific word pools, so that nearest-neighbour search has structure to find.

    python bench/synthetic_corpus.py OUT_DIR [--notes 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import string
from pathlib import Path

from autonote.notes.format import render_note
from autonote.schema import Note, Origin, Provenance, RelatedNote

KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
KANJI = "学習言語模型推論評価手法提案性能向上実験結果生成画像動画強化報酬分布特徴表現事前微調整効率計算"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10)))


def _japanese_words(rng: random.Random, count: int) -> list[str]:
    return [
        "".join(rng.choice(KANJI if rng.random() < 0.5 else KANA) for _ in range(rng.randint(2, 4)))
        for _ in range(count)
    ]


PARTICLES = ["の", "を", "に", "は", "が", "で", "と", "、"]


def _japanese(rng: random.Random, words: list[str], length: int) -> str:
    """Words joined by particles, as Japanese prose is (its bigram statistics are what matter here)."""
    text = ""
    while len(text) < length:
        text += rng.choice(words) + rng.choice(PARTICLES)
    return text + "。"


def make_notes(count: int, seed: int = 1) -> list[Note]:
    rng = random.Random(seed)
    common = [_word(rng) for _ in range(3000)]
    common_weights = [1 / (i + 1) for i in range(len(common))]
    japanese = _japanese_words(rng, 800)
    topics = [[_word(rng) for _ in range(60)] for _ in range(200)]
    tags = [f"Tag{i}" for i in range(300)]
    tag_weights = [1 / (i + 1) for i in range(len(tags))]
    topic_tags = [rng.sample(tags[:120], 3) for _ in topics]
    start = dt.date(2018, 1, 1)
    notes = []
    for number in range(1, count + 1):
        topic = rng.randrange(len(topics))
        words = [
            rng.choice(topics[topic]) if rng.random() < 0.3 else rng.choices(common, common_weights)[0]
            for _ in range(180)
        ]
        abstract = " ".join(words).capitalize() + "."
        title = " ".join(rng.choice(topics[topic]).capitalize() for _ in range(rng.randint(4, 9)))
        note_tags = list(dict.fromkeys(topic_tags[topic] + rng.choices(tags, tag_weights, k=5)))
        issue_date = start + dt.timedelta(days=number * 3000 // count)
        related = [
            RelatedNote(id=f"issue-{other}", title_line=f"[Paper Note] Related {other}", url=None)
            for other in rng.sample(range(1, count + 1), rng.randint(0, 3))
            if other != number
        ]
        notes.append(
            Note(
                id=f"issue-{number}",
                title=title,
                authors=[f"{_word(rng).capitalize()} {_word(rng).capitalize()}" for _ in range(20)],
                venue=rng.choice(["arXiv'25", "ACL'24", "NeurIPS'23", "CVPR'26"]),
                published=issue_date.replace(day=1),
                url=f"https://arxiv.org/abs/{2000 + number}.{number:05d}",
                arxiv_id=f"{2000 + number}.{number:05d}",
                issue_date=issue_date,
                tags=note_tags,
                summary=_japanese(rng, japanese, 200),
                translation=_japanese(rng, japanese, 500),
                abstract=abstract,
                related=related,
                comment=f"元ポスト:\n\nhttps://twitter.com/x/status/{number}\n\n"
                + _japanese(rng, japanese, 120),
                provenance=Provenance(
                    generator="llm",
                    model="gpt-4o-mini",
                    prompt_version="imported",
                    created=dt.datetime.combine(issue_date, dt.time()),
                ),
                origin=Origin(
                    importer="paper-notes-xml",
                    issue=number,
                    url=f"https://github.com/example/notes/issues/{number}",
                    entry_hash=f"{number:016x}",
                ),
            )
        )
    return notes


def write_corpus(folder: Path, count: int, seed: int = 1) -> list[Note]:
    notes = make_notes(count, seed)
    target = folder / "notes"
    target.mkdir(parents=True, exist_ok=True)
    for note in notes:
        (target / f"{note.id}.md").write_text(render_note(note), encoding="utf-8")
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write_corpus(args.out, args.notes, args.seed)
    print(f"wrote {args.notes} notes to {args.out / 'notes'}")


if __name__ == "__main__":
    main()
