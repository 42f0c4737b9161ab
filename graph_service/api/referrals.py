"""Referrals over GraphQL: send, read by code, list, answer, and the circuit's indicators.

Everything a client can send is an enum, an id or the referral code, so no
field can carry free text about a child (issue 13); the rules live in
:mod:`graph_service.referrals`, these resolvers only translate its results and
its typed failures into the union members every mutation answers with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, TypeVar

import strawberry

from .. import referrals as service
from ..domain import referral as model
from ..domain.errors import Forbidden, NotFound, ValidationFailed, VersionConflict
from ..store import run_blocking
from ..store.common import from_iso
from .annuaire import Service, related
from .context import Info
from .pagination import Connection, window
from .priority import run_write
from .results import (
    ForbiddenError,
    NotFoundError,
    Problem,
    SignInRequired,
    ValidationError,
    VersionConflictError,
    problem_of,
)
from .vocabulary import AgeBand, ReferralReason, ReferralStatus, Sex, Situation, Stage

__all__ = ["ReferralMutation", "ReferralQuery"]

T = TypeVar("T")


@strawberry.enum(description="Seen from your organisation (or province): sent to it, or by it.")
class ReferralDirection(StrEnum):
    incoming = "incoming"
    outgoing = "outgoing"


@strawberry.type(description="One audited transition: who moved the referral, when, from what.")
class ReferralStep:
    status: ReferralStatus
    at: str
    actor: str
    from_status: ReferralStatus | None
    reason: ReferralReason | None


@strawberry.type(description="A referral between two services: codes only, nothing that "
                             "identifies the child (that stays on the paper fiche).")
class Referral:
    r: strawberry.Private[model.Referral]
    code: str = strawberry.field(description="The code printed on the fiche, e.g. K7Q2-9MXD-4.")
    status: ReferralStatus
    reason: ReferralReason | None
    version: int = strawberry.field(description="Pass it as `expectedVersion` to answer.")
    stage: Stage
    situations: list[Situation]
    age_band: AgeBand
    sex: Sex
    urgent: bool
    sent_at: str
    received_at: str | None
    responded_at: str | None
    closed_at: str | None
    deadline: str
    history: list[ReferralStep]

    @classmethod
    def of(cls, r: model.Referral) -> Referral:
        return cls(
            r=r, code=r.code, status=r.status, reason=r.reason, version=r.version,
            stage=r.stage, situations=list(r.situations), age_band=r.age_band, sex=r.sex,
            urgent=r.urgent, sent_at=r.sent_at, received_at=r.received_at,
            responded_at=r.responded_at, closed_at=r.closed_at, deadline=r.deadline,
            history=[ReferralStep(status=s.status, at=s.at, actor=s.actor,
                                  from_status=s.from_status, reason=s.reason)
                     for s in r.history])

    @strawberry.field
    def from_service(self, info: Info) -> Service | None:
        return related(info, Service, self.r.from_service_id)

    @strawberry.field
    def to_service(self, info: Info) -> Service | None:
        return related(info, Service, self.r.to_service_id)


@strawberry.input(description="What the sender chooses; the documents to bring come from the "
                               "receiving service's entry. There is no free-text field.")
class ReferralInput:
    from_service_id: strawberry.ID
    to_service_id: strawberry.ID
    stage: Stage
    situations: list[Situation]
    age_band: AgeBand
    sex: Sex
    urgent: bool = False


@strawberry.type
class ReferralPayload:
    referral: Referral


@strawberry.type(description="The referral cannot go to this status from where it stands.")
class TransitionError(Problem):
    current: ReferralStatus
    allowed: list[ReferralStatus]


ReferralResult = Annotated[
    ReferralPayload | ValidationError | VersionConflictError | ForbiddenError | NotFoundError
    | TransitionError, strawberry.union("ReferralResult")]
ReferralLookup = Annotated[
    Referral | ValidationError | NotFoundError | ForbiddenError, strawberry.union("ReferralLookup")]
ReferralsResult = Annotated[
    Connection[Referral] | SignInRequired, strawberry.union("ReferralsResult")]


async def _answer(info: Info, work: Callable[[], model.Referral]) -> ReferralResult:
    """Run a referral write in a worker thread ahead of reads (:mod:`.priority`); expected
    failures become their result types."""
    try:
        return ReferralPayload(referral=Referral.of(await run_write(info.context.request, work)))
    except (ValidationFailed, VersionConflict, Forbidden, NotFound) as exc:
        return problem_of(exc)
    except model.TransitionError as exc:
        return TransitionError(message=str(exc), current=exc.current, allowed=list(exc.allowed))


@strawberry.type
class ReasonCount:
    reason: ReferralReason
    count: int


@strawberry.interface(description="What became of referrals. `acceptanceRate`: accepted over "
                                  "answered; `closureRate`: completed or not_completed over sent; "
                                  "`medianHoursToAnswer`: sending to accepted/declined.")
class ReferralFigures:
    sent: int
    received: int
    accepted: int
    declined: int
    completed: int
    not_completed: int
    cancelled: int
    expired: int
    acceptance_rate: float | None
    closure_rate: float | None
    median_hours_to_answer: float | None


@strawberry.type(description="The indicators of one referral link (pair of services).")
class ReferralLinkIndicators(ReferralFigures):
    from_service_id: strawberry.ID
    to_service_id: strawberry.ID

    @strawberry.field
    def from_service(self, info: Info) -> Service | None:
        return related(info, Service, self.from_service_id)

    @strawberry.field
    def to_service(self, info: Info) -> Service | None:
        return related(info, Service, self.to_service_id)


@strawberry.type(description="Where the province's children are lost between services.")
class ReferralIndicators(ReferralFigures):
    province: str
    by_reason: list[ReasonCount] = strawberry.field(description="Declines by reason.")
    by_link: list[ReferralLinkIndicators]

    @classmethod
    def of(cls, figures: service.Indicators) -> ReferralIndicators:
        return cls(
            province=figures.province_code or "", **figures.figures(),  # type: ignore[arg-type]
            by_reason=[ReasonCount(reason=r, count=n) for r, n in figures.by_reason.items()],
            by_link=[ReferralLinkIndicators(
                from_service_id=strawberry.ID(k.from_service_id),
                to_service_id=strawberry.ID(k.to_service_id),
                **k.figures()) for k in figures.by_link])  # type: ignore[arg-type]


ReferralIndicatorsResult = Annotated[
    ReferralIndicators | ValidationError | ForbiddenError,
    strawberry.union("ReferralIndicatorsResult")]


def _newest_first(referrals: Sequence[model.Referral]) -> list[str]:
    """Cursor keys that sort ascending in the store's order (newest first, then code)."""
    latest = 10 ** 17
    return [f"{latest - int(from_iso(r.sent_at).timestamp() * 1e6):018d}:{r.code}"
            for r in referrals]


@strawberry.type
class ReferralQuery:
    @strawberry.field(description="The referral of a code as typed from the fiche (case, "
                                  "spaces and hyphens ignored; I and L read as 1, O as 0).")
    async def referral(self, info: Info, code: str) -> ReferralLookup:
        ctx = info.context
        try:
            return Referral.of(await run_blocking(service.find, ctx.store, ctx.principal, code))
        except ValidationFailed as exc:
            return ValidationError.of(exc)
        except NotFound as exc:
            return NotFoundError.of(exc)
        except Forbidden as exc:
            return ForbiddenError.of(exc)

    @strawberry.field(description="Your organisation's referrals (a coordinator: the "
                                  "province's; an admin: all), newest first.")
    async def referrals(self, info: Info, direction: ReferralDirection | None = None,
                        status: ReferralStatus | None = None, first: int | None = None,
                        after: str | None = None) -> ReferralsResult:
        ctx = info.context
        if not ctx.principal.signed_in:
            return SignInRequired(message="Sign in to see referrals.")
        found = await run_blocking(
            service.visible, ctx.store, ctx.principal,
            direction.value if direction else None, (status,) if status else ())
        keys = _newest_first(found)
        by_key = dict(zip(keys, found, strict=True))
        page = window(keys, first, after)
        return page.connection([Referral.of(by_key[k]) for k in page.keys])

    @strawberry.field(description="A province's referral indicators (its coordinator, admins).")
    async def referral_indicators(self, info: Info, province: str) -> ReferralIndicatorsResult:
        ctx = info.context
        try:
            figures = await run_blocking(service.indicators, ctx.store, ctx.principal, province)
        except ValidationFailed as exc:
            return ValidationError.of(exc)
        except Forbidden as exc:
            return ForbiddenError.of(exc)
        return ReferralIndicators.of(figures)


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(description="Send a referral from one of your organisation's services; "
                                     "print the fiche with its code.")
    async def send_referral(self, info: Info, input: ReferralInput) -> ReferralResult:
        ctx = info.context
        request = service.ReferralRequest(
            from_service_id=str(input.from_service_id), to_service_id=str(input.to_service_id),
            stage=input.stage, situations=tuple(input.situations), age_band=input.age_band,
            sex=input.sex, urgent=input.urgent)
        return await _answer(info, lambda: service.send(ctx.store, ctx.principal, request))

    @strawberry.mutation(description="Move a referral on: received, accepted, declined (with a "
                                     "reason), in_progress, completed, not_completed (with a "
                                     "reason) by the receiver; cancelled by the sender.")
    async def update_referral(self, info: Info, code: str, expected_version: int,
                              status: ReferralStatus,
                              reason: ReferralReason | None = None) -> ReferralResult:
        ctx = info.context
        return await _answer(info, lambda: service.transition(
            ctx.store, ctx.principal, code, expected_version, status, reason))
