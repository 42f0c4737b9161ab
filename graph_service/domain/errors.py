"""The small exception hierarchy every layer shares.

Expected failures (bad input, missing entry, stale version, store down) each
have a type, so that the API can turn them into typed results and the CLI into
one clear line, while anything else is a bug and surfaces as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from .messages import say


class GraphServiceError(Exception):
    """Base of every expected failure of the service."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid input: ``where`` is a file:line or an entity id, ``field`` the column."""

    field: str
    message: str
    """French; a :class:`~graph_service.domain.messages.Message` also says itself in Arabic."""
    where: str = ""
    message_ar: str = ""
    """The message in Arabic, for Arabic pages, when one was written (else ``message``)."""
    suggestions: tuple[str, ...] = ()
    """Values the person probably meant (« voulez-vous dire … »), each one a whole valid
    value of the field: a page offers them as buttons that fill it in."""

    def message_in(self, lang: str) -> str:
        """The message in ``lang`` (``fr`` or ``ar``)."""
        return self.message_ar if lang == "ar" and self.message_ar else say(self.message, lang)

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.field}: {self.message}"


class ValidationFailed(GraphServiceError):
    """Input was refused; nothing was written."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class NotFound(GraphServiceError):
    def __init__(self, kind: str, id: str) -> None:
        self.kind, self.id = kind, id
        super().__init__(f"{kind} {id!r} not found")


class VersionConflict(GraphServiceError):
    """An update was based on a version that is no longer current; nothing was written."""

    def __init__(self, kind: str, id: str, expected: int, current: int) -> None:
        self.kind, self.id, self.expected, self.current = kind, id, expected, current
        super().__init__(
            f"{kind} {id!r}: expected version {expected} but the current version is {current}"
        )


class AlreadyExists(GraphServiceError):
    def __init__(self, kind: str, id: str) -> None:
        self.kind, self.id = kind, id
        super().__init__(f"{kind} {id!r} already exists")


class StoreUnavailable(GraphServiceError):
    """The database cannot be reached; the request failed fast and may be retried."""

    code = "STORE_UNAVAILABLE"


class Forbidden(GraphServiceError):
    """The signed-in user's role does not allow this action on this entry."""

    def __init__(self, action: str, target: str, why: str) -> None:
        self.action, self.target, self.why = action, target, why
        super().__init__(f"not allowed to {action} {target}: {why}")
