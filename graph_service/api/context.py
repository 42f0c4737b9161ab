"""What every resolver of one request gets: store, principal, loaders, read model.

The principal comes from the ``Authorization: Bearer`` token (missing,
unknown or expired: the anonymous public). The read model (:class:`Index`)
is the one of the store revision current when the request started, so a
whole answer is consistent; a mutation refreshes it after its write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

import strawberry
from starlette.requests import Request

from ..access import Principal
from ..auth import LoginThrottle, principal_for_token
from ..domain.entities import AnyEntity, EntityKind
from ..editing import Editor
from ..search import Index, IndexCache
from ..snapshot import Snapshot
from ..store import GraphStore, run_blocking
from .loaders import Loaders

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
    wrote: bool = False
    """Whether the request wrote an entry (:meth:`written`): its reads then go through the
    loaders, which hold what it wrote."""

    @property
    def editor(self) -> Editor:
        return Editor(self.store)

    @property
    def client_address(self) -> str:
        return self.request.client.host if self.request.client else "unknown"

    def entries(self, kind: EntityKind, ids: Sequence[str]
                ) -> Sequence[AnyEntity | None] | Awaitable[Sequence[AnyEntity | None]]:
        """The entries of ``ids`` (None: not found), or an awaitable of them.

        A read is answered at once from the request's snapshot when it holds them all:
        what the loaders would answer, without the event loop running a task per field;
        after a write of the request, or for an id the snapshot lacks, the loaders answer.
        """
        if not self.wrote:
            held = self.index.snapshot.held(kind)
            found = [held.get(i) for i in ids]
            if all(e is not None for e in found):
                return found
        return self.loaders.of(kind).load_many(list(ids))

    def written(self, entity: AnyEntity, index: Index) -> None:
        """After a write: later fields of this request see the entry as stored, and the
        index that holds it (:class:`~.priority.WritesFirst` brought it up to the write)."""
        self.wrote = True
        self.loaders.of(entity.kind).prime(entity.id, entity, force=True)
        self.index = index


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
                      loaders=Loaders(store, principal, snapshot), index=index,
                      indexes=indexes, throttle=throttle)
    return context
