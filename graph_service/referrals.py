"""Closed-loop referrals: send, answer, close, expire, count — the one path for API, pages, CLI.

Who sees what (issue 13): the users of the sending and of the receiving
organisation see their referrals; a province's coordinator sees every
referral leaving from or arriving in the province, and its indicators; admins
see everything; the anonymous public nothing. A user's organisation's
services are the ones they can send from and answer for; only the sending
side cancels, only the receiving side answers, and only the clock expires.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .access import Principal
from .domain.entities import Organization, ReferralLink, Service, Site
from .domain.errors import FieldError, Forbidden, NotFound, ValidationFailed, VersionConflict
from .domain.referral import (
    SENDER_STATUSES,
    Direction,
    Referral,
    ReferralFact,
    ReferralQuery,
    ReferralTally,
    deadline_hours,
    new_code,
    parse_code,
)
from .domain.taxonomy import REFERRAL_REASONS
from .store.common import from_iso, iso
from .store.protocol import GraphStore

__all__ = [
    "EXPIRY_ACTOR",
    "Indicators",
    "LinkIndicators",
    "ReferralRequest",
    "can_see",
    "compute_indicators",
    "expire_overdue",
    "find",
    "indicators",
    "overdue",
    "retire_old",
    "send",
    "tick",
    "transition",
    "visible",
]

EXPIRY_ACTOR = "system"
"""Who expires overdue referrals and retires old ones in the audit trail."""


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


# --- access ------------------------------------------------------------------------------


def _signed_in(principal: Principal, action: str, target: str) -> None:
    if not principal.signed_in:
        raise Forbidden(action, target, "connectez-vous pour voir et envoyer des orientations")


def can_see(principal: Principal, referral: Referral) -> bool:
    """The sending and receiving organisations' users, the coordinator of either province,
    admins."""
    if principal.role == "admin":
        return True
    if principal.organization_id and principal.organization_id in (
            referral.from_organization_id, referral.to_organization_id):
        return True
    return bool(principal.role == "coordinator" and principal.province_code
                and principal.province_code in (referral.from_province, referral.to_province))


def _check_answers_for(principal: Principal, referral: Referral, status: str) -> None:
    """The receiving organisation answers, the sending one cancels; nobody expires by hand."""
    target = f"orientation {referral.code}"
    if status == "expired":
        raise Forbidden("expire", target, "une orientation expire seule à son échéance")
    side, organization_id = (("l'organisation qui oriente", referral.from_organization_id)
                             if status in SENDER_STATUSES else
                             ("l'organisation qui reçoit", referral.to_organization_id))
    if principal.role == "admin" or principal.organization_id == organization_id:
        return
    raise Forbidden(status, target, f"seule {side} peut passer l'orientation à « {status} »")


# --- sending -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralRequest:
    """What a sender chooses: codes and service ids only (see :class:`Referral`)."""

    from_service_id: str
    to_service_id: str
    stage: str
    situations: tuple[str, ...]
    age_band: str
    sex: str
    urgent: bool = False


def _service(store: GraphStore, field_name: str, service_id: str) -> Service:
    service = store.get("service", service_id)
    if not isinstance(service, Service):
        raise ValidationFailed([FieldError(field_name, f"aucun service {service_id!r}")])
    return service


def province_of(store: GraphStore, service: Service) -> str | None:
    """The province a service works in: its first site's, else its organisation's."""
    for site_id in service.site_ids:
        site = store.get("site", site_id)
        commune = store.territory(site.commune_code) if isinstance(site, Site) else None
        if commune is not None and commune.province_code:
            return commune.province_code
    org = store.get("organization", service.organization_id)
    return org.province_code if isinstance(org, Organization) else None


def send(store: GraphStore, principal: Principal, request: ReferralRequest,
         now: datetime | None = None) -> Referral:
    """Create and store a referral from one of the principal's organisation's services."""
    _signed_in(principal, "send", "une orientation")
    source = _service(store, "from_service_id", request.from_service_id)
    target = _service(store, "to_service_id", request.to_service_id)
    if principal.role != "admin" and principal.organization_id != source.organization_id:
        raise Forbidden("send", f"service {source.id}",
                        "on oriente depuis un service de sa propre organisation")
    links = [link for link in store.entries(
        "referral_link", where={"from_service_id": source.id, "to_service_id": target.id})
        if isinstance(link, ReferralLink)]
    link = links[0] if links else None
    at = _now(now)
    hours = deadline_hours(link.typical_delay_hours if link else None, request.urgent)
    referral = Referral.send(
        code=new_code(), from_service_id=source.id, to_service_id=target.id,
        from_organization_id=source.organization_id, to_organization_id=target.organization_id,
        from_province=province_of(store, source), to_province=province_of(store, target),
        link_id=link.id if link else None, stage=request.stage, situations=request.situations,
        age_band=request.age_band, sex=request.sex, urgent=request.urgent,
        sender=principal.actor, at=iso(at), deadline=iso(at + timedelta(hours=hours)))
    return store.create_referral(referral, actor=principal.actor)


# --- reading and answering ---------------------------------------------------------------


def find(store: GraphStore, principal: Principal, code: str) -> Referral:
    """The referral of a code as typed from a fiche; :class:`NotFound` also when the principal
    may not see it (a code must not tell a stranger that it exists)."""
    _signed_in(principal, "read", "une orientation")
    canonical = parse_code(code)
    referral = store.get_referral(canonical)
    if referral is None or not can_see(principal, referral):
        raise NotFound("referral", canonical)
    return referral


def transition(store: GraphStore, principal: Principal, code: str, expected_version: int,
               status: str, reason: str | None = None, now: datetime | None = None) -> Referral:
    """Move a referral to ``status`` on behalf of the side that may
    (:class:`~graph_service.domain.referral.TransitionError` if the status cannot follow)."""
    current = find(store, principal, code)
    _check_answers_for(principal, current, status)
    if current.version != expected_version:
        raise VersionConflict("referral", current.code, expected_version, current.version)
    moved = current.moved_to(status, actor=principal.actor, at=iso(_now(now)), reason=reason)
    return store.update_referral(moved, expected_version=expected_version,
                                 actor=principal.actor)


def visible(store: GraphStore, principal: Principal, direction: Direction | None = None,
            statuses: Sequence[str] = ()) -> list[Referral]:
    """The principal's referrals, newest first: their organisation's, their province's
    (coordinators) or all (admins); ``direction`` is seen from the organisation or province."""
    _signed_in(principal, "read", "les orientations")
    query = ReferralQuery(direction=direction, statuses=tuple(statuses))
    if principal.role == "admin":
        return store.referrals(query)
    if principal.organization_id:
        return store.referrals(ReferralQuery(
            organization_id=principal.organization_id, direction=direction,
            statuses=tuple(statuses)))
    if principal.role == "coordinator" and principal.province_code:
        return store.referrals(ReferralQuery(
            province_code=principal.province_code, direction=direction,
            statuses=tuple(statuses)))
    return []


def overdue(store: GraphStore, principal: Principal, province_code: str,
            now: datetime | None = None) -> list[Referral]:
    """A province's referrals still unanswered past their deadline (its coordinator, admins):
    what the coordinator's desk chases before the clock expires them."""
    _check_indicators(principal, province_code)
    return store.referrals(ReferralQuery(province_code=province_code, due_before=iso(_now(now))))


# --- the clock ---------------------------------------------------------------------------


def expire_overdue(store: GraphStore, now: datetime | None = None) -> int:
    """Expire every referral whose deadline passed without an answer; the number expired.

    A referral answered meanwhile (version moved) is left as answered.
    """
    at = iso(_now(now))
    count = 0
    for referral in store.referrals(ReferralQuery(due_before=at)):
        try:
            store.update_referral(referral.expire(actor=EXPIRY_ACTOR, at=at),
                                  expected_version=referral.version, actor=EXPIRY_ACTOR)
        except VersionConflict:
            continue
        count += 1
    return count


def retire_old(store: GraphStore, retention_days: int, now: datetime | None = None) -> int:
    """Reduce referrals sent more than ``retention_days`` ago to counts; the number retired."""
    before = _now(now) - timedelta(days=retention_days)
    return store.retire_referrals(sent_before=iso(before), actor=EXPIRY_ACTOR)


def tick(store: GraphStore, retention_days: int, now: datetime | None = None) -> tuple[int, int]:
    """What the clock does every few minutes: expire overdue referrals, retire old ones."""
    return expire_overdue(store, now), retire_old(store, retention_days, now)


# --- indicators --------------------------------------------------------------------------

@dataclass(slots=True, kw_only=True)
class Figures:
    """Referrals counted by their status now; the indicators are derived from those counts.
    Rates are ``None`` when there is nothing to divide by."""

    statuses: dict[str, int] = field(default_factory=dict)
    received: int = 0
    hours_to_answer: list[float] = field(default_factory=list)

    def add(self, status: str, received: bool, count: int = 1) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + count
        if received:
            self.received += count

    def merge(self, other: Figures) -> None:
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.received += other.received
        self.hours_to_answer += other.hours_to_answer

    def figures(self) -> dict[str, int | float | None]:
        """The figures by name, as the API, the CLI's JSON and the CSV download show them."""
        return {"sent": self.sent, "received": self.received, "accepted": self.accepted,
                "declined": self.declined, "completed": self.completed,
                "not_completed": self.not_completed, "cancelled": self.cancelled,
                "expired": self.expired, "acceptance_rate": self.acceptance_rate,
                "closure_rate": self.closure_rate,
                "median_hours_to_answer": self.median_hours_to_answer}

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    @property
    def accepted(self) -> int:
        """Accepted at some point: accepted, in progress, or closed after acceptance."""
        s = self.statuses
        return (s.get("accepted", 0) + s.get("in_progress", 0) + s.get("completed", 0)
                + s.get("not_completed", 0))

    @property
    def declined(self) -> int:
        return self.statuses.get("declined", 0)

    @property
    def completed(self) -> int:
        return self.statuses.get("completed", 0)

    @property
    def not_completed(self) -> int:
        return self.statuses.get("not_completed", 0)

    @property
    def cancelled(self) -> int:
        return self.statuses.get("cancelled", 0)

    @property
    def expired(self) -> int:
        return self.statuses.get("expired", 0)

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted over answered (accepted or declined)."""
        answered = self.accepted + self.declined
        return round(self.accepted / answered, 4) if answered else None

    @property
    def closure_rate(self) -> float | None:
        """The loop closed (completed or not_completed) over sent."""
        sent = self.sent
        return round((self.completed + self.not_completed) / sent, 4) if sent else None

    @property
    def median_hours_to_answer(self) -> float | None:
        """Median hours from sending to the first answer (accepted or declined)."""
        return (round(statistics.median(self.hours_to_answer), 1)
                if self.hours_to_answer else None)


@dataclass(slots=True, kw_only=True)
class LinkIndicators(Figures):
    from_service_id: str
    to_service_id: str


@dataclass(slots=True, kw_only=True)
class Indicators(Figures):
    """Indicators of a province (either side of the referral), or of the country."""

    province_code: str | None = None
    by_reason: dict[str, int] = field(default_factory=dict)
    by_link: list[LinkIndicators] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """Everything, for ``graph-service referrals indicators --json``."""
        return {"province": self.province_code, **self.figures(), "by_reason": self.by_reason,
                "by_link": [{"from_service_id": k.from_service_id,
                             "to_service_id": k.to_service_id, **k.figures()}
                            for k in self.by_link]}


def _hours(start: str, end: str) -> float:
    return (from_iso(end) - from_iso(start)).total_seconds() / 3600


def compute_indicators(facts: Iterable[ReferralFact], tallies: Iterable[ReferralTally],
                       province_code: str | None = None) -> Indicators:
    """Indicators of live referrals' facts plus retired ones' tallies (which count, but carry
    no answer time). One pass, a few dictionary updates per referral: national figures read
    a hundred thousand."""
    links: dict[tuple[str, str], LinkIndicators] = {}
    reasons = dict.fromkeys(REFERRAL_REASONS, 0)

    def link(from_id: str, to_id: str) -> LinkIndicators:
        found = links.get((from_id, to_id))
        if found is None:
            found = links[(from_id, to_id)] = LinkIndicators(from_service_id=from_id,
                                                             to_service_id=to_id)
        return found

    for f in facts:
        per_link = link(f.from_service_id, f.to_service_id)
        per_link.add(f.status, f.received_at is not None)
        if f.responded_at is not None:
            per_link.hours_to_answer.append(_hours(f.sent_at, f.responded_at))
        if f.status == "declined" and f.reason:
            reasons[f.reason] += 1
    for t in tallies:
        link(t.from_service_id, t.to_service_id).add(t.status, t.received, t.count)
        if t.status == "declined" and t.reason:
            reasons[t.reason] += t.count
    total = Indicators(province_code=province_code, by_reason=reasons)
    for per_link in links.values():
        total.merge(per_link)
    total.by_link = sorted(links.values(),
                           key=lambda k: (-k.sent, k.from_service_id, k.to_service_id))
    return total


def _check_indicators(principal: Principal, province_code: str) -> None:
    if principal.role == "admin":
        return
    if principal.role == "coordinator" and principal.province_code == province_code:
        return
    raise Forbidden("read", f"les indicateurs de {province_code or 'tout le pays'}",
                    "réservés au coordinateur de la province et aux administrateurs")


def indicators(store: GraphStore, principal: Principal, province_code: str | None
               ) -> Indicators:
    """A province's indicators (its coordinator, admins) or the country's (admins)."""
    _check_indicators(principal, province_code or "")
    if province_code is not None and (
            (t := store.territory(province_code)) is None or t.level != "province"):
        raise ValidationFailed([FieldError("province", f"{province_code!r} n'est pas un code "
                                                       "de province HCP")])
    return compute_indicators(store.referral_facts(province_code),
                              store.referral_tallies(province_code), province_code)
