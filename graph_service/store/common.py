"""Rules shared by every store adapter, so that they cannot drift apart.

The adapters differ only in how they talk to their database; what a version
is, what counts as a change, which references must resolve and what an audit
entry holds are decided here once.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from ..domain.entities import (
    REFERENCES,
    AnyEntity,
    AuditEntry,
    Counts,
    EntityKind,
    User,
    from_record,
    to_record,
)
from ..domain.errors import FieldError, NotFound, ValidationFailed, VersionConflict
from ..domain.referral import Referral, ReferralQuery, ReferralTally, Step
from .protocol import ApplyResult, EntryChange

ENTRY_WRITES = ("create", "update", "verify", "delete")
"""The audited actions that change an entry: what the change feed carries."""

META_FIELDS = frozenset({"version", "last_modified", "verified_at", "verified_by", "created_by"})


def now_iso() -> str:
    """UTC timestamp with microseconds: sortable as text, unique enough for ordering."""
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    """The one text form of a time in the stores: comparable as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> datetime:
    """The time an :func:`iso` text stands for (aware, UTC)."""
    return datetime.fromisoformat(text)


def content(entity: AnyEntity) -> dict[str, Any]:
    """The record without bookkeeping fields: what an edit can change."""
    return {k: v for k, v in to_record(entity).items() if k not in META_FIELDS}


def stamped(entity: AnyEntity, *, version: int, at: str, previous: AnyEntity | None) -> AnyEntity:
    """The entity as stored after a write: new version and time, verification and creator kept."""
    return dataclasses.replace(
        entity,
        version=version,
        last_modified=at,
        verified_at=previous.verified_at if previous else entity.verified_at,
        verified_by=previous.verified_by if previous else entity.verified_by,
        created_by=previous.created_by if previous else entity.created_by,
    )


def references(entity: AnyEntity) -> list[tuple[str, EntityKind, str]]:
    """(field, target kind, target id) for every non-empty reference of the entity."""
    out: list[tuple[str, EntityKind, str]] = []
    for field, target in REFERENCES[entity.kind].items():
        value = getattr(entity, field)
        if isinstance(value, tuple):
            out.extend((field, target, target_id) for target_id in value)
        elif value:
            out.append((field, target, value))
    return out


def check_references(
    entities: Sequence[AnyEntity],
    exists: Callable[[EntityKind, list[str]], set[str]],
) -> None:
    """Raise :class:`ValidationFailed` naming each reference that points nowhere.

    ``exists(kind, ids)`` returns the ids of that kind already stored (asked once per
    kind, for every id the batch points at outside itself); ids defined in the same
    batch count as existing.
    """
    in_batch: dict[str, set[str]] = {}
    for e in entities:
        in_batch.setdefault(e.kind, set()).add(e.id)
    pointing = [(e, references(e)) for e in entities]
    wanted: dict[EntityKind, set[str]] = {}
    for _e, refs in pointing:
        for _field, kind, target in refs:
            if target not in in_batch.get(kind, ()):
                wanted.setdefault(kind, set()).add(target)
    found = {kind: exists(kind, sorted(ids)) for kind, ids in wanted.items()}
    errors = [
        FieldError(field, f"« {target} » n'existe pas ({kind})", f"{e.kind} {e.id}",
                   f"«{target}» غير موجود ({kind})")
        for e, refs in pointing
        for field, kind, target in refs
        if target in wanted.get(kind, ()) and target not in found[kind]
    ]
    if errors:
        raise ValidationFailed(errors)


def reference_index(entity: AnyEntity) -> list[tuple[str, str]]:
    """(field, id) pairs a store indexes, so ``entries(where=...)`` and deletes find referrers."""
    return [(field, target) for field, _kind, target in references(entity)]


def check_filter(kind: EntityKind, field: str) -> None:
    """``entries(where=...)`` filters on reference fields only: refuse any other, naming it."""
    if field not in REFERENCES[kind]:
        raise ValidationFailed(
            [FieldError(field, f"cannot filter {kind} on {field}; use a reference field")]
        )


def audit_at(action: str, after: AnyEntity | None) -> str:
    """When an audited write happened: the new ``last_modified`` of an edit, else now."""
    return after.last_modified if after and action != "verify" else now_iso()


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """One write of an entry: ``stored`` as it must be written, ``previous`` its former state.

    ``record`` is ``stored`` as canonical JSON, made once: it is both what the store
    keeps and the audit entry's ``after`` (a bulk write makes hundreds of thousands).
    """

    action: str
    stored: AnyEntity
    previous: AnyEntity | None
    record: str = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "record", dumps(to_record(self.stored)))

    @property
    def before(self) -> str | None:
        """The audit entry's ``before``: the former record, or nothing for a creation."""
        return record_json(self.previous)

    @property
    def at(self) -> str:
        """When the write happened, as its audit entry says."""
        return audit_at(self.action, self.stored)


def last_writes(changes: Sequence[Change]) -> list[Change]:
    """The last change of each id, in the order ids first appear: what a batch leaves stored.

    An id given twice in a batch is written once, in its final state; its audit entries
    (one per change) are all kept.
    """
    return list({c.stored.id: c for c in changes}.values())


def check_kinds(entities: Sequence[AnyEntity], existing: Mapping[str, AnyEntity]) -> None:
    """Refuse a batch that reuses an id already held by an entry of another kind."""
    clashes = [
        FieldError("id", f"already used by a {existing[e.id].kind}", f"{e.kind} {e.id}")
        for e in entities
        if e.id in existing and existing[e.id].kind != e.kind
    ]
    if clashes:
        raise ValidationFailed(clashes)


def plan_apply(
    entities: Sequence[AnyEntity], existing: Mapping[str, AnyEntity], at: str
) -> tuple[list[Change], ApplyResult]:
    """What ``apply`` writes, in order: new ids created, changed content updated, rest untouched.

    ``existing`` holds the stored entries of the batch's ids (checked with
    :func:`check_kinds` and :func:`check_references` first). An id given twice
    is compared with what its first occurrence wrote, as if the batch were
    applied entry by entry (versions 1 then 2).
    """
    seen = dict(existing)
    changes: list[Change] = []
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for entity in entities:
        previous = seen.get(entity.id)
        if previous is None:
            change = Change("create", stamped(entity, version=1, at=at, previous=None), None)
            created.append(entity.id)
        elif content(previous) != content(entity):
            change = Change("update", stamped(entity, version=previous.version + 1, at=at,
                                              previous=previous), previous)
            updated.append(entity.id)
        else:
            unchanged.append(entity.id)
            continue
        changes.append(change)
        seen[entity.id] = change.stored  # a second occurrence builds on this write
    return changes, ApplyResult(tuple(created), tuple(updated), tuple(unchanged))


# --- the single-entry write path and the shape of stored records ------------------------


def dumps(value: Any) -> str:
    """Canonical JSON of a stored record: stable key order, so equal records compare equal."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_json(entity: AnyEntity | None) -> str | None:
    """An audit entry's before/after: the whole record, or nothing."""
    return dumps(to_record(entity)) if entity is not None else None


def found_or_raise(found: Mapping[str, AnyEntity], kind: EntityKind, id: str) -> AnyEntity:
    if id not in found:
        raise NotFound(kind, id)
    return found[id]


def check_version(current: AnyEntity, expected: int) -> None:
    """Optimistic concurrency: a write based on an older version changes nothing."""
    if current.version != expected:
        raise VersionConflict(current.kind, current.id, expected, current.version)


def refuse_referenced(kind: EntityKind, id: str, referrers: Iterable[tuple[str, str]]) -> None:
    """An entry others point to (``(source id, field)`` pairs) cannot be deleted."""
    errors = [FieldError("id", f"encore référencé par {src} ({field})", f"{kind} {id}",
                         message_ar=f"لا يزال مرجعا لـ {src} ({field})")
              for src, field in referrers]
    if errors:
        raise ValidationFailed(errors)


def verified(current: AnyEntity, actor: str, expected_version: int) -> AnyEntity:
    """The entry as checked by ``actor`` now: not an edit, the version stays.

    ``expected_version`` is the version the verifier reviewed: an edit made since
    would otherwise be verified unseen (:class:`VersionConflict`, nothing written).
    """
    check_version(current, expected_version)
    return dataclasses.replace(current, verified_at=now_iso(), verified_by=actor)


def counts_from(n: Mapping[str, int]) -> Counts:
    """Counts from entries per kind and territories per level, however a store counted them."""
    return Counts(
        organizations=n.get("organization", 0), sites=n.get("site", 0),
        services=n.get("service", 0), contacts=n.get("contact", 0),
        referral_links=n.get("referral_link", 0), memberships=n.get("membership", 0),
        regions=n.get("region", 0), provinces=n.get("province", 0),
        communes=n.get("commune", 0),
    )


def audit_entry(
    seq: int, at: str, actor: str, action: str, entity_kind: str, entity_id: str,
    before: str | None, after: str | None,
) -> AuditEntry:
    """An audit entry read back from storage, before/after given as stored JSON."""
    return AuditEntry(
        seq=seq, at=at, actor=actor, action=action, entity_kind=entity_kind, entity_id=entity_id,
        before=json.loads(before) if before else None,
        after=json.loads(after) if after else None,
    )


def entry_change(seq: int, revision: int | None, kind: str, id: str,
                 after: str | None) -> EntryChange:
    """A change read back from the audit trail: the entry after the write, ``None`` when
    the write deleted it."""
    entity_kind = cast(EntityKind, kind)
    return EntryChange(seq, revision, entity_kind, id,
                       from_record(entity_kind, json.loads(after)) if after else None)


def user_json(user: User) -> str:
    return dumps(dataclasses.asdict(user))


def user_from_json(text: str) -> User:
    return User(**json.loads(text))


def public_user_json(user: User) -> str:
    """What the audit keeps of a user: everything but the password hash."""
    return dumps({k: v for k, v in dataclasses.asdict(user).items() if k != "password_hash"})


# --- referrals: their record, their audit, their version ------------------------------


def referral_json(referral: Referral) -> str:
    """The whole referral as stored (history included)."""
    return dumps(dataclasses.asdict(referral))


def referral_from_json(text: str) -> Referral:
    record = json.loads(text)
    record["situations"] = tuple(record["situations"])
    record["history"] = tuple(Step(**s) for s in record["history"])
    return Referral(**record)


def referral_columns(r: Referral) -> dict[str, Any]:
    """The fields of a referral that stores filter, sort and count on, next to its record."""
    return {"code": r.code, "version": r.version, "status": r.status,
            "from_service_id": r.from_service_id, "to_service_id": r.to_service_id,
            "from_organization_id": r.from_organization_id,
            "to_organization_id": r.to_organization_id, "from_province": r.from_province,
            "to_province": r.to_province, "link_id": r.link_id, "reason": r.reason,
            "sent_at": r.sent_at, "received_at": r.received_at,
            "responded_at": r.responded_at, "deadline": r.deadline,
            "record": referral_json(r)}


def query_parameters(query: ReferralQuery) -> dict[str, Any]:
    """A :class:`ReferralQuery` as the flat parameters both stores' queries take."""
    return {"organization_id": query.organization_id, "province_code": query.province_code,
            "from_side": query.direction in (None, "outgoing"),
            "to_side": query.direction in (None, "incoming"),
            "statuses": list(query.statuses), "due_before": query.due_before}


def referral_created(referral: Referral) -> Referral:
    """A new referral as stored: version 1."""
    return dataclasses.replace(referral, version=1)


def referral_updated(current: Referral, referral: Referral, expected_version: int) -> Referral:
    """The referral as stored after a transition of ``current``: version +1.

    Raises :class:`VersionConflict` when ``expected_version`` is stale, and
    :class:`ValidationFailed` when ``referral`` is not ``current`` moved on (its
    history must extend the stored one: steps are never rewritten).
    """
    if current.version != expected_version:
        raise VersionConflict("referral", current.code, expected_version, current.version)
    if referral.history[: len(current.history)] != current.history:
        raise ValidationFailed([FieldError("history", "ne prolonge pas l'historique enregistré",
                                           f"referral {current.code}")])
    return dataclasses.replace(referral, version=current.version + 1)


@dataclasses.dataclass(frozen=True, slots=True)
class ReferralAudit:
    """One audit row of a referral step: who, when, from which status to which."""

    at: str
    actor: str
    action: str
    entity_id: str
    before: str | None
    after: str


def referral_audits(previous: Referral | None, stored: Referral) -> list[ReferralAudit]:
    """The audit rows of the steps ``stored`` adds to ``previous`` (all of them when new)."""
    known = len(previous.history) if previous else 0
    return [
        ReferralAudit(
            at=step.at, actor=step.actor, action=f"referral_{step.status}",
            entity_id=stored.code,
            before=dumps({"status": step.from_status}) if step.from_status else None,
            after=dumps({"status": step.status, "reason": step.reason,
                         "version": stored.version}),
        )
        for step in stored.history[known:]
    ]


TALLY_KEYS = ("from_service_id", "to_service_id", "from_province", "to_province", "status",
              "reason", "received")


def tallies_of(referrals: Iterable[Referral]) -> list[dict[str, Any]]:
    """Retired referrals grouped by link, provinces, final status, reason and receipt, counted;
    absent values as ``''`` so that they can be part of a key in either store."""
    counts: dict[tuple[Any, ...], int] = {}
    for r in referrals:
        key = (r.from_service_id, r.to_service_id, r.from_province or "", r.to_province or "",
               r.status, r.reason or "", r.received_at is not None)
        counts[key] = counts.get(key, 0) + 1
    return [{**dict(zip(TALLY_KEYS, key, strict=True)), "count": n}
            for key, n in sorted(counts.items())]


def tally_from(row: Mapping[str, Any]) -> ReferralTally:
    return ReferralTally(
        from_service_id=row["from_service_id"], to_service_id=row["to_service_id"],
        from_province=row["from_province"] or None, to_province=row["to_province"] or None,
        status=row["status"], reason=row["reason"] or None, received=bool(row["received"]),
        count=int(row["count"]))
