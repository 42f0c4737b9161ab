"""The GraphQL API over real HTTP: one social worker, then twenty at once.

Keys: ``graphql_orientation_p95_ms`` (one client, sequential orientation
requests over loopback HTTP to ``graph-service serve``; target ≤ 50 ms),
``graphql_rps_20_clients`` and ``graphql_p99_ms_20_clients`` (20 concurrent
clients for 30 s after a 3 s warm-up, half searches, half orientations;
targets ≥ 150 req/s, p99 ≤ 250 ms); ``graphql_errors_20_clients`` counts the
answers that were not a clean 200 without GraphQL errors (expected 0).

The server is the real one (uvicorn, one worker, as ``make run`` starts it)
over the synthetic national annuaire in the embedded store; the clients run in
this process on the same (shared) machine, so the figures include their cost.
Times are wall-clock, client side, request sent to answer read.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import numpy as np

from graph_service.orientation import Request
from graph_service.snapshot import Snapshot

from . import Context
from .bench_orientation import situations

SINGLE = 500
WARM_UP = 30
CLIENTS = 20
DURATION_S = 30.0
WARM_UP_S = 3.0
START_TIMEOUT_S = 300.0

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


def run(context: Context) -> dict[str, float | int]:
    national = context.embedded_store(1.0)
    snapshot = context.dataset(1.0).snapshot()
    orientations = [_orientation_input(r) for r in situations(snapshot, SINGLE + WARM_UP)]
    searches = _searches(snapshot, 400)
    with _Server(national.path) as url:
        context.log(f"server ready at {url}")
        p95 = _single_client(url, orientations)
        context.log(f"graphql orientation, 1 client: p95 {p95:.1f} ms")
        mixed = [w for pair in zip(searches, orientations, strict=False) for w in pair]
        rps, p99, errors = asyncio.run(_many_clients(url, mixed))
        context.log(f"graphql 20 clients: {rps:.0f} req/s, p99 {p99:.1f} ms, {errors} errors")
    return {
        "graphql_orientation_p95_ms": round(p95, 1),
        "graphql_rps_20_clients": round(rps, 1),
        "graphql_p99_ms_20_clients": round(p99, 1),
        "graphql_errors_20_clients": errors,
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


async def _many_clients(url: str, work: list[Work]) -> tuple[float, float, int]:
    """(requests per second, p99 ms, bad answers) of CLIENTS clients over DURATION_S.

    The clients connect and run for WARM_UP_S first; only requests sent in
    the following DURATION_S count.
    """
    sent: list[tuple[float, float]] = []  # (sent at, latency ms)
    errors = 0
    window = time.perf_counter() + WARM_UP_S
    deadline = window + DURATION_S

    async def client_loop(offset: int) -> None:
        nonlocal errors
        connection = await _Connection.open(url)
        try:
            i = offset
            while (start := time.perf_counter()) < deadline:
                query, variables = work[i % len(work)]
                i += 1
                status, body = await connection.post(query, variables)
                if start >= window:
                    sent.append((start, (time.perf_counter() - start) * 1000))
                    errors += not _ok(status, body)
        finally:
            connection.close()

    await asyncio.gather(*(client_loop(k * 37) for k in range(CLIENTS)))
    times = [ms for _, ms in sent]
    return len(times) / DURATION_S, float(np.percentile(times, 99)), errors


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
    """``graph-service serve`` on a free loopback port over ``db``; stopped on exit."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "GRAPH_SERVICE_DB": str(self.db)}
        env.pop("GRAPH_SERVICE_DEBUG", None)
        command = str(Path(sys.executable).parent / "graph-service")
        self.process = subprocess.Popen([command, "serve", "--host", "127.0.0.1",
                                         "--port", str(port)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        query, variables = situations_probe()
        while time.monotonic() < deadline:  # the first answer builds the read models
            if self.process.poll() is not None:
                raise RuntimeError("graph-service serve exited")
            try:
                response = httpx2.post(f"{url}/graphql", timeout=START_TIMEOUT_S,
                                       json={"query": query, "variables": variables})
                _check(response.status_code, response.content)
                return url
            except httpx2.TransportError:
                time.sleep(0.5)
        raise RuntimeError(f"server not ready within {START_TIMEOUT_S:.0f} s")

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
