"""One exception family. The CLI turns each into a single line on stderr and an exit code."""

from __future__ import annotations


class AutonoteError(Exception):
    """Base class for every error autonote reports to the user.

    ``exit_code`` follows the CLI convention: 1 for a failure, 2 for bad usage or bad input.
    """

    exit_code = 1


class UsageError(AutonoteError):
    """The user asked for something that cannot be understood (bad id, bad file, bad option)."""

    exit_code = 2


class ConfigError(AutonoteError):
    """The configuration files or environment are invalid."""

    exit_code = 2


class PaperNotFoundError(AutonoteError):
    """A well-formed identifier that the metadata source does not know."""


class SourceUnavailableError(AutonoteError):
    """The metadata source could not be reached or kept failing."""


class LLMError(AutonoteError):
    """The LLM server failed, or its output never passed validation."""


class LLMOutputInvalidError(LLMError):
    """Every attempt (first ask plus re-asks) produced output that failed validation.

    ``attempts`` holds one record per attempt (raw text, errors, usage) for inspection.
    """

    def __init__(self, message: str, attempts: list[dict]) -> None:
        super().__init__(message)
        self.attempts = attempts


class NoteFormatError(AutonoteError):
    """A markdown note on disk could not be parsed."""

    exit_code = 1


class WriteRefusedError(AutonoteError):
    """Writing would overwrite an existing note or draft (use --force), or the disk refused it."""


class RemoteStoreError(AutonoteError):
    """A remote note store (GitHub today) refused or failed a request: a write it was sent may or
    may not have happened (a push then looks for the note it may have created)."""


class RemoteNoteGoneError(RemoteStoreError):
    """One note is no longer in the remote store (moved away or deleted): it stops that note, not
    the others."""


class LLMFatalError(LLMError):
    """An LLM failure that every further request would repeat (bad key, unknown model): stop the run."""
