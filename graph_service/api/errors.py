"""The one exception resolvers raise on purpose: a client's mistake in a query argument."""

from __future__ import annotations

__all__ = ["BadInput"]


class BadInput(Exception):
    """A client mistake in a query argument (page size, cursor): shown with its message.

    Mutation inputs never raise it: their problems are typed results.
    """

    code = "BAD_USER_INPUT"
