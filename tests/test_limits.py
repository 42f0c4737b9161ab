"""Limits on every text a person can give, and one request cannot stall the others.

The limits are declared once (:data:`graph_service.domain.validation.TEXT_LIMITS`,
``SEARCH_TEXT_MAX``); these tests check they hold on every path: the API's
mutations and search arguments, the pages' forms, an HSDS import, and a served
app that keeps answering ``/healthz`` while a request waits in a worker thread.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import threading
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from api_support import gql, post, sign_in
from starlette.testclient import TestClient
from test_api_serve import server  # noqa: F401  (the served app fixture)
from web_support import field_error, open_web, submit
from web_support import sign_in as web_sign_in

from graph_service.domain.entities import ENTITY_CLASSES, Channel, Hours, Site
from graph_service.domain.errors import ValidationFailed
from graph_service.domain.validation import SEARCH_TEXT_MAX, TEXT_LIMITS, validate_entity
from graph_service.hsds import import_package
from graph_service.store import GraphStore

HUGE = "x" * 240_000
"""The attack's argument: 240 KB of text."""


def _text_fields(cls: type) -> set[str]:
    """Names of the fields of ``cls`` holding text (a string, or strings in a tuple)."""
    out = set()
    for name, hint in typing.get_type_hints(cls).items():
        args = set(typing.get_args(hint)) | {hint}
        if str in args or any(str in typing.get_args(a) for a in args
                              if isinstance(a, types.GenericAlias)):
            out.add(name)
    return out


def test_every_text_field_of_every_entry_has_a_limit() -> None:
    fields = set().union(*(_text_fields(c) for c in (*ENTITY_CLASSES.values(), Channel, Hours)))
    assert fields - {"kind"} <= set(TEXT_LIMITS), fields - set(TEXT_LIMITS)


def test_a_huge_site_name_is_refused_by_the_api_naming_the_field(client: TestClient) -> None:
    admin = sign_in(client, "admin", "admin")
    org = gql(client, "{ organizations(first: 1) { nodes { id } } }")["organizations"]["nodes"][0]
    commune = gql(client, "{ territories(level: commune, first: 1) { nodes { code } } }"
                  )["territories"]["nodes"][0]["code"]
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    revision = store.revision()
    result = gql(client, """mutation($o: String!, $c: String!, $n: String!) {
        createSite(input: {organizationId: $o, communeCode: $c, name: $n}) {
          __typename ... on ValidationError { fields { field message } } } }""",
                 admin, o=org["id"], c=commune, n="n" * 200_000)["createSite"]
    assert result == {"__typename": "ValidationError", "fields": [
        {"field": "name", "message": "200000 caractères : au plus 200"}]}
    assert store.revision() == revision


@pytest.mark.parametrize(("query", "argument"), [
    ("query($t: String!) { territories(text: $t) { nodes { code } } }", "text"),
    ("query($t: String!) { organizations(filter: {text: $t}) { nodes { id } } }", "filter.text"),
    ("query($t: String!) { services(filter: {text: $t}) { nodes { id } } }", "filter.text"),
])
def test_a_huge_search_argument_is_refused_naming_it(client: TestClient, query: str,
                                                     argument: str) -> None:
    body = post(client, query, t=HUGE[:200_000])
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == f"{argument}: 200000 caractères : au plus {SEARCH_TEXT_MAX}"
    at_limit = post(client, query, t="salé " * (SEARCH_TEXT_MAX // 5))
    assert "errors" not in at_limit


def test_a_huge_place_name_is_refused_by_orientation(client: TestClient) -> None:
    result = gql(client, """query($c: String!) { orientation(input: {situations: [negligence],
        commune: $c}) { __typename ... on ValidationError { fields { field message } } } }""",
                 c=HUGE[:100_000])["orientation"]
    assert result["fields"] == [{"field": "commune",
                                 "message": f"100000 caractères : au plus {SEARCH_TEXT_MAX}"}]


def test_the_site_form_refuses_a_long_name_next_to_its_input(
        make_client: Callable[..., TestClient]) -> None:
    web = open_web(make_client)
    web_sign_in(web.client, "asso")
    url = f"/lieux/{web.association.site.id}/modifier"
    before = web.store.get("site", web.association.site.id)
    refused = submit(web.client, url, url, name="n" * 5000)
    assert refused.status_code == 400
    assert field_error(refused.text, "f-name") == "Nom : 5000 caractères : au plus 200"
    assert web.store.get("site", web.association.site.id) == before


def test_an_import_refuses_a_long_name_naming_file_line_and_field(
        seeded_store: GraphStore, tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(Path(__file__).parents[1] / "seed" / "annuaire", package)
    locations = package / "locations.csv"
    lines = locations.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    cells = lines[1].rstrip("\r\n").split(",")
    assert '"' not in lines[1], "the test edits a plain CSV row"
    cells[header.index("name")] = "n" * 301
    lines[1] = ",".join(cells) + "\n"
    locations.write_text("".join(lines), encoding="utf-8")
    revision = seeded_store.revision()
    with pytest.raises(ValidationFailed) as err:
        import_package(seeded_store, package, actor="test")
    assert [(e.where, e.field, e.message) for e in err.value.errors
            if e.field == "name"] == [("locations.csv:2", "name", "301 caractères : au plus 200")]
    assert seeded_store.revision() == revision


def test_a_request_waiting_on_the_store_stalls_no_other(
        server: tuple[str, dict[str, str]]) -> None:  # noqa: F811
    """While the test holds the store's write lock, a sign-in (which audits the attempt)
    waits in a worker thread; /healthz and a refused 240 KB search still answer."""
    url, env = server
    holder = sqlite3.connect(env["GRAPH_SERVICE_DB"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    answers: list[Any] = []
    login = 'mutation { login(username: "nobody", password: "wrong-pass") { __typename } }'
    signing_in = threading.Thread(target=lambda: answers.append(
        httpx2.post(f"{url}/graphql", timeout=60, json={"query": login})))
    try:
        signing_in.start()
        for _ in range(3):
            assert httpx2.get(f"{url}/healthz", timeout=10).status_code == 200
        refused = httpx2.post(f"{url}/graphql", timeout=10, json={
            "query": "query($t: String!) { territories(text: $t) { nodes { code } } }",
            "variables": {"t": HUGE}})
        assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert signing_in.is_alive() and not answers  # still waiting for the lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        signing_in.join(timeout=60)
    assert answers[0].json()["data"]["login"]["__typename"] == "LoginFailed"


def test_a_site_with_an_over_long_address_is_refused_in_the_domain() -> None:
    site = Site(id="s", organization_id="o", name="Foyer", commune_code="c", address="a" * 301)
    errors = validate_entity(site, territory_level=lambda _: "commune")
    assert [(e.field, e.message) for e in errors] == [("address", "301 caractères : au plus 300")]
    assert validate_entity(dataclasses.replace(site, address="a" * 300),
                           territory_level=lambda _: "commune") == []
