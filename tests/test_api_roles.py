"""The role matrix over HTTP: who reads contacts and confidential addresses, edits, verifies.

{anonymous, professional, association (own / other org), coordinator (own /
other province), admin} × {read contact, read confidential address, edit,
verify}: every cell is a test. The entry under test is an organisation of
Salé, given a named focal point and a confidential shelter for the purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from api_support import client_over_copy, gql, province_code, sign_in
from starlette.testclient import TestClient

from graph_service.domain.entities import Contact, Site


@dataclass
class World:
    client: TestClient
    org: str
    other_org: str
    province: str
    other_province: str
    tokens: dict[str, str] = field(default_factory=dict)


PERSON = "Nadia Bennani"
ADDRESS = "12 rue des Orangers (foyer d'accueil)"


@pytest.fixture(scope="module")
def world(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One app for the module: each test reads the state it starts from."""
    with client_over_copy(seed_db, tmp_path_factory.mktemp("roles")) as client:
        yield _world(client)


def _world(client: TestClient) -> World:
    sale, kenitra = province_code(client, "Salé"), province_code(client, "Kénitra")

    def orgs_in(province: str) -> list[str]:
        data = gql(client, """query($p: String!) {
            organizations(filter: {province: $p, orgKind: association}) { nodes { id } } }""",
                   p=province)
        return [n["id"] for n in data["organizations"]["nodes"]]

    org, other_org = orgs_in(sale)[0], orgs_in(kenitra)[0]
    commune = gql(client, """query($p: String!) {
        territories(level: commune, parentCode: $p, first: 1) { nodes { code lat lon } } }""",
                  p=sale)["territories"]["nodes"][0]
    store = client.app.state.store  # type: ignore[attr-defined]
    store.create(Contact(id="ct-role-test", organization_id=org, function="Directrice",
                         person_name=PERSON), actor="test")
    store.create(Site(id="site-role-shelter", organization_id=org, name="Foyer",
                      address=ADDRESS, commune_code=commune["code"],
                      lat=round(commune["lat"] + 0.01, 5), lon=round(commune["lon"] + 0.01, 5),
                      coordinates_precision="exact", confidential=True), actor="test")
    return World(client, org, other_org, sale, kenitra)


PRINCIPALS = ["anonymous", "professional", "association-own", "association-other",
              "coordinator-own", "coordinator-other", "admin"]


def token_of(world: World, principal: str) -> str | None:
    role, _, whose = principal.partition("-")
    if role == "anonymous":
        return None
    if principal not in world.tokens:
        org = (world.org if whose == "own" else world.other_org) \
            if role == "association" else None
        province = ((world.province if whose == "own" else world.other_province)
                    if role == "coordinator" else None)
        world.tokens[principal] = sign_in(world.client, principal, role, organization=org,
                                          province=province)
    return world.tokens[principal]


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_read_contact(world: World, principal: str) -> None:
    data = gql(world.client, """query($id: ID!) {
        organization(id: $id) { contacts { function personName } } }""",
               token_of(world, principal), id=world.org)
    contacts = data["organization"]["contacts"]
    if principal == "anonymous":
        assert contacts is None
    else:
        assert {"function": "Directrice", "personName": PERSON} in contacts


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_read_confidential_address(world: World, principal: str) -> None:
    data = gql(world.client, """query($id: ID!) {
        organization(id: $id) { sites { id confidential name address lat lon commune { code } } }
    }""",
               token_of(world, principal), id=world.org)
    [shelter] = [s for s in data["organization"]["sites"] if s["id"] == "site-role-shelter"]
    assert shelter["confidential"] is True
    assert shelter["commune"]["code"].startswith(world.province)
    if principal == "anonymous":
        assert (shelter["name"], shelter["address"], shelter["lat"], shelter["lon"]) == (
            "", None, None, None)
    else:
        assert shelter["name"] == "Foyer" and shelter["address"] == ADDRESS
        assert shelter["lat"] is not None


EDITORS = {"association-own": False, "coordinator-own": True, "admin": True}
"""Who may edit the organisation → whether the edit counts as verified."""


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_edit(world: World, principal: str) -> None:
    token = token_of(world, principal)
    before = gql(world.client, 'query($id: ID!) { organization(id: $id) { version } }',
                 id=world.org)["organization"]["version"]
    result = gql(world.client, """mutation($id: ID!, $v: Int!, $d: String!) {
        updateOrganization(id: $id, expectedVersion: $v, input: {description: $d}) {
          __typename
          ... on OrganizationPayload { organization { version description isVerified } }
          ... on ForbiddenError { action reason } } }""",
                 token, id=world.org, v=before, d=f"edited by {principal}")["updateOrganization"]
    after = gql(world.client, 'query($id: ID!) { organization(id: $id) { version description } }',
                id=world.org)["organization"]
    if principal in EDITORS:
        assert result["__typename"] == "OrganizationPayload"
        assert result["organization"]["isVerified"] is EDITORS[principal]
        assert after == {"version": before + 1, "description": f"edited by {principal}"}
    else:
        assert result["__typename"] == "ForbiddenError" and result["action"] == "edit"
        assert after["version"] == before


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_verify(world: World, principal: str) -> None:
    token = token_of(world, principal)
    version = gql(world.client, 'query($id: ID!) { organization(id: $id) { version } }',
                  id=world.org)["organization"]["version"]
    result = gql(world.client, """mutation($id: ID!, $v: Int!) {
        verify(entityId: $id, expectedVersion: $v) {
        __typename
        ... on VerifyPayload { entry { id version isVerified verifiedBy } }
        ... on ForbiddenError { action } } }""", token, id=world.org, v=version)["verify"]
    stored = gql(world.client, 'query($id: ID!) { organization(id: $id) { version verifiedBy } }',
                 id=world.org)["organization"]
    if principal in ("coordinator-own", "admin"):
        assert result["__typename"] == "VerifyPayload"
        assert result["entry"] == {"id": world.org, "version": stored["version"],
                                   "isVerified": True, "verifiedBy": principal}
        assert stored["verifiedBy"] == principal
    else:
        assert result == {"__typename": "ForbiddenError", "action": "verify"}
        assert stored["verifiedBy"] != principal
