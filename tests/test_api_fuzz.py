"""Over a thousand generated requests, and hand-written hostile ones: never a server error.

Queries are generated from the schema itself (every root field, its arguments
with values of the right type or deliberately of the wrong one, and nested
selections), sent over HTTP as the public and as an admin, whose edits reach
validation and the store. A request may be refused (4xx, GraphQL errors); it
must never get a 5xx or an unmasked exception.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import client_over_copy, sign_in
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from graph_service.api.schema import schema

GENERATED = 1000
MAX_DEPTH = 4
SCHEMA = schema._schema

UNICODE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
TEXT = st.one_of(
    UNICODE,
    st.sampled_from(["Salé", "سلا", "sale", "SALÉ", "04.441", "", " ", "\u202eevil", "😀" * 50,
                     "x" * 5000, "\x00", "'; DROP TABLE entity; --", "../../etc/passwd"]),
)
WRONG = st.sampled_from(['"text"', "42", "-1", "3.5", "true", "null", "[1, 2]", "{a: 1}",
                         "NOT_AN_ENUM", '"' + "y" * 20000 + '"', "99999999999999999999",
                         "1e400", '"\\u0000"'])


@pytest.fixture(scope="module")
def fuzz_client(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with client_over_copy(seed_db, tmp_path_factory.mktemp("fuzz")) as client:
        yield client


@pytest.fixture(scope="module")
def admin_token(fuzz_client: TestClient) -> str:
    return sign_in(fuzz_client, "fuzz-admin", "admin")


def assert_no_server_error(response: Any) -> None:
    assert response.status_code < 500, response.text[:500]
    if response.status_code != 200:
        return
    body = response.json()
    for error in body.get("errors") or ():
        assert (error.get("extensions") or {}).get("code") != "INTERNAL_SERVER_ERROR", error
        assert "Traceback" not in error["message"]


# --- generation from the schema ----------------------------------------------------------


@st.composite
def literal(draw: st.DrawFn, type_: GraphQLInputType, depth: int = 0) -> str:
    """A GraphQL literal for ``type_``: usually valid, sometimes of the wrong type."""
    if draw(st.integers(0, 14)) == 0:
        return draw(WRONG)
    if isinstance(type_, GraphQLNonNull):
        return draw(literal(type_.of_type, depth))
    if draw(st.integers(0, 9)) == 0:
        return "null"
    if isinstance(type_, GraphQLList):
        items = draw(st.lists(literal(type_.of_type, depth + 1), max_size=3))
        return "[" + ", ".join(items) + "]"
    if isinstance(type_, GraphQLEnumType):
        return draw(st.sampled_from(sorted(type_.values)))
    if isinstance(type_, GraphQLInputObjectType):
        if depth > 3:
            return "{}"
        names = sorted(type_.fields)
        required = [n for n in names if isinstance(type_.fields[n].type, GraphQLNonNull)]
        chosen = set(required) | set(draw(st.lists(st.sampled_from(names), max_size=6)))
        return "{" + ", ".join(
            f"{n}: {draw(literal(type_.fields[n].type, depth + 1))}" for n in sorted(chosen)
        ) + "}"
    assert isinstance(type_, GraphQLScalarType)
    return draw(scalar(type_.name))


def scalar(name: str) -> st.SearchStrategy[str]:
    if name == "Int":
        return st.integers(-(2**31), 2**31 - 1).map(str)
    if name == "Float":
        return st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr)
    if name == "Boolean":
        return st.sampled_from(["true", "false"])
    return TEXT.map(lambda s: json.dumps(s, ensure_ascii=False))


@st.composite
def selection(draw: st.DrawFn, type_: GraphQLOutputType, depth: int) -> str:
    """A selection set for a composite type (empty for a leaf)."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        if depth >= MAX_DEPTH:
            return "{ __typename }"
        possible = sorted(SCHEMA.get_possible_types(named), key=lambda t: t.name)
        chosen = draw(st.lists(st.sampled_from(possible), min_size=1, max_size=2,
                               unique_by=lambda t: t.name))
        parts = [f"... on {t.name} {draw(selection(t, depth))}" for t in chosen]
        return "{ __typename " + " ".join(parts) + " }"
    if not isinstance(named, GraphQLObjectType):
        return ""
    if depth >= MAX_DEPTH:
        return "{ __typename }"
    names = draw(st.lists(st.sampled_from(sorted(named.fields)), min_size=1, max_size=4,
                          unique=True))
    return "{ " + " ".join(draw(field(n, named.fields[n], depth + 1)) for n in names) + " }"


@st.composite
def field(draw: st.DrawFn, name: str, definition: GraphQLField, depth: int) -> str:
    args = [draw(argument(n, a)) for n, a in sorted(definition.args.items())]
    arg_text = "(" + ", ".join(a for a in args if a) + ")" if any(args) else ""
    alias = f"{draw(st.sampled_from(['a', 'b', 'c']))}{depth}: " if draw(st.booleans()) else ""
    return f"{alias}{name}{arg_text} {draw(selection(definition.type, depth))}"


@st.composite
def argument(draw: st.DrawFn, name: str, definition: GraphQLArgument) -> str:
    required = isinstance(definition.type, GraphQLNonNull)
    if not required and draw(st.integers(0, 2)) > 0:
        return ""
    return f"{name}: {draw(literal(definition.type))}"


@st.composite
def operations(draw: st.DrawFn) -> tuple[str, bool]:
    """(document, as admin): one to three root fields of the query or mutation type."""
    root = draw(st.sampled_from(["query", "mutation"]))
    root_type = SCHEMA.query_type if root == "query" else SCHEMA.mutation_type
    assert root_type is not None
    names = draw(st.lists(st.sampled_from(sorted(root_type.fields)), min_size=1, max_size=3,
                          unique=True))
    fields = " ".join(draw(field(n, root_type.fields[n], 1)) for n in names)
    return f"{root} {{ {fields} }}", draw(st.booleans())


def test_generated_requests_never_fail_the_server(fuzz_client: TestClient,
                                                  admin_token: str) -> None:
    sent = []

    @settings(max_examples=GENERATED, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(operations())
    def check(operation: tuple[str, bool]) -> None:
        document, as_admin = operation
        headers = {"Authorization": f"Bearer {admin_token}"} if as_admin else {}
        sent.append(document)
        assert_no_server_error(fuzz_client.post("/graphql", json={"query": document},
                                                headers=headers))

    check()
    assert len(sent) >= GENERATED
    assert any(d.startswith("mutation") for d in sent) and any(d.startswith("query") for d in sent)


# --- hand-written hostile requests ---------------------------------------------------------


def nested(levels: int) -> str:
    return "{ organization(id: \"x\") " + "{ parent " * levels + "{ id }" + " }" * levels + " }"


HOSTILE_QUERIES = [
    nested(12), nested(300), nested(900), "{" * 5000 + "}" * 5000,
    "{ " + " ".join(f"a{i}: vocabularies {{ name }}" for i in range(500)) + " }",
    "{ " + " ".join(f"a{i}: me {{ username }}" for i in range(31)) + " }",
    '{ services(filter: {text: "' + "é" * 60_000 + '"}) { totalCount } }',
    '{ organizations(filter: {text: "سلا‏ 😀 \\u0000"}) { totalCount } }',
    '{ services(first: "ten") { totalCount } }',
    "{ services(first: -1) { totalCount } }",
    "{ services(first: 2147483648) { totalCount } }",
    "{ services(filter: {near: {lat: 1e308, lon: -1e308, radiusKm: 1e308}}) { totalCount } }",
    "{ services(filter: {stage: nonsense}) { totalCount } }",
    "{ staleEntries(olderThanDays: 2147483647) { totalCount } }",
    "{ staleEntries(olderThanDays: -5) { totalCount } }",
    "{ orientation(input: {situations: []}) { __typename } }",
    '{ orientation(input: {situations: [negligence], commune: "' + "z" * 10_000 + '"}) '
    "{ __typename } }",
    "{ orientation(input: {situations: [negligence], lat: 90, lon: 180}) { __typename } }",
    "{ orientation(input: {situations: [negligence], age: -3, alternatives: 999, "
    'maxKm: -1, commune: "x", province: "y"}) { __typename } }',
    '{ coverage(province: "nowhere") { __typename } }',
    '{ coverage(province: "") { __typename } }',
    '{ changes(entityId: "") { __typename } }',
    "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }",
    "{ ...Missing }",
    "query Q { me { username } } query Q { me { username } }",
    "subscription { me { username } }",
    "{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }",
    'mutation { login(username: "' + "u" * 100_000 + '", password: "p") { __typename } }',
    'mutation { createService(input: {name: "' + "n" * 50_000 + '"}) { __typename } }',
    'mutation { verify(entityId: "\\u0000", expectedVersion: 1) { __typename } }',
    "",
    "   ",
    "query",
    "{ vocabularies { name } ",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_are_refused_cleanly(fuzz_client: TestClient, admin_token: str,
                                             query: str) -> None:
    for headers in ({}, {"Authorization": f"Bearer {admin_token}"}):
        assert_no_server_error(fuzz_client.post("/graphql", json={"query": query},
                                                headers=headers))


HOSTILE_BODIES: list[tuple[bytes, str]] = [
    (b"{not json", "application/json"),
    (b"\xff\xfe\xfd", "application/json"),
    (b"[" * 200_000, "application/json"),
    (b"x" * 2_000_000, "application/json"),
    (json.dumps([{"query": "{ me { username } }"}] * 50).encode(), "application/json"),
    (b'{"query": "{ me { username } }", "operationName": 5}', "application/json"),
    (b'{"query": "{ me { username } }", "operationName": "Nope"}', "application/json"),
    (b'{"query": "query($n: Int!) { services(first: $n) { totalCount } }", '
     b'"variables": {"n": "many"}}', "application/json"),
    (b'{"query": "{ me { username } }", "extensions": "x"}', "application/json"),
    (b"query={ me { username } }", "application/x-www-form-urlencoded"),
    (b"--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{}\r\n--b--",
     "multipart/form-data; boundary=b"),
    (b"", "application/json"),
]


@pytest.mark.parametrize(("body", "content_type"), HOSTILE_BODIES)
def test_hostile_bodies_are_refused_cleanly(fuzz_client: TestClient, body: bytes,
                                            content_type: str) -> None:
    response = fuzz_client.post("/graphql", content=body,
                                headers={"content-type": content_type})
    assert_no_server_error(response)


@pytest.mark.parametrize("headers", [
    {"Authorization": "Bearer "}, {"Authorization": "Bearer " + "t" * 5000},
    {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer  two  spaces"},
])
def test_hostile_credentials_are_anonymous(fuzz_client: TestClient,
                                           headers: dict[str, str]) -> None:
    response = fuzz_client.post("/graphql", json={"query": "{ me { username } }"},
                                headers=headers)
    assert response.status_code == 200 and response.json() == {"data": {"me": None}}
