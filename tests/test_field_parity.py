"""Every field of every entry is carried by every interface that should carry it (issue 15).

A field added to :mod:`graph_service.domain.entities` must reach the GraphQL type
(as itself, or as the entry it refers to), the GraphQL input, and the HSDS
tabular mapping (exported and imported back unchanged); the few fields that
genuinely need another decision are named once below, with the reason. The
HSDS check sets *every* field of one entry of each kind to a value of its own
(:data:`SAMPLES`), so a field the mapping forgets comes back different.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from strawberry.types.base import get_object_definition
from web_support import open_web, sign_in

from graph_service.api import annuaire as types
from graph_service.api import inputs
from graph_service.domain.entities import (
    ENTITY_CLASSES,
    REFERENCES,
    AnyEntity,
    Channel,
    EntityKind,
    Hours,
)
from graph_service.hsds import export_package, import_package
from graph_service.store import GraphStore
from graph_service.territories import load_territories

BOOKKEEPING = frozenset({"id", "version", "last_modified", "verified_at", "verified_by",
                         "created_by"})
"""Written by the stores and the write path, never by a client."""
NOT_IN_GRAPHQL_TYPE = {"created_by": "who created an entry is audit data, read through "
                                     "`changes(entityId)`"}
NOT_IN_HSDS = {"version": "a store's counter: an import starts its own",
               "last_modified": "HSDS carries it for services only; the importing store stamps",
               "verified_at": "a verification is the importing province's own act",
               "verified_by": "a verification is the importing province's own act",
               "created_by": "who typed an entry is the exporting deployment's audit"}

GRAPHQL = {
    "organization": (types.Organization, inputs.OrganizationInput),
    "site": (types.Site, inputs.SiteInput),
    "service": (types.Service, inputs.ServiceInput),
    "contact": (types.Contact, inputs.ContactInput),
    "referral_link": (types.ReferralLink, inputs.ReferralLinkInput),
}


def reference_name(field: str) -> str:
    """How the API exposes a reference field: ``organization_id`` → ``organization``,
    ``site_ids`` → ``sites``, ``commune_code`` → ``commune``."""
    for suffix, plural in (("_ids", "s"), ("_id", ""), ("_code", "")):
        if field.endswith(suffix):
            return field.removesuffix(suffix) + plural
    return field


@pytest.mark.parametrize("kind", sorted(GRAPHQL))
def test_every_field_is_in_the_graphql_type_and_input(kind: EntityKind) -> None:
    out_type, in_type = GRAPHQL[kind]
    exposed = {f.python_name for f in get_object_definition(out_type, strict=True).fields}
    accepted = {f.python_name for f in get_object_definition(in_type, strict=True).fields}
    for f in dataclasses.fields(ENTITY_CLASSES[kind]):
        if f.name not in NOT_IN_GRAPHQL_TYPE:
            assert f.name in exposed or reference_name(f.name) in exposed, (kind, f.name)
        if f.name not in BOOKKEEPING:
            assert f.name in accepted, (kind, f.name)


SAMPLES: dict[str, object] = {
    "name": "Nom d'essai", "name_ar": "اسم تجريبي", "org_kind": "association",
    "sector": "societe_civile", "province_code": "04.441", "description": "Description d'essai",
    "website": "https://example.org/essai", "email": "contact@example.org",
    "channels": (Channel(kind="phone", value="+212537000001", label="Accueil"),),
    "identifiers": ("rc:12345",), "address": "1 rue d'essai", "commune_code": "04.441.01.0",
    "lat": 34.05, "lon": -6.79, "coordinates_precision": "exact", "confidential": True,
    "type": "accompagnement_social", "stages": ("prise_en_charge", "suivi"),
    "situations": ("negligence", "abandon_scolaire"), "age_min": 6, "age_max": 15, "sex": "F",
    "disability_accepted": True, "languages": ("darija", "tamazight"), "emergency_24_7": True,
    "hours": (Hours(byday="MO,TU", opens_at="08:30", closes_at="16:30"),),
    "schedule_note": "Fermé les jours fériés", "access": "appointment",
    "documents": ("carte nationale du tuteur",), "cost": "gratuit", "status": "no_capacity",
    "area_codes": ("04.441", "04.501"), "receives_children": False,
    "function": "Assistante sociale", "person_name": "Personne d'essai",
    "link_kind": "protocol", "typical_delay_hours": 48, "role": "membre",
}
"""A value of its own for every field an entry of the annuaire may carry (references aside)."""


def _changed(store: GraphStore, kind: EntityKind) -> AnyEntity:
    """One seeded entry of ``kind`` with every field set to its sample (references kept)."""
    entry = store.entries(kind, limit=1)[0]
    values = {}
    for f in dataclasses.fields(entry):
        if f.name in BOOKKEEPING or f.name in REFERENCES[kind]:
            continue
        assert f.name in SAMPLES, f"add a sample value for {kind}.{f.name} to SAMPLES"
        values[f.name] = SAMPLES[f.name]
    return dataclasses.replace(entry, **values)  # type: ignore[arg-type]


def test_every_field_survives_the_hsds_export_and_import(
        seeded_store: GraphStore, tmp_path: Path) -> None:
    changed = {}
    for kind in ENTITY_CLASSES:
        entry = _changed(seeded_store, kind)
        current = seeded_store.get(kind, entry.id)
        assert current is not None
        changed[kind] = seeded_store.update(entry, expected_version=current.version,
                                            actor="test")
    export_package(seeded_store, tmp_path / "out")
    from graph_service.store.embedded import EmbeddedStore

    fresh = EmbeddedStore(tmp_path / "fresh.sqlite3")
    fresh.put_territories(load_territories())
    import_package(fresh, tmp_path / "out", actor="import")
    for kind, entry in changed.items():
        back = fresh.get(kind, entry.id)
        assert back is not None, (kind, entry.id)
        for f in dataclasses.fields(entry):
            if f.name not in NOT_IN_HSDS:
                assert getattr(back, f.name) == getattr(entry, f.name), (kind, f.name)
    fresh.close()


NOT_IN_FORMS: dict[str, dict[str, str]] = {
    "organization": {
        "org_kind": "what an organisation is, sector, province and parent are set by the "
                    "coordinators and admins (API), not by the association itself",
        "sector": "see org_kind", "province_code": "see org_kind", "parent_id": "see org_kind",
        "identifiers": "registration numbers are recorded by coordinators (API, import)"},
    "site": {"organization_id": "the page edits its own organisation's site",
             "coordinates_precision": "follows from the coordinates given (exact) or not"},
    "service": {"organization_id": "the page edits its own organisation's service"},
}
FORM_PATHS = {"organization": "organisations", "site": "lieux", "service": "services"}


def test_every_field_is_in_the_edit_form(make_client: Callable[..., TestClient]) -> None:
    web = open_web(make_client)
    sign_in(web.client, "asso")
    entries = {"organization": web.association.org, "site": web.association.site,
               "service": web.association.service}
    for kind, entry in entries.items():
        page = web.client.get(f"/{FORM_PATHS[kind]}/{entry.id}/modifier")
        assert page.status_code == 200, kind
        named = {re.sub(r"[-\[.]\d+.*$", "", n) for n in re.findall(r'name="([^"]+)"', page.text)}
        for f in dataclasses.fields(entry):
            if f.name not in BOOKKEEPING and f.name not in NOT_IN_FORMS[kind]:
                assert f.name in named, (kind, f.name)
