"""Edits and verification, through :class:`graph_service.editing.Editor` only.

Every mutation returns a union: the payload, or the typed reason nothing was
written (validation, stale ``expectedVersion``, unknown entry, role). The
Editor applies the role policy and validation and the store audits each write
(who, when, before, after), so these resolvers only translate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar, cast

import strawberry

from ..domain import entities as domain
from ..domain.errors import (
    AlreadyExists,
    Forbidden,
    NotFound,
    ValidationFailed,
    VersionConflict,
)
from .annuaire import Contact, Entry, Organization, ReferralLink, Service, Site, entry_of, wrap
from .context import Info
from .inputs import (
    AnyInput,
    ContactInput,
    OrganizationInput,
    ReferralLinkInput,
    ServiceInput,
    SiteInput,
    new_entry,
    patched_entry,
)
from .priority import run_write
from .results import (
    ForbiddenError,
    NotFoundError,
    Problems,
    ValidationError,
    VersionConflictError,
    problem_of,
)

__all__ = ["AnnuaireMutation"]

P = TypeVar("P")


@strawberry.type
class OrganizationPayload:
    organization: Organization


@strawberry.type
class SitePayload:
    site: Site


@strawberry.type
class ServicePayload:
    service: Service


@strawberry.type
class ContactPayload:
    contact: Contact


@strawberry.type
class ReferralLinkPayload:
    referral_link: ReferralLink


@strawberry.type(description="The entry as verified (its version is unchanged).")
class VerifyPayload:
    entry: Entry


@strawberry.type(description="The correction was asked for: the entry as it is (its version "
                             "is unchanged) and the message its organisation will read.")
class RequestCorrectionPayload:
    entry: Entry
    message: str


CreateOrganizationResult = Annotated[
    OrganizationPayload | ValidationError | ForbiddenError,
    strawberry.union("CreateOrganizationResult")]
UpdateOrganizationResult = Annotated[
    OrganizationPayload | VersionConflictError | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("UpdateOrganizationResult")]
CreateSiteResult = Annotated[
    SitePayload | ValidationError | ForbiddenError, strawberry.union("CreateSiteResult")]
UpdateSiteResult = Annotated[
    SitePayload | VersionConflictError | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("UpdateSiteResult")]
CreateServiceResult = Annotated[
    ServicePayload | ValidationError | ForbiddenError, strawberry.union("CreateServiceResult")]
UpdateServiceResult = Annotated[
    ServicePayload | VersionConflictError | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("UpdateServiceResult")]
CreateContactResult = Annotated[
    ContactPayload | ValidationError | ForbiddenError, strawberry.union("CreateContactResult")]
UpdateContactResult = Annotated[
    ContactPayload | VersionConflictError | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("UpdateContactResult")]
CreateReferralLinkResult = Annotated[
    ReferralLinkPayload | ValidationError | ForbiddenError,
    strawberry.union("CreateReferralLinkResult")]
UpdateReferralLinkResult = Annotated[
    ReferralLinkPayload | VersionConflictError | ValidationError | NotFoundError
    | ForbiddenError,
    strawberry.union("UpdateReferralLinkResult")]
VerifyResult = Annotated[
    VerifyPayload | VersionConflictError | NotFoundError | ForbiddenError,
    strawberry.union("VerifyResult")]
RequestCorrectionResult = Annotated[
    RequestCorrectionPayload | ValidationError | VersionConflictError | NotFoundError
    | ForbiddenError, strawberry.union("RequestCorrectionResult")]


async def _write(info: Info, write: Callable[[], domain.AnyEntity],
                 payload: Callable[[domain.AnyEntity], P]) -> P | Problems:
    """Run one write ahead of reads, the read model brought up to it (:mod:`.priority`);
    expected failures become their result types."""
    ctx = info.context
    try:
        stored = await run_write(ctx.request, write)
    except (ValidationFailed, AlreadyExists, VersionConflict, NotFound, Forbidden) as exc:
        return problem_of(exc)
    ctx.written(stored, ctx.indexes.current() or ctx.index)
    return payload(stored)


async def _create(
    info: Info, cls: type[domain.AnyEntity], entry_id: str | None, data: AnyInput,
    payload: Callable[[domain.AnyEntity], P],
) -> P | ValidationError | ForbiddenError:
    ctx = info.context

    def write() -> domain.AnyEntity:
        return ctx.editor.create(ctx.principal, new_entry(cls, entry_id, data))

    result = await _write(info, write, payload)
    # Editor.create fails only with ValidationFailed, AlreadyExists or Forbidden.
    return cast("P | ValidationError | ForbiddenError", result)


async def _update(info: Info, cls: type[domain.AnyEntity], entry_id: str, expected_version: int,
                  data: AnyInput, payload: Callable[[domain.AnyEntity], P]) -> P | Problems:
    ctx = info.context

    def write() -> domain.AnyEntity:
        current = ctx.store.get(cls.kind, entry_id)
        if current is None:
            raise NotFound(cls.kind, entry_id)
        return ctx.editor.update(ctx.principal, patched_entry(current, data), expected_version)

    return await _write(info, write, payload)


def _organization(e: domain.AnyEntity) -> OrganizationPayload:
    return OrganizationPayload(organization=wrap(Organization, e))


def _site(e: domain.AnyEntity) -> SitePayload:
    return SitePayload(site=wrap(Site, e))


def _service(e: domain.AnyEntity) -> ServicePayload:
    return ServicePayload(service=wrap(Service, e))


def _contact(e: domain.AnyEntity) -> ContactPayload:
    return ContactPayload(contact=wrap(Contact, e))


def _link(e: domain.AnyEntity) -> ReferralLinkPayload:
    return ReferralLinkPayload(referral_link=wrap(ReferralLink, e))


ID = strawberry.ID
_ID_HELP = "Omitted: a new id is generated."
_UPDATE_HELP = "`expectedVersion` is the version you read; omitted input fields are kept."


@strawberry.type
class AnnuaireMutation:
    @strawberry.mutation(description=_ID_HELP)
    async def create_organization(self, info: Info, input: OrganizationInput,
                                  id: ID | None = None) -> CreateOrganizationResult:
        return await _create(info, domain.Organization, id, input, _organization)

    @strawberry.mutation(description=_UPDATE_HELP)
    async def update_organization(self, info: Info, id: ID, expected_version: int,
                                  input: OrganizationInput) -> UpdateOrganizationResult:
        return await _update(info, domain.Organization, id, expected_version, input,
                             _organization)

    @strawberry.mutation(description=_ID_HELP)
    async def create_site(self, info: Info, input: SiteInput,
                          id: ID | None = None) -> CreateSiteResult:
        return await _create(info, domain.Site, id, input, _site)

    @strawberry.mutation(description=_UPDATE_HELP)
    async def update_site(self, info: Info, id: ID, expected_version: int,
                          input: SiteInput) -> UpdateSiteResult:
        return await _update(info, domain.Site, id, expected_version, input, _site)

    @strawberry.mutation(description=_ID_HELP)
    async def create_service(self, info: Info, input: ServiceInput,
                             id: ID | None = None) -> CreateServiceResult:
        return await _create(info, domain.Service, id, input, _service)

    @strawberry.mutation(description=_UPDATE_HELP)
    async def update_service(self, info: Info, id: ID, expected_version: int,
                             input: ServiceInput) -> UpdateServiceResult:
        return await _update(info, domain.Service, id, expected_version, input, _service)

    @strawberry.mutation(description=_ID_HELP)
    async def create_contact(self, info: Info, input: ContactInput,
                             id: ID | None = None) -> CreateContactResult:
        return await _create(info, domain.Contact, id, input, _contact)

    @strawberry.mutation(description=_UPDATE_HELP)
    async def update_contact(self, info: Info, id: ID, expected_version: int,
                             input: ContactInput) -> UpdateContactResult:
        return await _update(info, domain.Contact, id, expected_version, input, _contact)

    @strawberry.mutation(description=_ID_HELP)
    async def create_referral_link(self, info: Info, input: ReferralLinkInput,
                                   id: ID | None = None) -> CreateReferralLinkResult:
        return await _create(info, domain.ReferralLink, id, input, _link)

    @strawberry.mutation(description=_UPDATE_HELP)
    async def update_referral_link(self, info: Info, id: ID, expected_version: int,
                                   input: ReferralLinkInput) -> UpdateReferralLinkResult:
        return await _update(info, domain.ReferralLink, id, expected_version, input, _link)

    @strawberry.mutation(description="Record that you checked the entry now (coordinators in "
                                     "their province, admins). Not an edit: the version stays. "
                                     "`expectedVersion` is the version you reviewed: if the "
                                     "entry changed since, nothing is verified.")
    async def verify(self, info: Info, entity_id: ID, expected_version: int) -> VerifyResult:
        ctx = info.context
        kind = ctx.index.kind_of(entity_id)
        if kind is None or kind == "membership":
            return NotFoundError.of(NotFound("entry", entity_id))

        def write() -> domain.AnyEntity:
            return ctx.editor.verify(ctx.principal, kind, entity_id, expected_version)

        result = await _write(info, write, lambda e: VerifyPayload(entry=entry_of(e)))
        # Editor.verify fails only with NotFound, VersionConflict or Forbidden.
        return cast("VerifyPayload | VersionConflictError | NotFoundError | ForbiddenError",
                    result)

    @strawberry.mutation(description="Send the entry back to its organisation with a message "
                                     "saying what to correct (who may verify it may ask; "
                                     "`expectedVersion` is the version you reviewed). The "
                                     "message is about the entry, never about a child: at "
                                     "most 500 characters. It shows in `changes` (action "
                                     "`request_correction`) and on the organisation's page "
                                     "until the entry is next updated or verified.")
    async def request_correction(self, info: Info, entity_id: ID, expected_version: int,
                                 message: str) -> RequestCorrectionResult:
        ctx = info.context
        kind = ctx.index.kind_of(entity_id)
        if kind is None or kind == "membership":
            return NotFoundError.of(NotFound("entry", entity_id))

        def write() -> domain.AnyEntity:
            return ctx.editor.request_correction(ctx.principal, kind, entity_id,
                                                 expected_version, message)

        result = await _write(info, write, lambda e: RequestCorrectionPayload(
            entry=entry_of(e), message=message.strip()))
        # Editor.request_correction fails only with these (never AlreadyExists).
        return cast("RequestCorrectionPayload | ValidationError | VersionConflictError "
                    "| NotFoundError | ForbiddenError", result)
