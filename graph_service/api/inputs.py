"""Mutation inputs and how they become entries.

One input type per kind serves both create and update: on create, omitted
fields take their defaults and missing required ones are reported; on update,
omitted fields keep their current value (a patch), ``null`` clears an
optional field. Every problem is a :class:`FieldError` naming the API field,
collected before anything is written. No input describes a child.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import Enum
from typing import Any

import strawberry

from ..domain import entities as domain
from ..domain.errors import FieldError, ValidationFailed
from ..domain.validation import missing as missing_value
from ..editing import new_id
from .results import api_field_name
from .vocabulary import (
    AccessMode,
    ChannelKind,
    CoordinatesPrecision,
    Language,
    LinkKind,
    OrganizationKind,
    Sector,
    ServiceStatus,
    ServiceType,
    Sex,
    Situation,
    Stage,
)

__all__ = [
    "ChannelInput",
    "ContactInput",
    "HoursInput",
    "OrganizationInput",
    "ReferralLinkInput",
    "ServiceInput",
    "SiteInput",
    "new_entry",
    "patched_entry",
]

UNSET: Any = strawberry.UNSET


@strawberry.input
class ChannelInput:
    kind: ChannelKind
    value: str = strawberry.field(description="Phone in E.164 (+212...), e-mail or URL.")
    label: str = ""


@strawberry.input
class HoursInput:
    byday: str = strawberry.field(description="Days like `MO,TU,WE`.")
    opens_at: str = strawberry.field(description="HH:MM")
    closes_at: str = strawberry.field(description="HH:MM")


@strawberry.input(description="Required on create: `name`, `orgKind`, `sector`.")
class OrganizationInput:
    name: str | None = UNSET
    name_ar: str | None = UNSET
    org_kind: OrganizationKind | None = UNSET
    sector: Sector | None = UNSET
    parent_id: str | None = UNSET
    province_code: str | None = UNSET
    description: str | None = UNSET
    website: str | None = UNSET
    email: str | None = UNSET
    channels: list[ChannelInput] | None = UNSET
    identifiers: list[str] | None = UNSET


@strawberry.input(description="Required on create: `organizationId`, `name`, `communeCode`.")
class SiteInput:
    organization_id: str | None = UNSET
    name: str | None = UNSET
    address: str | None = UNSET
    commune_code: str | None = UNSET
    lat: float | None = UNSET
    lon: float | None = UNSET
    coordinates_precision: CoordinatesPrecision | None = UNSET
    confidential: bool | None = UNSET
    description: str | None = UNSET


@strawberry.input(description="Required on create: `organizationId`, `name`, `type`, `stages`.")
class ServiceInput:
    organization_id: str | None = UNSET
    name: str | None = UNSET
    name_ar: str | None = UNSET
    type: ServiceType | None = UNSET
    stages: list[Stage] | None = UNSET
    situations: list[Situation] | None = UNSET
    site_ids: list[str] | None = UNSET
    age_min: int | None = UNSET
    age_max: int | None = UNSET
    sex: Sex | None = UNSET
    disability_accepted: bool | None = UNSET
    languages: list[Language] | None = UNSET
    emergency_24_7: bool | None = UNSET
    hours: list[HoursInput] | None = UNSET
    schedule_note: str | None = UNSET
    access: AccessMode | None = UNSET
    documents: list[str] | None = UNSET
    cost: str | None = UNSET
    status: ServiceStatus | None = UNSET
    description: str | None = UNSET
    channels: list[ChannelInput] | None = UNSET
    area_codes: list[str] | None = strawberry.field(
        default=UNSET, description="HCP codes of the communes, provinces or régions served; "
                                   "empty: derived from the service's kind and sites.")
    receives_children: bool | None = strawberry.field(
        default=UNSET, description="Whether a child can be referred here; null: follows the "
                                   "type (committees, training, advocacy receive none).")


@strawberry.input(description="Required on create: `organizationId`, `function`. A contact is a "
                              "professional focal point, never a child.")
class ContactInput:
    organization_id: str | None = UNSET
    service_id: str | None = UNSET
    function: str | None = UNSET
    person_name: str | None = UNSET
    channels: list[ChannelInput] | None = UNSET


@strawberry.input(description="Required on create: `fromServiceId`, `toServiceId`.")
class ReferralLinkInput:
    from_service_id: str | None = UNSET
    to_service_id: str | None = UNSET
    link_kind: LinkKind | None = UNSET
    documents: list[str] | None = UNSET
    typical_delay_hours: int | None = UNSET
    description: str | None = UNSET


AnyInput = OrganizationInput | SiteInput | ServiceInput | ContactInput | ReferralLinkInput


def new_entry(
    cls: type[domain.AnyEntity], entry_id: str | None, data: AnyInput
) -> domain.AnyEntity:
    """A new entry of ``cls`` from an input; :class:`ValidationFailed` lists missing fields."""
    values = _given(cls, data)
    values["id"] = entry_id if entry_id is not None else new_id(cls.kind)
    missing = [
        missing_value(api_field_name(f.name))
        for f in dataclasses.fields(cls)
        if f.name not in values
        and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ValidationFailed(missing)
    return cls(**values)


def patched_entry(current: domain.AnyEntity, data: AnyInput) -> domain.AnyEntity:
    """``current`` with the fields the input gives replaced."""
    return dataclasses.replace(current, **_given(type(current), data))


def _given(cls: type[domain.AnyEntity], data: AnyInput) -> dict[str, Any]:
    """The fields the client sent, as domain values; ``null`` only where the field allows it."""
    nullable = _nullable_fields(cls)
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for f in dataclasses.fields(data):
        value = getattr(data, f.name)
        if value is UNSET:
            continue
        if value is None and f.name not in nullable:
            errors.append(FieldError(api_field_name(f.name), "ne peut pas être effacé (null)",
                                     message_ar="لا يمكن محوه (null)"))
            continue
        values[f.name] = _domain_value(value)
    if errors:
        raise ValidationFailed(errors)
    return values


def _domain_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, ChannelInput):
        return domain.Channel(kind=_domain_value(value.kind), value=value.value,
                              label=value.label)
    if isinstance(value, HoursInput):
        return domain.Hours(byday=value.byday, opens_at=value.opens_at,
                            closes_at=value.closes_at)
    if isinstance(value, list):
        return tuple(_domain_value(v) for v in value)
    return value


_NULLABLE: dict[type, frozenset[str]] = {}


def _nullable_fields(cls: type) -> frozenset[str]:
    """Fields whose type admits ``None`` (``int | None``): the ones ``null`` clears."""
    if cls not in _NULLABLE:
        _NULLABLE[cls] = frozenset(
            name for name, hint in typing.get_type_hints(cls).items()
            if isinstance(hint, types.UnionType) and type(None) in typing.get_args(hint)
        )
    return _NULLABLE[cls]
