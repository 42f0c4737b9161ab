"""Territorial competence over the real seed and its national backbone (issue 10).

A social worker checks one thing first in a plan: that every service named can
receive *this* child — a report to the court, police or gendarmerie of the
child's own commune, nothing from another jurisdiction, nothing that is not a
service for children, nothing out of area beyond the distance asked — and,
when the annuaire does not know the competent service, that the plan says so.
Each check below is computed from the entries themselves (areas, sectors,
types), never from expected names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_support import BACKBONE

from graph_service.backbone import INSTITUTIONS, backbone_entities, read_rows
from graph_service.domain.competence import (
    NOT_FOR_CHILDREN_TYPES,
    OUT_OF_AREA_MAX_KM,
    ServiceArea,
    derive_area,
)
from graph_service.domain.eligibility import Need
from graph_service.domain.entities import AnyEntity, Organization, Service, Territory
from graph_service.domain.errors import ValidationFailed
from graph_service.domain.taxonomy import SITUATIONS
from graph_service.hsds import export_package, import_package
from graph_service.orientation import Plan, Request, ServiceChoice, Where, orient
from graph_service.snapshot import Snapshot, build_snapshot, snapshot_of
from graph_service.store import GraphStore


@pytest.fixture(scope="module")
def national(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    """The real seed with the backbone, read once for the module."""
    from graph_service.store.embedded import EmbeddedStore

    store = EmbeddedStore(seed_db)
    yield build_snapshot(store)
    store.close()


def commune(snap: Snapshot, province: str, kind: str, name: str | None = None) -> Territory:
    """A commune of ``province`` of type ``kind`` (``urban``/``rural``), by name if given,
    else the first by HCP code."""
    found = sorted((t for t in snap.communes()
                    if t.province_code == province and t.type == kind
                    and (name is None or t.name_fr == name)), key=lambda t: t.code)
    assert found, (province, kind, name)
    return found[0]


def plan(snap: Snapshot, where: Territory, *situations: str, age: int = 10, sex: str = "F",
         urgent: bool = False, **options: object) -> Plan:
    need = Need(situations=situations, age=age, sex=sex, urgent=urgent)
    return orient(snap, Request(need, Where(commune=where.code), **options))  # type: ignore[arg-type]


def proposals(p: Plan) -> Iterator[tuple[str, ServiceChoice]]:
    for s in p.stages:
        for choice in ([s.service] if s.service else []) + list(s.alternatives):
            yield s.stage, choice


def assert_receivable(snap: Snapshot, where: Territory, p: Plan,
                      max_km: float = OUT_OF_AREA_MAX_KM) -> None:
    """Every service the plan names can receive a child of ``where``."""
    for stage, c in proposals(p):
        service = snap.services[c.id]
        org = snap.organizations[service.organization_id]
        area = snap.areas[c.id]
        authority = c.id in snap.authorities
        assert service.type not in NOT_FOR_CHILDREN_TYPES and c.receives_children, c.name
        assert c.organization.sector == org.sector
        if stage == "signalement" or authority:
            assert authority and area.covers(where), (stage, c.organization.name, where.name_fr)
            assert c.competent is True and not c.out_of_area
        else:
            assert c.competent is None
            if c.out_of_area:
                assert not area.covers(where) and c.distance_km <= max_km
            else:
                assert area.covers(where), (stage, c.organization.name, where.name_fr)
        if org.sector == "surete_nationale":
            assert where.type == "urban", (c.organization.name, where.name_fr)
        if org.sector == "gendarmerie":
            assert where.type == "rural", (c.organization.name, where.name_fr)
        assert c.verified == service.is_verified


# Twelve situations in ten provinces, urban and rural, urgent and not.
SCENARIOS = [
    ("01.511", "urban", ("exploitation_economique",), 9, "M", False),   # Tanger
    ("11.321", "urban", ("violence_sexuelle",), 12, "F", True),         # Laâyoune
    ("03.061", "urban", ("mariage_precoce",), 15, "F", False),          # Meknès
    ("04.481", "rural", ("negligence",), 8, "F", False),                # Sidi Kacem
    ("09.551", "rural", ("violence_physique",), 11, "M", True),         # Tata
    ("02.411", "urban", ("enfant_en_situation_de_rue",), 14, "M", False),  # Oujda-Angad
    ("08.201", "rural", ("traite",), 16, "F", False),                   # Errachidia
    ("07.351", "urban", ("violence_en_ligne",), 13, "F", False),        # Marrakech
    ("09.001", "urban", ("conflit_avec_la_loi",), 16, "M", False),      # Agadir
    ("12.391", "rural", ("migrant_non_accompagne",), 15, "M", True),    # Oued Ed-Dahab
    ("04.441", "urban", ("violence_sexuelle",), 12, "F", True),         # Salé
    ("04.281", "rural", ("mendicite",), 10, "M", False),                # Kénitra
]


@pytest.mark.parametrize(("province", "kind", "situations", "age", "sex", "urgent"), SCENARIOS)
def test_every_service_named_can_receive_the_child(
        national: Snapshot, province: str, kind: str, situations: tuple[str, ...], age: int,
        sex: str, urgent: bool) -> None:
    where = commune(national, province, kind)
    p = plan(national, where, *situations, age=age, sex=sex, urgent=urgent)
    assert_receivable(national, where, p)
    report = next(s for s in p.stages if s.stage == "signalement")
    assert report.service is not None, report.reasons  # the backbone has a competent one
    assert (p.emergency_numbers != ()) == urgent
    if urgent:
        assert {n.number for n in p.emergency_numbers} == {"19", "177", "15"}


def test_a_report_in_a_rural_commune_goes_to_its_own_gendarmerie_or_court(
        national: Snapshot) -> None:
    where = commune(national, "04.481", "rural")  # Sidi Kacem: once sent to Kénitra's court
    report = next(s for s in plan(national, where, "violence_physique").stages
                  if s.stage == "signalement")
    named = [c for c in [report.service, *report.alternatives] if c is not None]
    assert named
    for c in named:
        org = national.organizations[c.organization.id]
        assert org.sector in ("justice", "gendarmerie")
        assert national.areas[c.id].covers(where)


def test_crimes_only_reach_the_parquet_general(national: Snapshot) -> None:
    """A court of appeal's parquet général takes crimes; a child marriage goes to the TPI."""
    where = commune(national, "03.061", "urban")
    for situation, general in (("mariage_precoce", False), ("violence_sexuelle", True)):
        named = {c.id for stage, c in proposals(plan(national, where, situation))
                 if stage == "signalement"}
        generals = {sid for sid in named if national.services[sid].situations
                    and set(national.services[sid].situations) <= {"violence_sexuelle",
                                                                   "traite"}}
        assert bool(generals) == general, (situation, named)


def test_court_of_appeal_serves_the_ressort_of_its_courts(national: Snapshot) -> None:
    """A cour d'appel's area is the union of its first-instance courts' areas."""
    courts = [o for o in national.organizations.values()
              if o.sector == "justice" and o.parent_id in national.organizations]
    assert courts
    for court in courts:
        parent_services = [s for s in national.services.values()
                           if s.organization_id == court.parent_id and not s.area_codes]
        child_codes = {code for s in national.services.values()
                       if s.organization_id == court.id for code in national.areas[s.id].codes}
        for s in parent_services:
            assert child_codes <= national.areas[s.id].codes


# --- when the annuaire does not know ------------------------------------------------------------


def without(snap: Snapshot, drop: set[str]) -> Snapshot:
    """``snap`` without the organisations ``drop`` and everything hanging off them."""
    keep: list[AnyEntity] = []
    for kind in (snap.organizations, snap.sites, snap.services, snap.contacts, snap.links,
                 snap.memberships):
        for e in kind.values():
            owner = getattr(e, "organization_id", e.id)
            if isinstance(e, Organization):
                owner = e.id
            if owner in drop or getattr(e, "body_id", None) in drop:
                continue
            if getattr(e, "from_service_id", None) is not None and (
                    snap.services[e.from_service_id].organization_id in drop  # type: ignore[union-attr]
                    or snap.services[e.to_service_id].organization_id in drop):  # type: ignore[union-attr]
                continue
            keep.append(e)
    return snapshot_of(snap.territories.values(), keep)


def test_a_missing_competent_institution_is_said_and_nothing_else_is_proposed(
        national: Snapshot) -> None:
    where = commune(national, "09.551", "urban")  # Tata
    authorities = {national.services[sid].organization_id for sid in national.authorities
                   if national.areas[sid].covers(where)}
    snap = without(national, authorities)
    p = plan(snap, where, "violence_physique", age=11, sex="M")
    report = next(s for s in p.stages if s.stage == "signalement")
    assert report.service is None and report.alternatives == ()
    gap = next(g for g in p.gaps if g.stage == "signalement")
    assert gap.kind == "competent_missing" and gap.nearest is None
    assert "tribunal de première instance" in gap.institution
    assert "police" in gap.institution and "المحكمة الابتدائية" in gap.institution_ar
    assert_receivable(snap, where, p)


def test_beyond_the_distance_asked_the_nearest_is_information_only(national: Snapshot) -> None:
    """Without the backbone, Tata has no actor: nothing out of area beyond the cap is proposed."""
    reference = {o.id for o in national.organizations.values()
                 if any(i.startswith("reference:") for i in o.identifiers)}
    snap = without(national, reference)
    where = commune(snap, "09.551", "rural")
    p = plan(snap, where, "negligence", age=9, sex="M")
    assert not any(True for _ in proposals(p))
    kinds = {g.stage: g.kind for g in p.gaps}
    assert kinds["signalement"] == "competent_missing"
    for g in p.gaps:
        if g.kind == "beyond_max_km":
            assert g.nearest is not None and g.distance_km is not None
            assert g.distance_km > OUT_OF_AREA_MAX_KM and g.nearest.out_of_area
    assert "beyond_max_km" in kinds.values()
    near = plan(snap, where, "negligence", age=9, sex="M", max_km=2000.0)
    assert any(c.out_of_area for _, c in proposals(near))
    assert {g.kind for g in near.gaps} <= {"competent_missing", "none_in_province"}
    assert_receivable(snap, where, near, max_km=2000.0)


def test_committees_and_capacity_building_are_never_proposed(national: Snapshot) -> None:
    idle = {sid for sid, s in national.services.items()
            if s.type in ("coordination", "renforcement_capacites")}
    assert idle and not idle & national.for_children
    for province, kind, situations, age, sex, urgent in SCENARIOS:
        where = commune(national, province, kind)
        p = plan(national, where, *situations, age=age, sex=sex, urgent=urgent)
        assert not {c.id for _, c in proposals(p)} & idle


def test_unstated_situations_rank_after_explicit_matches(national: Snapshot) -> None:
    where = commune(national, "04.441", "urban")
    for _, c in proposals(plan(national, where, "negligence")):
        service = national.services[c.id]
        if not service.situations:
            assert "situations prises en charge non précisées dans l'annuaire" in c.reasons


# --- property: random communes × situations ------------------------------------------------------


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_proposed_report_service_is_competent(national: Snapshot, data: st.DataObject
                                                    ) -> None:
    communes = sorted((t for t in national.communes() if t.lat is not None),
                      key=lambda t: t.code)
    where = data.draw(st.sampled_from(communes))
    situations = data.draw(st.lists(st.sampled_from(sorted(SITUATIONS)), min_size=1,
                                    max_size=3, unique=True))
    urgent = data.draw(st.booleans())
    p = plan(national, where, *situations, urgent=urgent)
    for stage, c in proposals(p):
        if stage == "signalement":
            assert c.id in national.authorities and national.areas[c.id].covers(where)
    assert_receivable(national, where, p)


# --- the rules themselves, the data, and the round trip -----------------------------------------


def test_areas_are_derived_by_kind() -> None:
    org = {s: Organization(id=s, name=s, org_kind="institution_publique", sector=s)
           for s in ("surete_nationale", "gendarmerie", "sante")}
    s = Service(id="s", organization_id="o", name="n", type="plainte_enquete",
                stages=("detection",))
    assert derive_area(s, org["surete_nationale"], ["04.441"]) == ServiceArea(
        frozenset({"04.441"}), "urban", "police_urban")
    assert derive_area(s, org["gendarmerie"], ["04.441"]).milieu == "rural"
    assert derive_area(s, org["sante"], ["04.441", "04.421"]).codes == {"04.441", "04.421"}
    assert derive_area(s, org["sante"], ["04.441"], ressort=["04.421"]).rule == "ressort"
    stated = Service(id="t", organization_id="o", name="n", type="hebergement",
                     stages=("prise_en_charge",), area_codes=("04.441.01.0",))
    assert derive_area(stated, org["gendarmerie"], ["04.281"]) == ServiceArea(
        frozenset({"04.441.01.0"}))


def test_every_province_has_its_institutions_and_a_court(national: Snapshot) -> None:
    rows = [row for _, row in read_rows(BACKBONE)]
    assert {r["institution"] for r in rows} == set(INSTITUTIONS)
    provinces = {t.province_code for t in national.communes() if t.province_code}
    ressorts = {code for r in rows if r["institution"] == "tpi" for code in r["ressort"].split()}
    for province in provinces:  # a ressort names the province, or communes of it
        assert any(code == province or code.startswith(province + ".") for code in ressorts), \
            province
    for r in rows:
        if r["institution"] in ("hopital", "entraide", "education"):
            assert r["province_code"] in provinces
    every = {(r["institution"], r["province_code"]) for r in rows}
    for province in provinces:
        for institution in ("hopital", "entraide", "education"):
            assert (institution, province) in every, (institution, province)


def test_reference_entries_invent_nothing_and_wait_for_verification(national: Snapshot) -> None:
    reference = [o for o in national.organizations.values()
                 if any(i.startswith("reference:") for i in o.identifiers)]
    assert len(reference) > 300
    public_numbers = {"19", "177"}
    for org in reference:
        assert not org.is_verified and "à vérifier" in org.description
        assert org.email == "" and org.website == ""
        assert {c.value for c in org.channels} <= public_numbers
    for site in national.sites.values():
        if site.organization_id in {o.id for o in reference}:
            commune = national.territories[site.commune_code]
            assert site.address == "" and (site.lat, site.lon) == (commune.lat, commune.lon)
            assert site.coordinates_precision == "commune"
    for service in national.services.values():
        if service.organization_id in {o.id for o in reference}:
            assert service.hours == () and service.channels == () and not service.is_verified
    assert not [c for c in national.contacts.values()
                if c.organization_id in {o.id for o in reference}]


def test_backbone_refuses_a_bad_row_naming_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "backbone.csv"
    lines = BACKBONE.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([lines[0], "ref-x,tribunal,X,X,04.441,04.441.01.0,,,,",
                              "ref-y,police,Y,Y,04.441,99.999.99.9,,,,"]) + "\n",
                   encoding="utf-8")
    from graph_service.territories import load_territories

    with pytest.raises(ValidationFailed) as refused:
        backbone_entities(read_rows(bad), name=bad.name,
                          territories={t.code: t for t in load_territories()},
                          exists=lambda _: False)
    found = {(e.where, e.field) for e in refused.value.errors}
    assert ("backbone.csv:2", "institution") in found
    assert ("backbone.csv:3", "commune_code") in found


def test_seeding_twice_adds_nothing_and_keeps_corrections(seeded_store: GraphStore) -> None:
    from graph_service.backbone import load_backbone

    assert load_backbone(seeded_store, BACKBONE, actor="seed") == 0
    org = seeded_store.get("organization", "ref-tpi-rabat")
    assert isinstance(org, Organization)
    corrected = seeded_store.update(
        dataclasses.replace(org, name="Tribunal de première instance de Rabat (confirmé)"),
        expected_version=org.version, actor="coordinatrice")
    service = seeded_store.get("service", "ref-tpi-rabat--parquet")
    assert service is not None
    seeded_store.delete("service", service.id, expected_version=service.version,
                        actor="coordinatrice")  # a coordinator found it does not exist
    revision = seeded_store.revision()
    assert load_backbone(seeded_store, BACKBONE, actor="seed") == 0
    assert seeded_store.get("organization", org.id) == corrected
    assert seeded_store.get("service", "ref-tpi-rabat--parquet") is None
    assert seeded_store.revision() == revision


def test_service_areas_and_receiving_children_survive_export_and_import(
        seeded_store: GraphStore, store: GraphStore, tmp_path: Path) -> None:
    service = seeded_store.get("service", "ref-tpi-rabat--parquet")
    assert isinstance(service, Service) and service.area_codes
    import dataclasses

    seeded_store.update(dataclasses.replace(service, receives_children=False),
                        expected_version=service.version, actor="test")
    export_package(seeded_store, tmp_path / "out")
    from graph_service.territories import load_territories

    store.put_territories(load_territories())
    import_package(store, tmp_path / "out", actor="import")
    back = store.get("service", "ref-tpi-rabat--parquet")
    assert isinstance(back, Service)
    assert back.area_codes == service.area_codes and back.receives_children is False
