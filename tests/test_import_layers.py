"""The import graph has no cycles (imports inside functions count), and the lower layers know no
backend: notes/, sources/ and corpus/ never import github/. Measured by bench/structure.py, the
script the seams issue names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def structure() -> dict:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "structure.py"), "--json"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def test_no_import_cycle_between_modules_or_packages() -> None:
    figures = structure()
    assert figures["module_cycles"] == []
    assert figures["package_cycles"] == []


def test_notes_sources_and_corpus_never_import_github() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import structure as bench
    finally:
        sys.path.pop(0)
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
