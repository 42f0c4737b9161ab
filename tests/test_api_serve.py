"""``make run`` for real: the commands it runs, a uvicorn server on loopback, queries over HTTP.

Organisations of Salé come back without contact persons for the public and
with them for a professional whose account was made with ``graph-service user add``.
With ``--workers 2`` each worker listens on a socket of its own, so that the
kernel spreads clients over both.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
from serve_support import COMMAND, serving

from graph_service.cli.serve import WorkerListener

PASSWORD = "a-long-enough-password"


@pytest.fixture
def server(seed_db: Path, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    shutil.copyfile(seed_db, tmp_path / "annuaire.sqlite3")
    env = {**os.environ, "GRAPH_SERVICE_DB": str(tmp_path / "annuaire.sqlite3")}
    env.pop("GRAPH_SERVICE_DEBUG", None)
    seeded = subprocess.run([COMMAND, "seed", "--if-empty"], env=env, capture_output=True,
                            text=True, timeout=120, check=True)
    assert "seed skipped" in seeded.stdout
    with serving(env) as url:
        yield url, env


def graphql(url: str, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx2.post(f"{url}/graphql", json={"query": query, "variables": variables},
                          headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


IN_SALE = """query($p: String!) { organizations(filter: {province: $p}, first: 100) {
    totalCount nodes { id name contacts { function personName } } } }"""


def test_organisations_in_sale_with_and_without_contact_persons(
    server: tuple[str, dict[str, str]],
) -> None:
    url, env = server
    sale = graphql(url, '{ territories(level: province, text: "Salé") { nodes { code } } }')[
        "territories"]["nodes"][0]["code"]
    public = graphql(url, IN_SALE, p=sale)["organizations"]
    assert public["totalCount"] > 0
    assert all(n["contacts"] is None for n in public["nodes"])

    added = subprocess.run([COMMAND, "user", "add", "assistante.sale", "--role", "professional",
                            "--password-stdin"], input=PASSWORD + "\n", env=env,
                           capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    login = graphql(url, """mutation($p: String!) { login(username: "assistante.sale",
        password: $p) { ... on LoginSuccess { token } } }""", p=PASSWORD)
    professional = graphql(url, IN_SALE, login["login"]["token"], p=sale)["organizations"]
    assert [n["name"] for n in professional["nodes"]] == [n["name"] for n in public["nodes"]]
    assert all(isinstance(n["contacts"], list) for n in professional["nodes"])
    assert any(n["contacts"] for n in professional["nodes"])


def listening_sockets(port: int) -> int:
    """How many TCP sockets listen on ``port`` (Linux ``/proc/net/tcp``; state 0A: LISTEN)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if (fields := row.split())[3] == "0A"
               and int(fields[1].rsplit(":", 1)[1], 16) == port)


def test_each_of_two_workers_listens_on_its_own_socket(seed_db: Path, tmp_path: Path) -> None:
    shutil.copyfile(seed_db, tmp_path / "annuaire.sqlite3")
    env = {**os.environ, "GRAPH_SERVICE_DB": str(tmp_path / "annuaire.sqlite3"),
           "GRAPH_SERVICE_SECRET_KEY": "test-key-of-this-deployment"}
    env.pop("GRAPH_SERVICE_DEBUG", None)
    with serving(env, workers=2) as url:
        port = urlsplit(url).port
        assert port is not None
        deadline = time.monotonic() + 60  # the second worker may still be starting
        while listening_sockets(port) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert listening_sockets(port) == 2
        for _ in range(10):  # new connections, whichever worker takes them
            assert graphql(url, "{ __typename }") == {"__typename": "Query"}


def test_a_worker_answers_without_waiting_for_the_client_s_acknowledgement() -> None:
    """A connection accepted on a worker's own socket sends small writes at once
    (TCP_NODELAY), as uvicorn's own sockets do: otherwise every answer of a lone client
    waits ~40 ms for its delayed acknowledgement."""
    async def nodelay_of_an_accepted_connection() -> int:
        listener = WorkerListener.bind_to("127.0.0.1", 0)
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
            flag = await asyncio.wait_for(accepted, 10)
            writer.close()
        return flag

    assert asyncio.run(nodelay_of_an_accepted_connection())
