"""Persistence: one protocol (:mod:`.protocol`), two adapters, one way to open them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread

from ..settings import Settings
from .protocol import ApplyResult, GraphStore

__all__ = ["ApplyResult", "GraphStore", "open_store", "run_blocking"]

T = TypeVar("T")


def open_store(settings: Settings) -> GraphStore:
    """The store the settings name (``GRAPH_SERVICE_STORE``)."""
    kind = settings["GRAPH_SERVICE_STORE"]
    if kind == "embedded":
        from .embedded import EmbeddedStore

        return EmbeddedStore(settings["GRAPH_SERVICE_DB"])
    if kind == "neo4j":
        from .neo4j import Neo4jStore

        return Neo4jStore.from_settings(settings)
    raise ValueError(f"GRAPH_SERVICE_STORE: unknown store {kind!r} (embedded or neo4j)")


async def run_blocking(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run a blocking store call in a worker thread, so the event loop stays free."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
