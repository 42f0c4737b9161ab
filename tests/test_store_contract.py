"""The behaviour every store adapter must share (the ``store`` fixture runs it on each)."""

from __future__ import annotations

import dataclasses

import pytest
from store_support import MINI_TERRITORIES

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
from graph_service.domain.referral import Referral, ReferralQuery
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


LINK_BULK = ReferralLink(id="link-bulk", from_service_id="svc-0000", to_service_id="svc-1199",
                         link_kind="protocol")


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


def _bulk(n: int, *, site: str = "site-a") -> list[Service]:
    """``n`` services of org-a at ``site``: more rows than one statement of a store sends."""
    return [dataclasses.replace(SVC, id=f"svc-{i:04d}", name=f"Service {i}", site_ids=(site,))
            for i in range(n)]


def test_a_large_batch_is_written_whole_each_write_audited_once_in_order(
        store: GraphStore) -> None:
    start, revision = store.change_seq(), store.revision()
    services = _bulk(1_200)
    renamed = dataclasses.replace(services[7], name="Renommé")  # an id given twice: two writes
    result = store.apply([ORG, SITE, *services, renamed, LINK_BULK], actor="import")
    assert len(result.created) == 1_203 and result.updated == ("svc-0007",)
    assert store.revision() == revision + 1  # one transaction
    feed = store.changes_since(start)
    assert [(c.id, c.entry.version if c.entry else None) for c in feed] == [
        ("org-a", 1), ("site-a", 1), *((s.id, 1) for s in services), ("svc-0007", 2),
        ("link-bulk", 1)]
    assert {c.revision for c in feed} == {revision + 1}
    assert [e.action for e in store.audit_trail("svc-0007")] == ["create", "update"]
    assert len(store.audit_trail(after_seq=start, limit=2_000)) == 1_204
    stored = store.get("service", "svc-0007")
    assert stored is not None and stored.name == "Renommé" and stored.version == 2
    assert len(store.entries("service", where={"site_ids": "site-a"})) == 1_200
    assert [e.id for e in store.entries("referral_link",
                                        where={"to_service_id": "svc-1199"})] == ["link-bulk"]


def test_a_large_batch_of_updates_moves_every_reference(store: GraphStore) -> None:
    store.apply([ORG, SITE, *_bulk(1_100)], actor="import")
    other = dataclasses.replace(SITE, id="site-b", name="Annexe")
    start = store.change_seq()
    result = store.apply([other, *_bulk(1_100, site="site-b")], actor="import")
    assert result.created == ("site-b",) and len(result.updated) == 1_100
    assert store.entries("service", where={"site_ids": "site-a"}) == []
    moved = store.entries("service", where={"site_ids": "site-b"})
    assert len(moved) == 1_100 and {s.version for s in moved} == {2}
    feed = store.changes_since(start)
    assert [c.id for c in feed] == ["site-b", *(f"svc-{i:04d}" for i in range(1_100))]
    store.delete("site", "site-a", expected_version=1, actor="admin")  # nothing points at it


def test_a_large_batch_with_one_bad_reference_at_its_end_changes_nothing(
        store: GraphStore) -> None:
    store.apply([ORG], actor="seed")
    start, revision, counts = store.change_seq(), store.revision(), store.counts()
    bad = dataclasses.replace(LINK_BULK, to_service_id="svc-missing")
    with pytest.raises(ValidationFailed) as err:
        store.apply([SITE, *_bulk(1_200), bad], actor="import")
    assert [(e.field, e.where) for e in err.value.errors] == [
        ("to_service_id", "referral_link link-bulk")]
    assert store.counts() == counts and store.revision() == revision
    assert store.changes_since(start) == [] and store.get("site", "site-a") is None


def test_a_batch_refuses_a_bad_reference_even_in_a_write_it_supersedes(
        store: GraphStore) -> None:
    store.apply([ORG, SITE], actor="seed")
    start = store.change_seq()
    first = dataclasses.replace(SVC, site_ids=("site-missing",))
    with pytest.raises(ValidationFailed) as err:
        store.apply([first, SVC], actor="import")  # svc-a given twice, first pointing nowhere
    assert [(e.field, e.where) for e in err.value.errors] == [("site_ids", "service svc-a")]
    assert store.get("service", "svc-a") is None and store.changes_since(start) == []


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


AMAL = User(username="amal", role="coordinator", password_hash="$argon2id$x",
            province_code="04.441")
LIVE, LATER, EXPIRED = "2026-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "3000-01-01T00:00:00Z"


def test_users_and_tokens(store: GraphStore) -> None:
    store.put_user(AMAL, actor="admin")
    assert store.get_user("amal") == AMAL
    store.put_token("h1", "amal", LATER, purpose="api")
    assert store.token_user("h1", LIVE, purpose="api") == AMAL
    assert store.token_user("h1", EXPIRED, purpose="api") is None
    store.delete_token("h1")
    assert store.token_user("h1", LIVE, purpose="api") is None
    assert all("password_hash" not in (e.after or {}) for e in store.audit_trail("amal"))


def test_a_credential_answers_only_for_its_purpose(store: GraphStore) -> None:
    store.put_user(AMAL, actor="admin")
    store.put_token("session", "amal", LATER, purpose="web")
    assert store.token_user("session", LIVE, purpose="api") is None
    assert store.token_user("session", LIVE, purpose="web") == AMAL


def test_replacing_a_user_revokes_its_tokens_and_sessions(store: GraphStore) -> None:
    other = dataclasses.replace(AMAL, username="badr")
    store.put_user(AMAL, actor="admin")
    store.put_user(other, actor="admin")
    store.put_token("api", "amal", LATER, purpose="api")
    store.put_token("web", "amal", LATER, purpose="web")
    store.put_token("kept", "badr", LATER, purpose="web")
    store.put_user(dataclasses.replace(AMAL, password_hash="$argon2id$new"), actor="admin")
    assert store.token_user("api", LIVE, purpose="api") is None
    assert store.token_user("web", LIVE, purpose="web") is None
    assert store.token_user("kept", LIVE, purpose="web") == other


def test_revoke_and_remove_users(store: GraphStore) -> None:
    store.put_user(AMAL, actor="admin")
    store.put_user(dataclasses.replace(AMAL, username="badr"), actor="admin")
    store.put_token("api", "amal", LATER, purpose="api")
    store.put_token("web", "amal", LATER, purpose="web")
    assert store.revoke_tokens("amal", actor="admin") == 2
    assert store.token_user("web", LIVE, purpose="web") is None
    store.put_token("again", "amal", LATER, purpose="web")
    assert store.delete_user("amal", actor="admin") is True
    assert store.delete_user("amal", actor="admin") is False
    assert [u.username for u in store.users()] == ["badr"]
    assert store.token_user("again", LIVE, purpose="web") is None
    store.put_user(AMAL, actor="admin")  # the same name again: the old session stays dead
    assert store.token_user("again", LIVE, purpose="web") is None
    actions = [e.action for e in store.audit_trail("amal")]
    assert actions == ["put_user", "revoke_user", "remove_user", "put_user"]


def test_throttle_counts_are_counted_per_key_and_forgotten(store: GraphStore) -> None:
    t1, t2, t3 = "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z", "2026-01-01T00:00:03Z"
    store.count_throttle(["user:a", "address:x"], t1, since=LIVE)
    store.count_throttle(["user:a"], t2, since=LIVE)
    assert store.throttle_counts(["user:a", "address:x", "user:b"], LIVE) == {
        "user:a": (2, t2), "address:x": (1, t1)}
    assert store.throttle_counts(["user:a", "address:x"], t1) == {"user:a": (2, t2)}
    store.count_throttle(["address:x"], t3, since=t2)  # x's last failure is forgotten
    assert store.throttle_counts(["address:x"], LIVE) == {"address:x": (1, t3)}
    store.clear_throttle("user:a")
    assert store.throttle_counts(["user:a"], LIVE) == {}


def test_sign_in_work_leaves_the_directory_revision(store: GraphStore) -> None:
    """Users, tokens and web sessions, throttle counts and logged reads are not directory
    content: neither the revision nor the change feed moves, so no reader refreshes."""
    _seed(store)
    revision, seq = store.revision(), store.change_seq()
    store.put_user(AMAL, actor="admin")
    store.put_token("web", "amal", LATER, purpose="web")
    store.count_throttle(["user:amal"], LIVE, since="2025-01-01T00:00:00Z")
    store.clear_throttle("user:amal")
    store.record_event(actor="amal", action=READ_CONTACTS, entity_kind="organization",
                       entity_id="org-a")
    store.delete_token("web")
    store.revoke_tokens("amal", actor="admin")
    store.delete_user("amal", actor="admin")
    assert store.revision() == revision
    assert store.changes_since(seq) == []


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


# --- referrals: their own area, outside the annuaire's revision --------------------------

def _referral(code: str = "K7Q2-9MXD-4", at: str = "2026-01-05T10:00:00.000000Z",
              **changes: object) -> Referral:
    sent = Referral.send(
        code=code, from_service_id="svc-a", to_service_id="svc-b", from_organization_id="org-a",
        to_organization_id="org-a", from_province="04.441", to_province="04.441",
        link_id="link-ab", stage="suivi", situations=("negligence",), age_band="age_6_11",
        sex="F", urgent=False, sender="amal", at=at, deadline="2026-01-08T10:00:00.000000Z")
    return dataclasses.replace(sent, **changes)  # type: ignore[arg-type]


def test_a_referral_round_trips_and_does_not_move_the_revision(store: GraphStore) -> None:
    _seed(store)
    revision = store.revision()
    stored = store.create_referral(_referral(), actor="amal")
    assert stored.version == 1
    assert store.get_referral("K7Q2-9MXD-4") == stored
    assert store.get_referral("0000-0000-0") is None
    with pytest.raises(AlreadyExists):
        store.create_referral(_referral(), actor="amal")
    accepted = store.update_referral(
        stored.accept(actor="badr", at="2026-01-05T12:00:00.000000Z"), expected_version=1,
        actor="badr")
    assert (accepted.version, accepted.status) == (2, "accepted")
    assert store.revision() == revision
    assert store.counts().services == 2


def test_each_referral_transition_is_audited_with_who_when_from_to(store: GraphStore) -> None:
    _seed(store)
    stored = store.create_referral(_referral(), actor="amal")
    declined = stored.decline("no_capacity", actor="badr", at="2026-01-05T12:00:00.000000Z")
    store.update_referral(declined, expected_version=1, actor="badr")
    trail = [(e.actor, e.at, e.action, (e.before or {}).get("status"), (e.after or {})["status"])
             for e in store.audit_trail("K7Q2-9MXD-4")]
    assert trail == [
        ("amal", "2026-01-05T10:00:00.000000Z", "referral_sent", None, "sent"),
        ("badr", "2026-01-05T12:00:00.000000Z", "referral_declined", "sent", "declined")]
    got = store.get_referral("K7Q2-9MXD-4")
    assert got is not None and got.reason == "no_capacity" and len(got.history) == 2


def test_a_stale_referral_update_is_refused_and_changes_nothing(store: GraphStore) -> None:
    _seed(store)
    stored = store.create_referral(_referral(), actor="amal")
    store.update_referral(stored.receive(actor="badr", at="2026-01-05T11:00:00.000000Z"),
                          expected_version=1, actor="badr")
    with pytest.raises(VersionConflict) as err:
        store.update_referral(stored.cancel(actor="amal", at="2026-01-05T11:30:00.000000Z"),
                              expected_version=1, actor="amal")
    assert err.value.current == 2
    got = store.get_referral("K7Q2-9MXD-4")
    assert got is not None and got.status == "received"
    assert len(store.audit_trail("K7Q2-9MXD-4")) == 2
    with pytest.raises(NotFound):
        store.update_referral(_referral(code="0000-0000-0"), expected_version=1, actor="x")


def test_referral_lists_filter_by_side_province_status_and_deadline(store: GraphStore) -> None:
    _seed(store)
    other = Organization(id="org-b", name="B", org_kind="association", sector="societe_civile")
    svc_c = Service(id="svc-c", organization_id="org-b", name="C", type="hebergement")
    store.apply([other, svc_c], actor="test")
    store.create_referral(_referral(), actor="amal")
    store.create_referral(_referral(
        code="1111-1111-X", at="2026-01-06T10:00:00.000000Z", to_service_id="svc-c",
        to_organization_id="org-b", to_province="01.111", link_id=None,
        deadline="2026-01-07T10:00:00.000000Z"), actor="amal")

    def codes(**query: object) -> list[str]:
        return [r.code for r in store.referrals(ReferralQuery(**query))]  # type: ignore[arg-type]

    assert codes() == ["1111-1111-X", "K7Q2-9MXD-4"]
    assert codes(organization_id="org-b") == ["1111-1111-X"]
    assert codes(organization_id="org-b", direction="outgoing") == []
    assert codes(organization_id="org-a", direction="incoming") == ["K7Q2-9MXD-4"]
    assert codes(province_code="01.111") == ["1111-1111-X"]
    assert codes(province_code="01.111", direction="outgoing") == []
    assert codes(statuses=("accepted",)) == []
    assert codes(due_before="2026-01-07T12:00:00.000000Z") == ["1111-1111-X"]
    facts = store.referral_facts("01.111")
    assert [(f.to_service_id, f.status, f.received_at) for f in facts] == [("svc-c", "sent", None)]
    assert len(store.referral_facts()) == 2


def test_retired_referrals_are_reduced_to_counts(store: GraphStore) -> None:
    _seed(store)
    first = store.create_referral(_referral(), actor="amal")
    store.update_referral(first.decline("no_capacity", actor="b", at="2026-01-05T11:00:00.000000Z"),
                          expected_version=1, actor="b")
    store.create_referral(_referral(code="1111-1111-X"), actor="amal")
    store.create_referral(_referral(code="2222-2222-2", at="2027-01-01T00:00:00.000000Z"),
                          actor="amal")
    revision = store.revision()
    assert store.retire_referrals(sent_before="2026-06-01T00:00:00.000000Z", actor="system") == 2
    assert store.retire_referrals(sent_before="2026-06-01T00:00:00.000000Z", actor="system") == 0
    assert [r.code for r in store.referrals(ReferralQuery())] == ["2222-2222-2"]
    assert store.get_referral("K7Q2-9MXD-4") is None
    tallies = {(t.status, t.reason, t.received, t.from_province): t.count
               for t in store.referral_tallies("04.441")}
    assert tallies == {("declined", "no_capacity", True, "04.441"): 1,
                       ("sent", None, False, "04.441"): 1}
    assert store.referral_tallies("01.111") == []
    assert store.revision() == revision
def _feed(store: GraphStore, after: int) -> list[tuple[str, str, int | None, str | None]]:
    """The change feed after ``after``, read two at a time: (kind, id, version or None, action)."""
    out: list[tuple[str, str, int | None, str | None]] = []
    while page := store.changes_since(after, limit=2):
        out += [(c.kind, c.id, c.entry.version if c.entry else None,
                 c.entry.name if c.entry and hasattr(c.entry, "name") else None) for c in page]
        after = page[-1].seq
    return out


def test_the_change_feed_gives_every_committed_write_once_in_order(store: GraphStore) -> None:
    start = store.change_seq()
    _seed(store)
    seeded = store.change_seq()
    svc = store.get("service", "svc-b")
    assert svc is not None
    store.update(dataclasses.replace(svc, name="Suivi de cas"), expected_version=1, actor="bob")
    store.verify("service", "svc-b", actor="coord", expected_version=2)
    store.delete("referral_link", "link-ab", expected_version=1, actor="bob")
    assert _feed(store, start) == [
        ("organization", "org-a", 1, "Association A"), ("site", "site-a", 1, "Local"),
        ("service", "svc-a", 1, "Écoute"), ("service", "svc-b", 1, "Suivi"),
        ("referral_link", "link-ab", 1, None),
        ("service", "svc-b", 2, "Suivi de cas"), ("service", "svc-b", 2, "Suivi de cas"),
        ("referral_link", "link-ab", None, None),
    ]
    later = store.changes_since(seeded)
    assert [c.seq for c in later] == sorted({c.seq for c in later})
    verified = later[1].entry
    assert verified is not None and verified.verified_by == "coord"
    # each write's transaction made one revision, carried by its changes; the last is current
    assert [c.revision for c in later] == [store.revision() - 2, store.revision() - 1,
                                          store.revision()]
    assert {c.revision for c in store.changes_since(start, limit=5)} == {later[0].revision - 1}


def test_the_change_feed_holds_nothing_uncommitted_nor_sign_in_work(store: GraphStore) -> None:
    start = store.change_seq()
    bad = dataclasses.replace(LINK, id="link-bad", to_service_id="svc-missing")
    with pytest.raises(ValidationFailed):
        store.apply([ORG, SITE, SVC, SVC2, bad], actor="seed")
    assert store.changes_since(start) == []
    _seed(store)
    seq = store.change_seq()
    with pytest.raises(VersionConflict):
        store.update(dataclasses.replace(ORG, name="Stale"), expected_version=7, actor="bob")
    store.put_user(AMAL, actor="admin")
    store.record_event(actor="amal", action=READ_CONTACTS, entity_kind="organization",
                       entity_id="org-a")
    store.revoke_tokens("amal", actor="admin")
    assert store.changes_since(seq) == []
    assert store.changes_since(store.change_seq()) == []


def test_a_write_of_territories_is_a_revision_the_feed_does_not_carry(
        store: GraphStore) -> None:
    _seed(store)
    seq, revision = store.change_seq(), store.revision()
    store.put_territories(MINI_TERRITORIES)
    assert store.revision() > revision and store.changes_since(seq) == []
    assert store.written_revision == store.revision()  # read-your-writes: this object wrote it
