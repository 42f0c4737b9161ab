"""The ``/graphql`` route: strawberry's ASGI view, bounded and with a strict request parser.

GraphiQL is served only in development (``GRAPH_SERVICE_DEBUG``). Anything a
client can send that is not a GraphQL request (a JSON body that is not an
object, invalid UTF-8, a body over the size limit) gets a 4xx, never a 5xx.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from ..domain.errors import StoreUnavailable
from ..settings import Settings
from ..snapshot import Snapshot
from .context import Context, build_context
from .limits import BodyLimit, shown, store_unavailable_body
from .memory import ReadModelFreezer
from .schema import schema

__all__ = ["graphql_routes"]


_READ = "graph_service.snapshot"
"""The request's scope key of the snapshot it read (the view serves requests at once)."""


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's view with our context, login throttle and strict JSON parsing."""

    def __init__(self, *, debug: bool) -> None:
        super().__init__(schema, graphql_ide="graphiql" if debug else None,
                         subscription_protocols=())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except StoreUnavailable:
            response = JSONResponse(store_unavailable_body(), status_code=503)
            await response(scope, receive, send)
        snapshot: Snapshot | None = scope.get(_READ)
        if snapshot is not None:  # the answer is sent: now is the time to tidy up
            freezer: ReadModelFreezer = scope["app"].state.freezer
            freezer.settle(snapshot)  # what a reader derived (maps, feeds) since

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        assert isinstance(request, Request)
        context = await build_context(request, request.app.state.login_throttle)
        request.scope[_READ] = context.index.snapshot  # this request's, not the view's
        return context

    async def process_result(self, request: Request,
                             result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [shown(error) for error in result.errors]
        return await super().process_result(request, result)

    def decode_json(self, data: str | bytes) -> object:
        try:
            value = json.loads(data)
        except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, absurd nesting
            raise HTTPException(400, "Unable to parse request body as JSON") from exc
        if not isinstance(value, dict | list):
            raise HTTPException(400, "A GraphQL request is a JSON object")
        return value


def graphql_routes(settings: Settings) -> list[BaseRoute]:
    view = GraphQLView(debug=bool(settings["GRAPH_SERVICE_DEBUG"]))
    return [Route("/graphql", BodyLimit(view))]

