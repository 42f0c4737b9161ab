"""Two ``graph-service serve`` processes over one store (a SQLite file, a database of the
Bolt server): what one does, the other sees.

An admin renames a service through process A; a search through process B (which reads
its own in-memory snapshot) finds the new name once B has looked at the store again
(``GRAPH_SERVICE_REFRESH_S``); signing out through A ends the token in B at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from serve_support import COMMAND, serving
from store_support import seed
from test_api_serve import PASSWORD, graphql

from graph_service.settings import Settings
from graph_service.store import open_store

FIND = """query($t: String!) { services(filter: {text: $t}, first: 5) { nodes { id } } }"""


@pytest.fixture(params=["embedded", pytest.param("bolt", marks=pytest.mark.bolt)])
def shared_store(request: pytest.FixtureRequest, seed_db: Path, tmp_path: Path) -> dict[str, str]:
    """The settings of one seeded store for every process: a SQLite file of its own, or a
    database of its own on the session's Bolt server."""
    if request.param == "embedded":
        shutil.copyfile(seed_db, tmp_path / "annuaire.sqlite3")
        return {"GRAPH_SERVICE_STORE": "embedded",
                "GRAPH_SERVICE_DB": str(tmp_path / "annuaire.sqlite3")}
    settings: dict[str, str] = request.getfixturevalue("bolt_settings")()
    store = open_store(Settings(settings))
    try:
        seed(store)
    finally:
        store.close()
    return settings


def test_an_edit_and_a_sign_out_through_one_process_hold_in_the_other(
        shared_store: dict[str, str]) -> None:
    env = {**os.environ, **shared_store,
           "GRAPH_SERVICE_SECRET_KEY": "one-key-for-every-process"}
    env.pop("GRAPH_SERVICE_DEBUG", None)
    added = subprocess.run([COMMAND, "user", "add", "admin.national", "--role", "admin",
                            "--password-stdin"], input=PASSWORD + "\n", env=env,
                           capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    with serving(env) as a, serving(env) as b:
        token = graphql(a, """mutation($p: String!) { login(username: "admin.national",
            password: $p) { ... on LoginSuccess { token } } }""", p=PASSWORD)["login"]["token"]
        service = graphql(b, "{ services(first: 1) { nodes { id version } } }")[
            "services"]["nodes"][0]
        assert graphql(b, FIND, t="Kiosque Amandier")["services"]["nodes"] == []
        renamed = graphql(a, """mutation($id: ID!, $v: Int!) { updateService(id: $id,
            expectedVersion: $v, input: {name: "Kiosque Amandier"}) { __typename } }""",
                          token, id=service["id"], v=service["version"])
        assert renamed == {"updateService": {"__typename": "ServicePayload"}}
        assert graphql(a, FIND, t="Kiosque Amandier")["services"]["nodes"] == [
            {"id": service["id"]}]  # the writer reads its own write
        deadline = time.monotonic() + 30  # a bound for a loaded machine, not a timing claim
        while not (found := graphql(b, FIND, t="Kiosque Amandier")["services"]["nodes"]):
            assert time.monotonic() < deadline, "process B never saw the edit"
            time.sleep(0.1)
        assert found == [{"id": service["id"]}]

        assert graphql(b, "{ me { username } }", token) == {"me": {"username": "admin.national"}}
        assert graphql(a, "mutation { logout }", token) == {"logout": True}
        assert graphql(b, "{ me { username } }", token) == {"me": None}
