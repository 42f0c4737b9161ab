"""``pip install`` of the wheel, as a new user would, then the commands from an empty folder.

The wheel is built offline from a copy of the source (so that the build leaves nothing in
the repository) and installed into a fresh virtualenv that sees the test environment's
dependencies through a ``.pth`` file but not its editable ``graph_service``: what runs is the
wheel alone, which must carry ``cypher/`` and ``seed/annuaire/`` inside it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from bolt_server import free_port
from serve_support import stop

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCE = {"var", "build", "dist", "test-artifacts", "maps", "plans"}
"""Folders of the repository's root that are outputs, not source (with hidden ones)."""


def _not_source(folder: str, names: list[str]) -> set[str]:
    ignored = {n for n in names if n.startswith(".") or n == "__pycache__"
               or n.endswith(".egg-info")}
    return ignored | (NOT_SOURCE & set(names) if Path(folder) == ROOT else set())


@dataclass(frozen=True)
class Installed:
    """The virtualenv the wheel went into, and an empty folder to run commands from."""

    venv: Path
    cwd: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / "graph-service"), *args], cwd=self.cwd,
                              env=self.env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=_not_source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
                    "--no-build-isolation", "--no-index", "--quiet", "-w", str(tmp / "dist")],
                   check=True, capture_output=True, timeout=300)
    [wheel] = (tmp / "dist").glob("graph_service-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    purelib = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
         "['purelib'])"], check=True, capture_output=True, text=True).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "test-environment.pth").write_text("\n".join(sorted(ours)) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GRAPH_SERVICE_", "NEO4J_", "PYTHON"))}
    cwd = tmp / "empty"
    cwd.mkdir()
    return Installed(venv, cwd, env)


def test_the_wheel_is_what_runs(installed: Installed) -> None:
    found = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c",
         "import graph_service.store.cypher as c, graph_service.cli.annuaire as a; "
         "print(c.CYPHER_DIR); print(a.SEED_DIR)"],
        cwd=installed.cwd, env=installed.env, capture_output=True, text=True, check=True)
    for line in found.stdout.split():
        assert Path(line).is_dir() and Path(line).is_relative_to(installed.venv), line


def test_seed_stats_route_from_an_empty_folder(installed: Installed) -> None:
    seeded = installed.run("seed")
    assert seeded.returncode == 0, seeded.stderr
    assert (installed.cwd / "var" / "annuaire.sqlite3").is_file()
    stats = installed.run("stats", "--json")
    assert stats.returncode == 0, stats.stderr
    counts = json.loads(stats.stdout)
    assert counts["organizations"] > 0 and counts["communes"] == 1503
    route = installed.run("route", "--commune", "Salé", "--age", "12", "--sex", "F",
                          "--situation", "violence_sexuelle", "--urgent", "--json")
    assert route.returncode == 0, route.stderr
    assert json.loads(route.stdout)


@pytest.fixture
def served(installed: Installed) -> Iterator[str]:
    if not (installed.cwd / "var" / "annuaire.sqlite3").is_file():
        assert installed.run("seed").returncode == 0
    port = free_port()
    process = subprocess.Popen(
        [str(installed.venv / "bin" / "graph-service"), "serve", "--host", "127.0.0.1",
         "--port", str(port)], cwd=installed.cwd, env=installed.env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def test_serve_answers_healthz(served: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            response = httpx2.get(f"{served}/healthz", timeout=2)
            break
        except httpx2.TransportError:
            assert time.monotonic() < deadline, "the server did not answer /healthz within 60 s"
            time.sleep(0.2)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert httpx2.get(f"{served}/api/hsds/", timeout=10).json()["version"] == "3.0"
