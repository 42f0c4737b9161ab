"""``graph-service serve`` for real: a uvicorn process on a free loopback port, stopped after."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest
from bolt_server import free_port

COMMAND = str(Path(sys.executable).parent / "graph-service")


@contextmanager
def serving(env: Mapping[str, str], log: Path | None = None, workers: int = 1) -> Iterator[str]:
    """The URL of a served app (``/healthz`` answering); its output goes to ``log``, if given."""
    port = free_port()
    out = log.open("wb") if log else None
    process = subprocess.Popen([COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--workers", str(workers)],
                               # no background map rendering unless a test asks for it
                               env={"GRAPH_SERVICE_WARM_MAPS": "false", **env},
                               stdout=out or subprocess.DEVNULL,
                               stderr=out or subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                if httpx2.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not answer /healthz within 60 s")
        yield url
    finally:
        stop(process)
        if out:
            out.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a served process: politely, then for sure; close its error stream."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    if process.stderr:
        process.stderr.close()
