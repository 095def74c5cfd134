"""Writes docs/commands.md from the CLI's own ``--help`` texts, so the reference cannot drift.

python scripts/command_reference.py          # rewrite docs/commands.md
python scripts/command_reference.py --check  # exit 1 when docs/commands.md is stale (CI's test does this)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "commands.md"
WIDTH = 100  # help texts are wrapped at a fixed width, whatever the terminal


def walk(
    command: click.Command, path: tuple[str, ...], parent: click.Context | None
) -> Iterator[tuple[tuple[str, ...], click.Command, click.Context]]:
    """Every command and subcommand, depth first, with a context to format its help in."""
    ctx = click.Context(
        command,
        info_name=path[-1],
        parent=parent,
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        help_option_names=["-h", "--help"],
    )
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, (*path, name), ctx)


def render() -> str:
    from autonote.cli import main

    entries = list(walk(main, ("autonote",), None))
    lines = [
        "# Command reference",
        "",
        "Generated from each command's `--help` by `scripts/command_reference.py`; do not edit by hand",
        "(the test suite fails when this page is stale). The README shows the workflow; this page is the",
        "reference.",
        "",
        "| command | what it does |",
        "| --- | --- |",
    ]
    for path, command, _ctx in entries:
        summary = command.get_short_help_str(limit=200).replace("|", "\\|")
        anchor = "-".join(path)
        lines.append(f"| [`{' '.join(path)}`](#{anchor}) | {summary} |")
    for path, command, ctx in entries:
        anchor = "-".join(path)
        lines += [
            "",
            f'<a id="{anchor}"></a>',
            f"## `{' '.join(path)}`",
            "",
            "```text",
            command.get_help(ctx).rstrip(),
            "```",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not REFERENCE.is_file() or REFERENCE.read_text(encoding="utf-8") != text:
            print(f"{REFERENCE} is stale: run python scripts/command_reference.py", file=sys.stderr)
            return 1
        return 0
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(text, encoding="utf-8")
    print(f"wrote {REFERENCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
