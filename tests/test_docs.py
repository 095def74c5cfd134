"""The documentation's promises that a machine can check: the command reference is the CLI's own
``--help``, the README stays a front door, and every page it links exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_command_reference_is_the_current_help_of_every_command() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "command_reference.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_command_reference_names_every_command_and_subcommand_with_its_summary() -> None:
    import click

    from autonote.cli import main

    reference = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    ctx = click.Context(main, info_name="autonote")
    names: list[tuple[str, click.Command]] = []
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        assert command is not None
        names.append((f"autonote {name}", command))
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                names.append((f"autonote {name} {sub}", command.get_command(ctx, sub)))  # type: ignore[arg-type]
    assert len(names) > 20
    for full, command in names:
        row = f"| [`{full}`]"
        assert row in reference, full
        summary = command.get_short_help_str(limit=200).replace("|", "\\|")
        assert summary in reference, full


def test_readme_is_a_front_door_of_at_most_300_lines() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 300


def test_every_local_link_in_the_readme_and_docs_exists() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    for page in pages:
        text = re.sub(r"```.*?```|`[^`\n]*`", "", page.read_text(encoding="utf-8"), flags=re.S)  # not code
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name} links to a missing {target}"


def test_every_setting_is_documented_in_the_configuration_page() -> None:
    from autonote.config import Settings

    page = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert [name for name in Settings.model_fields if name not in page] == []
