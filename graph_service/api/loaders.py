"""DataLoaders: the entries one request needs, fetched in one store call per kind and tick.

A page of 100 organisations with their services and contacts resolves
hundreds of fields; each asks its loader, and the loader turns all the ids
asked in the same event-loop tick into one ``get_many``. The loaders live for
one request only (new ones per request), so an edit is never hidden by a
stale cache and one user's reads never serve another's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from strawberry.dataloader import DataLoader

from ..access import Principal
from ..domain.entities import (
    READ_CONTACTS,
    AnyEntity,
    Contact,
    EntityKind,
    Organization,
    ReferralLink,
    Service,
    Site,
)
from ..store import GraphStore, run_blocking

__all__ = ["Loaders", "make_loaders"]

E = TypeVar("E", bound=AnyEntity)


@dataclass(frozen=True, slots=True)
class Loaders:
    organization: DataLoader[str, Organization | None]
    site: DataLoader[str, Site | None]
    service: DataLoader[str, Service | None]
    contact: DataLoader[str, Contact | None]
    referral_link: DataLoader[str, ReferralLink | None]
    contact_read: DataLoader[str, None]
    """Logs that the principal read a contact's personal data: once per contact per request."""


def make_loaders(store: GraphStore, principal: Principal) -> Loaders:
    return Loaders(
        organization=DataLoader(_entries(store, "organization", Organization)),
        site=DataLoader(_entries(store, "site", Site)),
        service=DataLoader(_entries(store, "service", Service)),
        contact=DataLoader(_entries(store, "contact", Contact)),
        referral_link=DataLoader(_entries(store, "referral_link", ReferralLink)),
        contact_read=DataLoader(_read_logger(store, principal)),
    )


def _entries(
    store: GraphStore, kind: EntityKind, cls: type[E]
) -> Callable[[list[str]], Awaitable[Sequence[E | None]]]:
    async def load(ids: list[str]) -> Sequence[E | None]:
        found = await run_blocking(store.get_many, kind, ids)
        return [e if isinstance(e, cls) else None for e in found]

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
