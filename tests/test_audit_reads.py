"""Reads of personal data and sign-ins leave a trace, whatever the path.

A contact's audit trail holds its person and channels before and after each
edit: reading it (``changes(entityId:)``, the coordinator's review page) is a
contact read, audited like the annuaire's; roles that may not read contacts see
those fields blanked. Every sign-in attempt is audited with the user name, the
time and the address, never the password.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from api_support import PASSWORD, gql, post, sign_in
from starlette.testclient import TestClient
from web_support import PLAIN_HTTP, add_user
from web_support import sign_in as web_sign_in

from graph_service.access import ANONYMOUS, Principal
from graph_service.domain.entities import READ_CONTACTS, SIGN_IN, SIGN_IN_FAILED, Channel, Contact
from graph_service.review import readable_trail
from graph_service.store import GraphStore

PERSON, MOBILE = "Karima Test-Audit", "+212612345678"


def _contact(store: GraphStore) -> Contact:
    org = next(iter(store.entries("organization", limit=1)))
    created = store.create(Contact(id="ct-audit", organization_id=org.id, function="Juge",
                                   person_name=PERSON,
                                   channels=(Channel(kind="mobile", value=MOBILE),)),
                           actor="setup")
    assert isinstance(created, Contact)
    return created


def _reads(store: GraphStore, contact_id: str, actor: str) -> int:
    return sum(1 for e in store.audit_trail(contact_id, limit=1000)
               if e.action == READ_CONTACTS and e.actor == actor)


def test_reading_a_contacts_trail_is_an_audited_contact_read(client: TestClient) -> None:
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    contact = _contact(store)
    pro = sign_in(client, "pro.audit", "professional")
    changes = gql(client, """query($id: ID!) { changes(entityId: $id) {
        ... on ChangeConnection { nodes { action after } } } }""", pro, id=contact.id)
    [created] = changes["changes"]["nodes"]
    assert created["after"]["person_name"] == PERSON  # professionals may read contacts
    assert _reads(store, contact.id, "pro.audit") == 1


def test_a_trail_shown_to_whoever_may_not_read_contacts_blanks_them(client: TestClient) -> None:
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    contact = _contact(store)
    [created] = readable_trail(store, ANONYMOUS, contact.id)
    assert created.after is not None
    assert (created.after["person_name"], created.after["channels"]) == (None, None)
    assert created.after["function"] == "Juge"
    assert _reads(store, contact.id, "anonymous") == 0
    org = next(iter(store.entries("organization", limit=1)))
    assert readable_trail(store, Principal("pro", "professional"), org.id) == \
        readable_trail(store, ANONYMOUS, org.id)  # not a contact: nothing to blank or log


def test_the_review_page_of_a_contact_is_an_audited_contact_read(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(**PLAIN_HTTP)
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    contact = _contact(store)
    add_user(store, "admin.audit", "admin")
    web_sign_in(client, "admin.audit")
    page = client.get(f"/coordination/revue/{contact.id}")
    assert page.status_code == 200 and PERSON in page.text
    assert _reads(store, contact.id, "admin.audit") == 1


def test_sign_ins_are_audited_with_address_and_never_the_password(client: TestClient) -> None:
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    sign_in(client, "coord.audit", "coordinator", province="04.441")
    failed = post(client, """mutation { login(username: "coord.audit",
        password: "not-the-password-at-all") { __typename } }""")
    assert failed["data"]["login"]["__typename"] == "LoginFailed"
    trail = [e for e in store.audit_trail("coord.audit", limit=100)
             if e.action in (SIGN_IN, SIGN_IN_FAILED)]
    assert [(e.action, e.actor, e.after) for e in trail] == [
        (SIGN_IN, "coord.audit", {"address": "testclient"}),
        (SIGN_IN_FAILED, "coord.audit", {"address": "testclient"})]
    everything = json.dumps([[e.before, e.after] for e in store.audit_trail(limit=100_000)])
    assert PASSWORD not in everything and "not-the-password-at-all" not in everything
