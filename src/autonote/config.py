"""Settings, resolved in layers: defaults < user config < corpus ``autonote.toml`` < environment < flags.

Each effective value remembers where it came from, so ``autonote config`` can explain itself.
Secrets (the API key) are held in a ``SecretStr`` and never printed.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import click
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from autonote.bounded import NestingTooDeepError, load_toml
from autonote.errors import ConfigError

CONFIG_FILE_NAME = "autonote.toml"
DEFAULT_ARXIV_API_URL = "https://export.arxiv.org/api/query"
DEFAULT_OPENREVIEW_API_URL = "https://api2.openreview.net"
DEFAULT_ACL_ANTHOLOGY_URL = "https://aclanthology.org"
DEFAULT_REFERENCES_API_URL = "https://api.semanticscholar.org/graph/v1"

# Environment variables read by the openai client itself; honoured here with the same meaning.
_OPENAI_ENV = {"api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL"}
# Settings with an environment name that does not follow the AUTONOTE_<FIELD> pattern.
_SPECIAL_ENV = {"arxiv_api_url": "AUTONOTE_ARXIV_API_URL", "corpus": "AUTONOTE_CORPUS"}


MAX_TIMEOUT_SECONDS = 3600.0


def _seconds(default: float, description: str) -> Any:
    """The one rule for a timeout setting: a finite number of seconds above 0 and at most an hour
    (``inf``, ``nan`` or ``1e9`` would bound nothing; refused with one line naming the setting)."""
    return Field(default, gt=0, le=MAX_TIMEOUT_SECONDS, allow_inf_nan=False, description=description)


class Settings(BaseModel):
    """Every knob autonote has. Field descriptions double as documentation for ``autonote config``."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    corpus: Path | None = Field(None, description="folder of markdown notes")
    model: str = Field("gpt-4o-mini", description="chat model name")
    provider: str = Field(
        "openai-compatible",
        description="LLM provider (autonote.llm.providers): openai-compatible serves OpenAI and every server speaking its API",
    )
    api_key: SecretStr | None = Field(None, description="API key (OPENAI_API_KEY)")
    base_url: str | None = Field(None, description="OpenAI-compatible server (OPENAI_BASE_URL)")
    offline: bool = Field(False, description="never call an LLM; write an extractive draft")
    response_format: Literal["auto", "json_schema", "json_object", "none"] = Field(
        "auto", description="structured-output mode; auto falls back when a server refuses one"
    )
    temperature: float = Field(0.2, ge=0, le=2)
    llm_timeout: float = _seconds(120.0, "seconds per LLM request, first byte to last")
    llm_max_retries: int = Field(2, ge=0, description="retries of a failed LLM request (5xx, bad body)")
    max_reasks: int = Field(2, ge=0, le=5, description="re-asks after a validation failure")
    max_prompt_tokens: int = Field(6000, ge=500, description="prompt budget; inputs are trimmed to fit")
    max_completion_tokens: int | None = Field(
        None, ge=100, description="completion limit per request (default: from the answers so far)"
    )
    few_shot: int = Field(
        1, ge=0, le=5, description="owner's summaries of the most similar notes shown as examples"
    )
    tag_candidates: int = Field(30, ge=1, description="vocabulary tags offered to the LLM")
    related_candidates: int = Field(8, ge=0, description="existing notes offered as related")
    tags: list[str] = Field(default_factory=list, description="extra tag vocabulary")
    concurrency: int | Literal["auto"] = Field(
        "auto", description="regen: requests in flight; auto: 8 for OpenAI, else the server's slots"
    )
    rpm: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="regen: requests/min allowed (default: learn from headers)",
    )
    tpm: float | None = Field(
        None, gt=0, allow_inf_nan=False, description="regen: tokens/min allowed (default: learn from headers)"
    )
    llm_cache: bool = Field(True, description="answer identical LLM requests from the response cache")
    embeddings: bool = Field(False, description="also rank related notes by embeddings (needs an LLM server)")
    embedding_model: str = Field("text-embedding-3-small", description="embeddings model")
    price_input_per_mtok: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="USD per 1M prompt tokens"
    )
    price_output_per_mtok: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="USD per 1M completion tokens"
    )
    arxiv_api_url: str = Field(DEFAULT_ARXIV_API_URL, description="arXiv API endpoint")
    arxiv_min_interval: float = Field(3.0, ge=0, description="seconds between arXiv requests")
    arxiv_timeout: float = _seconds(20.0, "seconds one arXiv API request may take, first byte to last")
    arxiv_retries: int = Field(4, ge=0)
    openreview_api_url: str = Field(DEFAULT_OPENREVIEW_API_URL, description="OpenReview API v2 endpoint")
    acl_anthology_url: str = Field(DEFAULT_ACL_ANTHOLOGY_URL, description="ACL Anthology site (BibTeX/MODS)")
    references: bool = Field(
        True, description="read the paper's reference list (draft, suggest): the notes it cites are related"
    )
    references_api_url: str = Field(
        DEFAULT_REFERENCES_API_URL, description="Semantic Scholar Graph API endpoint (reference lists)"
    )
    fetch_min_interval: float = Field(
        1.0,
        ge=0,
        description="seconds between two requests to one host (OpenReview, ACL Anthology, web pages)",
    )
    fetch_timeout: float = _seconds(20.0, "seconds one such request may take, first byte to last")
    fetch_retries: int = Field(3, ge=0, description="retries of such a request after 429, 5xx or a timeout")
    github_repo: str | None = Field(
        None,
        description="OWNER/NAME whose issues are the corpus (github pull/push; else GITHUB_REPOSITORY, git origin)",
    )

    @field_validator("concurrency", mode="before")
    @classmethod
    def _concurrency(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() == "auto":
            return "auto"
        try:
            number = int(str(value).strip()) if not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None or not 1 <= number <= 256:
            raise ValueError(f"{value!r} is not auto or a whole number from 1 to 256")
        return number

    @field_validator(
        "arxiv_api_url", "openreview_api_url", "acl_anthology_url", "references_api_url", "base_url"
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from urllib.parse import urlparse

        parts = urlparse(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @property
    def llm_configured(self) -> bool:
        """True when an LLM can be called: an API key or a base URL (local servers need no key)."""
        return not self.offline and (self.api_key is not None or self.base_url is not None)


def user_config_dir() -> Path:
    """The per-user folder (``AUTONOTE_CONFIG_DIR`` overrides it; tests point it at a temp dir)."""
    override = os.environ.get("AUTONOTE_CONFIG_DIR")
    return Path(override) if override else Path(click.get_app_dir("autonote"))


def env_name(field: str) -> str:
    return _OPENAI_ENV.get(field) or _SPECIAL_ENV.get(field) or f"AUTONOTE_{field.upper()}"


def find_corpus(start: Path) -> Path | None:
    """The corpus the current folder is in: it, or the nearest parent, holding an
    ``autonote.toml`` or a ``notes/`` folder (the user config folder never counts)."""
    user = user_config_dir().resolve()
    try:
        here = start.resolve()
    except OSError:
        return None
    for folder in (here, *here.parents):
        if folder == user:
            continue
        if (folder / CONFIG_FILE_NAME).is_file() or (folder / "notes").is_dir():
            return folder
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = load_toml(path.read_bytes().decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except NestingTooDeepError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(unknown)}")
    if "api_key" in data:
        raise ConfigError(f"{path}: do not store api_key in a config file; use OPENAI_API_KEY")
    return data


def _env_values(environ: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in Settings.model_fields:
        raw = environ.get(env_name(field))
        if raw is None or raw == "":
            continue
        values[field] = [t.strip() for t in raw.split(",") if t.strip()] if field == "tags" else raw
    return values


def load_settings(
    overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> tuple[Settings, dict[str, str]]:
    """Resolve the effective settings and, for each field set, the layer it came from."""
    environ = dict(os.environ) if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}

    def apply(values: dict[str, Any], where: str) -> None:
        for key, value in values.items():
            merged[key] = value
            origin[key] = where

    user_file = user_config_dir() / CONFIG_FILE_NAME
    if user_file.is_file():
        apply(_read_toml(user_file), str(user_file))
    env = _env_values(environ)
    corpus = overrides.get("corpus") or env.get("corpus") or merged.get("corpus")
    if not corpus:
        found = find_corpus(Path.cwd())
        if found is not None:
            corpus = str(found)
            apply({"corpus": corpus}, "the current folder")
    if corpus:
        corpus_file = Path(corpus).expanduser() / CONFIG_FILE_NAME
        if corpus_file.is_file():
            apply(_read_toml(corpus_file), str(corpus_file))
    apply(env, "environment")
    apply(overrides, "command line")
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        where = origin.get(str(first["loc"][0]), "settings")
        raise ConfigError(f"invalid setting {field} (from {where}): {first['msg']}") from None
    if settings.corpus is not None:
        settings.corpus = settings.corpus.expanduser()
    return settings, origin


def describe(settings: Settings, origin: dict[str, str]) -> list[tuple[str, str, str]]:
    """Rows of (name, shown value, source) with secrets masked, for ``autonote config``."""
    from autonote.secrets import redact

    rows = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            shown = "set (hidden)"
        elif value is None:
            shown = "-"
        elif isinstance(value, list):
            shown = ", ".join(map(str, value)) or "-"
        else:
            shown = redact(str(value))  # a base URL may carry a token
        rows.append((name, shown, origin.get(name, "default")))
    return rows
