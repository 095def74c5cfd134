"""Jinja2 templates for prompts and note layouts: sandboxed, strict, versioned, user-overridable.

Lookup order: ``<user config dir>/prompts/`` first (a user's override of any template by name), then
the templates shipped with autonote. Each template declares ``{# version: ... #}`` on its first
line; the versions of the templates used are recorded in every note's provenance.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from autonote.config import user_config_dir
from autonote.errors import ConfigError

_VERSION = re.compile(r"\{#-?\s*version:\s*(?P<version>[\w.\-]+)\s*-?#\}")


def shipped_templates_dir() -> Path:
    """The templates installed with the package, or the repository's ``prompts/`` in a checkout."""
    installed = Path(__file__).parent / "prompts"
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parents[2] / "prompts"
    if checkout.is_dir():
        return checkout
    raise ConfigError("autonote's templates are missing from this installation (prompts/ not found)")


def user_templates_dir() -> Path:
    return user_config_dir() / "prompts"


def _is_html(name: str | None) -> bool:
    return bool(name) and str(name).endswith(".html.j2")


@lru_cache(maxsize=4)
def _environment(user_dir: Path, shipped_dir: Path) -> Any:
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(str(user_dir)), FileSystemLoader(str(shipped_dir))]),
        undefined=StrictUndefined,
        autoescape=_is_html,  # prompts and markdown are plain text; *.html.j2 pages are escaped
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def environment() -> Any:
    return _environment(user_templates_dir(), shipped_templates_dir())


def template_version(name: str) -> str:
    """The ``{# version: X #}`` a template declares (``unversioned`` when it declares none)."""
    env = environment()
    source, filename, _ = env.loader.get_source(env, name)
    match = _VERSION.search(source.split("\n", 1)[0])
    version = match["version"] if match else "unversioned"
    overridden = Path(filename).is_relative_to(user_templates_dir())
    return f"{version}+user" if overridden else version


def render_template(name: str, **context: Any) -> str:
    from jinja2 import TemplateError

    try:
        return environment().get_template(name).render(**context)
    except TemplateError as exc:
        raise ConfigError(f"template {name}: {type(exc).__name__}: {exc}") from exc
