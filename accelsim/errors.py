"""Errors that reach the user as one line: the file, the field path and what is wrong."""

from __future__ import annotations


class AccelsimError(Exception):
    """Base of every error the CLI reports without a traceback (exit code 2)."""

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None):
        self.file = file
        self.field = field
        self.message = " ".join(str(message).split())  # always one line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ": ".join(_printable(str(part)) for part in (self.file, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


def _printable(text: str) -> str:
    """A file name as one line: control characters (a newline in a name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def os_error_cause(exc: BaseException) -> str:
    """A short cause for an OSError (or a path ValueError such as an embedded NUL byte)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return exc.__class__.__name__


class SpecError(AccelsimError):
    """A malformed arch, workload or sweep file."""


class WorkloadError(AccelsimError):
    """A workload that parses but cannot be simulated (e.g. a mask contradicting its layer)."""


class EngineError(AccelsimError):
    """An engine asked to run something it cannot model."""
