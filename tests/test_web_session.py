"""Sessions, sign-in and CSRF: what keeps one person's browser from acting for another."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient
from web_support import PASSWORD, Web, form_of, open_web, sign_in, submit

from graph_service.auth import ADDRESS_BACKOFF
from graph_service.web.routes import routes
from graph_service.web.session import SESSION_COOKIE


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> Web:
    return open_web(make_client)


def post_routes(web: Web) -> list[str]:
    """Every path of the web pages that accepts a POST, with real ids filled in."""
    ids = {"entity_id": web.association.org.id, "org_id": web.association.org.id,
           "code": "0000-0000-0"}
    paths = [route.path.format(**ids) for route in routes
             if isinstance(route, Route) and "POST" in (route.methods or ())]
    assert len(paths) >= 8
    return paths


def test_every_post_is_refused_without_this_sessions_csrf_token(web: Web,
                                                               make_client: Callable[
                                                                   ..., TestClient]) -> None:
    sign_in(web.client, "admin")
    stranger = open_web(make_client).client
    foreign_token = form_of(stranger.get("/connexion").text, "/connexion").get("csrf")
    revision = web.store.revision()
    for path in post_routes(web):
        for token in (None, "", foreign_token):
            data = {"name": "Changed", "version": "1", "lang": "ar", "username": "admin",
                    "password": PASSWORD, "situation": "negligence", "commune": "Salé"}
            if token is not None:
                data["csrf"] = token
            answer = web.client.post(path, data=data)
            assert answer.status_code == 403, (path, token)
            assert "Le formulaire a expiré" in answer.text
    assert web.store.revision() == revision  # nothing was written
    assert 'id="signout"' in web.client.get("/").text  # and nobody was signed out


def test_session_cookie_is_httponly_samesite_and_secure_unless_turned_off(
    make_client: Callable[..., TestClient],
) -> None:
    production = make_client().get("/connexion").headers["set-cookie"].lower()
    assert production.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in production and "samesite=lax" in production
    assert "secure" in production
    plain = make_client(GRAPH_SERVICE_SECURE_COOKIES="false").get("/connexion")
    assert "secure" not in plain.headers["set-cookie"].lower()


def test_a_forged_session_cookie_is_the_anonymous_public(web: Web) -> None:
    sign_in(web.client, "asso")
    payload, _, signed = web.client.cookies[SESSION_COOKIE].partition(".")
    session = json.loads(base64.b64decode(payload))
    session["sid"] = "made-up-session-id"  # another session, keeping the old signature
    forged = base64.b64encode(json.dumps(session).encode()).decode()
    web.client.cookies.clear()
    web.client.cookies.set(SESSION_COOKIE, f"{forged}.{signed}")
    answer = web.client.get("/coordination", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/connexion?next=%2Fcoordination"


def test_a_wrong_password_signs_nobody_in(web: Web) -> None:
    answer = sign_in(web.client, "coord", "not-the-password")
    assert answer.status_code == 400
    assert "Identifiant ou mot de passe incorrect" in answer.text
    assert 'id="signout"' not in answer.text


def frozen(web: Web) -> None:
    """The throttle's clock stops: its back-off is tested without waiting."""
    moment = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    web.client.app.state.login_throttle.clock = lambda: moment  # type: ignore[attr-defined]


def test_sign_in_is_rate_limited_per_address(web: Web) -> None:
    frozen(web)
    for _ in range(ADDRESS_BACKOFF.free):
        assert sign_in(web.client, "coord", "wrong-password-x").status_code == 400
    blocked = sign_in(web.client, "coord")  # even the right password now waits
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.text
    assert sign_in(web.client, "pro").status_code == 429  # same address, other user


def test_failures_through_the_api_count_against_the_web_sign_in_too(web: Web) -> None:
    frozen(web)
    login = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
        __typename } }"""
    for _ in range(ADDRESS_BACKOFF.free):
        answer = web.client.post("/graphql", json={
            "query": login, "variables": {"u": "coord", "p": "wrong-password-x"}})
        assert answer.json()["data"]["login"]["__typename"] == "LoginFailed"
    assert sign_in(web.client, "coord").status_code == 429


def test_sign_in_goes_back_only_to_a_page_of_this_site(web: Web) -> None:
    page = web.client.get("/connexion", params={"next": "//evil.example/x"}).text
    form = form_of(page, "/connexion")
    assert form.get("next") == "/"
    answer = web.client.post("/connexion", data=form.values(
        username="coord", password=PASSWORD, next="https://evil.example/"),
        follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/coordination"


def test_signing_in_renews_the_csrf_token_and_signing_out_ends_the_session(web: Web) -> None:
    before = form_of(web.client.get("/connexion").text, "/connexion").get("csrf")
    sign_in(web.client, "asso")
    after = re.search(r'name="csrf" value="([^"]+)"', web.client.get("/").text)
    assert after and after.group(1) != before
    assert web.client.get("/mon-organisation").status_code == 200
    submit(web.client, "/", "/deconnexion")
    answer = web.client.get("/mon-organisation", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/connexion")


def test_the_cookie_names_only_an_opaque_session(web: Web) -> None:
    sign_in(web.client, "asso")
    payload = web.client.cookies[SESSION_COOKIE].partition(".")[0]
    session = json.loads(base64.b64decode(payload))
    assert set(session) <= {"sid", "csrf", "lang", "flash"}
    assert "asso" not in json.dumps(session)


def test_a_cookie_copied_before_sign_out_is_dead_after_it(
    web: Web, make_client: Callable[..., TestClient],
) -> None:
    sign_in(web.client, "asso")
    copied = web.client.cookies[SESSION_COOKIE]
    submit(web.client, "/", "/deconnexion")
    web.client.cookies.clear()
    web.client.cookies.set(SESSION_COOKIE, copied)
    answer = web.client.get("/mon-organisation", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/connexion")
