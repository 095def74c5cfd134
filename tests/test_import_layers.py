"""The import graph has no cycles (imports inside functions count), and the lower layers know no
backend: notes/, sources/ and corpus/ never import github/. Measured by bench/structure.py, the
script the seams issue names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def structure() -> dict:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "structure.py"), "--json"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def structure_module() -> Any:
    """bench/structure.py as a module (its import graph: ``modules``, ``imports_of``)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import structure as bench
    finally:
        sys.path.pop(0)
    return bench


def test_no_import_cycle_between_modules_or_packages() -> None:
    figures = structure()
    assert figures["module_cycles"] == []
    assert figures["package_cycles"] == []


def test_notes_sources_and_corpus_never_import_github() -> None:
    bench = structure_module()
    mods = bench.modules()
    offenders = [
        f"{name} -> {target}"
        for name, path in mods.items()
        if name.startswith(("autonote.notes", "autonote.sources", "autonote.corpus"))
        for target in bench.imports_of(name, path, set(mods))
        if target.startswith("autonote.github")
    ]
    assert offenders == []


def test_no_function_is_rated_d_or_worse() -> None:
    """radon's cyclomatic complexity: every function C (20) or better."""
    rated = structure()["rated_d_or_worse"]
    assert rated is not None, "radon (a dev dependency) is not installed"
    assert rated == []


# The OpenAI-compatible provider's own modules: only the provider seam (autonote.llm) imports them.
OPENAI_PROVIDER_MODULES = (
    "autonote.llm.client", "autonote.llm.aclient", "autonote.llm.batch", "autonote.llm.cost",
    "autonote.llm.openai_request",
)  # fmt: skip


def test_commands_reach_the_llm_provider_only_through_its_seam() -> None:
    """Outside llm/, nothing imports the OpenAI-compatible clients, prices or Batch API, nor the
    openai package: a second provider is a module in llm/providers/ and a registration."""
    import ast

    bench = structure_module()
    mods = bench.modules()
    offenders = [
        f"{name} -> {target}"
        for name, path in mods.items()
        if not name.startswith("autonote.llm")
        for target in bench.imports_of(name, path, set(mods))
        if target in OPENAI_PROVIDER_MODULES
    ]
    for name, path in mods.items():
        if name.startswith("autonote.llm"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{name} -> {n}" for n in names if n.split(".")[0] == "openai"]
    assert offenders == []


def test_the_paper_note_prefix_has_one_home() -> None:
    """The title line's ``[Paper Note]`` prefix is written in titleline.py and nowhere else in code."""
    homes = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "src").rglob("*.py")
        if "[Paper Note]" in path.read_text()
    )
    assert homes == ["src/autonote/titleline.py"]
