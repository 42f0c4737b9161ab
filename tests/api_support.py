"""Helpers the GraphQL API tests share: send a query over HTTP, create a user and sign in."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app_client import AppClient
from starlette.testclient import TestClient

from graph_service.app import create_app
from graph_service.auth import make_user
from graph_service.settings import Settings

PASSWORD = "correct-horse-battery"


def post(client: TestClient, query: str, token: str | None = None,
         **variables: Any) -> dict[str, Any]:
    """The JSON answer of one GraphQL request (HTTP 200 asserted)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/graphql", json={"query": query, "variables": variables},
                           headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def gql(client: TestClient, query: str, token: str | None = None, **variables: Any) -> Any:
    """The ``data`` of a request that must succeed without any GraphQL error."""
    body = post(client, query, token, **variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


def sign_in(client: TestClient, username: str, role: str, *,
            organization: str | None = None, province: str | None = None) -> str:
    """Create the user in the app's store, then sign in through the API; returns the token."""
    store = client.app.state.store  # type: ignore[attr-defined]
    store.put_user(make_user(username, PASSWORD, role, organization_id=organization,
                             province_code=province), actor="test")
    data = gql(client, """mutation($u: String!, $p: String!) {
        login(username: $u, password: $p) { __typename ... on LoginSuccess { token } } }""",
               u=username, p=PASSWORD)
    assert data["login"]["__typename"] == "LoginSuccess"
    token: str = data["login"]["token"]
    return token


def province_code(client: TestClient, name: str) -> str:
    """The HCP code of a province, found by name as a user would."""
    data = gql(client, """query($t: String!) {
        territories(level: province, text: $t) { nodes { code nameFr } } }""", t=name)
    codes = [n["code"] for n in data["territories"]["nodes"] if n["nameFr"] == name]
    assert len(codes) == 1, data
    return codes[0]


@contextmanager
def client_over_copy(seed_db: Path, folder: Path) -> Iterator[TestClient]:
    """A client over a private copy of the seed, for a module's tests that share one app."""
    path = folder / "annuaire.sqlite3"
    shutil.copyfile(seed_db, path)
    with AppClient(create_app(Settings({"GRAPH_SERVICE_DB": str(path)}))) as client:
        yield client
