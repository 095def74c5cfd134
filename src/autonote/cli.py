"""The ``autonote`` command: parse arguments, call the library, print. No logic of its own.

Heavy modules (openai, tiktoken, feedparser, pydantic models) are imported inside the commands so
that ``autonote --help`` starts fast.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

# numpy's OpenBLAS starts a thread per core when numpy is imported, and the threads spin for a while.
# autonote's vectors are small (a query's scores, one embedding against the corpus's), so one thread
# does the work as fast, and a command that imports numpy starts sooner (on this 2-core machine:
# ~7 ms of wall time and ~65 ms of CPU less, ~40 ms of wall time when the machine is busy). A value
# set by the user is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from autonote.commands.common import EXIT_FAILURE, EXIT_USAGE, corpus_option, resolve_settings  # noqa: F401


class AutonoteGroup(click.Group):
    """Turns autonote's errors into one line on stderr and the right exit code. click's own
    exceptions (usage errors, ``--help``, ``Abort``) and a closed pipe (``autonote lint | head``)
    pass through to click, which prints its own message and exits 2 (or 0, or quietly)."""

    def invoke(self, ctx: click.Context) -> Any:
        from_debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("autonote: interrupted; nothing half-written was kept", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            raise
        except Exception as exc:
            from autonote.errors import AutonoteError
            from autonote.secrets import redact, scrub_exception

            scrub_exception(exc)  # no secret in the message, nor in a --debug traceback
            if from_debug or not isinstance(exc, AutonoteError):
                if not isinstance(exc, AutonoteError):
                    click.echo(
                        f"autonote: internal error: {type(exc).__name__}: {redact(str(exc))}", err=True
                    )
                raise
            click.echo(f"autonote: error: {redact(str(exc))}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=AutonoteGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="autonote")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """Draft, regenerate and review Japanese paper notes in the style of your own corpus."""


def _settings(**overrides: Any):
    return resolve_settings(**overrides)


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--corpus", type=click.Path(file_okay=False), help="Corpus folder (default: AUTONOTE_CORPUS).")
@click.option("--title", help="Title of a local abstract.")
@click.option("--authors", help="Authors of a local abstract, separated by ';' or ','.")
@click.option("--url", help="URL of a local abstract.")
@click.option("--translate", is_flag=True, help="Also translate the abstract into Japanese.")
@click.option(
    "--force", is_flag=True, help="Replace an existing draft / draft a paper already in the corpus."
)
@click.option("--offline", is_flag=True, default=None, help="Do not call an LLM; write an extractive draft.")
@click.option("--model", help="Chat model (default from config: gpt-4o-mini).")
@click.option("--refresh", is_flag=True, help="Fetch the metadata again instead of using the cache.")
@click.option("--json", "as_json", is_flag=True, help="Print the validated note as JSON instead of the path.")
@click.option("--stdout", "as_markdown", is_flag=True, help="Print the markdown instead of the path.")
@click.option(
    "--no-cache", "no_cache", is_flag=True, help="Ask the LLM even if this exact request was answered before."
)
def draft(
    inputs: tuple[str, ...],
    corpus: str | None,
    title: str | None,
    authors: str | None,
    url: str | None,
    translate: bool,
    force: bool,
    offline: bool | None,
    model: str | None,
    refresh: bool,
    as_json: bool,
    as_markdown: bool,
    no_cache: bool,
) -> None:
    """Draft notes for papers: arXiv ids or URLs (arXiv, alphaxiv, Hugging Face), OpenReview URLs,
    ACL Anthology ids or URLs, GitHub repository URLs (an oss note), any other web page (a blog
    note), or a local abstract file ('-' reads stdin; give --title).

    Drafts are written to <corpus>/drafts/ and their paths printed. With no API key and no base URL
    configured, an offline draft is written (metadata, corpus tags and related notes, extracts).
    Without a corpus, the note is only printed.
    """
    from autonote.app import Workspace
    from autonote.errors import UsageError
    from autonote.sources.registry import fetch_papers

    if as_json and as_markdown:
        raise UsageError("--json and --stdout are exclusive")
    if inputs.count("-") > 1:
        raise UsageError("'-' (stdin) can be given only once")
    refs, malformed = _parse_inputs(inputs)
    if not refs:
        sys.exit(EXIT_USAGE)
    if (title or authors or url) and not any(r.source == "local" for r in refs):
        raise UsageError("--title/--authors/--url apply to local abstracts only")
    settings = _settings(corpus=corpus, offline=offline, model=model, llm_cache=False if no_cache else None)
    ws = Workspace(settings, translating=translate)
    # The provider is named before any fetch (an unknown one is one line, nothing fetched). Imports
    # that take most of a second are done in the background while a paper is fetched over the
    # network (only then: without a wait, two threads importing only slow each other down).
    provider_modules = ws.provider.preload if settings.llm_configured else ()
    preload = _Preload("autonote.pipeline", "numpy", "jinja2.sandbox", *provider_modules)
    if settings.corpus is not None:
        ws.require_writable("draft into this corpus")
    fetched = fetch_papers(
        refs, ws.sources(refresh=refresh, title=title, authors=authors, url=url, before_network=preload.start)
    )
    papers, failures = _fetched_papers(refs, fetched, single=len(inputs) == 1)
    failures += malformed
    if papers and not settings.llm_configured:
        reason = "--offline" if settings.offline else "no OPENAI_API_KEY or OPENAI_BASE_URL"
        ws.warn(
            f"offline mode ({reason}): summary and key points are extracts of the abstract, not LLM-generated"
        )
    failures += _draft_papers(
        papers, ws, single=len(inputs) == 1, force=force, translate=translate, as_json=as_json,
        as_markdown=as_markdown,
    )  # fmt: skip
    if failures:
        sys.exit(EXIT_FAILURE)


def _parse_inputs(inputs: tuple[str, ...]) -> tuple[list[Any], int]:
    """The refs of the inputs, every input checked before any work, and how many were malformed
    (each said on stderr; a single input's error is raised)."""
    from autonote.errors import UsageError
    from autonote.sources.registry import parse_input

    refs, malformed = [], 0
    for raw in inputs:
        try:
            refs.append(parse_input(raw))
        except UsageError as exc:
            if len(inputs) == 1:
                raise
            click.echo(f"autonote: error: {exc}", err=True)
            malformed += 1
    return refs, malformed


def _fetched_papers(refs: list[Any], fetched: list[Any], *, single: bool) -> tuple[list[Any], int]:
    """The papers fetched, and how many inputs had none (each said on stderr; a single input's
    error is raised)."""
    from autonote.errors import AutonoteError

    papers, failures = [], 0
    for ref, paper in zip(refs, fetched, strict=True):
        if not isinstance(paper, AutonoteError):
            papers.append(paper)
            continue
        if single:
            raise paper
        click.echo(f"autonote: error: {ref.raw}: {paper}", err=True)
        failures += 1
    return papers, failures


def _draft_papers(
    papers: list[Any],
    ws: Any,
    *,
    single: bool,
    force: bool,
    translate: bool,
    as_json: bool,
    as_markdown: bool,
) -> int:
    """Draft each paper once (by note id) and report it; how many failed (each said on stderr; a
    single input's error is raised)."""
    from autonote import pipeline  # imported in the background meanwhile (see _preload)
    from autonote.errors import AutonoteError, LLMOutputInvalidError
    from autonote.sources.registry import note_id_for

    failures = 0
    drafted: set[str] = set()
    for paper in papers:
        note_id = note_id_for(paper)
        if note_id in drafted:  # the same paper given again (or by another of its names): once
            continue
        drafted.add(note_id)
        try:
            note, path = pipeline.draft_one(paper, ws, force=force, translate=translate)
        except pipeline.DraftedElsewhere as exc:
            click.echo(f"autonote: {exc}", err=True)
            continue
        except LLMOutputInvalidError as exc:
            kept = pipeline.keep_failed_output(note_id, exc, ws)
            where = f"; raw output kept in {kept}" if kept else ""
            click.echo(f"autonote: error: {note_id}: {exc}{where}", err=True)
            failures += 1
            continue
        except AutonoteError as exc:
            if single:
                raise
            click.echo(f"autonote: error: {note_id}: {exc}", err=True)
            failures += 1
            continue
        _report(note, path, as_json=as_json, as_markdown=as_markdown)
    return failures


class _Preload:
    """Modules to import, in order, in a background thread once :meth:`start` is called; the import
    lock makes a later import wait for it rather than do it twice."""

    def __init__(self, *modules: str) -> None:
        self.modules = modules
        self.started = False

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        import importlib
        import threading

        def load() -> None:
            for module in self.modules:
                importlib.import_module(module)

        threading.Thread(target=load, daemon=True).start()


def _report(note: Any, path: Any, *, as_json: bool, as_markdown: bool) -> None:
    from autonote.notes.format import render_note

    if as_json:
        click.echo(note.model_dump_json(indent=2))
    elif as_markdown or path is None:
        click.echo(render_note(note), nl=False)
    else:
        click.echo(str(path))
    p = note.provenance
    if p is not None and p.generator == "llm":
        cost = f"${p.cost_usd:.5f}" if p.cost_usd is not None else "cost unknown"
        if p.cached:
            cost += " (answered from the response cache: nothing paid)"
        approx = "" if p.tokens_exact else " (approx.)"
        cached = (
            f" ({p.cached_prompt_tokens} from the provider's prompt cache)" if p.cached_prompt_tokens else ""
        )
        click.echo(
            f"autonote: {note.id}: {p.prompt_tokens} prompt{cached} + {p.completion_tokens} completion tokens{approx},"
            f" {cost}, {p.attempts} attempt(s) via {p.response_format}",
            err=True,
        )
    for warning in note.warnings:
        click.echo(f"autonote: {note.id}: note: {warning}", err=True)


@main.command("config")
@click.option(
    "--corpus", type=click.Path(file_okay=False), help="Corpus folder whose autonote.toml to include."
)
def config_command(corpus: str | None) -> None:
    """Show the effective settings, where each comes from, with secrets masked."""
    from autonote.config import CONFIG_FILE_NAME, describe, load_settings, user_config_dir

    settings, origin = load_settings({"corpus": corpus})
    click.echo(f"# user config: {user_config_dir() / CONFIG_FILE_NAME}")
    width = max(len(name) for name in type(settings).model_fields)
    for name, shown, source in describe(settings, origin):
        click.echo(f"{name:<{width}}  {shown}  [{source}]")


def _register() -> None:
    """The other commands live in autonote.commands, one module per group (each stays small and
    imports its heavy modules only when run, so `autonote --help` stays fast)."""
    from autonote.commands import corpus, github, publish, regen, review

    for command in (
        corpus.init_command, corpus.import_group, corpus.index_command, corpus.suggest_command, corpus.eval_command,
        corpus.lint_command, corpus.export_command, regen.regen_command, review.review_group, publish.list_command,
        publish.digest_command, github.github_group,
    ):  # fmt: skip
        main.add_command(command)


_register()
