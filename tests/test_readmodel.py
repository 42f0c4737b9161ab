"""The read model follows the store: a snapshot advanced by the change feed, with the indexes
readers derive carried along, is the snapshot a fresh build gives and answers as its freshly
built indexes do, whatever the edits (creates, updates, deletes, verifications)."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.coverage import compute_coverage
from graph_service.domain.eligibility import Need
from graph_service.domain.entities import (
    REFERENCE_SCHEME,
    AnyEntity,
    EntityKind,
    Organization,
    ReferralLink,
    Service,
    Site,
    Territory,
)
from graph_service.domain.errors import ValidationFailed
from graph_service.orientation import Request, Where, orient
from graph_service.orientation.index import ORIENTATION_INDEX, RETIRED_MIN, orientation_index
from graph_service.search import Filter, index_of
from graph_service.search.filters import Near, organization_ids, service_ids
from graph_service.search.index import SEARCH_INDEX
from graph_service.snapshot import Snapshot, SnapshotCache, advance, build_snapshot, carry
from graph_service.store.embedded import EmbeddedStore

TERRITORIES = [
    Territory(code="04", level="region", name_fr="Rabat-Salé-Kénitra",
              name_ar="الرباط سلا القنيطرة"),
    *(t for code, name, ar, lat, lon in (("04.441", "Salé", "سلا", 34.04, -6.80),
                                         ("04.421", "Rabat", "الرباط", 34.02, -6.84))
      for t in (Territory(code=code, level="province", name_fr=name, name_ar=ar,
                          parent_code="04", region_code="04", lat=lat, lon=lon),
                Territory(code=f"{code}.01.0", level="commune", name_fr=name, name_ar=ar,
                          parent_code=code, region_code="04", province_code=code,
                          population=1000, children=300, lat=lat, lon=lon))),
]
COMMUNES = ("04.441.01.0", "04.421.01.0")
ORGS, SITES, SERVICES, LINKS = (tuple(f"{p}{i}" for i in range(n)) for p, n in
                                (("org", 3), ("site", 4), ("svc", 6), ("link", 5)))
STAGES = ("detection", "signalement", "prise_en_charge", "suivi")

orgs = st.builds(
    lambda i, sector, parent, province, reference: Organization(
        id=ORGS[i], name=f"Organisation {i}", org_kind="association", sector=sector,
        parent_id=ORGS[parent] if parent < i else None, province_code=province,
        identifiers=(f"{REFERENCE_SCHEME}:{i}",) if reference else ()),
    st.integers(0, len(ORGS) - 1), st.sampled_from(("justice", "justice", "societe_civile",
                                                      "surete_nationale")),
    st.integers(0, len(ORGS) - 1), st.sampled_from(("04.441", "04.421", None)), st.booleans())
sites = st.builds(
    lambda i, org, commune, confidential: Site(
        id=SITES[i], organization_id=ORGS[org], name=f"Site {i}", commune_code=commune,
        confidential=confidential),
    st.integers(0, len(SITES) - 1), st.integers(0, len(ORGS) - 1), st.sampled_from(COMMUNES),
    st.booleans())
services = st.builds(
    lambda i, org, stages, site_ids, kind, children, areas, eligibility: Service(
        id=SERVICES[i], organization_id=ORGS[org], name=f"Service {i}", type=kind,
        stages=tuple(stages), site_ids=tuple(site_ids), receives_children=children,
        area_codes=tuple(areas), **eligibility),
    st.integers(0, len(SERVICES) - 1), st.integers(0, len(ORGS) - 1),
    st.lists(st.sampled_from(STAGES), min_size=1, max_size=2, unique=True),
    st.lists(st.sampled_from(SITES), max_size=2, unique=True),
    st.sampled_from(("ecoute_orientation", "plainte_enquete", "accompagnement_social")),
    st.sampled_from((None, True, False)), st.lists(st.sampled_from(("04.441", "04.421")),
                                                  max_size=1),
    st.fixed_dictionaries({  # eligibility classes new to a carried index are numbered on edits
        "situations": st.sampled_from((("negligence",), ("negligence", "violence_physique"))),
        "age_max": st.sampled_from((None, 12)), "sex": st.sampled_from((None, "F")),
        "emergency_24_7": st.booleans()}))
links = st.builds(
    lambda i, a, b: ReferralLink(id=LINKS[i], from_service_id=SERVICES[a],
                                 to_service_id=SERVICES[b], link_kind="protocol"),
    st.integers(0, len(LINKS) - 1), st.integers(0, len(SERVICES) - 1),
    st.integers(0, len(SERVICES) - 1))
entries = st.one_of(orgs, sites, services, links)
ids = st.sampled_from([(k, i) for k, pool in (("organization", ORGS), ("site", SITES),
                                               ("service", SERVICES), ("referral_link", LINKS))
                       for i in pool])
operations = st.one_of(st.tuples(st.just("put"), entries), st.tuples(st.just("delete"), ids),
                       st.tuples(st.just("verify"), ids))


SEED = (Organization(id=ORGS[0], name="Organisation 0", org_kind="association",
                     sector="societe_civile", province_code="04.441"),
        Site(id=SITES[0], organization_id=ORGS[0], name="Site 0", commune_code=COMMUNES[0]),
        Service(id=SERVICES[0], organization_id=ORGS[0], name="Service 0",
                type="ecoute_orientation", stages=("detection", "signalement"),
                situations=("negligence",), site_ids=(SITES[0],)))


def write(store: EmbeddedStore, op: str, arg: AnyEntity | tuple[str, str]) -> None:
    """One person's edit; one the store refuses (a reference to nothing) changes nothing."""
    try:
        if isinstance(arg, tuple):
            kind, eid = arg
            current = store.get(_kind(kind), eid)
            if current is not None and op == "delete":
                store.delete(current.kind, eid, expected_version=current.version, actor="t")
            elif current is not None:
                store.verify(current.kind, eid, actor="t", expected_version=current.version)
            return
        current = store.get(arg.kind, arg.id)
        if current is None:
            store.create(arg, actor="t")
        else:
            store.update(arg, expected_version=current.version, actor="t")
    except ValidationFailed:
        pass


def _kind(kind: str) -> EntityKind:
    return next(k for k in ("organization", "site", "service", "referral_link") if k == kind)


INDEXES = (SEARCH_INDEX, ORIENTATION_INDEX)
NEEDS = (Need(situations=("negligence",), age=10, sex="F"),
         Need(situations=("negligence",), age=15, sex="M", urgent=True))
SEARCHES = (Filter(), Filter(text="service"), Filter(text="organisation 1"), Filter(text="salé"),
            Filter(text="rabat"), Filter(text="parquet"), Filter(province="04.441"),
            Filter(commune=COMMUNES[1]), Filter(stage="signalement"), Filter(sector="justice"),
            Filter(org_kind="association", province="04.421"),
            Filter(near=Near(34.04, -6.80, 3.0)), Filter(situation="negligence", text="sale"))


def views(snap: Snapshot) -> dict[str, object]:
    """Everything a reader reads of a snapshot and of the indexes derived from it: plans,
    searches, one coverage figure, and the indexes' own tables."""
    plans = [orient(snap, Request(need, Where(commune=commune))).to_json()
             for need in NEEDS for commune in ("Salé", "Rabat")]
    coverage = compute_coverage(snap)
    index = index_of(snap)
    oriented = orientation_index(snap)
    oks = [oriented.deciding_columns.ok(need) for need in NEEDS]
    bonuses = [oriented.ranking_columns.bonus(need) for need in NEEDS]
    return {
        "plans": plans,
        "searches": [(service_ids(index, f, exact_places=exact),
                      organization_ids(index, f, exact_places=exact))
                     for f in SEARCHES for exact in (False, True)],
        "search index": [
            index.service_order, index.org_order, index.sites_by_org, index.services_by_org,
            index.contacts_by_org, index.contacts_by_service, index.links_from,
            index.links_to, {o: set(p) for o, p in index.org_places.items()},
            index.services_by, index.orgs_by, index.service_text.by_word,
            index.service_text.words, index.org_text.by_word, index.org_text.words],
        "orientation index": [
            oriented.service_ids, oriented.successors,
            {stage: sorted((p.province_code, p.service_id, p.site_id or "",
                            # each row's service, and the rows it is found at, are its place's
                            oriented.service_ids[b.service[r]],
                            tuple(b.places[i].site_id for i in b.rows_of(int(b.service[r]))),
                            # and its classes answer as its service's, whatever their numbers
                            tuple(bool(ok[b.deciding[r]]) for ok in oks),
                            tuple(float(bonus[b.ranking[r]]) for bonus in bonuses),
                            oriented.zones[b.zone[r]], b.rows_by_deciding[int(b.deciding[r])]
                            .tolist().count(r))
                           for b in t.blocks.values() for r, p in enumerate(b.places))
             for stage, t in oriented.stages.items()},
            {stage: {(b.province, other): sorted(oriented.service_ids[b.service[r]]
                                                 for r in rows.tolist())
                     for b in t.blocks.values() for other, rows in b.reaches.items()}
             for stage, t in oriented.stages.items()},  # rows whose zone reaches elsewhere
            [(ok[oriented.deciding].tolist(), bonus[oriented.ranking].tolist())  # by service
             for ok, bonus in zip(oks, bonuses, strict=True)]],
        "entries": [snap.organizations, snap.sites, snap.services, snap.links],
        "places": snap.places, "by_stage": snap.by_stage, "by_province": snap.by_province,
        "circuit": snap.circuit, "areas": snap.areas, "authorities": snap.authorities,
        "for_children": snap.for_children, "provisional": snap.provisional,
        "coverage": [(r.stage, r.distance_km.tolist(), r.nearest) for r in coverage.stages],
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(operations, st.booleans()), min_size=1, max_size=25))
def test_the_advanced_snapshot_is_the_one_a_fresh_build_gives(
        steps: list[tuple[tuple[str, AnyEntity | tuple[str, str]], bool]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "s.sqlite3", synchronous="OFF")
        store.put_territories(TERRITORIES)
        store.apply(SEED, actor="t")  # edits of entries there are, not only of absent ones
        snap = build_snapshot(store)
        carry(snap, snap, INDEXES)
        for (op, arg), follow in steps:
            write(store, op, arg)
            if follow:  # some changes are applied one by one, others several at once
                snap = _followed(snap, store)
        snap = _followed(snap, store)
        fresh = build_snapshot(store)  # its indexes are built from scratch by views()
        assert (snap.revision, snap.seq) == (fresh.revision, fresh.seq)
        assert views(snap) == views(fresh)
        store.close()


def _followed(snap: Snapshot, store: EmbeddedStore) -> Snapshot:
    """The next snapshot, with ``snap``'s derived indexes carried to it."""
    new = advance(snap, store.changes_since(snap.seq))
    carry(snap, new, INDEXES)
    return new


def test_a_writer_sees_its_own_write_and_keeps_its_snapshot_meanwhile(tmp_path: Path) -> None:
    """The writer catching up reads its write at once; the snapshot read before is unchanged,
    and a reader that does not catch up is answered at once with it."""
    store = EmbeddedStore(tmp_path / "s.sqlite3")
    store.put_territories(TERRITORIES)
    org = store.create(Organization(id="org0", name="A", org_kind="association",
                                    sector="societe_civile"), actor="t")
    cache = SnapshotCache(store, refresh_s=3600)
    before = cache.get()
    store.update(dataclasses.replace(org, name="B"), expected_version=1, actor="t")
    assert cache.catch_up().organizations["org0"].name == "B"
    assert cache.get().organizations["org0"].name == "B"
    assert before.organizations["org0"].name == "A"
    store.close()


def test_a_write_of_another_process_is_seen_after_the_next_look(tmp_path: Path) -> None:
    """Another store object on the same file (another process) writes: the cache sees it
    once it looks again, and meanwhile answers with the snapshot it has."""
    store, other = (EmbeddedStore(tmp_path / "s.sqlite3") for _ in range(2))
    store.put_territories(TERRITORIES)
    cache = SnapshotCache(store, refresh_s=0)
    assert "org0" not in cache.get().organizations
    other.create(Organization(id="org0", name="A", org_kind="association",
                              sector="societe_civile"), actor="t")
    cache.get()  # sees the revision moved: the next snapshot is made in the background
    worker = cache._worker
    assert worker is not None
    worker.join(timeout=60)
    assert cache.get().organizations["org0"].name == "A"
    other.create(Organization(id="org1", name="B", org_kind="association",
                              sector="societe_civile"), actor="t")
    cache.get()  # a refresh begins in the background…
    cache.stop()  # …and is waited for when the app stops, before its store is closed
    assert cache._worker is None or not cache._worker.is_alive()
    store.close()
    other.create(Organization(id="org2", name="C", org_kind="association",
                              sector="societe_civile"), actor="t")
    assert "org2" not in cache.get().organizations  # no refresh after the stop, none fails
    other.close()


def test_a_cour_d_appel_s_ressort_follows_a_site_moved_by_a_court_under_it(
        tmp_path: Path) -> None:
    """A court's site moves to another province: the cour d'appel above it, whose ressort
    is its courts' areas, now serves that province, as a fresh build says."""
    store = EmbeddedStore(tmp_path / "s.sqlite3")
    store.put_territories(TERRITORIES)
    court = dict(org_kind="institution_publique", sector="justice")
    store.apply([Organization(id="ca", name="Cour d'appel", province_code="04.421", **court),
                 Organization(id="tpi", name="Tribunal", parent_id="ca", **court),
                 Site(id="greffe", organization_id="tpi", name="Greffe",
                      commune_code=COMMUNES[0]),
                 Service(id="svc-tpi", organization_id="tpi", name="Parquet",
                         type="plainte_enquete", stages=("signalement",)),
                 Service(id="svc-ca", organization_id="ca", name="Parquet général",
                         type="plainte_enquete", stages=("signalement",))], actor="t")
    snap = build_snapshot(store)
    assert snap.areas["svc-ca"].codes == {"04.441"}
    site = store.get("site", "greffe")
    assert isinstance(site, Site)
    store.update(dataclasses.replace(site, commune_code=COMMUNES[1]), expected_version=1,
                 actor="t")
    snap = advance(snap, store.changes_since(snap.seq))
    assert snap.areas["svc-ca"].codes == {"04.421"}
    assert views(snap) == views(build_snapshot(store))
    store.close()


def test_an_edit_re_indexes_what_it_touched_and_shares_the_rest(tmp_path: Path) -> None:
    """A service renamed: the search finds it by its new name at once for the writer, its
    places and orientation's tables are shared with the snapshot before, not made again;
    a snapshot replaced long enough ago lets its indexes go (it is then freed)."""
    store = EmbeddedStore(tmp_path / "s.sqlite3")
    store.put_territories(TERRITORIES)
    store.apply(SEED, actor="t")
    cache = SnapshotCache(store, refresh_s=3600, derived=INDEXES)
    before = cache.get()
    searched, oriented = index_of(before), orientation_index(before)
    service = store.get("service", SERVICES[0])
    assert isinstance(service, Service)
    store.update(dataclasses.replace(service, name="Cellule Amane"),
                 expected_version=service.version, actor="t")
    after = cache.catch_up()
    assert service_ids(index_of(after), Filter(text="amane"), exact_places=False) == [
        SERVICES[0]]
    assert service_ids(index_of(after), Filter(text="service 0"), exact_places=False) == []
    assert index_of(after).service_places is searched.service_places
    assert all(orientation_index(after).stages[s] is t for s, t in oriented.stages.items())
    for n in range(3):
        current = store.get("service", SERVICES[0])
        assert current is not None
        store.update(dataclasses.replace(current, name=f"Cellule {n}"),
                     expected_version=current.version, actor="t")
        cache.catch_up()
    assert before.retired and before.derived == {}
    store.close()


def test_a_process_editing_eligibility_for_long_holds_the_classes_of_its_annuaire(
        tmp_path: Path) -> None:
    """One service's ages, sex, situations and languages edited hundreds of times, each edit
    making a new eligibility class and retiring the one before: orientation's carried index
    numbers about as many classes as its services hold, not one per edit ever made, and
    answers as a fresh build does (also from the block of a service never edited, whose
    rows were only numbered again)."""
    store = EmbeddedStore(tmp_path / "s.sqlite3", synchronous="OFF")
    store.put_territories(TERRITORIES)
    store.apply([*SEED, Site(id=SITES[1], organization_id=ORGS[0], name="Site 1",
                             commune_code=COMMUNES[1]),
                 Service(id=SERVICES[1], organization_id=ORGS[0], name="Service 1",
                         type="accompagnement_social", stages=("detection", "prise_en_charge"),
                         situations=("negligence",), age_max=12, site_ids=(SITES[1],))],
                actor="t")
    snap = build_snapshot(store)
    carry(snap, snap, INDEXES)
    combinations = [(low, high, sex, situations) for low in range(18) for high in range(low, 18)
                    for sex in (None, "F", "M")
                    for situations in (("negligence",), ("negligence", "violence_physique"))]
    languages = ((), ("darija",), ("arabe",), ("darija", "arabe"), ("tamazight",))
    for n, (low, high, sex, situations) in enumerate(combinations[:700]):
        service = store.get("service", SERVICES[0])
        assert isinstance(service, Service)
        store.update(dataclasses.replace(service, age_min=low, age_max=high, sex=sex,
                                         situations=situations, languages=languages[n % 5],
                                         disability_accepted=n % 2 == 0,
                                         area_codes=("04.421", "04.441")),  # a zone retired
                     expected_version=service.version, actor="t")
        snap = _followed(snap, store)
    oriented = orientation_index(snap)
    for numbered, held in ((len(oriented.deciding_services), oriented.deciding),
                           (len(oriented.ranking_services), oriented.ranking)):
        assert numbered <= 2 * len(set(held.tolist())) + RETIRED_MIN < 700
    assert views(snap) == views(build_snapshot(store))
    store.close()
