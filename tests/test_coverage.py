"""Coverage figures on a small hand-built territory, then over the real seed."""

from __future__ import annotations

import dataclasses
import json
import math
import random
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_service.action_plan import draft_action_plan, plan_text
from graph_service.coverage import (
    EARTH_RADIUS_KM,
    FAR_KM,
    Coverage,
    cached_coverage,
    commune_reach,
    compute_coverage,
    nearest_km,
    resolve_area,
    summaries,
    summarize,
    unit_vectors,
)
from graph_service.domain.eligibility import Need
from graph_service.domain.entities import AnyEntity, Organization, Service, Site, Territory
from graph_service.domain.errors import NotFound, ValidationFailed
from graph_service.snapshot import Snapshot, build_snapshot, snapshot_of
from graph_service.store import GraphStore


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def commune(code: str, name: str, name_ar: str, lat: float, lon: float,
            children: int) -> Territory:
    return Territory(code=code, level="commune", name_fr=name, name_ar=name_ar,
                     parent_code=code[:6], region_code=code[:2], province_code=code[:6],
                     population=3 * children, children=children, lat=lat, lon=lon)


COMMUNES = [
    commune("99.001.01.01", "Alpha-Centre", "ألفا", 34.0, -6.8, 1000),
    commune("99.001.01.02", "Alpha-Nord", "ألفا الشمال", 34.2, -6.8, 500),
    commune("99.002.01.01", "Bêta-Ville", "بيتا", 34.0, -6.0, 2000),
    commune("99.002.01.02", "Bêta-Est", "بيتا الشرق", 34.0, -5.5, 300),
]
TERRITORIES = [
    Territory(code="99", level="region", name_fr="Région Test", name_ar="جهة", children=3800),
    Territory(code="99.001", level="province", name_fr="Alpha", name_ar="ألفا",
              parent_code="99", region_code="99", children=1500, lat=34.1, lon=-6.8),
    Territory(code="99.002", level="province", name_fr="Bêta", name_ar="بيتا",
              parent_code="99", region_code="99", children=2300, lat=34.0, lon=-5.8),
    *COMMUNES,
]


def entities() -> list[AnyEntity]:
    org = Organization(id="org-a", name="Association A", org_kind="association",
                       sector="societe_civile")
    return [
        org,
        # At the commune's point (no coordinates of its own).
        Site(id="site-centre", organization_id="org-a", name="Siège",
             commune_code="99.001.01.01"),
        # Inside Alpha-Nord but 1 km from the commune's point.
        Site(id="site-nord", organization_id="org-a", name="Antenne",
             commune_code="99.001.01.02", lat=34.209, lon=-6.8),
        Site(id="site-beta", organization_id="org-a", name="Bêta",
             commune_code="99.002.01.01"),
        Service(id="svc-detect", organization_id="org-a", name="Écoute", type="ecoute_orientation",
                stages=("detection", "urgence"), site_ids=("site-centre",)),
        Service(id="svc-eval", organization_id="org-a", name="Évaluation",
                type="evaluation_sociale", stages=("evaluation",), site_ids=("site-nord",)),
        Service(id="svc-closed", organization_id="org-a", name="Fermé", type="ecoute_orientation",
                stages=("detection",), site_ids=("site-beta",), status="temporarily_closed"),
        Service(id="svc-shelter", organization_id="org-a", name="Foyer", type="hebergement",
                stages=("prise_en_charge",), site_ids=("site-beta",),
                situations=("violence_sexuelle",)),
    ]


@pytest.fixture
def snap() -> Snapshot:
    return snapshot_of(TERRITORIES, entities())


def km_of(coverage: Coverage, stage: str) -> dict[str, float | None]:
    return {r.code: r.distance_km for r in commune_reach(coverage, stage)}


def test_a_commune_with_a_provider_inside_it_is_at_distance_zero(snap: Snapshot) -> None:
    cov = compute_coverage(snap)
    assert km_of(cov, "detection")["99.001.01.01"] == 0.0
    # The site is 1 km from Alpha-Nord's point, but in the commune: still 0.
    assert km_of(cov, "evaluation")["99.001.01.02"] == 0.0
    reach = {r.code: r for r in commune_reach(cov, "evaluation")}
    assert reach["99.001.01.02"].nearest_service_id == "svc-eval"


def test_distances_are_great_circle_km_to_the_nearest_active_provider(snap: Snapshot) -> None:
    km = km_of(compute_coverage(snap), "detection")
    # The closed service in Bêta-Ville does not count: the nearest is in Alpha-Centre.
    assert km["99.002.01.01"] == pytest.approx(haversine_km(34.0, -6.0, 34.0, -6.8), abs=0.05)
    assert km["99.002.01.02"] == pytest.approx(haversine_km(34.0, -5.5, 34.0, -6.8), abs=0.05)
    # Alpha-Centre to the evaluation site uses the site's own coordinates.
    assert km_of(compute_coverage(snap), "evaluation")["99.001.01.01"] == pytest.approx(
        haversine_km(34.0, -6.8, 34.209, -6.8), abs=0.05)


def test_a_stage_nobody_provides_has_no_distance(snap: Snapshot) -> None:
    cov = compute_coverage(snap)
    assert set(km_of(cov, "suivi").values()) == {None}
    national = summarize(cov)
    assert "suivi" in national.missing_stages
    suivi = next(s for s in national.stages if s.stage == "suivi")
    assert suivi.children_within_60_km == 0 and suivi.children_beyond_30_km == 3800


def test_a_province_with_no_provider_for_a_stage_lists_it_as_a_gap(snap: Snapshot) -> None:
    cov = compute_coverage(snap)
    beta = summarize(cov, "99.002")
    # Its only detection service is closed; its shelter covers prise en charge.
    assert "detection" in beta.missing_stages
    assert "prise_en_charge" not in beta.missing_stages
    alpha = summarize(cov, "99.001")
    assert alpha.missing_stages == ("signalement", "prise_en_charge", "reinsertion", "suivi")
    assert [s.stage for s in alpha.stages if s.gap] == list(alpha.missing_stages)
    providers = {s.stage: s.providers for s in alpha.stages}
    assert (providers["detection"], providers["evaluation"]) == (1, 1)
    region = {s.stage: s.providers for s in summarize(cov, "99").stages}
    assert (region["detection"], region["prise_en_charge"]) == (1, 1)


def test_children_totals_add_up_to_the_census_figures(snap: Snapshot) -> None:
    cov = compute_coverage(snap)
    national = summarize(cov)
    assert national.children == 3800 == snap.territories["99"].children
    by_province = {s.code: s for s in summaries(cov)}
    assert {code: s.children for code, s in by_province.items()} == {"99.001": 1500,
                                                                      "99.002": 2300}
    assert [s.children for s in summaries(cov, "region")] == [3800]
    for area in (national, *by_province.values()):
        for stage in area.stages:
            assert stage.children == area.children
            assert (stage.children_within_10_km <= stage.children_within_30_km
                    <= stage.children_within_60_km <= area.children)
            assert stage.children_beyond_30_km == area.children - stage.children_within_30_km


def test_detection_figures_by_distance(snap: Snapshot) -> None:
    detection = summarize(compute_coverage(snap)).stages[0]
    assert detection.stage == "detection"
    # Alpha-Centre 0 km and Alpha-Nord 22 km; Bêta-Ville 74 km and Bêta-Est 120 km away.
    assert detection.children_within_10_km == 1000
    assert detection.children_within_30_km == 1500
    assert detection.children_within_60_km == 1500
    assert detection.children_beyond_30_km == 2300
    assert [(c.code, c.children) for c in detection.farthest] == [
        ("99.002.01.01", 2000), ("99.002.01.02", 300)]
    assert all(c.distance_km is not None and c.distance_km > FAR_KM
               for c in detection.farthest)
    assert detection.farthest[0].nearest_organization_name == "Association A"


def test_farthest_communes_are_capped_by_top(snap: Snapshot) -> None:
    cov = compute_coverage(snap)
    assert len(summarize(cov, top=1).stages[0].farthest) == 1
    assert summarize(cov, top=0).stages[0].farthest == ()
    with pytest.raises(ValidationFailed) as exc:
        summarize(cov, top=-1)
    assert exc.value.errors[0].field == "top"


def test_a_situation_keeps_only_the_providers_that_take_it(snap: Snapshot) -> None:
    taken = compute_coverage(snap, need=Need(situations=("violence_sexuelle",)))
    refused = compute_coverage(snap, need=Need(situations=("negligence",)))
    assert km_of(taken, "prise_en_charge")["99.002.01.01"] == 0.0
    assert set(km_of(refused, "prise_en_charge").values()) == {None}
    # Without a situation every active provider counts.
    assert km_of(compute_coverage(snap), "prise_en_charge")["99.002.01.01"] == 0.0


def test_a_service_type_narrows_the_providers(snap: Snapshot) -> None:
    cov = compute_coverage(snap, service_type="hebergement")
    assert set(km_of(cov, "detection").values()) == {None}
    assert km_of(cov, "prise_en_charge")["99.002.01.01"] == 0.0


def test_stages_can_be_chosen_and_bad_filters_are_named(snap: Snapshot) -> None:
    cov = compute_coverage(snap, stages=["suivi", "detection"])
    assert [s.stage for s in cov.stages] == ["detection", "suivi"]  # circuit order
    with pytest.raises(ValidationFailed) as exc:
        compute_coverage(snap, stages=["detection", "nowhere"])
    assert [e.field for e in exc.value.errors] == ["stage"]
    assert "nowhere" in str(exc.value)
    with pytest.raises(ValidationFailed) as exc:
        compute_coverage(snap, service_type="teleportation")
    assert exc.value.errors[0].field == "type"
    with pytest.raises(ValidationFailed) as exc:
        cov.stage("urgence")
    assert exc.value.errors[0].field == "stage"


def test_unknown_area_and_level(snap: Snapshot) -> None:
    cov = compute_coverage(snap)
    with pytest.raises(NotFound):
        summarize(cov, "99.001.01.01")  # a commune is not an area here
    with pytest.raises(ValidationFailed) as exc:
        summaries(cov, "commune")
    assert exc.value.errors[0].field == "level"


def test_output_does_not_depend_on_the_order_entries_were_read(snap: Snapshot) -> None:
    shuffled = entities()
    random.Random(7).shuffle(shuffled)
    other = snapshot_of(list(reversed(TERRITORIES)), shuffled)

    def figures(s: Snapshot) -> str:
        cov = compute_coverage(s)
        areas = [summarize(cov), *summaries(cov), *summaries(cov, "region")]
        return json.dumps([dataclasses.asdict(a) for a in areas], sort_keys=True)

    assert figures(snap) == figures(other)


def test_cached_coverage_is_kept_per_filter(snap: Snapshot) -> None:
    first = cached_coverage(snap)
    assert cached_coverage(snap) is first
    filtered = cached_coverage(snap, need=Need(situations=("violence_sexuelle",)))
    assert filtered is not first and filtered.need is not None
    assert cached_coverage(snap, stages=["suivi", "detection"]) is cached_coverage(
        snap, stages=["detection", "suivi"])


def test_resolve_area_by_code_name_and_arabic(snap: Snapshot) -> None:
    assert resolve_area(snap, "99.002").code == "99.002"
    assert resolve_area(snap, "beta").code == "99.002"
    assert resolve_area(snap, " BÊTA ").code == "99.002"
    assert resolve_area(snap, "بيتا").code == "99.002"
    assert resolve_area(snap, "Région test", "region").code == "99"
    with pytest.raises(ValidationFailed) as exc:
        resolve_area(snap, "Alfa")
    assert exc.value.errors[0].field == "province"
    assert "Alpha (99.001)" in str(exc.value)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(1, 60))
def test_nearest_km_matches_a_brute_force_haversine(seed: int, n_sources: int) -> None:
    rng = np.random.default_rng(seed)
    tlat, tlon = rng.uniform(21, 36, 40), rng.uniform(-17, -1, 40)
    slat, slon = rng.uniform(21, 36, n_sources), rng.uniform(-17, -1, n_sources)
    km, index = nearest_km(unit_vectors(tlat, tlon), unit_vectors(slat, slon))
    for i in range(40):
        brute = [haversine_km(tlat[i], tlon[i], slat[j], slon[j]) for j in range(n_sources)]
        assert km[i] == pytest.approx(min(brute), abs=1e-6)
        assert brute[int(index[i])] == pytest.approx(min(brute), abs=1e-6)


def test_nearest_km_with_no_source_and_bad_shapes() -> None:
    km, index = nearest_km(unit_vectors([34.0], [-6.8]), np.empty((0, 3)))
    assert math.isinf(km[0]) and index[0] == -1
    with pytest.raises(ValueError):
        nearest_km(np.zeros((2, 2)), np.zeros((2, 3)))


# --- territorial competence -----------------------------------------------------------------


TYPED = {"99.001.01.01": "urban", "99.001.01.02": "rural", "99.002.01.01": "urban",
         "99.002.01.02": "rural"}


def competence_snapshot(*extra: AnyEntity) -> Snapshot:
    """The small territory with typed communes, Alpha's police, Bêta's gendarmerie, an
    association that also lists the signalement, and a committee."""
    territories = [dataclasses.replace(t, type=TYPED[t.code]) if t.code in TYPED else t
                   for t in TERRITORIES]
    police = Organization(id="org-police", name="Sûreté d'Alpha", org_kind="institution_publique",
                          sector="surete_nationale")
    gendarmerie = Organization(id="org-gend", name="Gendarmerie de Bêta",
                               org_kind="institution_publique", sector="gendarmerie")
    return snapshot_of(territories, [
        *entities(), police, gendarmerie,
        Site(id="site-police", organization_id="org-police", name="Commissariat",
             commune_code="99.001.01.01"),
        # The gendarmerie's post stands in Bêta's urban commune, which it does not serve.
        Site(id="site-gend", organization_id="org-gend", name="Compagnie",
             commune_code="99.002.01.01"),
        Service(id="svc-police", organization_id="org-police", name="Brigade des mineurs",
                type="plainte_enquete", stages=("detection", "signalement"),
                site_ids=("site-police",)),
        Service(id="svc-gend", organization_id="org-gend", name="Plaintes",
                type="plainte_enquete", stages=("signalement",), site_ids=("site-gend",)),
        Service(id="svc-assoc-report", organization_id="org-a", name="Aide au signalement",
                type="ecoute_orientation", stages=("signalement",), site_ids=("site-nord",)),
        Service(id="svc-committee", organization_id="org-a", name="Comité provincial",
                type="coordination", stages=("suivi",), site_ids=("site-centre",)),
        *extra,
    ])


def test_a_commune_is_covered_for_signalement_only_by_its_competent_authority() -> None:
    cov = compute_coverage(competence_snapshot())
    reach = {r.code: r for r in commune_reach(cov, "signalement")}
    # Alpha-Centre (urban) hosts its police.
    assert (reach["99.001.01.01"].distance_km, reach["99.001.01.01"].nearest_service_id) == (
        0.0, "svc-police")
    # Alpha-Nord is rural: Alpha's police does not serve it, Bêta's gendarmerie is another
    # province's, and the association that lists the stage is no authority.
    assert reach["99.001.01.02"].distance_km is None
    assert reach["99.001.01.02"].nearest_service_id is None
    # Bêta-Ville is urban: the gendarmerie standing in it does not serve it (not 0 km).
    assert reach["99.002.01.01"].distance_km is None
    # Bêta-Est is rural: its gendarmerie, at Bêta-Ville's point.
    assert reach["99.002.01.02"].nearest_service_id == "svc-gend"
    assert reach["99.002.01.02"].distance_km == pytest.approx(
        haversine_km(34.0, -5.5, 34.0, -6.0), abs=0.05)
    assert cov.stage("signalement").providers == ("svc-gend", "svc-police")


def test_an_authority_counts_only_inside_its_area_at_every_stage() -> None:
    cov = compute_coverage(competence_snapshot())
    detection = {r.code: r for r in commune_reach(cov, "detection")}
    # Alpha-Nord's nearest detection service is the association (22 km), not the police
    # of Alpha-Centre at the same point, which serves urban communes only.
    assert detection["99.001.01.02"].nearest_service_id == "svc-detect"
    assert detection["99.001.01.01"].distance_km == 0.0


def test_services_that_receive_no_child_are_never_providers() -> None:
    cov = compute_coverage(competence_snapshot())
    assert cov.stage("suivi").providers == ()
    assert set(km_of(cov, "suivi").values()) == {None}
    assert "suivi" in summarize(cov, "99.001").missing_stages


def test_a_plan_registers_the_missing_competent_institution_never_another_province() -> None:
    cov = compute_coverage(competence_snapshot())
    alpha = draft_action_plan(cov, "99.001")
    report = [r for r in alpha.rows if r.stage == "signalement"]
    # Alpha has its police: the stage is not missing, but its rural commune has no
    # competent service: register the gendarmerie for it, name no other province's.
    assert report and all(r.objective == 2 for r in report)
    [register] = [r for r in report if r.action.startswith("Recenser / confirmer")]
    assert "gendarmerie royale (commune rurale)" in register.action
    assert "Alpha-Nord" in register.action and register.communes == ("99.001.01.02",)
    assert not any("Gendarmerie de Bêta" in r.action or "convention" in r.action
                   for r in report)
    beta = draft_action_plan(cov, "99.002")  # its urban commune lacks the police
    assert "police — Sûreté nationale (commune urbaine)" in " ".join(
        r.action for r in beta.rows if r.stage == "signalement")


def test_a_missing_jurisdiction_stage_is_registered_not_contracted() -> None:
    snap = competence_snapshot()
    gone = snapshot_of(snap.territories.values(), [
        e for e in (*snap.organizations.values(), *snap.sites.values(),
                    *snap.services.values())
        if getattr(e, "organization_id", e.id) != "org-gend"])
    beta = draft_action_plan(compute_coverage(gone), "99.002")
    report = [r for r in beta.rows if r.stage == "signalement"]
    assert [r.objective for r in report] == [1]
    assert report[0].action.startswith("Recenser / confirmer le parquet (procureur du Roi)")
    assert "Brigade des mineurs" not in report[0].action  # Alpha's police: not competent
    # A stage any service may serve still proposes a convention with the nearest one.
    detection = [r.action for r in beta.rows if r.stage == "detection"]
    assert any("convention" in a and "Écoute" in a for a in detection)
    arabic = plan_text(beta, "ar")
    [missing] = [o for o in arabic.objectives if o.heading.startswith("الهدف العام 1")]
    register = [line for line in missing.lines if line[1].startswith("إحصاء / تأكيد")]
    assert register and "النيابة العامة" in register[0][1]
    assert not re.search(r"[A-Za-zÀ-ÿ]{3,}", "".join(register[0]))


# --- over the real territories and seed ----------------------------------------------------


@pytest.fixture
def seeded(seeded_store: GraphStore) -> Snapshot:
    return build_snapshot(seeded_store)


def test_sale_has_a_provider_for_every_stage_the_seed_covers(seeded: Snapshot) -> None:
    cov = compute_coverage(seeded)
    covered = {s.stage for s in summarize(cov).stages if not s.gap}
    assert covered, "the seed provides some stages"
    sale = resolve_area(seeded, "Salé")
    assert set(summarize(cov, sale.code).missing_stages).isdisjoint(covered)


def test_a_province_known_only_by_its_reference_entries_has_them_for_every_stage(
        seeded: Snapshot) -> None:
    cov = compute_coverage(seeded)
    only_reference = [p for p in summaries(cov)
                      if set(seeded.by_province.get(p.code, ())) <= seeded.provisional]
    assert only_reference, "the field documents cover only a few provinces"
    for province in only_reference:
        # The backbone gives every province a provider of each stage, all to confirm.
        assert province.missing_stages == (), province.code
        for reach in cov.stages:
            assert set(reach.providers_in([province.code])) <= seeded.provisional


def test_a_rural_communes_report_goes_to_its_own_gendarmerie_or_court(
        seeded: Snapshot) -> None:
    cov = compute_coverage(seeded, stages=["signalement"])
    sidi_kacem = resolve_area(seeded, "Sidi Kacem").code
    rural = [r for r in commune_reach(cov, "signalement")
             if r.province_code == sidi_kacem and seeded.territories[r.code].type == "rural"]
    assert rural
    for reach in rural:
        sid = reach.nearest_service_id
        assert sid is not None and reach.distance_km is not None, reach.code
        org = seeded.organizations[seeded.services[sid].organization_id]
        assert org.sector in ("gendarmerie", "justice"), (reach.code, org.name)
        assert {p.province_code for p in seeded.places[sid]} == {sidi_kacem}, org.name


def test_every_commune_is_covered_for_signalement_by_a_competent_service_only(
        seeded: Snapshot) -> None:
    cov = compute_coverage(seeded, stages=["signalement"])
    reach = cov.stage("signalement")
    for commune, sid in zip(cov.communes, reach.nearest, strict=True):
        if sid is None:
            continue
        assert sid in seeded.authorities and seeded.areas[sid].covers(commune), commune.code
        org = seeded.organizations[seeded.services[sid].organization_id]
        if org.sector == "surete_nationale":  # the police: an urban commune of its province
            assert commune.type == "urban", commune.code
            assert commune.province_code in {p.province_code for p in seeded.places[sid]}
    # The rule matters: somewhere another jurisdiction's authority is nearer.
    places = [p for sid in reach.providers for p in seeded.places[sid]]
    nearest_any, _ = nearest_km(unit_vectors([c.lat or 0.0 for c in cov.communes],
                                             [c.lon or 0.0 for c in cov.communes]),
                                unit_vectors([p.lat for p in places], [p.lon for p in places]))
    hosted = {p.commune_code for p in places}
    assert any(km > near + 1 for c, km, near in zip(cov.communes, reach.distance_km,
                                                    nearest_any, strict=True)
               if c.code not in hosted)


def test_committees_and_capacity_building_are_never_providers(seeded: Snapshot) -> None:
    not_for_children = {sid for sid, s in seeded.services.items()
                        if s.type in ("coordination", "renforcement_capacites") and s.stages
                        and sid in seeded.places}
    assert not_for_children, "the seed has committees and trainings listing stages"
    cov = compute_coverage(seeded)
    for reach in cov.stages:
        assert not_for_children.isdisjoint(reach.providers), reach.stage
        assert not_for_children.isdisjoint(reach.nearest), reach.stage


def test_real_children_totals_add_up_to_the_census(seeded: Snapshot) -> None:
    cov = compute_coverage(seeded)
    assert len(cov.communes) == 1503
    regions = [t for t in seeded.territories.values() if t.level == "region"]
    assert summarize(cov).children == sum(r.children for r in regions)
    for area in summaries(cov, "region"):
        assert area.children == seeded.territories[area.code].children
    for area in summaries(cov):
        assert area.children == seeded.territories[area.code].children, area.code


def test_a_prefecture_of_arrondissements_points_to_casablanca(seeded: Snapshot) -> None:
    cov = compute_coverage(seeded)
    anfa = resolve_area(seeded, "Casablanca-Anfa")
    assert anfa.code == "06.141.01.00"
    with pytest.raises(ValidationFailed) as exc:
        summarize(cov, anfa.code)
    assert exc.value.errors[0].field == "province"
    assert "06.141" in str(exc.value)
    assert summarize(cov, "06.141").children == seeded.territories["06.141"].children



def test_of_equally_near_providers_the_smallest_id_is_named(seeded: Snapshot) -> None:
    # Several services share a place (a site, or the commune's point): a commune's nearest
    # provider is then named as among those a commune hosts, the smallest id, not by how a
    # k-d tree happened to file their places.
    cov = compute_coverage(seeded)
    targets = unit_vectors([c.lat or 0.0 for c in cov.communes],
                           [c.lon or 0.0 for c in cov.communes])
    tied = 0
    for reach in cov.stages:
        places = [(sid, p) for sid in reach.providers if sid not in seeded.authorities
                  for p in seeded.places[sid]]
        if not places:
            continue
        sources = unit_vectors([p.lat for _, p in places], [p.lon for _, p in places])
        chords = np.linalg.norm(targets[:, None, :] - sources[None, :, :], axis=2)
        for i, sid in enumerate(reach.nearest):
            if sid is None or sid in seeded.authorities or reach.distance_km[i] == 0.0:
                continue
            nearest = {places[j][0] for j in np.flatnonzero(chords[i] == chords[i].min())}
            tied += len(nearest) > 1
            assert sid == min(nearest), (reach.stage, cov.communes[i].code, sorted(nearest))
    assert tied, "the seed has services sharing a place"
