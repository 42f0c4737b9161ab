"""The one exception resolvers raise on purpose: a client's mistake in a query argument."""

from __future__ import annotations

from ..domain.errors import FieldError

__all__ = ["BadInput", "refused_text"]


class BadInput(Exception):
    """A client mistake in a query argument (page size, cursor): shown with its message.

    Mutation inputs never raise it: their problems are typed results.
    """

    code = "BAD_USER_INPUT"


def refused_text(errors: list[FieldError]) -> None:
    """Raise :class:`BadInput` naming each argument the domain refused (e.g. a search text
    over :data:`~graph_service.domain.validation.SEARCH_TEXT_MAX`)."""
    if errors:
        raise BadInput("; ".join(f"{e.field}: {e.message}" for e in errors))
