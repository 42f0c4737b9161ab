"""The HSDS 3.0 API at /api/hsds/, walked the way the Open Referral UK validator walks a feed.

Level 1: ``GET /``, the first, a middle and the last page of ``/services``, then ten random
``/services/{id}``; level 2: the same for organisations, services at locations, taxonomies
and taxonomy terms. Every answer is validated against the specification's own JSON schemas
(vendored in ``tests/hsds_schemas/``, see its README) through the response schemas of the
``openapi.json`` the feed serves, so both the answers and that description are checked. The
feed is public: a contact person and a shelter's address, added to the seed here, must
appear nowhere, while the shelter's commune does.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from api_support import client_over_copy
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.testclient import TestClient

from graph_service.domain.entities import Channel, Contact, Service, Site
from graph_service.hsds import export_package

SCHEMAS = Path(__file__).parent / "hsds_schemas"
SPEC = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
OPENAPI = "urn:graph-service:hsds-openapi"
PERSON = "Nadia Feedtest"
ADDRESS = "12 rue du Foyer Caché"
SHELTER_NAME = "Foyer Lumière"
SAMPLE = 10
FORMATS = Draft202012Validator.FORMAT_CHECKER
"""uuid, email, date-time and uri are checked (the last two through rfc3339-validator and
rfc3986-validator, test extras)."""


def _registry(openapi: dict[str, Any]) -> Registry:
    """The vendored schemas under the URLs the specification's openapi.json gives them; the
    fully nested compiled ones composed from the per-object schemas (README)."""
    resources = [(SPEC + p.relative_to(SCHEMAS).as_posix(),
                  DRAFT202012.create_resource(json.loads(p.read_text("utf-8"))))
                 for p in SCHEMAS.rglob("*.json")]

    def nested(base: str, key: str, schema: dict[str, Any]) -> Resource[Any]:
        return DRAFT202012.create_resource(
            {"allOf": [{"$ref": SPEC + base}, {"properties": {key: schema}}]})

    service = {"$ref": SPEC + "service.json"}
    resources += [
        (SPEC + "compiled/service.json", DRAFT202012.create_resource(service)),
        (SPEC + "compiled/organization.json",
         nested("organization.json", "services", {"type": "array", "items": service})),
        (SPEC + "compiled/service_at_location.json",
         nested("service_at_location.json", "service", service)),
        (OPENAPI, DRAFT202012.create_resource(openapi)),
    ]
    return Registry().with_resources(resources)


@dataclass
class Feed:
    """The app, the validators of each endpoint and every answer read, for the privacy checks."""

    client: TestClient
    org_id: str
    openapi: dict[str, Any]
    registry: Registry
    answers: list[str] = field(default_factory=list)

    def get(self, url: str, path: str) -> Any:
        """GET ``/api/hsds{url}``, assert 200 and validate it as the answer of ``path``."""
        response = self.client.get(f"/api/hsds{url}")
        assert response.status_code == 200, (url, response.text)
        assert response.headers["access-control-allow-origin"] == "*"
        body = response.json()
        pointer = (f"/paths/{path.replace('/', '~1')}/get/responses/200/content/"
                   "application~1json/schema")
        validator = Draft202012Validator({"$ref": f"{OPENAPI}#{quote(pointer)}"},
                                         registry=self.registry, format_checker=FORMATS)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, (url, errors[:5])
        self.answers.append(response.text)
        return body

    def walk(self, path: str, per_page: int) -> list[Any]:
        """First, middle and last page of a list; returns the objects on them."""
        first = self.get(f"{path}?per_page={per_page}", path)
        pages = sorted({1, (first["total_pages"] + 1) // 2, first["total_pages"]})
        contents = list(first["contents"])
        for number in pages[1:]:
            page = self.get(f"{path}?per_page={per_page}&page={number}", path)
            assert page["page_number"] == number and page["first_page"] is False
            contents += page["contents"]
        last = self.get(f"{path}?per_page={per_page}&page={pages[-1]}", path)
        assert last["last_page"] is True and last["size"] == len(last["contents"]) > 0
        assert first["total_items"] >= len(contents)
        return contents


@pytest.fixture(scope="module")
def feed(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Feed]:
    """The app over the seed plus a contact person, a shelter with a service and a service
    at another stage of the circuit."""
    with client_over_copy(seed_db, tmp_path_factory.mktemp("feed")) as client:
        store = client.app.state.store  # type: ignore[attr-defined]
        org = next(o for o in store.entries("organization") if o.org_kind == "association")
        commune = next(t for t in store.territories("commune")
                       if t.province_code == org.province_code)
        store.create(Contact(id="ct-feed-person", organization_id=org.id, function="Directrice",
                             person_name=PERSON, channels=(Channel(kind="email",
                             value="directrice@example.org"),)), actor="test")
        store.create(Site(id="site-feed-shelter", organization_id=org.id, name=SHELTER_NAME,
                          address=ADDRESS, commune_code=commune.code, lat=commune.lat,
                          lon=commune.lon, coordinates_precision="exact", confidential=True,
                          description="Foyer d'accueil d'urgence"), actor="test")
        store.create(Service(id="svc-feed-shelter", organization_id=org.id,
                             name="Hébergement d'urgence", type="hebergement",
                             stages=("prise_en_charge",), situations=("violence_physique",),
                             site_ids=("site-feed-shelter",), languages=("darija", "francais")),
                     actor="test")
        store.create(Service(id="svc-feed-listening", organization_id=org.id,
                             name="Écoute et orientation", type="ecoute_orientation",
                             stages=("detection",)), actor="test")
        openapi = client.get("/api/hsds/openapi.json").json()
        yield Feed(client, org.id, openapi, _registry(openapi))


def test_formats_are_checked() -> None:
    """The format checks the walk relies on are really there, not silently skipped."""
    assert {"uuid", "email", "date-time", "uri"} <= set(FORMATS.checkers)


def test_walk_as_the_validator_does(feed: Feed) -> None:
    rng = random.Random(15)
    root = feed.get("/", "/")
    assert root["version"] == "3.0"
    assert root["openapi_url"].endswith("/api/hsds/openapi.json")

    for path, per_page in (("/services", 20), ("/organizations", 20),
                           ("/service_at_locations", 20), ("/taxonomies", 2),
                           ("/taxonomy_terms", 30)):
        contents = feed.walk(path, per_page)
        everything = feed.get(f"{path}?per_page=1000", path)["contents"]
        ids = [item["id"] for item in everything]
        assert len(set(ids)) == len(ids) and {c["id"] for c in contents} <= set(ids)
        for hsds_id in rng.sample(ids, min(SAMPLE, len(ids))):
            record = feed.get(f"{path}/{hsds_id}", f"{path}/{{id}}")
            assert record["id"] == hsds_id


def test_nothing_private_is_published(feed: Feed) -> None:
    """The shelter's service, its location and its organisation, read every way the feed
    offers them: the commune shows, the person, address, name and coordinates do not."""
    services = feed.get("/services?search=hébergement d'urgence&per_page=1000", "/services")
    [service] = [s for s in services["contents"] if s["name"] == "Hébergement d'urgence"]
    full = feed.get(f"/services/{service['id']}", "/services/{id}")
    [at] = full["service_at_locations"]
    shelter = at["location"]
    assert set(shelter) >= {"id", "location_type"} and not {"name", "latitude"} & set(shelter)
    [address] = shelter["addresses"]
    assert address["address_1"] == "" and address["city"]
    assert full["contacts"] == []
    feed.get(f"/service_at_locations/{at['id']}", "/service_at_locations/{id}")
    org_id = full["organization"]["id"]
    organization = feed.get(f"/organizations/{org_id}?full_service=true", "/organizations/{id}")
    assert organization["contacts"] == [] and service["id"] in {
        s["id"] for s in organization["services"]}
    feed.get("/organizations?full=true&full_service=true&per_page=1000", "/organizations")
    feed.get("/service_at_locations?full=true&per_page=1000", "/service_at_locations")
    feed.get("/services?full=true&per_page=1000", "/services")
    published = "\n".join(feed.answers)
    for secret in (PERSON, "directrice@example.org", ADDRESS, SHELTER_NAME,
                   "Foyer d'accueil d'urgence"):
        assert secret not in published


def test_ids_are_those_of_the_tabular_export(feed: Feed, tmp_path: Path) -> None:
    export_package(feed.client.app.state.store, tmp_path / "export")  # type: ignore[attr-defined]

    def column(file: str) -> set[str]:
        with (tmp_path / "export" / file).open(encoding="utf-8") as f:
            return {row["id"] for row in csv.DictReader(f)}

    for path, file in (("/services", "services.csv"), ("/organizations", "organizations.csv"),
                       ("/service_at_locations", "service_at_location.csv")):
        listed = feed.get(f"{path}?per_page=1000", path)["contents"]
        assert {item["id"] for item in listed} == column(file)


def test_filters_combine_with_and(feed: Feed) -> None:
    terms = feed.get("/taxonomy_terms?search=prise en charge&per_page=100", "/taxonomy_terms")
    [stage_fr] = [t for t in terms["contents"]
                  if t["code"] == "prise_en_charge" and t["language"] == "fr"]
    assert any(t["code"] == "prise_en_charge" and t["language"] == "ar"
               for t in feed.get(f"/taxonomy_terms?taxonomy_id={stage_fr['taxonomy_id']}"
                                 "&per_page=100", "/taxonomy_terms")["contents"])
    org_id = feed.get("/services?search=hébergement d'urgence", "/services")["contents"][0][
        "organization_id"]
    by_term = _ids(feed, f"/services?taxonomy_term_id={stage_fr['id']}")
    by_org = _ids(feed, f"/services?organization_id={org_id}")
    both = _ids(feed, f"/services?taxonomy_term_id={stage_fr['id']}&organization_id={org_id}")
    assert both == by_term & by_org and both and by_term - both and by_org - both
    for sid in both:
        attributes = feed.get(f"/services/{sid}", "/services/{id}")["attributes"]
        assert stage_fr["id"] in {a["taxonomy_term_id"] for a in attributes}
    assert _ids(feed, "/services?modified_after=2999-01-01T00:00:00Z") == set()
    assert len(_ids(feed, "/services?modified_after=2000-01-01")) == feed.get(
        "/services", "/services")["total_items"]
    # the spec's minimal list: ids and times only (so not service_list objects)
    minimal = feed.client.get("/api/hsds/services?minimal=true&per_page=100000").json()
    assert minimal["size"] == minimal["total_items"] == len(minimal["contents"])
    assert all(set(item) == {"id", "last_modified"} for item in minimal["contents"])


def _ids(feed: Feed, url: str) -> set[str]:
    return {s["id"] for s in feed.get(f"{url}&per_page=1000", "/services")["contents"]}


@pytest.mark.parametrize(("url", "status", "error"), [
    ("/service_at_locations?postcode=20000", 501, "not_implemented"),
    ("/services?format=ndjson", 501, "not_implemented"),
    ("/services?colour=blue", 400, "bad_request"),
    ("/services?page=0", 400, "bad_request"),
    ("/services?per_page=many", 400, "bad_request"),
    ("/services?full=yes", 400, "bad_request"),
    ("/services?modified_after=yesterday", 400, "bad_request"),
    ("/services/00000000-0000-0000-0000-000000000000", 404, "not_found"),
    ("/organizations/not-an-id", 404, "not_found"),
    ("/taxonomy_terms/00000000-0000-0000-0000-000000000000", 404, "not_found"),
])
def test_refusals_name_the_problem(feed: Feed, url: str, status: int, error: str) -> None:
    response = feed.client.get(f"/api/hsds{url}")
    assert response.status_code == status
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json()["error"] == error and response.json()["message"]


def test_openapi_describes_what_is_served(feed: Feed) -> None:
    paths = feed.openapi["paths"]
    assert set(paths) == {"/", "/services", "/services/{id}", "/organizations",
                          "/organizations/{id}", "/service_at_locations",
                          "/service_at_locations/{id}", "/taxonomies", "/taxonomies/{id}",
                          "/taxonomy_terms", "/taxonomy_terms/{id}"}
    assert feed.openapi["servers"] == [{"url": "/api/hsds"}]
