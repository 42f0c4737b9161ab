"""Findings 6, 8 and 9 of the attack pass, reproduced against served processes and closed.

Each test runs ``graph-service serve`` on a free loopback port over a copy of the
seed, as a deployment would, and acts as the attacker did: a cookie copied
before sign-out, a token kept after a password reset, guesses from one address,
a child's situation looked for in URLs and in the access log, a session shared
by two processes of one deployment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2
import pytest
from serve_support import COMMAND, serving
from web_support import CHILD, form_of, urls_of

PASSWORD = "a-long-enough-password"
SITUATION = {"commune": "Salé (04.441.01.0)", "age": "13", "sex": "F",
             "situation": "violence_sexuelle", "urgent": "1"}
ME = "{ me { username } }"
LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
    __typename ... on LoginSuccess { token } } }"""

Serve = Callable[..., str]


@pytest.fixture
def deployment(seed_db: Path, tmp_path: Path) -> Iterator[tuple[Serve, dict[str, str]]]:
    """``serve(log=None)`` starts one more process over the same SQLite file; the env of the
    deployment (one secret key, plain-http cookies, loopback as the trusted proxy)."""
    shutil.copyfile(seed_db, tmp_path / "annuaire.sqlite3")
    env = {**os.environ, "GRAPH_SERVICE_DB": str(tmp_path / "annuaire.sqlite3"),
           "GRAPH_SERVICE_SECRET_KEY": "test-key-of-this-deployment",
           "GRAPH_SERVICE_SECURE_COOKIES": "false", "GRAPH_SERVICE_TRUSTED_PROXIES": "127.0.0.1"}
    env.pop("GRAPH_SERVICE_DEBUG", None)
    user = subprocess.run([COMMAND, "user", "add", "pro.sale", "--role", "professional",
                           "--password-stdin"], input=PASSWORD + "\n", env=env,
                          capture_output=True, text=True, timeout=60)
    assert user.returncode == 0, user.stderr
    with ExitStack() as stack:
        def serve(log: Path | None = None) -> str:
            return stack.enter_context(serving(env, log))

        yield serve, env


def browser(url: str) -> httpx2.Client:
    return httpx2.Client(base_url=url, timeout=30)


def page_sign_in(client: httpx2.Client, password: str = PASSWORD,
                 address: str = "192.0.2.10") -> httpx2.Response:
    form = form_of(client.get("/connexion").text, "/connexion")
    return client.post("/connexion", data=form.values(username="pro.sale", password=password),
                       headers={"X-Forwarded-For": address})


def signed_in(client: httpx2.Client) -> bool:
    return 'id="signout"' in client.get("/").text


def sign_out(client: httpx2.Client) -> None:
    form = form_of(client.get("/").text, "/deconnexion")
    assert client.post("/deconnexion", data=form.values()).status_code == 303


def graphql(url: str, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx2.post(f"{url}/graphql", json={"query": query, "variables": variables},
                       headers=headers, timeout=30).json()
    assert "errors" not in body, body
    return body["data"]


def test_a_cookie_copied_before_sign_out_is_dead_after_it(
    deployment: tuple[Serve, dict[str, str]],
) -> None:
    serve, _ = deployment
    url = serve()
    with browser(url) as victim, browser(url) as thief:
        assert page_sign_in(victim).status_code == 303 and signed_in(victim)
        thief.cookies.update(victim.cookies)
        assert signed_in(thief)  # the copy works while the session lives
        sign_out(victim)
        assert not signed_in(thief)


def test_an_old_token_is_dead_after_a_password_reset(
    deployment: tuple[Serve, dict[str, str]],
) -> None:
    serve, env = deployment
    url = serve()
    token = graphql(url, LOGIN, u="pro.sale", p=PASSWORD)["login"]["token"]
    assert graphql(url, ME, token)["me"] == {"username": "pro.sale"}
    reset = subprocess.run([COMMAND, "user", "add", "pro.sale", "--role", "professional",
                            "--password-stdin", "--replace"], input="a-new-long-password\n",
                           env=env, capture_output=True, text=True, timeout=60)
    assert reset.returncode == 0, reset.stderr
    assert graphql(url, ME, token)["me"] is None


def test_guesses_from_one_address_do_not_keep_the_user_out_elsewhere(
    deployment: tuple[Serve, dict[str, str]],
) -> None:
    serve, _ = deployment
    url = serve()
    with browser(url) as guesser, browser(url) as owner:
        answers = [page_sign_in(guesser, "wrong-password", "203.0.113.66").status_code
                   for _ in range(12)]
        assert answers[:5] == [400] * 5 and 429 in answers  # the address backs off
        assert page_sign_in(owner, address="198.51.100.7").status_code == 303
        assert signed_in(owner)


def test_two_processes_share_sessions_and_sign_out(
    deployment: tuple[Serve, dict[str, str]],
) -> None:
    serve, _ = deployment
    first, second = serve(), serve()
    with browser(first) as one, browser(second) as other:
        assert page_sign_in(one).status_code == 303
        other.cookies.update(one.cookies)
        assert signed_in(other)  # the session opened by the first process
        sign_out(other)
        assert not signed_in(one)  # ended by the second


def test_no_url_nor_log_line_carries_the_childs_situation(
    deployment: tuple[Serve, dict[str, str]], tmp_path: Path,
) -> None:
    serve, _ = deployment
    log = tmp_path / "access.log"
    url = serve(log)
    with browser(url) as client:
        form = form_of(client.get("/orienter").text, "/orienter")
        plan = client.post("/orienter", data=form.values(**SITUATION))
        assert plan.status_code == 200
        route_map = client.post("/maps/route", data=form_of(plan.text, "/maps/route").values())
        assert route_map.status_code == 200
        sheet = client.post("/orienter/fiche",
                            data=form_of(plan.text, "/orienter/fiche").values())
        assert sheet.status_code == 200
        pages = [plan.text, route_map.text, sheet.text]
    urls = [u for page in pages for u in urls_of(page)]
    assert any(u == "/maps/route" for u in urls)
    assert not [u for u in urls if CHILD.search(u) or "violence_sexuelle" in u]
    served = log.read_text()
    assert '"POST /orienter HTTP/1.1" 200' in served  # the access log was written
    assert not re.search(r"age=|sex=|situation|violence_sexuelle", served)


def test_several_workers_need_the_secret_key(seed_db: Path) -> None:
    env = {**os.environ, "GRAPH_SERVICE_DB": str(seed_db)}
    env.pop("GRAPH_SERVICE_SECRET_KEY", None)
    refused = subprocess.run([COMMAND, "serve", "--workers", "2"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "GRAPH_SERVICE_SECRET_KEY" in refused.stderr
