"""Errors svcforge reports to users, and the exit code each one maps to."""

from __future__ import annotations

# Exit codes, in one place.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2  # bad input: a missing or invalid answer, a refused destination
EXIT_CONFLICTS = 3  # `svcforge update` left merge conflicts to resolve
EXIT_INTERRUPTED = 130


class SvcforgeError(Exception):
    """Root of svcforge's errors."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserError(SvcforgeError):
    """The user's input cannot be used; nothing was written."""

    exit_code = EXIT_USAGE


class AnswerError(UserError):
    """An answer is missing or breaks its question's rule."""

    def __init__(self, question: str, rule: str, *, value: object = None, source: str = "") -> None:
        self.question = question
        self.rule = rule
        self.value = value
        self.source = source
        given = "" if value is None else f" (got {value!r})"
        origin = f" from {source}" if source else ""
        super().__init__(f"invalid answer for '{question}'{origin}{given}: {rule}")


class DestinationError(UserError):
    """The destination cannot be written without losing the user's files."""
