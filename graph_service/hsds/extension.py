"""Our extension tables: what the annuaire holds and HSDS 3.0 has no column for.

Each is an extra resource of the package (name and file prefixed ``x_``), described in its
``datapackage.json`` like the HSDS ones, so that an HSDS consumer can ignore them and our
importer can restore every entry exactly. Codes are checked against the vocabularies of
:mod:`graph_service.domain.taxonomy` through the tables' enums. Links point at HSDS
identifiers (``service_id`` is the ``id`` of a row of ``services.csv``), like HSDS' own.
"""

from __future__ import annotations

from ..domain.taxonomy import (
    ACCESS_MODES,
    CHANNEL_KINDS,
    COORDINATES_PRECISIONS,
    LINK_KINDS,
    ORGANIZATION_KINDS,
    SECTORS,
    SERVICE_STATUSES,
    SERVICE_TYPES,
    SEXES,
    SITUATIONS,
    STAGES,
    Term,
)
from .schema import FieldSpec, ForeignKey, TableSchema

ENTITY_TABLES = ("organization", "location", "service", "contact")
"""The HSDS tables whose rows are annuaire entries (organisation, site, service, contact)."""


def _f(
    name: str,
    description: str,
    *,
    type: str = "string",
    format: str | None = None,
    required: bool = False,
    enum: tuple[str, ...] | None = None,
    unique: bool = False,
) -> FieldSpec:
    return FieldSpec(name, type, format, required, enum, unique, description)


def _codes(vocab: dict[str, Term]) -> tuple[str, ...]:
    return tuple(vocab)


def _link(
    table: str, description: str, *, required: bool = True, unique: bool = False
) -> FieldSpec:
    return _f(f"{table}_id", description, format="uuid", required=required, unique=unique)


def _x(
    name: str,
    description: str,
    fields: tuple[FieldSpec, ...],
    *,
    key: tuple[str, ...] = ("id",),
    links: tuple[ForeignKey, ...] = (),
) -> TableSchema:
    return TableSchema(
        name=name,
        file=f"{name}.csv",
        fields=fields,
        primary_key=key,
        foreign_keys=links,
        description=description,
        datapackage_path=f"{name}.csv",
    )


_ID = _f("id", "Identifier of the row.", required=True, unique=True)

EXTENSION_TABLES: dict[str, TableSchema] = {
    t.name: t
    for t in (
        _x(
            "x_entity_ids",
            "The annuaire's own identifier of an HSDS row, where it is not the HSDS id "
            "(HSDS ids are UUIDs; the annuaire keeps readable ids such as org-tpi-sale).",
            (
                _f("table", "HSDS table of the row.", required=True, enum=ENTITY_TABLES),
                _f("id", "The row's id in that table.", required=True, format="uuid"),
                _f("entity_id", "The annuaire's id of the entry.", required=True, unique=True),
            ),
            key=("table", "id"),
        ),
        _x(
            "x_organization_profile",
            "What HSDS lacks about an organisation: Arabic name, kind, sector, province.",
            (
                _link("organization", "The organisation.", unique=True),
                _f("name_ar", "Name in Arabic."),
                _f("org_kind", "Kind of organisation.", required=True,
                   enum=_codes(ORGANIZATION_KINDS)),
                _f("sector", "Sector (ministry or civil society).", required=True,
                   enum=_codes(SECTORS)),
                _f("province_code", "HCP code of the province or préfecture it serves."),
            ),
            key=("organization_id",),
            links=(ForeignKey("organization_id", "organization", True),),
        ),
        _x(
            "x_location_profile",
            "Where a site is, in Morocco's HCP territories, and whether it may be shown.",
            (
                _link("location", "The location.", unique=True),
                _f("commune_code", "HCP code of the commune.", required=True),
                _f("coordinates_precision", "exact: the building; commune: the commune point.",
                   required=True, enum=_codes(COORDINATES_PRECISIONS)),
                _f("confidential", "A shelter: show nothing but its commune to the public.",
                   type="boolean", required=True),
                _f("address", "Street address (HSDS addresses need a postal code the annuaire "
                   "does not hold)."),
            ),
            key=("location_id",),
            links=(ForeignKey("location_id", "location", True),),
        ),
        _x(
            "x_service_profile",
            "What HSDS lacks about a service: its type in the circuit, who it accepts, how.",
            (
                _link("service", "The service.", unique=True),
                _f("type", "Type of service.", required=True, enum=_codes(SERVICE_TYPES)),
                _f("name_ar", "Name in Arabic."),
                _f("sex", "Only girls (F) or only boys (M); empty for both.", enum=_codes(SEXES)),
                _f("disability_accepted", "Accepts children with disabilities.",
                   type="boolean", required=True),
                _f("emergency_24_7", "Answers emergencies day and night.", type="boolean",
                   required=True),
                _f("access", "How a child gets in.", required=True, enum=_codes(ACCESS_MODES)),
                _f("receives_children", "Whether a child can be referred here; empty: follows "
                   "the type (committees, training and advocacy receive none).",
                   type="boolean"),
                _f("status", "Our status; no_capacity is exported to HSDS as "
                   "'temporarily closed'.", required=True, enum=_codes(SERVICE_STATUSES)),
            ),
            key=("service_id",),
            links=(ForeignKey("service_id", "service", True),),
        ),
        _x(
            "x_service_stages",
            "Stages of the circuit de prise en charge a service covers, in order.",
            (
                _link("service", "The service."),
                _f("stage", "Stage of the circuit.", required=True, enum=_codes(STAGES)),
            ),
            key=("service_id", "stage"),
            links=(ForeignKey("service_id", "service", True),),
        ),
        _x(
            "x_service_situations",
            "Situations of children a service takes charge of.",
            (
                _link("service", "The service."),
                _f("situation", "Situation.", required=True, enum=_codes(SITUATIONS)),
            ),
            key=("service_id", "situation"),
            links=(ForeignKey("service_id", "service", True),),
        ),
        _x(
            "x_channels",
            "Every channel of an organisation, service or contact, in order, with our kind. "
            "Phone numbers stay in phones.csv (phone_id); e-mails and websites, which HSDS "
            "cannot list, are given here (the first one is also copied to the HSDS column).",
            (
                _ID,
                _link("organization", "Owner, if an organisation.", required=False),
                _link("service", "Owner, if a service.", required=False),
                _link("contact", "Owner, if a contact.", required=False),
                _link("phone", "The phone row holding the number.", required=False),
                _f("kind", "Kind of channel.", required=True, enum=_codes(CHANNEL_KINDS)),
                _f("value", "E-mail address or URL (empty for a phone)."),
                _f("label", "What the channel is for (empty for a phone)."),
            ),
            links=(
                ForeignKey("organization_id", "organization", False),
                ForeignKey("service_id", "service", False),
                ForeignKey("contact_id", "contact", False),
                ForeignKey("phone_id", "phone", False),
            ),
        ),
        _x(
            "x_referral_links",
            "The circuit: a service refers children to another one.",
            (
                _ID,
                _f("from_service_id", "Referring service.", required=True, format="uuid"),
                _f("to_service_id", "Service referred to.", required=True, format="uuid"),
                _f("link_kind", "protocol (written agreement) or practice.", required=True,
                   enum=_codes(LINK_KINDS)),
                _f("documents", "Documents passed along, separated by '|'."),
                _f("typical_delay_hours", "Usual delay, when known.", type="integer"),
                _f("description", "How the referral works."),
            ),
            links=(
                ForeignKey("from_service_id", "service", True),
                ForeignKey("to_service_id", "service", True),
            ),
        ),
        _x(
            "x_memberships",
            "Seats of organisations in coordination bodies (CPPE, CCPES, CAPE network).",
            (
                _ID,
                _link("organization", "The member."),
                _f("body_id", "The coordination body (an organisation).", required=True,
                   format="uuid"),
                _f("role", "Role in the body."),
            ),
            links=(
                ForeignKey("organization_id", "organization", True),
                ForeignKey("body_id", "organization", True),
            ),
        ),
        _x(
            "x_verifications",
            "When a coordinator last checked an entry (absent: never checked).",
            (
                _f("entity_id", "The annuaire's id of the entry.", required=True, unique=True),
                _f("verified_at", "When (UTC, ISO 8601).", type="datetime", required=True),
                _f("verified_by", "Who.", required=True),
            ),
            key=("entity_id",),
        ),
    )
}
