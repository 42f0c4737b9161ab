"""Limits of the GraphQL endpoint: what one request may cost, and what a failure shows."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from api_support import PASSWORD, gql, post, sign_in
from starlette.requests import Request
from starlette.testclient import TestClient

from graph_service.access import ANONYMOUS
from graph_service.api.context import Context
from graph_service.api.cost import MAX_COST
from graph_service.api.limits import MAX_ALIASES, MAX_BODY_BYTES, MAX_DEPTH, MAX_TOKENS
from graph_service.api.loaders import Loaders
from graph_service.api.pagination import MAX_PAGE
from graph_service.api.schema import schema
from graph_service.auth import USER_BACKOFF, LoginThrottle
from graph_service.search import IndexCache
from graph_service.store.embedded import EmbeddedStore


def errors_of(client: TestClient, query: str) -> list[str]:
    body = post(client, query)
    assert body.get("data") is None
    return [e["message"] for e in body["errors"]]


def test_a_query_deeper_than_the_limit_is_refused(client: TestClient) -> None:
    nested = "id " + "parent { " * (MAX_DEPTH + 2) + "id" + " }" * (MAX_DEPTH + 2)
    messages = errors_of(client, f'{{ organization(id: "x") {{ {nested} }} }}')
    assert any("exceeds maximum operation depth" in m for m in messages)


def test_more_aliases_than_allowed_are_refused(client: TestClient) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES + 1))
    messages = errors_of(client, f"{{ {aliases} }}")
    assert any(f"Allowed: {MAX_ALIASES}" in m for m in messages)
    allowed = " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES))
    assert len(gql(client, f"{{ {allowed} }}")) == MAX_ALIASES


def test_five_hundred_aliases_are_refused(client: TestClient) -> None:
    aliases = " ".join(f"a{i}: vocabularies {{ name }}" for i in range(500))
    assert errors_of(client, f"{{ {aliases} }}")


def test_a_document_with_too_many_tokens_is_refused(client: TestClient) -> None:
    fields = " ".join("__typename" for _ in range(MAX_TOKENS + 10))
    messages = errors_of(client, f"{{ {fields} }}")
    assert any("token" in m.lower() for m in messages)


def test_a_page_larger_than_the_maximum_is_refused_with_a_code(client: TestClient) -> None:
    body = post(client, f"{{ services(first: {MAX_PAGE + 1}) {{ totalCount }} }}")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "first" in error["message"]
    assert gql(client, f"{{ services(first: {MAX_PAGE}) {{ totalCount }} }}")


def test_a_forged_cursor_is_a_client_error(client: TestClient) -> None:
    body = post(client, '{ services(after: "not-a-cursor") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_body_over_the_limit_gets_413_before_parsing(client: TestClient) -> None:
    query = "{ vocabularies { name } }" + " " * MAX_BODY_BYTES
    response = client.post("/graphql", content=json.dumps({"query": query}),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("body", [
    b"{not json", b'"a string"', b"42", b"null", b"[1, 2]", b"\xff\xfe\x00garbage",
    b"[" * 100_000, b'{"query": 42}', b'{"query": "{ me { username } }", "variables": [1]}',
])
def test_malformed_requests_get_400(client: TestClient, body: bytes) -> None:
    response = client.post("/graphql", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text


def test_queries_may_use_get_but_mutations_may_not(client: TestClient) -> None:
    ok = client.get("/graphql", params={"query": "{ vocabularies { name } }"})
    assert ok.status_code == 200 and ok.json()["data"]["vocabularies"]
    refused = client.get("/graphql", params={
        "query": 'mutation { login(username: "a", password: "b") { __typename } }'})
    assert refused.status_code in (400, 405)


def test_graphiql_is_served_only_in_development(
    make_client: Callable[..., TestClient],
) -> None:
    html = {"accept": "text/html"}
    assert make_client().get("/graphql", headers=html).status_code == 404
    dev = make_client(GRAPH_SERVICE_DEBUG=True).get("/graphql", headers=html)
    assert dev.status_code == 200 and "graphiql" in dev.text.lower()


def test_an_internal_error_is_masked(client: TestClient) -> None:
    """A corrupt row (a real failure, not a mock) must not leak its exception to the client.

    The row is written behind the store's back, so the read model does not hold it and the
    request reads it from the store."""
    store = client.app.state.store  # type: ignore[attr-defined]
    assert gql(client, "{ organizations(first: 1) { nodes { id } } }")  # the read model is built
    with sqlite3.connect(store.path) as db:
        db.execute("INSERT INTO entity (id, kind, version, last_modified, data) "
                   "VALUES ('org-corrupt', 'organization', 1, '2026-01-01T00:00:00Z', '{corrupt')")
    body = post(client, "query($id: ID!) { organization(id: $id) { name } }", id="org-corrupt")
    [error] = body["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "Traceback" not in json.dumps(body) and "JSON" not in json.dumps(body)


def test_an_unreachable_store_is_reported_with_its_code(
    make_client: Callable[..., TestClient], tmp_path: Path, seed_db: Path,
) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    shutil.copyfile(seed_db, folder / "annuaire.sqlite3")
    client = make_client(GRAPH_SERVICE_DB=str(folder / "annuaire.sqlite3"))
    assert gql(client, "{ vocabularies { name } }")
    client.app.state.store.close()  # type: ignore[attr-defined]
    shutil.rmtree(folder)
    # reads keep answering from the read model; signing in needs the store itself
    assert client.post("/graphql", json={"query": "{ services { totalCount } }"}).json()[
        "data"]["services"]["totalCount"] > 0
    response = client.post("/graphql", json={"query": 'mutation { login(username: "a", '
                                              'password: "b") { __typename } }'})
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "STORE_UNAVAILABLE"}
    assert "Traceback" not in response.text


LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
    __typename ... on TooManyAttempts { retryAfterSeconds } } }"""


class Clock:
    """The throttle's clock, moved by hand: back-off is tested without waiting."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def proxied(make_client: Callable[..., TestClient]) -> tuple[TestClient, Clock]:
    """A client behind a trusted proxy (its ``X-Forwarded-For`` names the address), on a
    hand-moved throttle clock."""
    client = make_client(GRAPH_SERVICE_TRUSTED_PROXIES="*")
    clock = Clock()
    client.app.state.login_throttle.clock = clock  # type: ignore[attr-defined]
    return client, clock


def login_from(client: TestClient, address: str, username: str, password: str) -> Any:
    response = client.post("/graphql", json={"query": LOGIN, "variables": {
        "u": username, "p": password}}, headers={"X-Forwarded-For": address})
    return response.json()["data"]["login"]


def test_one_address_backs_off_exponentially(proxied: tuple[TestClient, Clock]) -> None:
    client, clock = proxied
    answers = [login_from(client, "203.0.113.9", f"user{i}", "nope-nope-nope")["__typename"]
               for i in range(6)]
    assert answers == ["LoginFailed"] * 5 + ["TooManyAttempts"]
    refused = login_from(client, "203.0.113.9", "user9", "nope-nope-nope")
    assert refused == {"__typename": "TooManyAttempts", "retryAfterSeconds": 1}
    clock.now += timedelta(seconds=1)
    assert login_from(client, "203.0.113.9", "user9", "x")["__typename"] == "LoginFailed"
    assert login_from(client, "203.0.113.9", "user9", "x")["retryAfterSeconds"] == 2


def test_guessing_from_one_address_does_not_lock_the_user_out(
    proxied: tuple[TestClient, Clock],
) -> None:
    client, _ = proxied
    sign_in(client, "amal", "professional")
    for _ in range(8):
        login_from(client, "203.0.113.9", "amal", "wrong-password")
    assert login_from(client, "198.51.100.7", "amal", PASSWORD)["__typename"] == "LoginSuccess"


def test_guessing_one_user_from_many_addresses_waits_a_bounded_time(
    proxied: tuple[TestClient, Clock],
) -> None:
    client, clock = proxied
    sign_in(client, "amal", "professional")
    login_from(client, "192.0.2.200", "amal", PASSWORD)  # amal's office: a known address
    for i in range(40):
        login_from(client, f"203.0.113.{i}", "amal", "wrong-password")
    refused = login_from(client, "198.51.100.7", "amal", PASSWORD)
    assert refused["__typename"] == "TooManyAttempts"
    assert refused["retryAfterSeconds"] <= USER_BACKOFF.cap
    assert login_from(client, "192.0.2.200", "amal", PASSWORD)["__typename"] == "LoginSuccess"
    clock.now += timedelta(seconds=USER_BACKOFF.cap)
    assert login_from(client, "198.51.100.7", "amal", PASSWORD)["__typename"] == "LoginSuccess"


def test_without_a_trusted_proxy_forwarded_addresses_are_ignored(client: TestClient) -> None:
    client.app.state.login_throttle.clock = Clock()  # type: ignore[attr-defined]
    answers = [login_from(client, f"203.0.113.{i}", f"user{i}", "nope")["__typename"]
               for i in range(6)]
    assert answers[-1] == "TooManyAttempts"  # one address (the client's) whatever the header


def test_a_store_lost_during_a_request_is_reported_with_its_code(
    seed_db: Path, tmp_path: Path,
) -> None:
    """The store disappears after the request's context was built: a resolver that reads it (an
    entry the read model does not hold) fails with a code."""
    folder = tmp_path / "db"
    folder.mkdir()
    shutil.copyfile(seed_db, folder / "annuaire.sqlite3")
    store = EmbeddedStore(folder / "annuaire.sqlite3")
    indexes = IndexCache(store)
    index = indexes.get()
    context = Context(request=Request({"type": "http", "headers": []}), store=store,
                      principal=ANONYMOUS,
                      loaders=Loaders(store, ANONYMOUS, lambda: index.snapshot),
                      index=index, indexes=indexes, throttle=LoginThrottle(store))
    store.close()
    shutil.rmtree(folder)
    result = asyncio.run(schema.execute('{ organization(id: "not-in-the-read-model") { name } }',
                                        context_value=context))
    [error] = result.errors or []
    assert error.extensions == {"code": "STORE_UNAVAILABLE"}
    assert error.original_error is None  # nothing of the exception goes out


def chain(hops: int) -> str:
    """Referrals of referrals: shallow enough for the depth limit, but fanning out."""
    inner = "name"
    for _ in range(hops):
        inner = f"referralsTo {{ toService {{ {inner} }} }}"
    return f"{{ services(first: 100) {{ nodes {{ {inner} }} }} }}"


def test_a_fanning_out_query_is_refused_before_it_runs(client: TestClient) -> None:
    messages = errors_of(client, chain(4))
    assert any(f"limit {MAX_COST:,}" in m for m in messages)
    assert gql(client, chain(2))["services"]["nodes"]


def test_a_rich_page_of_organisations_is_within_the_cost_limit(client: TestClient) -> None:
    data = gql(client, """{ organizations(first: 100) { nodes { id name province { code }
        sites { id address commune { code } } services { id name contacts { function }
        referralsTo { toService { id name } } } contacts { function channels { value } } } } }""")
    assert data["organizations"]["nodes"]
