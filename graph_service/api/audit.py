"""The audit trail of an entry: who changed or verified it, when, before and after.

Signed-in users only (it names colleagues and may hold contact data); reading a
contact's trail is an audited contact read. Admins also see who read an entry's
contacts and changes to user accounts.
"""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from ..domain.entities import REQUEST_CORRECTION, AuditEntry
from ..review import readable_trail
from ..store import run_blocking
from .context import Info
from .pagination import Connection, window
from .results import SignInRequired

__all__ = ["AuditQuery", "Change"]

WRITES = frozenset({"create", "update", "verify", "delete", REQUEST_CORRECTION})
"""What every signed-in user sees of a trail: the writes, and the corrections asked for
(``after``: ``message``, ``version``)."""


@strawberry.type(description="One audited event on an entry.")
class Change:
    seq: int
    at: str
    actor: str
    action: str = strawberry.field(
        description="create, update, verify, delete, request_correction (`after`: the "
                    "`message` and the `version` it is about); for admins also read_contacts, "
                    "put_user, remove_user, revoke_user.")
    entity_kind: str
    entity_id: str
    before: JSON | None
    after: JSON | None

    @classmethod
    def of(cls, entry: AuditEntry) -> Change:
        return cls(seq=entry.seq, at=entry.at, actor=entry.actor, action=entry.action,
                   entity_kind=entry.entity_kind, entity_id=entry.entity_id,
                   before=cast(JSON, entry.before), after=cast(JSON, entry.after))


ChangesResult = Annotated[Connection[Change] | SignInRequired, strawberry.union("ChangesResult")]


@strawberry.type
class AuditQuery:
    @strawberry.field(description="The audit trail of an entry, oldest first.")
    async def changes(
        self, info: Info, entity_id: strawberry.ID,
        first: int | None = None, after: str | None = None,
    ) -> ChangesResult:
        principal = info.context.principal
        if not principal.signed_in:
            return SignInRequired(message="Sign in to see the audit trail.")
        trail = await run_blocking(readable_trail, info.context.store, principal, entity_id)
        shown = {f"{e.seq:012d}": e for e in trail
                 if principal.role == "admin" or e.action in WRITES}
        page = window(sorted(shown), first, after)
        return page.connection([Change.of(shown[k]) for k in page.keys])
