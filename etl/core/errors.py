"""The ETL's exception tree.

Every error carries a short title a person can act on; the command line prints the title
(and the detail), never a traceback, and exits with the error's exit code.
"""

from __future__ import annotations


class DeskError(Exception):
    """Base of every error the ETL raises on purpose."""

    exit_code = 1
    title = "The ETL failed"

    def __init__(self, detail: str, *, title: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return f"{self.title}: {self.detail}"


class ConfigError(DeskError):
    """The TOML configuration is unreadable or inconsistent."""

    exit_code = 2
    title = "The configuration is not valid"


class InputError(DeskError):
    """An input file cannot be read as a whole (format, encoding, kind, columns)."""

    title = "An input file cannot be loaded"


class LockHeldError(DeskError):
    """Another load or refresh is writing the same warehouse right now."""

    exit_code = 3
    title = "Another load is running"


class PublishError(DeskError):
    """The new warehouse state could not be published; the previous one is intact."""

    title = "The new warehouse could not be published"


class WarehouseError(DeskError):
    """The warehouse is missing, empty, or of a schema this version cannot read."""

    title = "The warehouse cannot be read"
