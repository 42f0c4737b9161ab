"""The GraphQL API over real HTTP: one social worker, then twenty at once during edits.

Keys: ``graphql_orientation_p95_ms`` (one client, sequential orientation
requests over loopback HTTP; target ≤ 50 ms); ``graphql_rps_20_clients`` and
``graphql_p99_ms_20_clients`` (20 concurrent clients for 30 s after a 3 s
warm-up, half searches, half orientations, a quarter of the clients signed in
as professionals (their token checked on every request, their answers holding
what the public does not see), while an admin renames a service every 2 s and
someone signs in every 5 s; targets ≥ 150 req/s, p99 ≤ 250 ms);
``graphql_errors_20_clients`` counts the answers that were not a clean 200
without GraphQL errors (expected 0). ``graphql_rps_20_clients_reads_only`` and
``graphql_p99_ms_20_clients_reads_only`` are the same clients with no edit nor
sign-in, run first: the difference is what following the writes costs.

The server is the real one, ``graph-service serve --workers 2`` (:data:`WORKERS`:
one per core of this machine) over the synthetic national annuaire in the embedded
store; the clients run in this process on the same (shared) machine, so the
figures include their cost. Times are wall-clock, client side, request sent to
answer read; the edits' own times are logged, not part of the keys.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import numpy as np

from graph_service.auth import hash_password
from graph_service.domain.entities import User
from graph_service.orientation import Request
from graph_service.snapshot import Snapshot

from . import Context
from .bench_orientation import situations

SINGLE = 500
WARM_UP = 30
CLIENTS = 20
SIGNED_IN_EVERY = 4
"""One client in this many is a signed-in professional."""
DURATION_S = 30.0
WARM_UP_S = 3.0
EDIT_EVERY_S = 2.0
SIGN_IN_EVERY_S = 5.0
WORKERS = 2
START_TIMEOUT_S = 300.0
READY_PROBES = 10
ADMIN, PROFESSIONAL, PASSWORD = "bench.admin", "bench.professional", "bench-password-long-enough"

ORIENTATION = """query($input: OrientationInput!) { orientation(input: $input) {
  __typename
  ... on OrientationPlan {
    location { commune { code name } province { code name } }
    stages { stage skipped reasons
      service { id name distanceKm address hours { byday opensAt closesAt } channels { value }
                documents organization { name } }
      alternatives { id name distanceKm } }
    gaps { stage reason } } } }"""

SEARCH_BY_STAGE = """query($p: String!, $s: Stage!) {
  services(filter: {province: $p, stage: $s}, first: 20) {
    totalCount nodes { id name type status emergency247 organization { name } } } }"""

SEARCH_BY_TEXT = """query($t: String!) {
  services(filter: {text: $t}, first: 20) {
    totalCount nodes { id name organization { name } } } }"""

SEARCH_NEAR = """query($lat: Float!, $lon: Float!) {
  organizations(filter: {near: {lat: $lat, lon: $lon, radiusKm: 10}}, first: 20) {
    totalCount nodes { id name sector sites { name commune { nameFr } } } } }"""

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on LoginSuccess { token } } }"""

VERSION = """query($id: ID!) { service(id: $id) { version } }"""

RENAME = """mutation($id: ID!, $v: Int!, $name: String!) {
  updateService(id: $id, expectedVersion: $v, input: {name: $name}) {
    __typename ... on ServicePayload { service { version } } } }"""


def run(context: Context) -> dict[str, float | int]:
    national = context.embedded_store(1.0)
    for username, role in ((ADMIN, "admin"), (PROFESSIONAL, "professional")):
        national.store.put_user(User(username=username, role=role,
                                     password_hash=hash_password(PASSWORD)), actor="bench")
    snapshot = context.dataset(1.0).snapshot()
    orientations = [_orientation_input(r) for r in situations(snapshot, SINGLE + WARM_UP)]
    searches = _searches(snapshot, 400)
    services = sorted(snapshot.services)
    with _Server(national.path, workers=WORKERS) as url:
        context.log(f"server ready at {url} ({WORKERS} workers)")
        p95 = _single_client(url, orientations)
        context.log(f"graphql orientation, 1 client: p95 {p95:.1f} ms")
        mixed = [w for pair in zip(searches, orientations, strict=False) for w in pair]
        alone = asyncio.run(_many_clients(url, mixed, services, edits=False))
        context.log(f"graphql {CLIENTS} clients, reads only: {alone.rps:.0f} req/s, "
                    f"p99 {alone.p99:.1f} ms, {alone.errors} errors")
        edited = asyncio.run(_many_clients(url, mixed, services, edits=True))
        context.log(f"graphql {CLIENTS} clients with edits: {edited.rps:.0f} req/s, "
                    f"p99 {edited.p99:.1f} ms, max {edited.max:.0f} ms, {edited.errors} errors; "
                    f"{len(edited.edits)} edits, slowest {max(edited.edits, default=0):.0f} ms")
    return {
        "graphql_orientation_p95_ms": round(p95, 1),
        "graphql_rps_20_clients": round(edited.rps, 1),
        "graphql_p99_ms_20_clients": round(edited.p99, 1),
        "graphql_errors_20_clients": alone.errors + edited.errors,
        "graphql_rps_20_clients_reads_only": round(alone.rps, 1),
        "graphql_p99_ms_20_clients_reads_only": round(alone.p99, 1),
    }


Work = tuple[str, dict[str, Any]]


def _orientation_input(request: Request) -> Work:
    need = request.need
    return ORIENTATION, {"input": {
        "situations": list(need.situations), "age": need.age, "sex": need.sex,
        "urgent": need.urgent, "disability": need.disability, "language": need.language,
        "commune": request.where.commune, "startStage": request.start_stage,
        "maxKm": request.max_km,
    }}


def _searches(snapshot: Snapshot, n: int, seed: int = 11) -> list[Work]:
    """Directory searches a social worker makes: by province and stage, by name, near a point."""
    rng = random.Random(seed)
    provinces = sorted(snapshot.by_province)
    stages = sorted(snapshot.by_stage)
    words = sorted({w for s in snapshot.services.values() for w in s.name.split() if len(w) > 5})
    communes = [t for t in snapshot.communes() if t.lat is not None and t.lon is not None]
    out: list[Work] = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.4:
            out.append((SEARCH_BY_STAGE, {"p": rng.choice(provinces), "s": rng.choice(stages)}))
        elif kind < 0.7:
            out.append((SEARCH_BY_TEXT, {"t": rng.choice(words)}))
        else:
            commune = rng.choice(communes)
            out.append((SEARCH_NEAR, {"lat": commune.lat, "lon": commune.lon}))
    return out


def _single_client(url: str, work: list[Work]) -> float:
    async def measure() -> list[float]:
        connection = await _Connection.open(url)
        try:
            times = []
            for i, (query, variables) in enumerate(work):
                start = time.perf_counter()
                status, body = await connection.post(query, variables)
                elapsed = (time.perf_counter() - start) * 1000
                _check(status, body)
                if i >= WARM_UP:
                    times.append(elapsed)
            return times
        finally:
            connection.close()

    return float(np.percentile(asyncio.run(measure()), 95))


class _Load:
    """What one phase of :func:`_many_clients` measured."""

    def __init__(self, times: list[float], errors: int, edits: list[float]) -> None:
        self.rps = len(times) / DURATION_S
        self.p99 = float(np.percentile(times, 99))
        self.max = max(times)
        self.errors = errors
        self.edits = edits


async def _many_clients(url: str, work: list[Work], services: list[str], *,
                        edits: bool) -> _Load:
    """CLIENTS clients (one in SIGNED_IN_EVERY signed in) over DURATION_S, with or without
    an admin's edits and sign-ins beside them.

    The clients connect and run for WARM_UP_S first; only requests sent in
    the following DURATION_S count.
    """
    times: list[float] = []
    edit_ms: list[float] = []
    errors = 0
    window = time.perf_counter() + WARM_UP_S
    deadline = window + DURATION_S
    professional = await _sign_in(url, PROFESSIONAL)

    async def client_loop(offset: int, token: str | None) -> None:
        nonlocal errors
        connection = await _Connection.open(url)
        try:
            i = offset
            while (start := time.perf_counter()) < deadline:
                query, variables = work[i % len(work)]
                i += 1
                status, body = await connection.post(query, variables, token)
                if start >= window:
                    times.append((time.perf_counter() - start) * 1000)
                    errors += not _ok(status, body)
        finally:
            connection.close()

    clients = [client_loop(k * 37, professional if k % SIGNED_IN_EVERY == 0 else None)
               for k in range(CLIENTS)]
    writers = [admin_edits(url, services, deadline, edit_ms),
               sign_ins(url, PROFESSIONAL, deadline)] if edits else []
    await asyncio.gather(*clients, *writers)
    return _Load(times, errors, edit_ms)


async def admin_edits(url: str, services: list[str], until: float, times: list[float]) -> None:
    """An admin renames a service every EDIT_EVERY_S seconds until ``until`` (perf_counter),
    each on a connection of its own, as a page's request: the version read, then the
    rename, whose milliseconds go to ``times``."""
    token = await _sign_in(url, ADMIN)
    n = 0
    while time.perf_counter() + EDIT_EVERY_S < until:
        await asyncio.sleep(EDIT_EVERY_S)
        sid = services[(n * 7919) % len(services)]
        n += 1
        connection = await _Connection.open(url)
        try:
            _, body = await connection.post(VERSION, {"id": sid})
            version = json.loads(body)["data"]["service"]["version"]
            start = time.perf_counter()
            status, body = await connection.post(
                RENAME, {"id": sid, "v": version, "name": f"Service édité {n}"}, token)
            _check(status, body)
            times.append((time.perf_counter() - start) * 1000)
        finally:
            connection.close()


async def sign_ins(url: str, username: str, until: float) -> None:
    """``username`` signs in every SIGN_IN_EVERY_S seconds until ``until``."""
    while time.perf_counter() + SIGN_IN_EVERY_S < until:
        await asyncio.sleep(SIGN_IN_EVERY_S)
        await _sign_in(url, username)


async def _sign_in(url: str, username: str) -> str:
    """Sign in on a new connection, as a person arriving does; the bearer token."""
    connection = await _Connection.open(url)
    try:
        status, body = await connection.post(LOGIN, {"u": username, "p": PASSWORD})
        _check(status, body)
        return str(json.loads(body)["data"]["login"]["token"])
    finally:
        connection.close()


class _Connection:
    """A keep-alive HTTP/1.1 connection posting GraphQL requests.

    Hand-written on asyncio streams because a full client library costs more
    CPU per request than the server's own work, and the clients share the
    machine with the server: the figures are to measure the server.
    """

    def __init__(self, host: str, port: int, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.host, self.port, self.reader, self.writer = host, port, reader, writer

    @classmethod
    async def open(cls, url: str) -> _Connection:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(host, int(port), reader, writer)

    async def post(self, query: str, variables: dict[str, Any],
                   token: str | None = None) -> tuple[int, bytes]:
        body = json.dumps({"query": query, "variables": variables}).encode()
        signed = f"Authorization: Bearer {token}\r\n" if token else ""
        self.writer.write(
            f"POST /graphql HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{signed}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def _ok(status: int, body: bytes) -> bool:
    return status == 200 and b'"errors"' not in body


def _check(status: int, body: bytes) -> None:
    if not _ok(status, body):
        raise RuntimeError(f"bad answer {status}: {body[:300]!r}")


class _Server:
    """``graph-service serve --workers N`` on a free loopback port over ``db``; stopped on exit.

    Ready when every worker answers: each builds its own read models at start, and a
    new connection goes to whichever accepts it, so probes on new connections run
    until :data:`READY_PROBES` in a row answer within a second.
    """

    def __init__(self, db: Path, *, workers: int = 1) -> None:
        self.db = db
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # The gap-map warmer renders the twelve national maps at start and, at most every
        # 5 min, after changes: a start-up cost, not the steady state measured here.
        env = {**os.environ, "GRAPH_SERVICE_DB": str(self.db),
               "GRAPH_SERVICE_SECRET_KEY": secrets.token_hex(32),
               "GRAPH_SERVICE_WARM_MAPS": "false"}
        env.pop("GRAPH_SERVICE_DEBUG", None)
        command = str(Path(sys.executable).parent / "graph-service")
        self.process = subprocess.Popen([command, "serve", "--host", "127.0.0.1",
                                         "--port", str(port), "--workers", str(self.workers)],
                                        env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        query, variables = situations_probe()
        quick = 0
        while quick < READY_PROBES:  # the first answer of each worker waits for its read models
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready within {START_TIMEOUT_S:.0f} s")
            if self.process.poll() is not None:
                raise RuntimeError("graph-service serve exited")
            try:
                start = time.monotonic()
                response = httpx2.post(f"{url}/graphql", timeout=START_TIMEOUT_S,
                                       json={"query": query, "variables": variables})
                _check(response.status_code, response.content)
                quick = quick + 1 if time.monotonic() - start < 1 else 0
            except httpx2.TransportError:
                time.sleep(0.5)
        return url

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def situations_probe() -> Work:
    """A request that needs every read model (snapshot, search index, orientation index)."""
    return ORIENTATION, {"input": {"situations": ["negligence"], "province": "04.441"}}
