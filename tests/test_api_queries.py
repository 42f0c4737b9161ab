"""Directory queries over HTTP: filters, text search, distance, pages, orientation, coverage.

Expected answers are computed from the store's own entries (or from the
orientation and coverage services directly), never hard-coded.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import client_over_copy, gql, post, province_code, sign_in
from click.testing import CliRunner
from starlette.testclient import TestClient
from strawberry.types.base import get_object_definition

from graph_service import coverage
from graph_service.api import coverage as api_coverage
from graph_service.api import orientation as api_orientation
from graph_service.cli import main
from graph_service.coverage import cached_coverage, summarize
from graph_service.domain.entities import Organization, Service, Site
from graph_service.orientation import plan
from graph_service.snapshot import SnapshotCache
from graph_service.store import GraphStore
from graph_service.text import search_key


@pytest.fixture(scope="module")
def api(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Read-only tests share one app over a copy of the seed."""
    with client_over_copy(seed_db, tmp_path_factory.mktemp("queries")) as client:
        yield client


def store_of(client: TestClient) -> GraphStore:
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    return store


def all_ids(client: TestClient, field: str, filter: dict[str, Any] | None = None,
            token: str | None = None) -> list[str]:
    """Every id of a list query, walking its pages."""
    ids: list[str] = []
    after = None
    for _ in range(100):
        page = gql(client, f"""query($f: AnnuaireFilter, $after: String) {{
            {field}(filter: $f, first: 7, after: $after) {{
              totalCount nodes {{ id }} pageInfo {{ hasNextPage endCursor }} }} }}""",
                   token, f=filter, after=after)[field]
        ids += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(ids)
            return ids
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


def test_pages_cover_every_service_once_in_order(api: TestClient) -> None:
    ids = all_ids(api, "services")
    assert ids == sorted(e.id for e in store_of(api).entries("service"))


def test_organisations_of_a_province_are_those_seated_or_working_there(api: TestClient) -> None:
    sale = province_code(api, "Salé")
    store = store_of(api)
    seated = {o.id for o in store.entries("organization")
              if isinstance(o, Organization) and o.province_code == sale}
    found = set(all_ids(api, "organizations", {"province": sale}))
    assert seated and seated <= found
    for org_id in found - seated:  # the others have a site in Salé
        sites = store.entries("site", where={"organization_id": org_id})
        assert any(isinstance(s, Site) and s.commune_code.startswith(sale) for s in sites)


@pytest.mark.parametrize(("criterion", "value", "holds"), [
    ("stage", "urgence", lambda s: "urgence" in s.stages),
    ("situation", "violence_sexuelle", lambda s: "violence_sexuelle" in s.situations),
    ("serviceType", "parquet_mineurs", lambda s: s.type == "parquet_mineurs"),
    ("language", "darija", lambda s: "darija" in s.languages),
])
def test_service_filters_match_the_store(api: TestClient, criterion: str, value: str,
                                         holds: Any) -> None:
    expected = sorted(s.id for s in store_of(api).entries("service") if holds(s))
    assert all_ids(api, "services", {criterion: value}) == expected


@pytest.mark.parametrize(("criterion", "value", "attribute"), [
    ("sector", "justice", "sector"), ("orgKind", "association", "org_kind"),
])
def test_organisation_filters_match_the_store(api: TestClient, criterion: str, value: str,
                                              attribute: str) -> None:
    expected = sorted(o.id for o in store_of(api).entries("organization")
                      if getattr(o, attribute) == value)
    assert expected and all_ids(api, "organizations", {criterion: value}) == expected


def test_text_search_ignores_accents_and_case(api: TestClient) -> None:
    spellings = ["Salé", "sale", "SALE", "  salé! "]
    results = [all_ids(api, "organizations", {"text": t}) for t in spellings]
    assert results[0] and all(r == results[0] for r in results)
    snapshot = SnapshotCache(store_of(api)).get()
    for oid in results[0]:  # named Salé, working in Salé, or saying so of itself or a service
        org = snapshot.organizations[oid]
        services = [s for s in snapshot.services.values() if s.organization_id == oid]
        places = [p for s in services for p in snapshot.places.get(s.id, ())]
        texts = [org.name, org.description, *(f"{s.name} {s.description}" for s in services),
                 *(snapshot.territories[p.province_code].name_fr for p in places)]
        assert any("sale" in search_key(text) for text in texts), org.name
    named = {o.id for o in snapshot.organizations.values() if "Salé" in o.name}
    assert named <= set(results[0])


def test_text_search_matches_arabic_names(client: TestClient) -> None:
    admin = sign_in(client, "admin", "admin")
    created = gql(client, """mutation { createOrganization(input: {
        name: "Association Amal", nameAr: "جمعية أمل للطفولة", orgKind: association,
        sector: societe_civile}) { __typename } }""", admin)["createOrganization"]
    assert created["__typename"] == "OrganizationPayload"
    for text in ["أمل", "امل", "جمعية امل"]:  # hamza or not, the same name
        data = gql(client, 'query($t: String!) { organizations(filter: {text: $t}) '
                           '{ nodes { name } } }', t=text)
        assert [n["name"] for n in data["organizations"]["nodes"]] == ["Association Amal"]


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cos = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0 * math.acos(min(1.0, cos))


def test_near_finds_services_within_the_radius(api: TestClient) -> None:
    snapshot = SnapshotCache(store_of(api)).get()
    lat, lon = 34.0333, -6.8  # Salé
    found = set(all_ids(api, "services", {"near": {"lat": lat, "lon": lon, "radiusKm": 8}}))
    expected = {
        sid for sid, places in snapshot.places.items()
        if any(km(lat, lon, *_public_point(snapshot, p)) <= 8 for p in places)
    }
    assert found and found == expected


def _public_point(snapshot: Any, place: Any) -> tuple[float, float]:
    if not place.confidential:
        return place.lat, place.lon
    commune = snapshot.territories[place.commune_code]
    return commune.lat, commune.lon


def test_near_does_not_locate_a_confidential_site_for_the_public(client: TestClient) -> None:
    store = store_of(client)
    shelter = next(s for s in store.entries("site") if isinstance(s, Site) and s.confidential)
    commune = store.territory(shelter.commune_code)
    assert commune is not None and commune.lat is not None and commune.lon is not None
    exact = (commune.lat + 0.05, commune.lon + 0.05)  # ~7 km from the commune's centre
    store.update(dataclasses.replace(shelter, lat=exact[0], lon=exact[1]),
                 expected_version=shelter.version, actor="test")
    circle = {"near": {"lat": exact[0], "lon": exact[1], "radiusKm": 1}}
    professional = sign_in(client, "pro", "professional")
    assert shelter.organization_id in all_ids(client, "organizations", circle, professional)
    assert shelter.organization_id not in all_ids(client, "organizations", circle)


def test_unknown_ids_are_null(api: TestClient) -> None:
    assert gql(api, '{ organization(id: "nope") { id } service(id: "nope") { id } }') == {
        "organization": None, "service": None}


def test_a_service_with_its_relations(api: TestClient) -> None:
    link = next(iter(store_of(api).entries("referral_link")))
    data = gql(api, """query($id: ID!) { service(id: $id) {
        id organization { id } referralsTo { id toService { id referralsFrom { id } } } } }""",
               id=link.from_service_id)["service"]
    [to] = [r for r in data["referralsTo"] if r["id"] == link.id]
    assert to["toService"]["id"] == link.to_service_id
    assert {"id": link.id} in to["toService"]["referralsFrom"]


def test_stale_entries_drop_what_was_just_verified(client: TestClient) -> None:
    query = """{ staleEntries(olderThanDays: 30, first: 100) { totalCount
        nodes { __typename id verifiedAt version } } }"""
    before = gql(client, query)["staleEntries"]
    assert before["totalCount"] > 0
    assert all(n["__typename"] != "Contact" for n in before["nodes"])  # public: no contacts
    first, version = before["nodes"][0]["id"], before["nodes"][0]["version"]
    admin = sign_in(client, "admin", "admin")
    assert gql(client, """mutation($id: ID!, $v: Int!) {
        verify(entityId: $id, expectedVersion: $v) { __typename } }""", admin,
               id=first, v=version)["verify"]["__typename"] == "VerifyPayload"
    after = gql(client, query)["staleEntries"]
    assert after["totalCount"] == before["totalCount"] - 1
    assert first not in {n["id"] for n in after["nodes"]}
    with_contacts = gql(client, query, admin)["staleEntries"]["totalCount"]
    assert with_contacts == after["totalCount"] + len(store_of(client).entries("contact"))


ORIENTATION = """query($input: OrientationInput!) { orientation(input: $input) {
    __typename
    ... on OrientationPlan { json stages { stage service { id name distanceKm } } }
    ... on ValidationError { fields { field message } } } }"""


def test_orientation_returns_the_plan_the_cli_prints(api: TestClient) -> None:
    data = gql(api, ORIENTATION, input={
        "situations": ["violence_sexuelle"], "age": 12, "sex": "F", "urgent": True,
        "commune": "Salé"})["orientation"]
    assert data["__typename"] == "OrientationPlan"
    printed = CliRunner().invoke(main, [
        "route", "--commune", "Salé", "--age", "12", "--sex", "F", "--situation",
        "violence_sexuelle", "--urgent", "--json"],
        env={"GRAPH_SERVICE_DB": str(store_of(api).path)})  # type: ignore[attr-defined]
    assert printed.exit_code == 0, printed.output
    assert data["json"] + "\n" == printed.output
    served = [s for s in json.loads(data["json"])["stages"] if s["service"]]
    assert served and [s["stage"] for s in served] == [
        s["stage"] for s in data["stages"] if s["service"]]


def test_orientation_names_every_bad_field(api: TestClient) -> None:
    data = gql(api, ORIENTATION, input={"situations": [], "age": 25,
                                        "commune": "Nulle-Part"})["orientation"]
    assert data["__typename"] == "ValidationError"
    assert {"situations", "age"} <= {f["field"] for f in data["fields"]}


def test_coverage_of_a_province_matches_the_coverage_service(api: TestClient) -> None:
    data = gql(api, """{ coverage(province: "Salé", stage: urgence) { __typename
        ... on AreaCoverage { code children missingStages
          stages { stage providers childrenWithin10Km gap farthest { code } } } } }""")
    summary = summarize(cached_coverage(SnapshotCache(store_of(api)).get(),
                                        stages=["urgence"]), province_code(api, "Salé"))
    [stage] = summary.stages
    assert data["coverage"] == {
        "__typename": "AreaCoverage", "code": summary.code, "children": summary.children,
        "missingStages": list(summary.missing_stages),
        "stages": [{"stage": "urgence", "providers": stage.providers,
                    "childrenWithin10Km": stage.children_within_10_km, "gap": stage.gap,
                    "farthest": [{"code": c.code} for c in stage.farthest]}],
    }


def test_coverage_of_an_unknown_province_is_a_typed_error(api: TestClient) -> None:
    data = gql(api, '{ coverage(province: "Atlantide") { __typename '
                    '... on ValidationError { fields { field } } } }')
    assert data["coverage"] == {"__typename": "ValidationError",
                                "fields": [{"field": "province"}]}


def test_vocabularies_and_territories(api: TestClient) -> None:
    data = gql(api, """{ vocabularies { name terms { code fr ar } }
        territories(text: "سلا", level: province) { nodes { code nameFr parent { level } } } }""")
    stages = next(v for v in data["vocabularies"] if v["name"] == "stage")["terms"]
    assert stages[0]["code"] == "detection" and stages[0]["ar"]
    assert [(n["nameFr"], n["parent"]["level"]) for n in data["territories"]["nodes"]] == [
        ("Salé", "region")]


def test_the_audit_trail_is_for_signed_in_users(client: TestClient) -> None:
    service = next(iter(store_of(client).entries("service")))
    query = """query($id: ID!) { changes(entityId: $id) { __typename
        ... on ChangeConnection { nodes { action actor after } } } }"""
    assert gql(client, query, id=service.id)["changes"] == {"__typename": "SignInRequired"}
    professional = sign_in(client, "pro", "professional")
    [created] = gql(client, query, professional, id=service.id)["changes"]["nodes"]
    assert created["action"] == "create" and created["after"]["name"] == service.name
    assert isinstance(service, Service)


def test_a_mistyped_enum_is_refused_by_the_schema(api: TestClient) -> None:
    body = post(api, "{ services(filter: {stage: urgent}) { totalCount } }")
    assert "urgent" in body["errors"][0]["message"]


def test_every_field_of_the_plan_and_coverage_is_in_the_schema() -> None:
    """The GraphQL types mirror the services' dataclasses: none of their fields is left out."""
    pairs = [(coverage.AreaSummary, api_coverage.AreaCoverage),
             (coverage.StageSummary, api_coverage.StageCoverage),
             (coverage.CommuneReach, api_coverage.CommuneReach),
             (plan.Plan, api_orientation.OrientationPlan),
             (plan.ServiceChoice, api_orientation.ServiceChoice),
             (plan.StagePlan, api_orientation.StagePlan), (plan.Gap, api_orientation.Gap),
             (plan.Situation, api_orientation.OrientationQuestion),
             (plan.Location, api_orientation.Location), (plan.Area, api_orientation.AreaRef),
             (plan.Named, api_orientation.OrganizationRef),
             (plan.LinkRef, api_orientation.LinkRef)]
    for source, exposed in pairs:
        fields = {f.python_name for f in get_object_definition(exposed, strict=True).fields}
        assert {f.name for f in dataclasses.fields(source)} <= fields, source.__name__
