"""What every resolver of one request gets: store, principal, loaders, read model.

The principal comes from the ``Authorization: Bearer`` token (missing,
unknown or expired: the anonymous public). The read model (:class:`Index`)
is the one of the store revision current when the request started, so a
whole answer is consistent; a mutation refreshes it after its write.
"""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import Request

from ..access import Principal
from ..auth import LoginThrottle, principal_for_token
from ..domain.entities import AnyEntity
from ..editing import Editor
from ..search import Index, IndexCache
from ..snapshot import Snapshot
from ..store import GraphStore, run_blocking
from .loaders import Loaders, make_loaders

__all__ = ["Context", "Info", "bearer_token", "build_context"]


@dataclass(slots=True)
class Context:
    request: Request
    store: GraphStore
    principal: Principal
    loaders: Loaders
    index: Index
    indexes: IndexCache
    throttle: LoginThrottle

    @property
    def editor(self) -> Editor:
        return Editor(self.store)

    @property
    def client_address(self) -> str:
        return self.request.client.host if self.request.client else "unknown"

    async def written(self, entity: AnyEntity) -> None:
        """After a write: later fields of this request see the entry as stored."""
        loader = getattr(self.loaders, entity.kind, None)
        if loader is not None:
            loader.prime(entity.id, entity, force=True)
        self.index = await run_blocking(self.indexes.get)


Info = strawberry.Info[Context, None]


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def build_context(request: Request, throttle: LoginThrottle) -> Context:
    """One worker-thread hop: who is asking, and the read model of the current revision."""
    store: GraphStore = request.app.state.store
    indexes: IndexCache = request.app.state.index_cache
    token = bearer_token(request)

    def load() -> tuple[Principal, Index]:
        return principal_for_token(store, token), indexes.get()

    def snapshot() -> Snapshot:  # the one the request reads now: refreshed after its writes
        return context.index.snapshot

    principal, index = await run_blocking(load)
    context = Context(request=request, store=store, principal=principal,
                      loaders=make_loaders(store, principal, snapshot), index=index,
                      indexes=indexes, throttle=throttle)
    return context
