"""Errors svcforge reports to users, and the exit code each one maps to (docs/reference/exit-codes.md)."""

from __future__ import annotations

# Exit codes, in one place.
EXIT_OK = 0
EXIT_FAILURE = 1  # anything else: a broken template, git missing, a declined confirmation
EXIT_USAGE = 2  # bad input: a missing or invalid answer, a refused destination or answer change
EXIT_CONFLICTS = 3  # `svcforge update` applied the update but left conflicts to resolve
EXIT_NOT_UPDATABLE = 4  # not a git work tree, uncommitted changes, or no answers file
EXIT_SOURCE = 5  # the template source or the version asked for cannot be had
EXIT_BEHIND_OR_DRIFTED = 6  # `svcforge status --check`: a repository is behind or has drifted
EXIT_INTERRUPTED = 130


class SvcforgeError(Exception):
    """Root of svcforge's errors."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[object, ...]:
        # Subclasses take other arguments; rebuild from the state so an error raised in a
        # worker process (update renders two versions at once) arrives intact.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[SvcforgeError], args: tuple[object, ...], state: dict[str, object]) -> SvcforgeError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class UserError(SvcforgeError):
    """The user's input cannot be used; nothing was written."""

    exit_code = EXIT_USAGE


class AnswerError(UserError):
    """An answer is missing or breaks its question's rule."""

    def __init__(
        self, question: str, rule: str, *, value: object = None, source: str = "", version: str = ""
    ) -> None:
        self.question = question
        self.rule = rule
        self.value = value
        self.source = source
        given = "" if value is None else f" (got {value!r})"
        origin = f" from {source}" if source else ""
        of = f" (template {version})" if version else ""
        super().__init__(f"invalid answer for '{question}'{of}{origin}{given}: {rule}")


class DestinationError(UserError):
    """The destination cannot be written without losing the user's files."""


class RepositoryError(SvcforgeError):
    """The repository cannot be updated as it stands (not git, uncommitted changes, no answers)."""

    exit_code = EXIT_NOT_UPDATABLE


class SourceError(SvcforgeError):
    """The template source or the version asked for is unavailable; says how to fix it."""

    exit_code = EXIT_SOURCE

    def __init__(self, message: str, *, fix: str = "") -> None:
        super().__init__(f"{message}; {fix}" if fix else message)
        self.reason = message
        self.fix = fix
