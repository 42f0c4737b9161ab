"""Orientation over the real seed: the issue's four scenarios, determinism, gaps, bad input.

Each test asks what a social worker would check in the plan: who is proposed
at each stage, why, and what is said when nobody can be.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph_service.domain.eligibility import (
    Need,
    check_eligibility,
    deciding_key,
    ranking_key,
)
from graph_service.domain.entities import Service, Site
from graph_service.domain.errors import ValidationFailed
from graph_service.domain.taxonomy import LANGUAGES, SITUATIONS, STAGE_ORDER
from graph_service.orientation import (
    STAGE_RULES,
    Plan,
    Request,
    ServiceChoice,
    StagePlan,
    Where,
    orient,
    stages_for,
)
from graph_service.orientation.columns import EligibilityColumns
from graph_service.orientation.index import ORIENTATION_INDEX
from graph_service.snapshot import Snapshot, SnapshotCache, build_snapshot
from graph_service.store import GraphStore


def plan_for(snapshot: Snapshot, *situations: str, age: int = 10, sex: str = "F",
             urgent: bool = False, disability: bool = False, **where: object) -> Plan:
    need = Need(situations=situations, age=age, sex=sex, urgent=urgent, disability=disability)
    options = {k: where.pop(k) for k in ("start_stage", "max_km", "alternatives") if k in where}
    return orient(snapshot, Request(need, Where(**where), **options))


def stage(plan: Plan, code: str) -> StagePlan:
    return next(s for s in plan.stages if s.stage == code)


def proposed(s: StagePlan) -> list[ServiceChoice]:
    return [*([s.service] if s.service else []), *s.alternatives]


@pytest.fixture
def snapshot(seeded_store: GraphStore) -> Snapshot:
    return build_snapshot(seeded_store)


# --- the scenarios of the issue --------------------------------------------------------------


def test_sexual_violence_in_sale_goes_from_errazi_to_the_parquet_the_cape_and_follow_up(
        snapshot: Snapshot) -> None:
    plan = plan_for(snapshot, "violence_sexuelle", age=12, sex="F", urgent=True, commune="Salé")
    assert plan.stages[0].stage == "urgence"
    assert plan.stages[0].service is not None
    assert plan.stages[0].service.organization.id == "org-errazi"
    parquet = stage(plan, "signalement").service
    assert parquet is not None and parquet.type == "parquet_mineurs"
    assert parquet.organization.id == "org-tpi-sale"
    for code in ("evaluation", "prise_en_charge"):
        chosen = stage(plan, code).service
        assert chosen is not None and chosen.organization.id in ("org-cape-sale", "org-en-sale")
    follow_up = stage(plan, "suivi")
    kinds = {snapshot.organizations[c.organization.id].org_kind for c in proposed(follow_up)}
    assert "association" in kinds
    assert all(c.commune and c.commune.name == "Salé" for c in proposed(follow_up))
    for code in ("signalement", "evaluation", "prise_en_charge", "suivi"):
        chosen = stage(plan, code).service
        assert chosen is not None and chosen.linked_from is not None, code
        assert any(r.startswith("lien d'orientation établi depuis") for r in chosen.reasons)
    assert stage(plan, "reinsertion").skipped
    assert plan.gaps == ()


def test_boy_in_conflict_with_the_law_in_temara_follows_the_judicial_path(
        snapshot: Snapshot) -> None:
    plan = plan_for(snapshot, "conflit_avec_la_loi", age=16, sex="M", commune="Témara")
    assert stage(plan, "signalement").skipped is None
    assert stage(plan, "urgence").skipped
    chosen = {s.stage: s.service for s in plan.stages if s.service}
    types = {c.type for c in chosen.values()}
    assert {"parquet_mineurs", "juge_des_mineurs", "liberte_surveillee"} <= types
    temara = next(t for t in snapshot.communes() if t.name_fr == "Témara")
    assert all(snapshot.areas[c.id].covers(temara) for c in chosen.values())
    sectors = {snapshot.organizations[c.organization.id].sector for c in chosen.values()}
    assert "justice" in sectors


def test_child_with_a_disability_in_kenitra_is_sent_to_services_that_accept_it(
        snapshot: Snapshot) -> None:
    plan = plan_for(snapshot, "negligence", age=9, sex="M", disability=True, commune="Kénitra")
    care = stage(plan, "prise_en_charge")
    assert care.service is not None
    assert snapshot.services[care.service.id].disability_accepted
    assert "accueille les enfants en situation de handicap" in care.service.reasons
    assert "org-amb-kenitra" in {c.organization.id for c in proposed(care)}


# --- determinism -----------------------------------------------------------------------------


def test_same_question_gives_the_same_bytes_even_after_rebuilding_the_snapshot(
        seeded_store: GraphStore) -> None:
    ask = {"commune": "sale", "urgent": True, "age": 12}
    first = plan_for(build_snapshot(seeded_store), "violence_sexuelle", **ask).to_json()
    again = plan_for(build_snapshot(seeded_store), "violence_sexuelle", **ask).to_json()
    assert first == again
    assert json.loads(first)["stages"][0]["stage"] == "urgence"
    assert list(json.loads(first)) == sorted(json.loads(first))


# --- status --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["no_capacity", "temporarily_closed"])
def test_a_service_without_capacity_or_closed_is_never_proposed(
        seeded_store: GraphStore, status: str) -> None:
    cache = SnapshotCache(seeded_store, derived=(ORIENTATION_INDEX,))  # carried on edits
    before = plan_for(cache.get(), "violence_sexuelle", age=12, urgent=True, commune="Salé")
    parquet = stage(before, "signalement").service
    assert parquet is not None
    stored = seeded_store.get("service", parquet.id)
    assert isinstance(stored, Service)
    seeded_store.update(dataclasses.replace(stored, status=status),
                        expected_version=stored.version, actor="test")
    after = plan_for(cache.catch_up(), "violence_sexuelle", age=12, urgent=True, commune="Salé")
    everywhere = [c.id for s in after.stages for c in proposed(s)]
    assert parquet.id not in everywhere
    replacement = stage(after, "signalement").service
    assert replacement is not None
    assert replacement.id in {c.id for c in stage(before, "signalement").alternatives}


# --- stages that apply -----------------------------------------------------------------------


@pytest.mark.parametrize("situation", ["abandon_scolaire", "absence_etat_civil", "handicap"])
def test_situations_without_danger_need_no_judicial_report(snapshot: Snapshot,
                                                           situation: str) -> None:
    plan = plan_for(snapshot, situation, commune="Salé")
    report = stage(plan, "signalement")
    assert report.service is None and report.skipped
    assert SITUATIONS[situation].fr.lower() in report.skipped


@pytest.mark.parametrize("situation", ["violence_physique", "exploitation_economique", "traite",
                                       "mariage_precoce", "conflit_avec_la_loi"])
def test_danger_and_offences_go_through_the_judicial_report(situation: str) -> None:
    verdicts = {v.stage: v for v in stages_for(Need(situations=(situation,)))}
    assert verdicts["signalement"].applies and not verdicts["signalement"].skipped


def test_rule_table_covers_the_circuit_in_order() -> None:
    assert tuple(STAGE_RULES) == STAGE_ORDER


def test_stage_reached_drops_the_earlier_ones_but_urgency_still_comes_first() -> None:
    need = Need(situations=("violence_physique",), urgent=True)
    assert [v.stage for v in stages_for(need, "evaluation")] == [
        "urgence", "evaluation", "prise_en_charge", "reinsertion", "suivi"]


# --- gaps and limits ---------------------------------------------------------------------------


def test_confidential_site_shows_only_its_commune(seeded_store: GraphStore) -> None:
    snapshot = build_snapshot(seeded_store)
    shelter = next(s for s in snapshot.sites.values() if s.confidential)
    secret = dataclasses.replace(shelter, lat=34.2611, lon=-6.5802, address="12 rue secrète",
                                 coordinates_precision="exact")
    seeded_store.update(secret, expected_version=shelter.version, actor="test")
    snapshot = build_snapshot(seeded_store)
    service = next(s for s in snapshot.services.values() if shelter.id in s.site_ids)
    commune = snapshot.territories[shelter.commune_code]
    plan = plan_for(snapshot, *service.situations[:1] or ("negligence",), age=12,
                    sex=service.sex or "F", commune=commune.code,
                    start_stage=service.stages[0], alternatives=10)
    cards = [c for s in plan.stages for c in proposed(s) if c.id == service.id]
    assert cards
    for card in cards:
        assert (card.lat, card.lon) == (round(commune.lat or 0, 6), round(commune.lon or 0, 6))
        assert card.address == "" and card.location_precision == "commune"
    text = plan.to_json()
    assert "secrète" not in text and "34.2611" not in text


# --- bad input ----------------------------------------------------------------------------------


def fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


def test_unknown_commune_names_the_value_and_the_closest_ones(snapshot: Snapshot) -> None:
    with pytest.raises(ValidationFailed) as exc:
        plan_for(snapshot, "negligence", commune="Sallé")
    message = fields(exc)["commune"]
    assert "« Sallé »" in message and "Salé (Salé, 04.441.01.0)" in message


def test_commune_by_code_and_by_arabic_name(snapshot: Snapshot) -> None:
    by_code = plan_for(snapshot, "negligence", commune="04.441.01.0")
    by_arabic = plan_for(snapshot, "negligence", commune="سلا")
    assert by_code.location == by_arabic.location
    assert by_code.location.commune is not None and by_code.location.commune.name == "Salé"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"situations": ("negligence",), "age": 18}, "age"),
    ({"situations": ("violence",)}, "situations"),
    ({"situations": ()}, "situations"),
    ({"situations": ("negligence",), "sex": "X"}, "sex"),
])
def test_bad_need_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        Need(**kwargs)
    assert field in fields(exc)


@pytest.mark.parametrize(("where", "field"), [
    ({"commune": "Salé", "province": "Salé"}, "commune"),
    ({"lat": 48.85, "lon": 2.35}, "lat"),
    ({"lat": 34.0}, "lon"),
    ({"commune": "  "}, "commune"),
])
def test_bad_place_names_the_field(where: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        Where(**where)
    assert field in fields(exc)


def test_bad_stage_and_distance_name_the_field() -> None:
    need, where = Need(situations=("negligence",)), Where(commune="Salé")
    with pytest.raises(ValidationFailed) as exc:
        Request(need, where, start_stage="jugement", max_km=0)
    assert {"stage", "max_km"} <= set(fields(exc))


def test_point_is_placed_in_its_commune(snapshot: Snapshot) -> None:
    plan = plan_for(snapshot, "negligence", lat=34.045, lon=-6.79)
    assert plan.location.province.code == "04.441"
    assert (plan.location.lat, plan.location.lon) == (34.045, -6.79)


# --- the eligibility classes orientation relies on ---------------------------------------------

_ages = st.one_of(st.none(), st.integers(0, 17))
_services = st.builds(
    Service, id=st.just("s"), organization_id=st.just("o"), name=st.just("n"),
    type=st.just("accompagnement_social"), stages=st.just(("prise_en_charge",)),
    status=st.sampled_from(["active", "no_capacity", "temporarily_closed", "inactive"]),
    age_min=_ages, age_max=_ages, sex=st.sampled_from([None, "F", "M"]),
    situations=st.lists(st.sampled_from(sorted(SITUATIONS)), max_size=3).map(tuple),
    disability_accepted=st.booleans(), emergency_24_7=st.booleans(),
    languages=st.lists(st.sampled_from(sorted(LANGUAGES)), max_size=3).map(tuple),
    name_ar=st.text(max_size=3), description=st.text(max_size=3),
)
_needs = st.builds(
    Need, situations=st.lists(st.sampled_from(sorted(SITUATIONS)), min_size=1,
                              max_size=2).map(tuple),
    age=_ages, sex=st.sampled_from([None, "F", "M"]), urgent=st.booleans(),
    disability=st.booleans(), language=st.sampled_from([None, *sorted(LANGUAGES)]),
)


@given(_services, _services, _needs)
def test_deciding_and_ranking_keys_decide_what_orientation_reads(a: Service, b: Service,
                                                                 need: Need) -> None:
    first, second = check_eligibility(a, need), check_eligibility(b, need)
    if deciding_key(a) == deciding_key(b):
        assert (first.ok, first.refusals) == (second.ok, second.refusals)
    if ranking_key(a) == ranking_key(b):
        assert first.bonus == second.bonus
    mixed = dataclasses.replace(a, disability_accepted=b.disability_accepted,
                                languages=b.languages, emergency_24_7=b.emergency_24_7,
                                name=b.name, description=b.description)
    assert check_eligibility(mixed, need).ok == first.ok


@given(st.lists(_services, max_size=6), st.lists(_services, max_size=3), _needs)
def test_the_columns_answer_every_class_as_the_rule_does(first: list[Service],
                                                         more: list[Service],
                                                         need: Need) -> None:
    """Orientation answers a need for every class at once (:mod:`~graph_service.orientation.
    columns`): the rule's own ``ok``, bonus and stated situations, whether the columns are
    made at once or extended as new classes are numbered."""
    services = [*first, *more]
    results = [check_eligibility(s, need) for s in services]
    for columns in (EligibilityColumns.of(services), EligibilityColumns.of(first).extended(more)):
        assert columns.ok(need).tolist() == [r.ok for r in results]
        assert columns.bonus(need).tolist() == [r.bonus for r in results]
        assert columns.situations_stated.tolist() == [r.situations_stated for r in results]


def test_a_site_move_is_seen_by_the_next_plan(seeded_store: GraphStore) -> None:
    """A CAPE moved into Tata serves Tata (its area follows its sites) in the next plan."""
    cache = SnapshotCache(seeded_store, derived=(ORIENTATION_INDEX,))  # carried on edits
    before = plan_for(cache.get(), "negligence", commune="Tata")
    cape = "org-cape-agadir-ida-outanane"
    assert cape not in {c.organization.id for s in before.stages for c in proposed(s)}
    site = next(s for s in seeded_store.entries("site", where={"organization_id": cape})
                if isinstance(s, Site))
    tata = next(c.code for c in cache.get().communes() if c.province_code == "09.551")
    seeded_store.update(dataclasses.replace(site, commune_code=tata, lat=None, lon=None),
                        expected_version=site.version, actor="test")
    after = plan_for(cache.catch_up(), "negligence", commune="Tata")
    assert cape in {c.organization.id for s in after.stages for c in proposed(s)}


def test_prefecture_of_arrondissements_is_looked_up_in_its_prefecture(
        snapshot: Snapshot) -> None:
    plan = plan_for(snapshot, "violence_physique", province="Casablanca-Anfa")
    assert plan.location.province.code == "06.141"
    evaluation = stage(plan, "evaluation").service
    assert evaluation is not None and evaluation.in_province
