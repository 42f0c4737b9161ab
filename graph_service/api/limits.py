"""What keeps one request from hurting the service, and what a client may see of a failure.

Limits: document depth, aliases and tokens (strawberry's validation
extensions), the estimated number of fields an answer resolves
(:mod:`.cost`), page sizes (:mod:`.pagination`) and the request body size
(:class:`BodyLimit`, before anything is parsed). Errors: an unexpected
exception becomes "Internal server error" with no message or trace from the
code; a client mistake (:class:`BadInput`) and an unreachable store keep a
message and an ``extensions.code`` a program can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from graphql import GraphQLError, ValidationContext, ValidationRule
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from ..domain.errors import StoreUnavailable
from .cost import QueryCostLimiter
from .errors import BadInput

__all__ = [
    "MAX_ALIASES",
    "MAX_BODY_BYTES",
    "MAX_DEPTH",
    "MAX_TOKENS",
    "BodyLimit",
    "ErrorCodes",
    "extensions",
    "is_unexpected",
    "shown",
    "store_unavailable_body",
]

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000
DOCUMENT_CACHE = 256
MAX_BODY_BYTES = 256 * 1024
"""Large enough for a full service with a 4,000-character description, tiny for a server."""

STORE_UNAVAILABLE_MESSAGE = "The annuaire store is unavailable; retry in a moment."
INTERNAL_MESSAGE = "Internal server error"


def is_unexpected(error: GraphQLError) -> bool:
    """A bug or an outage (worth a log line with its trace), not a client's mistake."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | BadInput)


def shown(error: GraphQLError) -> GraphQLError:
    """The error as a client may see it: unexpected ones masked, known ones with a code.

    Idempotent: an error already shown has no original exception left.
    """
    original = error.original_error
    if isinstance(original, BadInput):
        return _coded(error, str(original), BadInput.code)
    if isinstance(original, StoreUnavailable):
        return _coded(error, STORE_UNAVAILABLE_MESSAGE, StoreUnavailable.code)
    if is_unexpected(error):
        return _coded(error, INTERNAL_MESSAGE, "INTERNAL_SERVER_ERROR")
    return error  # syntax or validation: about the document, safe to show


def _coded(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, extensions={"code": code})


class ErrorCodes(MaskErrors):
    """:func:`shown` applied to every error of an operation.

    Strawberry skips operation extensions for an exception raised outside
    resolvers (in a validation rule, say), so the HTTP view applies
    :func:`shown` once more to whatever it sends.
    """

    def __init__(self) -> None:
        super().__init__(error_message=INTERNAL_MESSAGE)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [shown(error) for error in errors]

    def _process_result(self, result: object) -> None:
        """As strawberry's, without its check against a ``Protocol`` (slow, on every answer)."""
        errors = getattr(result, "errors", None)
        if errors:
            cast(Any, result).errors = self._process_errors(errors)


def _depth_rule() -> type[ValidationRule]:
    """Strawberry's depth rule, which fails on a spread of an unknown fragment.

    Such a document is refused anyway (``KnownFragmentNames``), so the rule
    then stands aside instead of raising ``KeyError``.
    """
    [rule] = QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules

    class DepthLimit(rule):  # type: ignore[valid-type, misc]
        def __init__(self, context: ValidationContext) -> None:
            try:
                super().__init__(context)
            except KeyError:
                ValidationRule.__init__(self, context)

    return DepthLimit


class DocumentLimits(AddValidationRules):
    """Depth, alias and cost limits as validation rules.

    The rule classes are made once, so that a repeated document (clients send
    the same query with new variables) hits the validation cache.
    """

    RULES = (_depth_rule(),
             *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
             QueryCostLimiter)

    def __init__(self) -> None:
        super().__init__(list(self.RULES))


def extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories of the schema extensions (fresh ones per request), in the order they apply.

    Parsing and validation results are cached per document text (bounded LRU).
    """
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=DOCUMENT_CACHE),
        DocumentLimits,
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE),
        ErrorCodes,
    ]


def store_unavailable_body() -> dict[str, Any]:
    """The GraphQL-shaped answer when the store fails before execution (signing in)."""
    return {"data": None, "errors": [{"message": STORE_UNAVAILABLE_MESSAGE,
                                      "extensions": {"code": StoreUnavailable.code}}]}


class BodyLimit:
    """ASGI wrapper answering 413 to a request body over ``max_bytes``, read or declared.

    The body is read here (bounded) and replayed to the wrapped app, so no
    parser ever sees more than ``max_bytes``.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    body = f"Request body too large (limit {limit} bytes)".encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
