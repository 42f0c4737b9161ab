"""Limits of the GraphQL endpoint: what one request may cost, and what a failure shows."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from api_support import PASSWORD, gql, post, sign_in
from starlette.requests import Request
from starlette.testclient import TestClient

from graph_service.access import ANONYMOUS
from graph_service.api.context import Context
from graph_service.api.cost import MAX_COST
from graph_service.api.limits import MAX_ALIASES, MAX_BODY_BYTES, MAX_DEPTH, MAX_TOKENS
from graph_service.api.loaders import make_loaders
from graph_service.api.pagination import MAX_PAGE
from graph_service.api.schema import schema
from graph_service.auth import LoginThrottle
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
    """A corrupt row (a real failure, not a mock) must not leak its exception to the client."""
    store = client.app.state.store  # type: ignore[attr-defined]
    org_id = gql(client, "{ organizations(first: 1) { nodes { id } } }")[
        "organizations"]["nodes"][0]["id"]
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE entity SET data = '{corrupt' WHERE id = ?", (org_id,))
    body = post(client, "query($id: ID!) { organization(id: $id) { name } }", id=org_id)
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
    response = client.post("/graphql", json={"query": "{ services { totalCount } }"})
    assert response.status_code == 503
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "STORE_UNAVAILABLE"}
    assert "Traceback" not in response.text


def test_sign_in_is_throttled_per_user(client: TestClient) -> None:
    sign_in(client, "amal", "professional")
    login = """mutation($p: String!) { login(username: "amal", password: $p) { __typename } }"""
    for _ in range(5):
        assert gql(client, login, p="wrong-password")["login"]["__typename"] == "LoginFailed"
    # even the right password is refused while the user is throttled
    assert gql(client, login, p=PASSWORD)["login"]["__typename"] == "TooManyAttempts"


def test_sign_in_is_throttled_per_client_address(client: TestClient) -> None:
    login = """mutation($u: String!) { login(username: $u, password: "nope-nope-nope") {
        __typename } }"""
    answers = [gql(client, login, u=f"user{i}")["login"]["__typename"] for i in range(7)]
    assert answers[:5] == ["LoginFailed"] * 5
    assert answers[5:] == ["TooManyAttempts"] * 2


def test_a_store_lost_during_a_request_is_reported_with_its_code(
    seed_db: Path, tmp_path: Path,
) -> None:
    """The store disappears after the request's context was built: resolvers fail with a code."""
    folder = tmp_path / "db"
    folder.mkdir()
    shutil.copyfile(seed_db, folder / "annuaire.sqlite3")
    store = EmbeddedStore(folder / "annuaire.sqlite3")
    indexes = IndexCache(store)
    context = Context(request=Request({"type": "http", "headers": []}), store=store,
                      principal=ANONYMOUS, loaders=make_loaders(store, ANONYMOUS),
                      index=indexes.get(), indexes=indexes, throttle=LoginThrottle())
    store.close()
    shutil.rmtree(folder)
    result = asyncio.run(schema.execute("{ organizations(first: 3) { nodes { name } } }",
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
