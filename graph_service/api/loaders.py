"""DataLoaders: the entries one request needs, from its read model, else one store call per
kind and tick.

A page of 100 organisations with their services and contacts resolves
hundreds of fields; each asks its loader. The loader answers from the
snapshot the request reads (``Context.index``: the revision current when the
request started, refreshed after a write of the request), so a whole answer
comes from one revision and costs no store round trip; the ids it does not
hold, asked in the same event-loop tick, make one ``get_many``. The loaders
live for one request only (new ones per request), so an edit is never hidden
by a stale cache and one user's reads never serve another's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property

from strawberry.dataloader import DataLoader

from ..access import Principal
from ..domain.entities import ENTITY_CLASSES, READ_CONTACTS, AnyEntity, EntityKind
from ..snapshot import Snapshot
from ..store import GraphStore, run_blocking

__all__ = ["Loaders"]

class Loaders:
    """The loaders of one request, each made when first used: a read the snapshot answers
    (:meth:`~.context.Context.entries`) needs none. ``snapshot`` gives the read model the
    request reads at the time."""

    def __init__(self, store: GraphStore, principal: Principal,
                 snapshot: Callable[[], Snapshot]) -> None:
        self.store, self.principal, self.snapshot = store, principal, snapshot
        self._made: dict[EntityKind, DataLoader[str, AnyEntity | None]] = {}

    def of(self, kind: EntityKind) -> DataLoader[str, AnyEntity | None]:
        """The loader of the entries of ``kind``, made when first used."""
        loader = self._made.get(kind)
        if loader is None:
            loader = self._made[kind] = DataLoader(_entries(self.store, kind, self.snapshot))
        return loader

    @cached_property
    def contact_read(self) -> DataLoader[str, None]:
        """Logs that the principal read a contact's personal data: once per contact per
        request."""
        return DataLoader(_read_logger(self.store, self.principal))


def _entries(
    store: GraphStore, kind: EntityKind, snapshot: Callable[[], Snapshot],
) -> Callable[[list[str]], Awaitable[Sequence[AnyEntity | None]]]:
    cls = ENTITY_CLASSES[kind]

    async def load(ids: list[str]) -> Sequence[AnyEntity | None]:
        known = snapshot().held(kind)
        found: dict[str, AnyEntity | None] = {i: known[i] for i in ids if i in known}
        missing = [i for i in ids if i not in found]
        if missing:
            found.update(zip(missing, await run_blocking(store.get_many, kind, missing),
                             strict=True))
        return [e if isinstance(e := found[i], cls) else None for i in ids]

    return load


def _read_logger(
    store: GraphStore, principal: Principal
) -> Callable[[list[str]], Awaitable[Sequence[None]]]:
    def record(ids: list[str]) -> None:
        for contact_id in ids:
            store.record_event(actor=principal.actor, action=READ_CONTACTS,
                               entity_kind="contact", entity_id=contact_id)

    async def load(ids: list[str]) -> Sequence[None]:
        await run_blocking(record, ids)
        return [None] * len(ids)

    return load
