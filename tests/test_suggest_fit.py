"""The suggester's evidence, leave-one-out honesty, and weights fitted with `autonote eval --fit`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from autonote.corpus.evaluate import evaluable, fold_evidence, gather_cases
from autonote.corpus.index import CorpusIndex, comment_text, note_terms
from autonote.corpus.suggest import Evidence, gather, short_names, tag_forms, tag_stems
from autonote.corpus.terms import terms
from autonote.corpus.view import load_corpus
from autonote.corpus.weights import DEFAULT_WEIGHTS, TAG_FEATURES, Weights, weights_path
from autonote.notes.format import parse_note, render_note
from autonote.schema import Note, Paper, RelatedNote, paper_from_note
from tests.loopback import FIXTURES

HIDDEN = "arxiv-2402.03300"  # DeepSeekMath: linked by DeepSeek-R1 and by 2503.20783
ABSTRACT = FIXTURES / "abstracts" / "sample-abstract.txt"


def _note(corpus: Path, note_id: str) -> Note:
    return parse_note((corpus / "notes" / f"{note_id}.md").read_text(encoding="utf-8"))


def _write(corpus: Path, note: Note) -> None:
    (corpus / "notes" / f"{note.id}.md").write_text(render_note(note), encoding="utf-8")


def _link_to_hidden(corpus: Path) -> Note:
    """DeepSeek-R1's note links DeepSeekMath in its comment (the link's text is DeepSeekMath's
    title, as imported comments do) and shares an author with it."""
    hidden = _note(corpus, HIDDEN)
    linking = _note(corpus, "arxiv-2501.12948")
    link = next(r for r in linking.related if r.id == HIDDEN)
    comment = f"前作:\n- [{link.title_line}]({link.url})\n\nGRPO の元論文。"
    _write(
        corpus,
        linking.model_copy(update={"comment": comment, "authors": [*linking.authors, hidden.authors[0]]}),
    )
    return hidden


def _rounded(evidence: Evidence) -> tuple[object, ...]:
    tags = {t: {f: round(v, 9) for f, v in found.items()} for t, found in evidence.tags.items()}
    candidates = [
        (c.note_id, round(c.lexical, 9), round(c.name, 9), round(c.authors, 9), round(c.graph, 9))
        for c in evidence.candidates
    ]
    counts = {t: n for t, n in evidence.counts.items() if n}
    return tags, counts, evidence.venue, candidates


def test_a_hidden_note_leaves_no_trace_in_the_evidence(corpus: Path, tmp_path: Path) -> None:
    hidden = _link_to_hidden(corpus)
    without = tmp_path / "without"
    shutil.copytree(corpus, without)
    (without / "notes" / f"{HIDDEN}.md").unlink()

    paper = paper_from_note(hidden)
    left_out = gather(paper, load_corpus(corpus), exclude_ids=(HIDDEN,), when=hidden.issue_date)
    absent = gather(paper, load_corpus(without), when=hidden.issue_date)
    assert _rounded(left_out) == _rounded(absent)
    assert HIDDEN not in {c.note_id for c in left_out.candidates}
    # The evidence is not empty: the hidden note's neighbours, authors and time all show up.
    found = {f for features in left_out.tags.values() for f in features}
    assert {"near", "recent", "coauthors", "prior"} <= found
    assert any(c.authors > 0 for c in left_out.candidates)

    # Not hidden, the same note finds its own linking note by the shared author and its links.
    seen = gather(paper, load_corpus(corpus), when=hidden.issue_date)
    assert HIDDEN not in {c.note_id for c in seen.candidates}  # same arXiv paper: never 'related'
    linking = next(c for c in seen.candidates if c.note_id == "arxiv-2501.12948")
    assert linking.authors > 0


def test_links_to_related_notes_are_not_what_a_note_is_found_by(corpus: Path) -> None:
    hidden = _link_to_hidden(corpus)
    linking = _note(corpus, "arxiv-2501.12948")
    assert "DeepSeekMath" in linking.comment
    assert "DeepSeekMath" not in comment_text(linking) and "GRPO" in comment_text(linking)
    assert "deepseekmath" not in note_terms(linking)
    index = CorpusIndex(corpus, None)
    index.refresh()
    assert [h.note_id for h in index.search("DeepSeekMath", 3)] == [hidden.id]
    assert index.search("DeepSeekMath", 3, (HIDDEN,)) == []


def test_cross_fitting_gathers_training_evidence_without_the_scored_fold(corpus: Path) -> None:
    loaded = load_corpus(corpus)
    cases = gather_cases(loaded, evaluable(loaded))
    folds = fold_evidence(loaded, cases, folds=3)
    all_ids = {c.note.id for c in cases}
    for train in folds:
        scored = all_ids - {c.note.id for c in train}
        assert scored and len(train) + len(scored) == len(cases)
        for case in train:
            assert not scored & {c.note_id for c in case.evidence.candidates}
            assert not scored & case.linked
            expected = loaded.tag_counts(exclude_ids=(case.note.id, *scored))
            assert {t: n for t, n in case.evidence.counts.items() if n} == {
                t: n for t, n in expected.items() if n
            }


def test_eval_fit_stores_weights_that_suggest_then_uses(run, corpus: Path) -> None:
    fitted = run("eval", "--corpus", str(corpus), "--fit", "--json", "--folds", "3")
    assert fitted.exit_code == 0, fitted.stderr
    data = json.loads(fitted.stdout)
    assert "autonote suggest, fitted (cross-fitted)" in data["methods"]
    stored = json.loads(weights_path(corpus).read_text(encoding="utf-8"))
    assert stored["fitted"]["tags"] in {"fitted", "defaults"}
    assert stored["fitted"]["related"] == "defaults"  # 3 notes with links: too few to fit
    assert data["fitted"]["path"] == str(weights_path(corpus))
    table = run("eval", "--corpus", str(corpus))
    assert "this corpus has fitted weights" in table.stdout

    def suggested() -> list[str]:
        result = run("suggest", str(ABSTRACT), "--corpus", str(corpus), "--json", "-k", "20")
        assert result.exit_code == 0, result.stderr
        return [t["tag"] for t in json.loads(result.stdout)["tags"]]

    # Weights that rank tags by their share of the corpus alone: suggest follows the file.
    only_prior = DEFAULT_WEIGHTS.with_changes(
        tag_bias=0.0, tag={name: 0.0 for name in TAG_FEATURES} | {"prior": 50.0}
    )
    weights_path(corpus).write_text(json.dumps(only_prior.to_json()), encoding="utf-8")
    counts = load_corpus(corpus).tag_counts()
    by_frequency = [t for t, _ in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]
    assert suggested() == by_frequency[:20]

    weights_path(corpus).write_text("{not json", encoding="utf-8")  # unreadable: the defaults
    broken = suggested()
    weights_path(corpus).unlink()
    assert broken == suggested() != by_frequency[:20]


@given(st.text(max_size=200))
def test_short_names_and_tag_forms_never_fail(text: str) -> None:
    names = short_names(text)
    assert all(isinstance(n, str) and n for n in names)
    assert set(names) <= set(terms(text.replace(":", " ")))
    words, phrases = tag_forms(text)
    assert all(isinstance(w, str) for w in words) and all(p and isinstance(p, tuple) for p in phrases)
    assert all(3 <= len(stem) <= 5 for stem in tag_stems(text))


def test_short_names_and_tag_forms_examples() -> None:
    assert short_names("MobileLLM-R1: Exploring the Limits of Sub-Billion Language Model Reasoners") == [
        "mobilellm-r1",
        "mobilellm",
        "r1",
    ]
    assert "gqa" in short_names("GQA: Training Generalized Multi-Query Transformer Models")
    assert short_names("Attention Is All You Need") == []
    words, phrases = tag_forms("Supervised-FineTuning (SFT)")
    assert words == ("supervised", "fine", "tuning", "sft") and ("sft",) in phrases
    assert tag_forms("PEFT(Adaptor/LoRA)")[1] == (("peft",), ("adaptor",), ("lora",))
    assert tag_stems("EfficiencyImprovement") == {"effic", "impro"}
    assert tag_stems("3D (Video)") == {"video"}  # words under three letters say too little


def test_a_tag_word_beginning_a_title_word_is_evidence(corpus: Path) -> None:
    """title_word: a word of the tag begins a title word the same way (first five letters), so
    "Reasoners" finds #Reasoning and "Transformers" #Transformer; the abstract does not count."""
    paper = Paper(
        source="local",
        title="Reasoners that Attend: Transformers for Mathematical Problems",
        abstract="We study instruction tuning and reinforcement learning for language models.",
    )
    found = gather(paper, load_corpus(corpus)).tags
    fired = {tag for tag, features in found.items() if features.get("title_word")}
    # Five letters are crude: "Transformers" also begins like "Translation" (the model weighs it).
    assert fired == {"Reasoning", "Transformer", "Mathematics", "Attention", "MachineTranslation"}
    assert "title_word" not in found["InstructionTuning"] and found["InstructionTuning"].get("mention")


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=20,
)


@given(json_values)
def test_a_weights_file_reads_as_weights_or_a_value_error(data: object) -> None:
    try:
        weights = Weights.from_json(data)
    except ValueError:
        return
    assert isinstance(weights, Weights)


@given(st.dictionaries(st.sampled_from(TAG_FEATURES), st.floats(-1e6, 1e6), max_size=len(TAG_FEATURES)))
def test_stored_weights_read_back(values: dict[str, float]) -> None:
    weights = DEFAULT_WEIGHTS.with_changes(tag={**DEFAULT_WEIGHTS.tag, **values})
    again = Weights.from_json(json.loads(json.dumps(weights.to_json())))
    assert again.tag == weights.tag and again.tag_bias == weights.tag_bias
    assert 0.0 <= again.tag_probability(dict.fromkeys(TAG_FEATURES, 1.0)) <= 1.0


@given(st.text(max_size=120), st.text(alphabet="[]()\n ab", max_size=40))
def test_comment_links_are_stripped_without_failing(title: str, around: str) -> None:
    url = "https://example.org/issues/7"
    note = Note(
        id="n",
        title="t",
        issue_date="2025-01-01",  # type: ignore[arg-type]
        related=[RelatedNote(id="m", title_line=title, url=url)],
        comment=f"{around}[{title}]({url}){around}",
    )
    assert f"]({url})" not in comment_text(note)
