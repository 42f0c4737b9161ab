"""The Neo4j adapter against a real Bolt server: its Cypher, its graph, its failures.

The contract suite (``test_store_contract.py``) already runs on this adapter;
here is what only it has: Cypher loaded by name from ``cypher/``, the graph as
Neo4j Browser shows it, the server stopped in the middle of a batch, the
password kept out of sight, and the service's commands, API, HSDS round trip
and orientation running unchanged over it (parametrised over both stores).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import logging
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import neo4j
import pytest
from api_support import gql
from app_client import AppClient
from bolt_server import BoltServer
from click.testing import CliRunner
from store_support import MINI_TERRITORIES, ROOT, seed

from graph_service.app import create_app
from graph_service.cli import main
from graph_service.domain.eligibility import Need
from graph_service.domain.entities import (
    ENTITY_KINDS,
    Contact,
    Membership,
    Organization,
    ReferralLink,
    Service,
    Site,
)
from graph_service.domain.errors import StoreUnavailable
from graph_service.hsds import export_package, import_package
from graph_service.orientation import Request, Where, orient
from graph_service.settings import Settings
from graph_service.snapshot import SnapshotCache
from graph_service.store import GraphStore, open_store
from graph_service.store import neo4j as neo4j_store
from graph_service.store.common import content
from graph_service.store.cypher import CYPHER_DIR, Queries
from graph_service.store.embedded import EmbeddedStore
from graph_service.store.neo4j import Neo4jStore
from graph_service.territories import load_territories

BoltSettings = Callable[[], dict[str, str]]

pytestmark = pytest.mark.bolt


# --- Cypher by name ------------------------------------------------------------------------

def _names_used(path: Path) -> set[str]:
    """String constants of a Python file that look like ``"file:statement"``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.fullmatch(r"[a-z_]+:[a-z_]+", node.value)}


def test_every_cypher_statement_is_used_and_every_name_used_exists() -> None:
    queries = Queries()
    service = _names_used(ROOT / "graph_service" / "store" / "neo4j.py")
    tests = {name for path in (ROOT / "tests" / "conftest.py", Path(__file__))
             for name in _names_used(path) if name.startswith("testing:")}
    assert not any(name.startswith("testing:") for name in service)
    assert service | tests == set(queries.names())
    files = {p.stem for p in CYPHER_DIR.glob("*.cypher")}
    assert files == {name.split(":")[0] for name in service | tests} | {"schema"}
    assert queries.schema and all("IF NOT EXISTS" in s for s in queries.schema)


def test_a_broken_cypher_file_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "a.cypher").write_text("MATCH (n) RETURN n\n")
    with pytest.raises(ValueError, match=r"a\.cypher:1"):
        Queries(tmp_path)
    (tmp_path / "a.cypher").write_text("// name: x\nRETURN 1\n// name: x\nRETURN 2\n")
    with pytest.raises(ValueError, match="'x' defined twice"):
        Queries(tmp_path)
    (tmp_path / "a.cypher").write_text("// name: x\nRETURN 1\n")
    assert Queries(tmp_path)["a:x"] == "RETURN 1"
    with pytest.raises(KeyError, match="a:y"):
        Queries(tmp_path)["a:y"]


# --- the graph as Neo4j Browser shows it -------------------------------------------------

ORG = Organization(id="org", name="CAPE Salé", org_kind="association", sector="societe_civile")
BODY = Organization(id="body", name="CPPE Salé", org_kind="coordination", parent_id="org",
                    sector="solidarite_famille")
SITE = Site(id="site", organization_id="org", name="Local", commune_code="04.441.01.0")
SVC = Service(id="svc", organization_id="org", name="Écoute", type="ecoute_orientation",
              site_ids=("site",))
SVC2 = Service(id="svc2", organization_id="body", name="Suivi", type="accompagnement_social")
CONTACT = Contact(id="contact", organization_id="org", service_id="svc", function="Point focal")
LINK = ReferralLink(id="link", from_service_id="svc", to_service_id="svc2")
MEMBER = Membership(id="member", organization_id="org", body_id="body")


def _graph(server: BoltServer, store: Neo4jStore, name: str) -> list[dict[str, object]]:
    """Rows of a ``testing.cypher`` statement, read straight from the store's database."""
    with neo4j.GraphDatabase.driver(server.uri, auth=server.auth) as driver:
        records = driver.execute_query(Queries()[name], database_=store.database)
        return [r.data() for r in records.records]


@pytest.fixture
def bolt(bolt_settings: BoltSettings) -> Iterator[Neo4jStore]:
    """An empty Neo4jStore on a fresh database, with the mini territories' commune."""

    store = Neo4jStore.from_settings(Settings(bolt_settings()))
    store.put_territories(MINI_TERRITORIES)
    yield store
    store.close()


def test_each_kind_has_its_label_and_each_reference_its_relationship(
    bolt: Neo4jStore, bolt_server: BoltServer
) -> None:
    entries = [ORG, BODY, SITE, SVC, SVC2, CONTACT, LINK, MEMBER]
    bolt.apply(entries, actor="test")
    labels = {r["id"]: set(r["labels"]) for r in _graph(bolt_server, bolt, "testing:labels")}
    assert labels == {e.id: {"Entry", type(e).__name__} for e in entries}
    relationships = _graph(bolt_server, bolt, "testing:relationships")
    assert {(r["src"], r["type"], r["field"], r["dst"]) for r in relationships} == {
        ("body", "PART_OF", "parent_id", "org"),
        ("site", "SITE_OF", "organization_id", "org"),
        ("site", "IN", None, "04.441.01.0"),
        ("svc", "OFFERED_BY", "organization_id", "org"),
        ("svc", "AT", "site_ids", "site"),
        ("svc2", "OFFERED_BY", "organization_id", "body"),
        ("contact", "CONTACT_OF", "organization_id", "org"),
        ("contact", "CONTACT_FOR", "service_id", "svc"),
        ("link", "FROM", "from_service_id", "svc"),
        ("link", "TO", "to_service_id", "svc2"),
        ("member", "MEMBER", "organization_id", "org"),
        ("member", "OF_BODY", "body_id", "body"),
    }
    assert {kind for kind in ENTITY_KINDS} == {e.kind for e in entries}


def test_an_update_moves_the_relationships_with_the_references(
    bolt: Neo4jStore, bolt_server: BoltServer
) -> None:
    bolt.apply([ORG, BODY, SITE, SVC, SVC2, LINK], actor="test")
    link = bolt.get("referral_link", "link")
    assert link is not None
    bolt.update(dataclasses.replace(link, from_service_id="svc2", to_service_id="svc"),
                expected_version=1, actor="test")
    from_link = {(r["type"], r["dst"]) for r in _graph(bolt_server, bolt, "testing:relationships")
                 if r["src"] == "link"}
    assert from_link == {("FROM", "svc2"), ("TO", "svc")}
    assert [s.id for s in bolt.entries("referral_link", where={"from_service_id": "svc2"})] == [
        "link"]


def test_lists_longer_than_a_page_come_whole_and_in_order(
    bolt: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(neo4j_store, "_PAGE", 7)  # reads are paged: see it with few entries
    orgs = [dataclasses.replace(ORG, id=f"org{i:03d}") for i in range(30)]
    bolt.apply(orgs[::-1], actor="test")
    assert [o.id for o in bolt.entries("organization")] == [o.id for o in orgs]
    assert [o.id for o in bolt.entries("organization", after="org009", limit=15)] == [
        o.id for o in orgs[10:25]]
    services = [dataclasses.replace(SVC2, id=f"svc{i:03d}", organization_id="org001")
                for i in range(20)]
    bolt.apply(services, actor="test")
    assert bolt.entries("service", where={"organization_id": "org001"}) == bolt.entries("service")
    assert [e.entity_id for e in bolt.audit_trail(limit=45)] == [
        *(o.id for o in orgs[::-1]), *(s.id for s in services[:15])]


# --- failure and recovery ------------------------------------------------------------------

class _StopServerOn(logging.Handler):
    """Stops the server when the driver sends ``statement``: in the middle of a transaction."""

    def __init__(self, server: BoltServer, statement: str) -> None:
        super().__init__(logging.DEBUG)
        self.server, self.marker, self.fired = server, repr(statement), False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.fired and "C: RUN" in record.msg and self.marker in record.getMessage():
            self.fired = True
            self.server.stop()


@pytest.mark.timeout(120)
def test_a_batch_cut_by_a_server_stop_leaves_nothing_and_the_store_recovers(
    tmp_path: Path,
) -> None:

    server = BoltServer(tmp_path / "bolt").start()
    store = Neo4jStore(server.uri, user=server.user, password=server.password,
                       database=server.database, timeout=1.0)
    orgs = [dataclasses.replace(ORG, id=f"org{i:04d}") for i in range(1_500)]
    batch = [*orgs, *(dataclasses.replace(SVC, id=f"svc{i:04d}", organization_id=o.id,
                                          site_ids=()) for i, o in enumerate(orgs))]
    driver_log = logging.getLogger("neo4j")
    stopper = _StopServerOn(server, Queries()["entries:link"])
    level = driver_log.level
    try:
        store.put_territories(MINI_TERRITORIES)
        revision = store.revision()
        driver_log.addHandler(stopper)
        driver_log.setLevel(logging.DEBUG)
        try:
            with pytest.raises(StoreUnavailable, match="unavailable"):
                store.apply(batch, actor="import")  # nodes written, references under way
        finally:
            driver_log.removeHandler(stopper)
            driver_log.setLevel(level)
        assert stopper.fired and not server.running

        for call in (store.revision, store.counts, lambda: store.get("organization", "org0000"),
                     lambda: store.create(ORG, actor="alice"),
                     lambda: store.apply(batch[:10], actor="import")):
            with pytest.raises(StoreUnavailable):
                call()
        api = create_app(Settings(), store=store)
        with AppClient(api) as client:
            assert client.get("/healthz").status_code == 503
            stats = client.get("/stats")
            assert stats.status_code == 503 and stats.json() == {"error": "STORE_UNAVAILABLE"}

            server.start()
            assert client.get("/healthz").json()["status"] == "ok"
        assert store.revision() == revision
        assert store.counts().organizations == 0 and store.counts().services == 0
        assert store.audit_trail() == []
        result = store.apply(batch, actor="import")
        assert len(result.created) == 3_000 and store.counts().services == 1_500
    finally:
        store.close()
        server.stop()


def test_an_unreachable_server_is_store_unavailable_at_open() -> None:
    from bolt_server import free_port

    with pytest.raises(StoreUnavailable, match="NEO4J_URI is not set"):
        open_store(Settings({"GRAPH_SERVICE_STORE": "neo4j", "NEO4J_URI": ""}))
    with pytest.raises(StoreUnavailable, match="unavailable"):
        Neo4jStore(f"bolt://127.0.0.1:{free_port()}", user="neo4j", password="x" * 8,
                   database="neo4j", timeout=0.5)


# --- the password ------------------------------------------------------------------------

def test_the_password_never_shows_in_logs_repr_or_errors(
    bolt_settings: BoltSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="neo4j")  # the driver's own log, Bolt messages too
    env = bolt_settings()
    password = env["NEO4J_PASSWORD"]
    store = open_store(Settings(env))
    store.create(ORG, actor="alice")
    shown = repr(store)
    store.close()
    wrong = "not-the-password-42"
    with pytest.raises(StoreUnavailable) as refused:
        open_store(Settings({**env, "NEO4J_PASSWORD": wrong}))
    assert "C: LOGON" in caplog.text or "C: HELLO" in caplog.text  # the log was captured
    for secret in (password, wrong):
        assert secret not in caplog.text and secret not in shown
        assert secret not in str(refused.value)


# --- the service over both stores ----------------------------------------------------------

ADAPTERS = ["embedded", "bolt"]


@pytest.fixture(scope="module")
def seeded_settings(
    seed_db: Path, bolt_settings: BoltSettings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, str]]:
    """Settings of a store holding the real territories and seed, for each adapter."""
    copy = tmp_path_factory.mktemp("seeded") / "annuaire.sqlite3"
    shutil.copyfile(seed_db, copy)
    bolt_env = bolt_settings()
    store = open_store(Settings(bolt_env))
    seed(store)
    store.close()
    return {"embedded": {"GRAPH_SERVICE_STORE": "embedded", "GRAPH_SERVICE_DB": str(copy)},
            "bolt": bolt_env}


@pytest.fixture(params=ADAPTERS)
def seeded(request: pytest.FixtureRequest,
           seeded_settings: dict[str, dict[str, str]]) -> Iterator[GraphStore]:
    store = open_store(Settings(seeded_settings[request.param]))
    yield store
    store.close()


def _entries(store: GraphStore) -> dict[str, dict[str, object]]:
    return {e.id: content(e) for kind in ENTITY_KINDS for e in store.entries(kind)}


def test_both_stores_hold_the_same_seed(seeded_settings: dict[str, dict[str, str]]) -> None:
    stores = [open_store(Settings(seeded_settings[name])) for name in ADAPTERS]
    try:
        embedded, bolt = stores
        assert bolt.counts() == embedded.counts()
        assert _entries(bolt) == _entries(embedded)
        assert bolt.territories("province") == embedded.territories("province")
    finally:
        for store in stores:
            store.close()


def test_hsds_export_then_import_round_trips(
    seeded: GraphStore, bolt_settings: BoltSettings, tmp_path: Path
) -> None:
    export_package(seeded, tmp_path / "package")
    fresh = (open_store(Settings(bolt_settings())) if seeded.name == "neo4j"
             else EmbeddedStore(tmp_path / "fresh.sqlite3"))
    try:
        fresh.put_territories(load_territories())
        report = import_package(fresh, tmp_path / "package", actor="import")
        assert report.summary()
        assert _entries(fresh) == _entries(seeded)
    finally:
        fresh.close()


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_api_smoke_and_graphql_over_each_store(
    adapter: str, seeded_settings: dict[str, dict[str, str]]
) -> None:
    with AppClient(create_app(Settings(seeded_settings[adapter]))) as client:
        health = client.get("/healthz").json()
        assert health["status"] == "ok"
        assert health["store"] == ("neo4j" if adapter == "bolt" else "embedded")
        stats = client.get("/stats").json()
        store = client.app.state.store  # type: ignore[attr-defined]
        assert stats == {k: v for k, v in dataclasses.asdict(store.counts()).items()
                         if k != "extra"}
        assert stats["communes"] == 1503 and stats["services"] > 0
        link = store.entries("referral_link", limit=1)[0]
        data = gql(client, """query($id: ID!) { service(id: $id) {
            organization { id } referralsTo { id toService { id } } } }""",
                   id=link.from_service_id)["service"]
        assert {"id": link.id, "toService": {"id": link.to_service_id}} in data["referralsTo"]
        service = store.get("service", link.from_service_id)
        assert isinstance(service, Service)
        assert data["organization"]["id"] == service.organization_id


def test_orientation_plans_the_same_over_both_stores(
    seeded_settings: dict[str, dict[str, str]]
) -> None:
    request = Request(Need(situations=("violence_sexuelle",), age=12, sex="F", urgent=True),
                      Where(commune="Salé"))
    plans = []
    for name in ADAPTERS:
        store = open_store(Settings(seeded_settings[name]))
        try:
            plans.append(orient(SnapshotCache(store).get(), request))
        finally:
            store.close()
    embedded, bolt = plans
    assert bolt.to_json() == embedded.to_json()
    chosen = [s.service for s in bolt.stages if s.service is not None]
    assert chosen, "the seed has services for a child victim of violence in Salé"


def test_cli_seed_and_stats_over_the_bolt_server(
    bolt_settings: BoltSettings, seeded_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in bolt_settings().items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    seeded = runner.invoke(main, ["seed"], catch_exceptions=False)
    assert seeded.exit_code == 0, seeded.output
    stats = runner.invoke(main, ["stats", "--json"], catch_exceptions=False)
    assert stats.exit_code == 0, stats.output
    expected = dataclasses.asdict(seeded_store.counts())
    assert json.loads(stats.stdout) == expected
    again = runner.invoke(main, ["seed"], catch_exceptions=False)
    assert again.exit_code == 0 and " 0 created, 0 updated" in again.stdout
