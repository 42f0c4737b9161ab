"""The behaviour every store adapter must share (the ``store`` fixture runs it on each)."""

from __future__ import annotations

import dataclasses

import pytest

from graph_service.domain.entities import (
    READ_CONTACTS,
    SIGN_IN,
    Channel,
    Organization,
    ReferralLink,
    Service,
    Site,
    User,
)
from graph_service.domain.errors import (
    AlreadyExists,
    NotFound,
    ValidationFailed,
    VersionConflict,
)
from graph_service.store import GraphStore

ORG = Organization(id="org-a", name="Association A", org_kind="association",
                   sector="societe_civile",
                   channels=(Channel(kind="phone", value="+212537000000"),))
SITE = Site(id="site-a", organization_id="org-a", name="Local", commune_code="04.441.01.0",
            lat=34.04, lon=-6.80, confidential=True)
SVC = Service(id="svc-a", organization_id="org-a", name="Écoute", type="ecoute_orientation",
              stages=("detection",), situations=("negligence",), site_ids=("site-a",))
SVC2 = Service(id="svc-b", organization_id="org-a", name="Suivi", type="accompagnement_social",
               stages=("suivi",))
LINK = ReferralLink(id="link-ab", from_service_id="svc-a", to_service_id="svc-b",
                    link_kind="protocol", documents=("fiche de liaison",))


def _seed(store: GraphStore) -> None:
    store.apply([ORG, SITE, SVC, SVC2, LINK], actor="test")


def test_create_then_get_round_trips_every_field(store: GraphStore) -> None:
    created = store.create(ORG, actor="alice")
    assert created.version == 1 and created.last_modified
    got = store.get("organization", "org-a")
    assert got == created
    assert got is not None and got.channels[0].value == "+212537000000"
    assert not got.is_verified


def test_create_twice_is_refused(store: GraphStore) -> None:
    store.create(ORG, actor="alice")
    with pytest.raises(AlreadyExists):
        store.create(ORG, actor="alice")


def test_update_bumps_version_and_audits_before_after(store: GraphStore) -> None:
    v1 = store.create(ORG, actor="alice")
    v2 = store.update(dataclasses.replace(v1, name="Association A2"), expected_version=1,
                      actor="bob")
    assert v2.version == 2 and v2.last_modified >= v1.last_modified
    trail = store.audit_trail("org-a")
    assert [(e.action, e.actor) for e in trail] == [("create", "alice"), ("update", "bob")]
    assert trail[1].before is not None and trail[1].before["name"] == "Association A"
    assert trail[1].after is not None and trail[1].after["name"] == "Association A2"


def test_stale_update_is_refused_changes_nothing_and_is_not_audited(store: GraphStore) -> None:
    v1 = store.create(ORG, actor="alice")
    store.update(dataclasses.replace(v1, name="B"), expected_version=1, actor="alice")
    revision = store.revision()
    with pytest.raises(VersionConflict) as err:
        store.update(dataclasses.replace(v1, name="C"), expected_version=1, actor="eve")
    assert err.value.current == 2
    got = store.get("organization", "org-a")
    assert got is not None and got.name == "B" and got.version == 2
    assert [e.action for e in store.audit_trail("org-a")] == ["create", "update"]
    assert store.revision() == revision


def test_update_of_missing_entry_is_not_found(store: GraphStore) -> None:
    with pytest.raises(NotFound):
        store.update(ORG, expected_version=1, actor="alice")


def test_reference_to_nothing_is_refused_naming_the_field(store: GraphStore) -> None:
    with pytest.raises(ValidationFailed) as err:
        store.create(SVC, actor="alice")
    fields = {e.field for e in err.value.errors}
    assert fields == {"organization_id", "site_ids"}
    assert store.get("service", "svc-a") is None


def test_apply_is_idempotent(store: GraphStore) -> None:
    first = store.apply([ORG, SITE, SVC, SVC2, LINK], actor="seed")
    assert len(first.created) == 5
    revision, trail = store.revision(), store.audit_trail(limit=1000)
    second = store.apply([ORG, SITE, SVC, SVC2, LINK], actor="seed")
    assert second.created == () and second.updated == () and len(second.unchanged) == 5
    assert store.revision() == revision and store.audit_trail(limit=1000) == trail
    assert store.counts().services == 2
    third = store.apply([dataclasses.replace(SVC2, name="Suivi de cas")], actor="seed")
    assert third.updated == ("svc-b",)
    got = store.get("service", "svc-b")
    assert got is not None and got.version == 2


def test_apply_is_all_or_nothing(store: GraphStore) -> None:
    bad = dataclasses.replace(LINK, id="link-bad", to_service_id="svc-missing")
    with pytest.raises(ValidationFailed) as err:
        store.apply([ORG, SITE, SVC, SVC2, bad], actor="seed")
    assert [e.field for e in err.value.errors] == ["to_service_id"]
    assert store.counts().organizations == 0 and store.audit_trail() == []


def test_apply_refuses_an_id_reused_for_another_kind(store: GraphStore) -> None:
    store.apply([ORG], actor="seed")
    clash = Organization(id="svc-x", name="X", org_kind="association", sector="societe_civile")
    store.apply([clash], actor="seed")
    with pytest.raises(ValidationFailed) as err:
        store.apply([dataclasses.replace(SVC2, id="svc-x")], actor="seed")
    assert [(e.field, e.where) for e in err.value.errors] == [("id", "service svc-x")]


def test_verify_is_not_an_edit(store: GraphStore) -> None:
    _seed(store)
    verified = store.verify("service", "svc-a", actor="coord", expected_version=1)
    assert verified.version == 1 and verified.is_verified and verified.verified_by == "coord"
    assert store.audit_trail("svc-a")[-1].action == "verify"
    edited = store.update(dataclasses.replace(verified, name="Écoute 2"), expected_version=1,
                          actor="assoc")
    assert edited.verified_by == "coord" and not edited.is_verified


def test_verify_of_a_version_no_longer_current_changes_nothing(store: GraphStore) -> None:
    _seed(store)
    current = store.get("service", "svc-a")
    assert current is not None
    store.update(dataclasses.replace(current, name="Écoute 2"), expected_version=1,
                 actor="assoc")
    revision, trail = store.revision(), store.audit_trail("svc-a")
    with pytest.raises(VersionConflict) as err:
        store.verify("service", "svc-a", actor="coord", expected_version=1)
    assert (err.value.expected, err.value.current) == (1, 2)
    assert store.revision() == revision and store.audit_trail("svc-a") == trail
    stored = store.get("service", "svc-a")
    assert stored is not None and not stored.is_verified


def test_delete_refuses_while_referenced_then_succeeds(store: GraphStore) -> None:
    _seed(store)
    with pytest.raises(ValidationFailed):
        store.delete("service", "svc-b", expected_version=1, actor="admin")
    store.delete("referral_link", "link-ab", expected_version=1, actor="admin")
    store.delete("service", "svc-b", expected_version=1, actor="admin")
    assert store.get("service", "svc-b") is None
    assert store.audit_trail("svc-b")[-1].action == "delete"


def test_entries_filter_on_references_and_paginate_by_id(store: GraphStore) -> None:
    _seed(store)
    assert [s.id for s in store.entries("service", where={"organization_id": "org-a"})] == [
        "svc-a", "svc-b"]
    assert [s.id for s in store.entries("service", where={"site_ids": "site-a"})] == ["svc-a"]
    assert [s.id for s in store.entries("service", after="svc-a", limit=5)] == ["svc-b"]
    assert [s.id for s in store.entries("service", limit=1)] == ["svc-a"]
    assert store.entries("referral_link", where={"to_service_id": "svc-a"}) == []


def test_get_many_keeps_order_and_reports_missing(store: GraphStore) -> None:
    _seed(store)
    got = store.get_many("service", ["svc-b", "nope", "svc-a", "org-a"])
    assert [g.id if g else None for g in got] == ["svc-b", None, "svc-a", None]


def test_counts_and_revision(store: GraphStore) -> None:
    before = store.revision()
    _seed(store)
    counts = store.counts()
    assert (counts.organizations, counts.services, counts.referral_links, counts.communes) == (
        1, 2, 1, 1)
    assert store.revision() > before


def test_territories(store: GraphStore) -> None:
    assert [t.code for t in store.territories("commune")] == ["04.441.01.0"]
    commune = store.territory("04.441.01.0")
    assert commune is not None and commune.children == 300 and commune.lat == 34.04
    assert store.territory("99") is None


def test_users_and_tokens(store: GraphStore) -> None:
    user = User(username="amal", role="coordinator", password_hash="$argon2id$x",
                province_code="04.441")
    store.put_user(user, actor="admin")
    assert store.get_user("amal") == user
    store.put_token("h1", "amal", "2999-01-01T00:00:00Z")
    assert store.token_user("h1", "2026-01-01T00:00:00Z") == user
    assert store.token_user("h1", "3000-01-01T00:00:00Z") is None
    store.delete_token("h1")
    assert store.token_user("h1", "2026-01-01T00:00:00Z") is None
    assert all("password_hash" not in (e.after or {}) for e in store.audit_trail("amal"))


def test_contact_reads_are_logged(store: GraphStore) -> None:
    _seed(store)
    revision = store.revision()
    store.record_event(actor="pro", action=READ_CONTACTS, entity_kind="organization",
                       entity_id="org-a")
    store.record_event(actor="pro", action=SIGN_IN, entity_kind="user", entity_id="pro",
                       detail={"address": "127.0.0.1"})
    read, signed_in = store.audit_trail("org-a")[-1], store.audit_trail("pro")[-1]
    assert (read.action, read.actor, read.after) == (READ_CONTACTS, "pro", None)
    assert (signed_in.action, signed_in.after) == (SIGN_IN, {"address": "127.0.0.1"})
    assert store.revision() == revision  # events write no entry: caches stay valid
