"""Helpers of the web page tests: submit forms as a browser would, sign in, pick seed entries.

Forms are read from the served HTML (every input, the checked boxes, the
selected options) and sent back with a few values changed, so a test goes
through exactly what a person filling the page would send, CSRF token included.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from starlette.testclient import TestClient

from graph_service.auth import make_user
from graph_service.domain.entities import Contact, Organization, Service, Site, User
from graph_service.store import GraphStore

PASSWORD = "a-long-test-password"
PLAIN_HTTP = {"GRAPH_SERVICE_SECURE_COOKIES": "false"}
"""TestClient speaks plain http: a ``Secure`` cookie would never come back."""


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def values(self, **changes: str | list[str]) -> dict[str, list[str]]:
        """The fields as submitted, with ``changes`` replacing every value of those names."""
        out: dict[str, list[str]] = {}
        for name, value in self.fields:
            out.setdefault(name, []).append(value)
        for name, change in changes.items():
            out[name] = [change] if isinstance(change, str) else list(change)
        return out

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.forms[-1].fields.append((a["name"], a.get("value", "on" if kind ==
                                                                "checkbox" else "")))
        elif tag == "select" and "name" in a:
            self._select = (a["name"], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and "name" in a:
            self._textarea = (a["name"], [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [v for v, selected in options if selected] or [v for v, _ in options[:1]]
            self.forms[-1].fields += [(name, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.forms[-1].fields.append((name, "".join(text)))
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_of(html: str, action: str) -> Form:
    """The form of the page that posts to ``action``."""
    found = [f for f in forms_of(html) if f.action == action]
    assert found, f"no form posting to {action}"
    return found[0]


URL_ATTRIBUTES = re.compile(r'\b(?:href|src|action|formaction|srcdoc|data-url)="([^"]*)"')
CHILD = re.compile(r"\b(?:age|sex|situation|urgent|disability)=")
"""A query parameter that would describe a child."""


def urls_of(page: str) -> list[str]:
    """Every URL a page holds: in link, source and form attributes, and inside ``srcdoc``."""
    found = [html.unescape(v) for v in URL_ATTRIBUTES.findall(page)]
    return found + [u for v in found if "<" in v for u in urls_of(v)]


def field_error(page: str, field_id: str) -> str:
    """The error shown next to an input, as read (label, message and suggestions; tags
    dropped); empty when there is none."""
    found = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</span>\n', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


def submit(client: TestClient, page_url: str, action: str, **changes: Any) -> Any:
    """Open ``page_url``, fill the form that posts to ``action`` with ``changes``, send it."""
    form = form_of(client.get(page_url).text, action)
    return client.post(action, data=form.values(**changes))


@functools.cache
def _hashed() -> str:
    """The argon2 hash of :data:`PASSWORD`, computed once (hashing is slow on purpose)."""
    return make_user("template", PASSWORD, "professional").password_hash


def add_user(store: GraphStore, username: str, role: str, *, organization_id: str | None = None,
             province_code: str | None = None) -> None:
    """A user signing in with :data:`PASSWORD` (its hash computed once for all)."""
    store.put_user(User(username=username, role=role, password_hash=_hashed(),
                        organization_id=organization_id, province_code=province_code),
                   actor="test")


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return submit(client, "/connexion", "/connexion", username=username, password=password)


@dataclass(frozen=True)
class SeedAssociation:
    """An association of the seed with a site and a service, its province, and a contact
    person the tests added."""

    org: Organization
    site: Site
    service: Service
    province: str
    person: str


PERSON = "Samira Bennani-Test"
"""A contact person added by the tests (the seed holds functions only, no names)."""


def seed_association(store: GraphStore) -> SeedAssociation:
    """The first association of the seed (by id) with a site and a service, in Salé if any;
    a contact person is added to it so that hiding contacts can be checked."""
    candidates = []
    for org in store.entries("organization"):
        assert isinstance(org, Organization)
        sites = store.entries("site", where={"organization_id": org.id})
        services = store.entries("service", where={"organization_id": org.id})
        if org.org_kind != "association" or not sites or not services:
            continue
        site, service = sites[0], services[0]
        assert isinstance(site, Site) and isinstance(service, Service)
        commune = store.territory(site.commune_code)
        if commune is not None and commune.province_code:
            candidates.append((commune.province_code != "04.441", org.id, org, site, service,
                               commune.province_code))
    assert candidates, "the seed has no association with a site and a service"
    _, _, org, site, service, province = min(candidates, key=lambda c: (c[0], c[1]))
    store.create(Contact(id=f"{org.id}.test-contact", organization_id=org.id,
                         function="Point focal protection de l'enfance", person_name=PERSON),
                 actor="test")
    return SeedAssociation(org, site, service, province, PERSON)


@dataclass(frozen=True)
class Web:
    """A client of the app over a private copy of the seed, with one user per role.

    ``asso`` edits :attr:`association`; ``coord`` coordinates its province and
    ``coord-elsewhere`` another one; ``asso-other`` belongs to another organisation.
    """

    client: TestClient
    store: GraphStore
    association: SeedAssociation
    other_org: Organization
    other_province: str


def open_web(make_client: Callable[..., TestClient]) -> Web:
    client = make_client(**PLAIN_HTTP)
    store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    association = seed_association(store)
    others = [o for o in store.entries("organization")
              if isinstance(o, Organization) and o.id != association.org.id and o.province_code
              and o.province_code != association.province]
    other = others[0]
    assert other.province_code is not None
    add_user(store, "asso", "association", organization_id=association.org.id)
    add_user(store, "asso-other", "association", organization_id=other.id)
    add_user(store, "coord", "coordinator", province_code=association.province)
    add_user(store, "coord-elsewhere", "coordinator", province_code=other.province_code)
    add_user(store, "pro", "professional")
    add_user(store, "admin", "admin")
    return Web(client, store, association, other, other.province_code)
