"""Edits over HTTP: typed results for every expected failure, audit of every write and read."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import gql, sign_in
from starlette.testclient import TestClient

from graph_service.review import full_trail, open_correction
from graph_service.store import GraphStore


@pytest.fixture
def admin(client: TestClient) -> str:
    return sign_in(client, "admin.rabat", "admin")


def store_of(client: TestClient) -> GraphStore:
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    return store


def some_service(client: TestClient) -> dict[str, Any]:
    service: dict[str, Any] = gql(client, """{ services(first: 1) { nodes {
        id version name ageMin ageMax description organization { id } } } }""")[
        "services"]["nodes"][0]
    return service


UPDATE_SERVICE = """mutation($id: ID!, $v: Int!, $input: ServiceInput!) {
    updateService(id: $id, expectedVersion: $v, input: $input) {
      __typename
      ... on ServicePayload { service { version name ageMin ageMax description } }
      ... on VersionConflictError { expectedVersion currentVersion message }
      ... on ValidationError { fields { field message } }
      ... on NotFoundError { kind id } } }"""


def test_create_an_organisation_with_site_service_contact_and_link(client: TestClient,
                                                                   admin: str) -> None:
    org = gql(client, """mutation { createOrganization(id: "org-test", input: {
        name: "Association Test", orgKind: association, sector: societe_civile,
        provinceCode: "04.441", channels: [{kind: phone, value: "+212537000000"}]}) {
        __typename ... on OrganizationPayload { organization { id version isVerified } } } }""",
              admin)["createOrganization"]
    assert org == {"__typename": "OrganizationPayload",
                   "organization": {"id": "org-test", "version": 1, "isVerified": True}}
    commune = gql(client, """{ territories(level: commune, parentCode: "04.441", first: 1) {
        nodes { code } } }""")["territories"]["nodes"][0]["code"]
    site = gql(client, """mutation($c: String!) { createSite(id: "site-test", input: {
        organizationId: "org-test", name: "Local", communeCode: $c}) { __typename } }""",
               admin, c=commune)["createSite"]
    service = gql(client, """mutation { createService(id: "svc-test", input: {
        organizationId: "org-test", name: "Écoute", type: ecoute_orientation,
        stages: [detection], siteIds: ["site-test"], languages: [darija, tamazight],
        hours: [{byday: "MO,TU", opensAt: "09:00", closesAt: "16:30"}]}) {
        __typename ... on ServicePayload { service { sites { id } hours { byday } } } } }""",
                      admin)["createService"]
    contact = gql(client, """mutation { createContact(input: {organizationId: "org-test",
        serviceId: "svc-test", function: "Coordinatrice", personName: "Salma"}) {
        __typename ... on ContactPayload { contact { id personName organization { name } } } } }""",
                  admin)["createContact"]
    target = some_service(client)["id"]
    link = gql(client, """mutation($to: String!) { createReferralLink(input: {
        fromServiceId: "svc-test", toServiceId: $to, linkKind: protocol}) {
        __typename ... on ReferralLinkPayload { referralLink { toService { id } } } } }""",
               admin, to=target)["createReferralLink"]
    assert site == {"__typename": "SitePayload"}
    assert service["service"] == {"sites": [{"id": "site-test"}], "hours": [{"byday": "MO,TU"}]}
    assert contact["contact"]["personName"] == "Salma"
    assert contact["contact"]["organization"] == {"name": "Association Test"}
    assert link["referralLink"]["toService"] == {"id": target}
    listed = gql(client, """{ organization(id: "org-test") { services { id referralsTo {
        toService { id } } } } }""")["organization"]["services"]
    assert listed == [{"id": "svc-test", "referralsTo": [{"toService": {"id": target}}]}]


def test_a_stale_version_is_a_typed_conflict_and_writes_nothing(client: TestClient,
                                                                admin: str) -> None:
    service = some_service(client)
    ok = gql(client, UPDATE_SERVICE, admin, id=service["id"], v=service["version"],
             input={"description": "first edit"})["updateService"]
    assert ok["service"]["version"] == service["version"] + 1
    stale = gql(client, UPDATE_SERVICE, admin, id=service["id"], v=service["version"],
                input={"description": "second edit, from an old copy"})["updateService"]
    assert stale["__typename"] == "VersionConflictError"
    assert (stale["expectedVersion"], stale["currentVersion"]) == (
        service["version"], service["version"] + 1)
    assert some_service(client)["description"] == "first edit"


def test_validation_names_every_bad_field_and_writes_nothing(client: TestClient,
                                                             admin: str) -> None:
    service = some_service(client)
    result = gql(client, UPDATE_SERVICE, admin, id=service["id"], v=service["version"], input={
        "name": " ", "ageMin": 12, "ageMax": 30,
        "hours": [{"byday": "MO", "opensAt": "18:00", "closesAt": "08:00"}],
        "channels": [{"kind": "phone", "value": "not a phone"}]})["updateService"]
    assert result["__typename"] == "ValidationError"
    assert {f["field"] for f in result["fields"]} == {
        "name", "ageMax", "hours[0].closesAt", "channels[0].value"}
    assert some_service(client) == service


def test_create_reports_missing_required_fields(client: TestClient, admin: str) -> None:
    result = gql(client, """mutation { createService(input: {name: "Sans organisation"}) {
        __typename ... on ValidationError { fields { field message messageAr } } } }""",
                 admin)["createService"]
    assert {f["field"] for f in result["fields"]} == {"organizationId", "type"}
    assert all((f["message"], f["messageAr"]) == ("est obligatoire", "إجباري")
               for f in result["fields"])


def test_create_with_a_taken_id_is_refused(client: TestClient, admin: str) -> None:
    taken = some_service(client)["organization"]["id"]
    result = gql(client, """mutation($id: ID!) { createOrganization(id: $id, input: {
        name: "Doublon", orgKind: association, sector: societe_civile}) {
        __typename ... on ValidationError { fields { field message messageAr } } } }""",
                 admin, id=taken)["createOrganization"]
    assert result["fields"] == [{"field": "id",
                                 "message": "existe déjà : choisissez un autre identifiant",
                                 "messageAr": "موجود مسبقا: اختر معرفا آخر"}]


def test_update_is_a_patch_and_null_clears_optional_fields(client: TestClient,
                                                           admin: str) -> None:
    service = some_service(client)
    first = gql(client, UPDATE_SERVICE, admin, id=service["id"], v=service["version"],
                input={"ageMin": 6, "ageMax": 12})["updateService"]["service"]
    assert (first["name"], first["ageMin"], first["ageMax"]) == (service["name"], 6, 12)
    second = gql(client, UPDATE_SERVICE, admin, id=service["id"], v=first["version"],
                 input={"ageMax": None})["updateService"]["service"]
    assert (second["ageMin"], second["ageMax"]) == (6, None)
    refused = gql(client, UPDATE_SERVICE, admin, id=service["id"], v=second["version"],
                  input={"name": None})["updateService"]
    assert refused["fields"] == [{"field": "name", "message": "ne peut pas être effacé (null)"}]


def test_updating_an_unknown_entry_is_a_typed_not_found(client: TestClient, admin: str) -> None:
    result = gql(client, UPDATE_SERVICE, admin, id="svc-nope", v=1,
                 input={"name": "x"})["updateService"]
    assert result == {"__typename": "NotFoundError", "kind": "service", "id": "svc-nope"}
    verify = gql(client, 'mutation { verify(entityId: "nope", expectedVersion: 1) { __typename } }',
                 admin)
    assert verify["verify"] == {"__typename": "NotFoundError"}


def test_every_edit_is_audited_with_who_when_before_after(client: TestClient,
                                                          admin: str) -> None:
    service = some_service(client)
    gql(client, UPDATE_SERVICE, admin, id=service["id"], v=service["version"],
        input={"description": "horaires d'été"})
    verified = gql(client, """mutation($id: ID!, $v: Int!) { verify(entityId: $id,
        expectedVersion: $v) { ... on VerifyPayload { entry { version } } } }""", admin,
                   id=service["id"], v=service["version"] + 1)
    assert verified["verify"]["entry"]["version"] == service["version"] + 1  # not an edit
    changes = gql(client, """query($id: ID!) { changes(entityId: $id) {
        ... on ChangeConnection { nodes { action actor at before after } } } }""",
                  admin, id=service["id"])["changes"]["nodes"]
    # an admin's edit counts as verified (audited as such), then the explicit verification
    assert [c["action"] for c in changes] == ["create", "update", "verify", "verify"]
    update = changes[1]
    assert update["actor"] == "admin.rabat" and update["at"]
    assert update["before"]["description"] == service["description"]
    assert update["after"]["description"] == "horaires d'été"


REQUEST_CORRECTION = """mutation($id: ID!, $v: Int!, $m: String!) {
    requestCorrection(entityId: $id, expectedVersion: $v, message: $m) {
      __typename
      ... on RequestCorrectionPayload { entry { version } message }
      ... on ValidationError { fields { field message } }
      ... on VersionConflictError { currentVersion } } }"""


def test_a_correction_request_is_checked_audited_and_closed_by_the_next_edit(
        client: TestClient, admin: str) -> None:
    service = some_service(client)
    ask = {"id": service["id"], "v": service["version"]}
    empty = gql(client, REQUEST_CORRECTION, admin, **ask, m=" ")["requestCorrection"]
    assert empty == {"__typename": "ValidationError",
                     "fields": [{"field": "message", "message": "est obligatoire"}]}
    long = gql(client, REQUEST_CORRECTION, admin, **ask, m="x" * 501)["requestCorrection"]
    assert long["fields"][0]["message"] == "501 caractères : au plus 500"
    stale = gql(client, REQUEST_CORRECTION, admin, id=service["id"], v=service["version"] - 1,
                m="Horaires à compléter")["requestCorrection"]
    assert stale == {"__typename": "VersionConflictError", "currentVersion": service["version"]}
    sent = gql(client, REQUEST_CORRECTION, admin, **ask, m="  Horaires à compléter ")[
        "requestCorrection"]
    assert sent == {"__typename": "RequestCorrectionPayload",
                    "entry": {"version": service["version"]}, "message": "Horaires à compléter"}
    changes = gql(client, """query($id: ID!) { changes(entityId: $id) {
        ... on ChangeConnection { nodes { action actor after } } } }""",
                  admin, id=service["id"])["changes"]["nodes"]
    assert changes[-1] == {"action": "request_correction", "actor": "admin.rabat", "after": {
        "message": "Horaires à compléter", "version": str(service["version"])}}
    trail = full_trail(store_of(client), service["id"])
    assert open_correction(trail) is not None
    gql(client, UPDATE_SERVICE, admin, **ask, input={"description": "horaires complétés"})
    assert open_correction(full_trail(store_of(client), service["id"])) is None


def test_reads_of_contacts_are_logged_once_per_contact_and_request(client: TestClient) -> None:
    store = store_of(client)
    contact = next(iter(store.entries("contact")))
    query = """query($id: ID!) {
        a: organization(id: $id) { contacts { id personName } }
        b: organization(id: $id) { contacts { id personName channels { value } } } }"""

    def reads() -> list[str]:
        return [e.actor for e in store.audit_trail(contact.id, limit=1000)
                if e.action == "read_contacts"]

    gql(client, query, id=contact.organization_id)
    assert reads() == []  # the public sees no contact
    professional = sign_in(client, "social.worker", "professional")
    gql(client, query, professional, id=contact.organization_id)
    assert reads() == ["social.worker"]
    gql(client, query, professional, id=contact.organization_id)
    assert reads() == ["social.worker"] * 2


def test_logout_revokes_the_token(client: TestClient) -> None:
    token = sign_in(client, "leaving", "professional")
    assert gql(client, "{ me { username role } }", token)["me"] == {
        "username": "leaving", "role": "professional"}
    assert gql(client, "mutation { logout }", token) == {"logout": True}
    assert gql(client, "{ me { username } }", token)["me"] is None


def test_orientation_input_cannot_carry_an_identity(client: TestClient) -> None:
    fields = gql(client, '{ __type(name: "OrientationInput") { inputFields { name } } }')
    assert {f["name"] for f in fields["__type"]["inputFields"]} == {
        "situations", "age", "sex", "urgent", "disability", "language", "commune",
        "province", "lat", "lon", "startStage", "maxKm", "alternatives"}
