"""ACL Anthology papers through a loopback anthology serving MODS: ids as written, venues from the
id, metadata in plain Unicode, errors and the cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from autonote.errors import PaperNotFoundError, UsageError
from autonote.sources.acl import AclAnthologySource, find_anthology_id, parse_anthology_id, venue_for
from autonote.sources.registry import note_id_for, parse_input
from tests.loopback import AclAnthologyServer
from tests.sources_support import context


def fetch(tmp_path: Path, *keys: str, refresh: bool = False):
    return AclAnthologySource(context(tmp_path, refresh=refresh)).fetch([parse_input(k) for k in keys])


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2023.acl-long.123", "2023.acl-long.123"),
        ("https://aclanthology.org/2023.acl-long.123/", "2023.acl-long.123"),
        ("https://aclanthology.org/2023.acl-long.123.pdf", "2023.acl-long.123"),
        ("aclanthology.org/2023.findings-emnlp.45v2.pdf", "2023.findings-emnlp.45"),
        ("https://aclanthology.org/2023.ACL-long.123.bib", "2023.acl-long.123"),
        ("P19-1001", "P19-1001"),
        ("p19-1001", "P19-1001"),
        ("https://aclanthology.org/W04-3216/", "W04-3216"),
        ("http://www.aclweb.org/anthology/J93-2003", "J93-2003"),
        ("https://www.aclweb.org/anthology/P/P19/P19-1001.pdf", "P19-1001"),
        ("10.18653/v1/2023.acl-long.123", "2023.acl-long.123"),
        ("doi:10.18653/v1/P19-1001", "P19-1001"),
        ("https://doi.org/10.18653/v1/2022.naacl-main.272", "2022.naacl-main.272"),
    ],
)
def test_ids_urls_and_dois_name_the_paper(text: str, key: str) -> None:
    ref = parse_input(text)
    assert (ref.source, ref.key) == ("acl", key)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2023.acl-long", "is an ACL Anthology volume, not a paper"),
        ("P19-1", "is an ACL Anthology volume"),
        ("https://aclanthology.org/events/acl-2023/", "names no paper"),
        ("https://aclanthology.org/volumes/2023.acl-long/", "names no paper"),
        ("https://aclanthology.org/", "names no paper"),
        ("10.18653/v1/not-a-paper", "an ACL DOI that names no anthology paper"),
    ],
)
def test_anthology_inputs_that_name_no_paper_are_refused(text: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason):
        parse_input(text)


def test_other_text_is_not_the_anthologys() -> None:
    for text in (
        "junk",
        "2504.07086",
        "https://example.org/2023.acl-long.123",
        "10.1145/3106237.3106277",
        "A1-1",
    ):
        assert find_anthology_id(text) is None


@pytest.mark.parametrize(
    ("anthology_id", "booktitle", "label"),
    [
        ("2023.acl-long.123", "", "ACL'23"),
        ("2023.acl-short.9", "", "ACL'23"),
        ("2023.findings-emnlp.45", "", "EMNLP'23 Findings"),
        ("2021.findings-acl.3", "", "ACL'21 Findings"),
        ("2024.naacl-long.1", "", "NAACL'24"),
        ("2022.emnlp-main.278", "", "EMNLP'22"),
        ("2024.eacl-long.2", "", "EACL'24"),
        ("2022.aacl-main.5", "", "AACL'22"),
        ("2024.tacl-1.3", "", "TACL'24"),
        ("2023.cl-2.1", "", "CL'23"),
        ("2023.conll-1.4", "", "CoNLL'23"),
        ("2023.acl-srw.5", "", "ACL'23 Workshop"),
        ("P19-1001", "", "ACL'19"),
        ("D19-1410", "", "EMNLP'19"),
        ("J93-2003", "", "CL'93"),
        (
            "W04-3216",
            "Proceedings of the 2004 Conference on Empirical Methods in Natural Language Processing",
            "EMNLP'04",
        ),
        (
            "D19-5702",
            "Proceedings of the 2nd Workshop on Deep Learning Approaches for Low-Resource NLP (DeepLo 2019)",
            "DeepLo'19",
        ),
        (
            "2022.repl4nlp-1.7",
            "Proceedings of the 7th Workshop on Representation Learning for NLP (RepL4NLP 2022)",
            "RepL4NLP'22",
        ),
        (
            "2023.semeval-1.12",
            "Proceedings of the 17th International Workshop on Semantic Evaluation (SemEval-2023)",
            "SemEval'23",
        ),
        ("2023.wmt-1.3", "Proceedings of the Eighth Conference on Machine Translation", "WMT'23"),
        # the id spelled as the proceedings' title spells it, not in capitals
        ("2023.newsum-1.2", "Proceedings of the 4th New Frontiers in Summarization Workshop", "NewSum'23"),
        (
            "2022.nlp4convai-1.3",
            "Proceedings of the 4th Workshop on NLP for Conversational AI",
            "NLP4ConvAI'22",
        ),
        # a short name starting with "*": *SEM, in parentheses or leading the title
        (
            "S19-1004",
            "Proceedings of the Eighth Joint Conference on Lexical and Computational Semantics (*SEM 2019)",
            "*SEM'19",
        ),
        (
            "2021.starsem-1.5",
            "Proceedings of *SEM 2021: The Tenth Joint Conference on Lexical and Computational Semantics",
            "*SEM'21",
        ),
        ("2023.foo-1.1", "Proceedings of the First Workshop on Something Else", "FOO'23"),
    ],
)
def test_the_venue_comes_from_the_id(anthology_id: str, booktitle: str, label: str) -> None:
    parsed = parse_anthology_id(anthology_id)
    assert parsed is not None and venue_for(parsed, booktitle) == label


def test_a_paper_has_its_metadata_in_unicode(acl_server: AclAnthologyServer, tmp_path: Path) -> None:
    paper = fetch(tmp_path, "https://aclanthology.org/2023.acl-long.999.pdf")["2023.acl-long.999"]
    assert paper.title == "Retrieval Heads Are Few: Locating Copy Mechanisms in Long-Context Transformers"
    assert paper.authors == ["Anna Müller", "Kwame Mensah", "Jia Li", "Rafael Ortiz"]  # not the editors
    assert "94.1% to 12.7%" in paper.abstract  # MODS has no LaTeX escapes (BibTeX writes 94.1{\%})
    assert (paper.venue, paper.published, paper.doi) == (
        "ACL'23",
        dt.date(2023, 7, 1),
        "10.18653/v1/2023.acl-long.999",
    )
    assert paper.url == "https://aclanthology.org/2023.acl-long.999/" and paper.kind == "paper"
    assert paper.title_line == (
        "[Paper Note] Retrieval Heads Are Few: Locating Copy Mechanisms in Long-Context Transformers,"
        " Anna Müller+, ACL'23, 2023.07"
    )
    assert note_id_for(paper) == "acl-2023.acl-long.999"
    assert [r["path"] for r in acl_server.requests] == ["/2023.acl-long.999.xml"]


def test_findings_old_style_workshop_and_journal_papers(
    acl_server: AclAnthologyServer, tmp_path: Path
) -> None:
    found = fetch(
        tmp_path, "2023.findings-emnlp.998", "P19-1999", "W04-3299", "2022.repl4nlp-1.99", "J93-2099"
    )
    assert [found[k].venue for k in ("2023.findings-emnlp.998", "P19-1999", "W04-3299", "2022.repl4nlp-1.99", "J93-2099")] == [
        "EMNLP'23 Findings", "ACL'19", "EMNLP'04", "RepL4NLP'22", "CL'93",
    ]  # fmt: skip
    assert found["W04-3299"].authors == ["Hal Daumé III", "Ruth Example"] and found["W04-3299"].doi is None
    assert found["J93-2099"].authors[0] == "Peter F. Brown"
    assert note_id_for(found["P19-1999"]) == "acl-P19-1999"


def test_a_paper_without_abstract_or_unknown_gets_a_clear_error(
    acl_server: AclAnthologyServer, tmp_path: Path
) -> None:
    found = fetch(tmp_path, "P02-1099", "2023.acl-long.1000")
    assert isinstance(found["P02-1099"], UsageError) and "no abstract for P02-1099" in str(found["P02-1099"])
    assert isinstance(found["2023.acl-long.1000"], PaperNotFoundError)
    assert "has no paper 2023.acl-long.1000" in str(found["2023.acl-long.1000"])


def test_the_cache_answers_the_second_time(acl_server: AclAnthologyServer, tmp_path: Path) -> None:
    fetch(tmp_path, "P19-1999")
    fetch(tmp_path, "https://aclanthology.org/P19-1999/")
    assert len(acl_server.requests) == 1
    fetch(tmp_path, "P19-1999", refresh=True)
    assert len(acl_server.requests) == 2
