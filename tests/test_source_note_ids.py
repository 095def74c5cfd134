"""Each source names the papers it fetches: the note id a draft gets comes from the source."""

from __future__ import annotations

from autonote.schema import Paper
from autonote.sources.registry import note_id_for, source_types


def test_every_registered_source_mints_its_own_note_ids() -> None:
    for source in source_types():
        assert callable(getattr(source, "note_id", None)), source.name


def test_each_source_names_its_paper_by_its_own_key() -> None:
    papers = {
        "arxiv-2504.07086": Paper(source="arxiv", title="T", abstract="A", arxiv_id="2504.07086"),
        "arxiv-hep-th_9901001": Paper(source="arxiv", title="T", abstract="A", arxiv_id="hep-th/9901001"),
        "openreview-Xq7pL2mN4a": Paper(
            source="openreview", title="T", abstract="A", url="https://openreview.net/forum?id=Xq7pL2mN4a"
        ),
        "acl-2023.acl-long.1": Paper(
            source="acl", title="T", abstract="A", url="https://aclanthology.org/2023.acl-long.1/"
        ),
        "github-octo-org_hello.world": Paper(
            source="github",
            kind="oss",
            title="T",
            abstract="A",
            url="https://github.com/Octo-Org/Hello.World",
        ),
    }
    for expected, paper in papers.items():
        assert note_id_for(paper) == expected


def test_a_paper_no_source_names_is_named_by_its_text() -> None:
    local = Paper(source="local", title="T", abstract="A")
    unknown = Paper(source="elsewhere", title="T", abstract="A")
    keyless = Paper(source="openreview", title="T", abstract="A")  # no forum URL to read the id from
    assert note_id_for(local) == note_id_for(unknown) == note_id_for(keyless)
    assert note_id_for(local).startswith("local-")
