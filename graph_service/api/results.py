"""Expected failures as schema types: a client switches on ``__typename``, never parses text.

Each domain error of :mod:`graph_service.domain.errors` has its result type
here; all implement ``Problem`` so a client can always show ``message``.
Field names in :class:`FieldError` are the API's (camelCase input names,
``channels[0].value``), not the Python ones.
"""

from __future__ import annotations

import re

import strawberry

from ..domain import errors as domain

__all__ = [
    "FieldError",
    "ForbiddenError",
    "NotFoundError",
    "Problem",
    "Problems",
    "SignInRequired",
    "ValidationError",
    "VersionConflictError",
    "api_field_name",
    "problem_of",
]

_SNAKE = re.compile(r"_([a-z0-9])")


def api_field_name(name: str) -> str:
    """``hours[0].opens_at`` → ``hours[0].opensAt``: the name the client sent."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


@strawberry.interface(description="Why an operation did nothing; nothing was written.")
class Problem:
    message: str


@strawberry.type
class FieldError:
    field: str = strawberry.field(description="Input field, e.g. `name` or `channels[0].value`.")
    message: str = strawberry.field(description="In French, with an example of what is "
                                                "expected.")
    message_ar: str = strawberry.field(description="The same in Arabic, for an Arabic "
                                                   "interface (the French when none was "
                                                   "written).")
    suggestions: list[str] = strawberry.field(description="Values the person probably meant "
                                                          "(« voulez-vous dire »), each one "
                                                          "accepted as it is.")


@strawberry.type(description="Input was refused: every bad field is listed.")
class ValidationError(Problem):
    fields: list[FieldError]

    @classmethod
    def of(cls, exc: domain.ValidationFailed) -> ValidationError:
        return cls(
            message="Some fields are invalid; nothing was saved.",
            fields=[FieldError(field=api_field_name(e.field), message=e.message,
                               message_ar=e.message_in("ar"), suggestions=list(e.suggestions))
                    for e in exc.errors],
        )

    @classmethod
    def exists(cls, exc: domain.AlreadyExists) -> ValidationError:
        return cls(message=str(exc), fields=[FieldError(
            field="id", message="existe déjà : choisissez un autre identifiant",
            message_ar="موجود مسبقا: اختر معرفا آخر", suggestions=[])])


@strawberry.type(description="The entry changed since `expectedVersion`: reload it, redo the edit.")
class VersionConflictError(Problem):
    id: str
    expected_version: int
    current_version: int

    @classmethod
    def of(cls, exc: domain.VersionConflict) -> VersionConflictError:
        return cls(message=str(exc), id=exc.id, expected_version=exc.expected,
                   current_version=exc.current)


@strawberry.type
class NotFoundError(Problem):
    kind: str
    id: str

    @classmethod
    def of(cls, exc: domain.NotFound) -> NotFoundError:
        return cls(message=str(exc), kind=exc.kind, id=exc.id)


@strawberry.type(description="The signed-in role may not do this on this entry.")
class ForbiddenError(Problem):
    action: str
    reason: str

    @classmethod
    def of(cls, exc: domain.Forbidden) -> ForbiddenError:
        return cls(message=str(exc), action=exc.action, reason=exc.why)


@strawberry.type(description="Only signed-in professionals may see this; sign in with `login`.")
class SignInRequired(Problem):
    pass


Problems = ValidationError | VersionConflictError | NotFoundError | ForbiddenError
"""The result types of the domain's expected failures."""


def problem_of(exc: domain.GraphServiceError) -> Problems:
    """The result type of an expected failure, the one mapping every operation shares;
    anything else is re-raised (and answered as an internal error, masked)."""
    if isinstance(exc, domain.ValidationFailed):
        return ValidationError.of(exc)
    if isinstance(exc, domain.AlreadyExists):
        return ValidationError.exists(exc)
    if isinstance(exc, domain.VersionConflict):
        return VersionConflictError.of(exc)
    if isinstance(exc, domain.NotFound):
        return NotFoundError.of(exc)
    if isinstance(exc, domain.Forbidden):
        return ForbiddenError.of(exc)
    raise exc
