"""The ASGI application: the store opened at startup, closed at shutdown, routes mounted
(GraphQL at /graphql, the HSDS feed at /api/hsds/, maps, the pages).

Interfaces stay thin: each route module gets the store from ``request.app.state``
and calls a service; nothing here knows about SQL or Cypher.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from . import __version__, referrals
from .api.memory import ReadModelFreezer
from .api.priority import ReadsAfterWrites, WritesFirst
from .api.routes import graphql_routes
from .auth import LoginThrottle
from .domain.errors import StoreUnavailable
from .hsds.routes import hsds_routes
from .maps.routes import map_routes, warm_gap_maps
from .orientation.index import ORIENTATION_INDEX
from .search import IndexCache
from .search.index import SEARCH_INDEX
from .settings import Settings
from .snapshot import SnapshotCache
from .store import GraphStore, open_store, run_blocking
from .web.routes import routes as web_routes
from .web.routes import session_middleware

log = logging.getLogger(__name__)

REFERRAL_CLOCK_SECONDS = 300
"""How often the server expires overdue referrals and retires old ones."""


async def referral_clock(store: GraphStore, retention_days: int, stop: asyncio.Event) -> None:
    """Every few minutes, :func:`graph_service.referrals.tick`, until ``stop`` is set; an
    unreachable store waits for the next round. A tick under way always finishes (the app
    closes the store only after this returns)."""
    while not stop.is_set():
        try:
            expired, retired = await run_blocking(referrals.tick, store, retention_days)
            if expired or retired:
                log.info("referrals: %d expired, %d retired", expired, retired)
        except StoreUnavailable as exc:
            log.warning("referral clock: store unavailable: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), REFERRAL_CLOCK_SECONDS)


async def healthz(request: Request) -> JSONResponse:
    store: GraphStore = request.app.state.store
    try:
        revision = await run_blocking(store.revision)
    except StoreUnavailable:
        return JSONResponse({"status": "unavailable", "store": store.name}, status_code=503)
    return JSONResponse(
        {"status": "ok", "store": store.name, "revision": revision, "version": __version__}
    )


async def stats(request: Request) -> JSONResponse:
    counts = dataclasses.asdict(await run_blocking(request.app.state.store.counts))
    return JSONResponse(counts)


async def store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": StoreUnavailable.code}, status_code=503)


class ReadYourWrites:
    """A request that wrote answers once the snapshot holds its write, so that the writer's
    next read (the page a form redirects to, the query after a mutation) sees it; every
    other request reads the snapshot there is, never waiting (:class:`SnapshotCache`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope.get("app")
        snapshots = getattr(app.state, "snapshots", None) if app is not None else None
        if scope["type"] != "http" or not isinstance(snapshots, SnapshotCache):
            await self.app(scope, receive, send)
            return
        written = snapshots.store.written_revision

        async def answer(message: Message) -> None:
            if (message["type"] == "http.response.start"
                    and snapshots.store.written_revision > written
                    and not snapshots.holds_writes()):  # else no thread hop is needed
                with contextlib.suppress(StoreUnavailable):  # the write stands: answer it
                    await run_blocking(snapshots.catch_up)
            await send(message)

        await self.app(scope, receive, answer)


def proxy_middleware(settings: Settings) -> list[Middleware]:
    """Client addresses from ``X-Forwarded-For`` when the request comes from a trusted proxy.

    uvicorn's own middleware, installed in the app rather than by ``serve`` so that
    it holds however the app is served: it replaces the client address (what the
    sign-in throttle counts and the access log shows) with the last address of
    the header not itself a trusted proxy. With no proxy trusted, the header is
    ignored: anyone could write it.
    """
    trusted = settings["GRAPH_SERVICE_TRUSTED_PROXIES"].strip()
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)] if trusted else []


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> Starlette:
    """Build the app; ``store`` lets tests hand in one they prepared (it is then not closed)."""
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        app.state.settings = settings
        app.state.store = store or open_store(settings)
        app.state.freezer = ReadModelFreezer()
        app.state.snapshots = SnapshotCache(app.state.store,
                                            refresh_s=settings["GRAPH_SERVICE_REFRESH_S"],
                                            derived=(SEARCH_INDEX, ORIENTATION_INDEX),
                                            swapped=app.state.freezer.settle)
        app.state.snapshots.start()
        app.state.writes_first = WritesFirst(app.state.snapshots)
        app.state.login_throttle = LoginThrottle(app.state.store)  # the API's and the pages'
        app.state.index_cache = IndexCache(app.state.store, app.state.snapshots)
        stop = asyncio.Event()
        clock = asyncio.create_task(referral_clock(
            app.state.store, settings["GRAPH_SERVICE_REFERRAL_RETENTION_DAYS"], stop))
        stop_warming = threading.Event()
        warmer = threading.Thread(target=warm_gap_maps, args=(app.state, stop_warming),
                                  name="map-warmer", daemon=True)
        if settings["GRAPH_SERVICE_WARM_MAPS"]:
            warmer.start()
        try:
            yield {}
        finally:
            stop.set()
            stop_warming.set()
            await clock
            if warmer.is_alive():  # a map being rendered finishes before the store closes
                await run_blocking(warmer.join)
            await run_blocking(app.state.snapshots.stop)  # and so does a snapshot being made
            if store is None:
                app.state.store.close()

    routes = [
        Route("/healthz", healthz),
        Route("/stats", stats),
        *graphql_routes(settings),
        *hsds_routes(),
        *map_routes(),
        *web_routes,
    ]
    return Starlette(
        debug=bool(settings["GRAPH_SERVICE_DEBUG"]),
        routes=routes,
        middleware=[*proxy_middleware(settings), session_middleware(settings),
                    Middleware(ReadYourWrites), Middleware(ReadsAfterWrites)],
        lifespan=lifespan,
        exception_handlers={StoreUnavailable: store_unavailable},
    )
