"""Every write × every role: each GraphQL mutation and each web form that writes, tried by
{anonymous, professional, association (own / other organisation), coordinator (own / other
province), admin}, including the reference fields that place an entry under another one
(a contact under a service, a service at a site, an organisation under a parent, a referral
link's source, a coordinator's new site for another province's organisation).

A refused write answers ``ForbiddenError`` (API) or 403 (pages) and writes NOTHING: the
store's revision and the audit trail are unchanged. Each attempt works on entries of its
own (created for it), so one role's allowed edit never decides another's outcome.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from api_support import post
from app_client import AppClient
from starlette.testclient import TestClient
from web_support import PLAIN_HTTP, add_user, form_of
from web_support import sign_in as web_sign_in

from graph_service.access import ANONYMOUS, Principal
from graph_service.app import create_app
from graph_service.domain.entities import (
    AnyEntity,
    Contact,
    EntityKind,
    Membership,
    Organization,
    ReferralLink,
    Service,
    Site,
)
from graph_service.domain.errors import Forbidden
from graph_service.editing import Editor
from graph_service.review import in_province, pending
from graph_service.search import IndexCache
from graph_service.settings import Settings
from graph_service.store import GraphStore

P, Q = "04.441", "04.281"
"""The own province (Salé) and the other one (Kénitra)."""
PRINCIPALS = ["anonymous", "professional", "association-own", "association-other",
              "coordinator-own", "coordinator-other", "admin"]
OWNERS = frozenset({"association-own", "coordinator-own", "admin"})
"""Who may edit the own organisation's entries."""
ADMIN = frozenset({"admin"})
OTHER_OWNERS = frozenset({"association-other", "coordinator-other", "admin"})


@dataclass
class World:
    client: TestClient
    store: GraphStore
    communes: dict[str, str]
    """Province → one of its communes."""
    tokens: dict[str, str] = field(default_factory=dict)
    audit_seq: int = 0
    ids: Iterator[int] = field(default_factory=itertools.count)

    def fresh(self, prefix: str) -> str:
        return f"{prefix}-{next(self.ids)}"

    def add(self, entity: AnyEntity) -> AnyEntity:
        """Set-up of one attempt, written as an operator would (no policy)."""
        return self.store.create(entity, actor="setup")

    def version(self, kind: Any, id: str) -> int:
        entry = self.store.get(kind, id)
        assert entry is not None
        return entry.version

    def settle(self) -> tuple[int, int]:
        """The revision and last audit number before an attempt (sign-ins included)."""
        while batch := self.store.audit_trail(after_seq=self.audit_seq, limit=5000):
            self.audit_seq = batch[-1].seq
        return self.store.revision(), self.audit_seq

    def unchanged_since(self, mark: tuple[int, int]) -> bool:
        revision, seq = mark
        return self.store.revision() == revision and not self.store.audit_trail(
            after_seq=seq, limit=1)


@pytest.fixture(scope="module")
def world(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path = tmp_path_factory.mktemp("matrix") / "annuaire.sqlite3"
    shutil.copyfile(seed_db, path)
    app = create_app(Settings({"GRAPH_SERVICE_DB": str(path), **PLAIN_HTTP}))
    with AppClient(app) as client:
        store: GraphStore = app.state.store
        communes = {p: next(t.code for t in store.territories("commune") if t.province_code == p)
                    for p in (P, Q)}
        w = World(client, store, communes)
        for whose, province in (("own", P), ("other", Q)):
            w.add(Organization(id=f"org-{whose}", name=f"Association {whose}",
                               org_kind="association", sector="societe_civile",
                               province_code=province))
            w.add(Site(id=f"site-{whose}", organization_id=f"org-{whose}", name="Siège",
                       commune_code=communes[province]))
            w.add(Service(id=f"svc-{whose}", organization_id=f"org-{whose}", name="Écoute",
                          type="ecoute_orientation", stages=("detection",),
                          site_ids=(f"site-{whose}",)))
        for principal in PRINCIPALS[1:]:
            role, _, whose = principal.partition("-")
            add_user(store, principal, role,
                     organization_id=f"org-{whose}" if role == "association" else None,
                     province_code=(P if whose == "own" else Q) if role == "coordinator"
                     else None)
        yield w


def token_of(world: World, principal: str) -> str | None:
    if principal == "anonymous":
        return None
    if principal not in world.tokens:
        data = post(world.client, """mutation($u: String!, $p: String!) {
            login(username: $u, password: $p) { ... on LoginSuccess { token } } }""",
                    u=principal, p="a-long-test-password")["data"]
        world.tokens[principal] = data["login"]["token"]
    return world.tokens[principal]


# --- the GraphQL mutations -----------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One write: the mutation, its variables (set-up done per attempt), who may do it."""

    mutation: str
    variables: Callable[[World], dict[str, Any]]
    allowed: frozenset[str]
    moves_a_site: bool = False
    """An allowed attempt places a site elsewhere: it is removed afterwards, so that no
    organisation keeps a province it got from another attempt."""


def _create(kind: str, input_type: str) -> str:
    return (f"mutation($id: ID!, $input: {input_type}!) {{ create{kind}(id: $id, input: $input)"
            f" {{ __typename }} }}")


def _update(kind: str, input_type: str) -> str:
    return (f"mutation($id: ID!, $v: Int!, $input: {input_type}!) {{ update{kind}(id: $id, "
            f"expectedVersion: $v, input: $input) {{ __typename }} }}")


def _org(w: World, province: str = P) -> str:
    """A fresh organisation of ``province`` with no site."""
    return w.add(Organization(id=w.fresh("org"), name="Fraîche", org_kind="association",
                              sector="societe_civile", province_code=province)).id


def _site(w: World, org: str = "org-own", province: str = P) -> str:
    return w.add(Site(id=w.fresh("site"), organization_id=org, name="Antenne",
                      commune_code=w.communes[province])).id


def _service(w: World, org: str = "org-own") -> str:
    return w.add(Service(id=w.fresh("svc"), organization_id=org, name="Accueil",
                         type="ecoute_orientation", stages=("detection",))).id


def _contact(w: World) -> str:
    return w.add(Contact(id=w.fresh("ct"), organization_id="org-own", service_id="svc-own",
                         function="Point focal")).id


def _link(w: World, source: str = "svc-own", target: str = "svc-other") -> str:
    return w.add(ReferralLink(id=w.fresh("link"), from_service_id=source,
                              to_service_id=target)).id


def _with_parent(w: World, parent: str | None) -> str:
    """The own organisation, its parent set by an operator (a reference an update keeps is
    not judged again: the association may still edit its entry under another's)."""
    org = w.store.get("organization", "org-own")
    assert isinstance(org, Organization)
    if org.parent_id != parent:
        w.store.update(dataclasses.replace(org, parent_id=parent),
                       expected_version=org.version, actor="setup")
    return org.id


def _site_of(w: World, org: str, province: str) -> str:
    """``org``, given a site in ``province`` by an operator."""
    _site(w, org, province)
    return org


def _update_vars(w: World, kind: str, id: str, **input: Any) -> dict[str, Any]:
    return {"id": id, "v": w.version(kind, id), "input": input}


NEW_ORG = {"name": "Nouvelle", "orgKind": "association", "sector": "societe_civile",
           "provinceCode": P}
NEW_SERVICE = {"organizationId": "org-own", "name": "Nouveau", "type": "ecoute_orientation",
               "stages": ["detection"]}

CASES: dict[str, Case] = {
    # plain creates and updates of the own organisation's entries
    "createOrganization": Case(_create("Organization", "OrganizationInput"), lambda w: {
        "id": w.fresh("org"), "input": NEW_ORG}, frozenset({"coordinator-own", "admin"})),
    "createSite": Case(_create("Site", "SiteInput"), lambda w: {
        "id": w.fresh("site"), "input": {"organizationId": "org-own", "name": "Antenne",
                                         "communeCode": w.communes[P]}}, OWNERS),
    "createService": Case(_create("Service", "ServiceInput"), lambda w: {
        "id": w.fresh("svc"), "input": {**NEW_SERVICE, "siteIds": ["site-own"]}}, OWNERS),
    "createContact": Case(_create("Contact", "ContactInput"), lambda w: {
        "id": w.fresh("ct"), "input": {"organizationId": "org-own", "serviceId": "svc-own",
                                       "function": "Point focal"}}, OWNERS),
    "createReferralLink (to another organisation's service)": Case(
        _create("ReferralLink", "ReferralLinkInput"), lambda w: {
            "id": w.fresh("link"), "input": {"fromServiceId": _service(w),
                                             "toServiceId": "svc-other"}}, OWNERS),
    "updateOrganization": Case(_update("Organization", "OrganizationInput"), lambda w:
                               _update_vars(w, "organization", "org-own", description="À jour"),
                               OWNERS),
    "updateSite": Case(_update("Site", "SiteInput"), lambda w:
                       _update_vars(w, "site", _site(w), description="À jour"), OWNERS),
    "updateService": Case(_update("Service", "ServiceInput"), lambda w:
                          _update_vars(w, "service", _service(w), description="À jour"), OWNERS),
    "updateContact": Case(_update("Contact", "ContactInput"), lambda w:
                          _update_vars(w, "contact", _contact(w), function="Directrice"), OWNERS),
    "updateReferralLink": Case(_update("ReferralLink", "ReferralLinkInput"), lambda w:
                               _update_vars(w, "referral_link", _link(w), description="Fiche"),
                               OWNERS),
    "verify": Case("mutation($id: ID!, $v: Int!) { verify(entityId: $id, expectedVersion: $v) "
                   "{ __typename } }", lambda w: {"id": (s := _site(w)),
                                                  "v": w.version("site", s)},
                   frozenset({"coordinator-own", "admin"})),
    "requestCorrection": Case(
        "mutation($id: ID!, $v: Int!) { requestCorrection(entityId: $id, expectedVersion: $v, "
        'message: "Le numéro de téléphone ne répond pas") { __typename } }',
        lambda w: {"id": (s := _site(w)), "v": w.version("site", s)},
        frozenset({"coordinator-own", "admin"})),
    # reference fields: planting entries under another organisation's
    "createContact under another organisation's service": Case(
        _create("Contact", "ContactInput"), lambda w: {
            "id": w.fresh("ct"), "input": {"organizationId": "org-own", "serviceId": "svc-other",
                                           "function": "Juge des mineurs (permanence)"}}, ADMIN),
    "createService at another organisation's site": Case(
        _create("Service", "ServiceInput"), lambda w: {
            "id": w.fresh("svc"), "input": {**NEW_SERVICE, "siteIds": ["site-other"]}}, ADMIN),
    "createOrganization under another organisation": Case(
        _create("Organization", "OrganizationInput"), lambda w: {
            "id": w.fresh("org"), "input": {**NEW_ORG, "parentId": "org-other"}}, ADMIN),
    "updateOrganization parentId to another organisation": Case(
        _update("Organization", "OrganizationInput"), lambda w:
        _update_vars(w, "organization", _with_parent(w, None), parentId="org-other"), ADMIN),
    "createReferralLink from another organisation's service": Case(
        _create("ReferralLink", "ReferralLinkInput"), lambda w: {
            "id": w.fresh("link"), "input": {"fromServiceId": _service(w, "org-other"),
                                             "toServiceId": "svc-own"}}, OTHER_OWNERS),
    "createSite in own province for another province's organisation (takeover)": Case(
        _create("Site", "SiteInput"), lambda w: {
            "id": w.fresh("site"), "input": {"organizationId": _org(w, Q), "name": "Antenne",
                                             "communeCode": w.communes[P]}}, ADMIN),
    "updateSite moved to another organisation": Case(
        _update("Site", "SiteInput"), lambda w:
        _update_vars(w, "site", _site(w), organizationId="org-other"), ADMIN, True),
    "updateSite moved to another province": Case(
        _update("Site", "SiteInput"), lambda w:
        _update_vars(w, "site", _site(w), communeCode=w.communes[Q]),
        frozenset({"association-own", "admin"}), True),
    "updateOrganization moved to another province": Case(
        _update("Organization", "OrganizationInput"), lambda w:
        _update_vars(w, "organization", _org(w), provinceCode=Q), ADMIN),
    "updateService at another organisation's site": Case(
        _update("Service", "ServiceInput"), lambda w:
        _update_vars(w, "service", _service(w), siteIds=["site-other"]), ADMIN),
    "updateContact under another organisation's service": Case(
        _update("Contact", "ContactInput"), lambda w:
        _update_vars(w, "contact", _contact(w), serviceId="svc-other"), ADMIN),
    "updateOrganization whose parent (kept) is another organisation": Case(
        _update("Organization", "OrganizationInput"), lambda w:
        _update_vars(w, "organization", _with_parent(w, "org-other"), description="À jour"),
        OWNERS),
    "updateService of another province's organisation present here": Case(
        _update("Service", "ServiceInput"), lambda w:
        _update_vars(w, "service", _service(w, _site_of(w, _org(w, Q), P)), description="Vu"),
        frozenset({"coordinator-own", "coordinator-other", "admin"})),
    "updateReferralLink from another organisation's service": Case(
        _update("ReferralLink", "ReferralLinkInput"), lambda w:
        _update_vars(w, "referral_link", _link(w), fromServiceId="svc-other",
                     toServiceId="svc-own"), ADMIN),
}


def _expected_result(allowed: bool, mutation: str) -> str:
    if not allowed:
        return "ForbiddenError"
    if "requestCorrection(" in mutation:
        return "RequestCorrectionPayload"
    return "VerifyPayload" if "verify(" in mutation else (
        mutation.split("{ ", 1)[1].split("(")[0].removeprefix("create").removeprefix("update")
        + "Payload")


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("case", list(CASES))
def test_mutation(world: World, case: str, principal: str) -> None:
    c = CASES[case]
    token = token_of(world, principal)
    variables = c.variables(world)
    mark = world.settle()
    body = post(world.client, c.mutation, token, **variables)
    assert "errors" not in body, body
    [result] = body["data"].values()
    allowed = principal in c.allowed
    assert result["__typename"] == _expected_result(allowed, c.mutation)
    assert world.unchanged_since(mark) is not allowed
    if allowed and c.moves_a_site:
        world.store.delete("site", variables["id"], expected_version=world.version(
            "site", variables["id"]), actor="setup")


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_a_stale_verify_is_refused(world: World, principal: str) -> None:
    """The entry changed between the coordinator's review and the click: nothing verified."""
    current = world.store.get("site", _site(world))
    assert isinstance(current, Site)
    world.store.update(dataclasses.replace(current, description="changée après la revue"),
                       expected_version=current.version, actor="setup")
    mark = world.settle()
    body = post(world.client, """mutation($id: ID!, $v: Int!) {
        verify(entityId: $id, expectedVersion: $v) {
          __typename ... on VersionConflictError { currentVersion } } }""",
                token_of(world, principal), id=current.id, v=current.version)
    expected = ({"__typename": "VersionConflictError", "currentVersion": current.version + 1}
                if principal in ("coordinator-own", "admin") else {"__typename": "ForbiddenError"})
    assert body["data"]["verify"] == expected
    assert world.unchanged_since(mark)


# --- the web forms that write ---------------------------------------------------------------

FORMS: dict[str, tuple[str, Callable[[World], str], dict[str, str], frozenset[str]]] = {
    "organisation": ("organisations", lambda w: "org-own", {"description": "Vu"}, OWNERS),
    "site": ("lieux", _site, {"description": "Vu"}, OWNERS),
    "service": ("services", _service, {"description": "Vu"}, OWNERS),
    "site moved to another province": (
        "lieux", _site, {"commune_code": "{Q}"}, frozenset({"association-own", "admin"})),
}


KINDS: dict[str, EntityKind] = {"organisations": "organization", "lieux": "site",
                                "services": "service"}
"""The edit pages' path prefix → the kind they edit."""


def _as(world: World, principal: str) -> str:
    """Sign the web client in as ``principal`` (or out); its CSRF token."""
    world.client.cookies.clear()
    if principal != "anonymous":
        assert web_sign_in(world.client, principal).status_code == 200
    csrf = form_of(world.client.get("/").text, "/langue").get("csrf")
    assert csrf
    return csrf


def _form_fields(world: World, path: str) -> dict[str, list[str]]:
    """The edit form as an admin sees it: what a forbidden user would have to forge."""
    _as(world, "admin")
    return form_of(world.client.get(path).text, path).values()


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("form", list(FORMS))
def test_edit_form(world: World, form: str, principal: str) -> None:
    prefix, target, changes, allowed = FORMS[form]
    target_id = target(world)
    path = f"/{prefix}/{target_id}/modifier"
    fields = _form_fields(world, path)
    csrf = _as(world, principal)
    values = {k: v.replace("{Q}", world.communes[Q]) for k, v in changes.items()}
    mark = world.settle()
    kind = KINDS[prefix]
    before = world.store.get(kind, target_id)
    answer = world.client.post(path, data={**fields, **values, "csrf": csrf},
                               follow_redirects=False)
    if principal in allowed:
        assert answer.status_code == 303 and world.store.revision() > mark[0]
        # put the entry back, so that no attempt widens who may edit in the next ones
        # (a site moved to another province brings its organisation there)
        assert before is not None
        world.store.update(before, expected_version=world.version(kind, target_id),
                           actor="setup")
        return
    _refused(world, answer, mark, principal)


VERIFIERS = frozenset({"coordinator-own", "admin"})
ACTIONS: dict[str, tuple[Callable[[World], tuple[str, str, str]], dict[str, str],
                         frozenset[str]]] = {
    "close a service": (lambda w: ("service", s := _service(w), f"/services/{s}/statut"),
                        {"status": "inactive"}, OWNERS),
    "remove a site": (lambda w: ("site", s := _site(w), f"/lieux/{s}/retirer"), {}, OWNERS),
    "verify": (lambda w: ("site", s := _site(w), f"/coordination/revue/{s}/verifier"), {},
               VERIFIERS),
}
"""One-button forms that write, at the version shown: (entry made, path), fields, who may."""


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_action_form(world: World, action: str, principal: str) -> None:
    make, values, allowed = ACTIONS[action]
    kind, entity_id, path = make(world)
    csrf = _as(world, principal)
    mark = world.settle()
    answer = world.client.post(path, data={"csrf": csrf, **values,
                                           "version": str(world.version(kind, entity_id))},
                               follow_redirects=False)
    if principal in allowed:
        assert answer.status_code == 303 and world.store.revision() > mark[0]
        return
    _refused(world, answer, mark, principal)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_request_correction_form(world: World, principal: str) -> None:
    """Asking for a correction is allowed to those who may verify: it is audited (the
    trail grows) but writes nothing to the entry (the revision stays)."""
    site = _site(world)
    path = f"/coordination/revue/{site}/correction"
    csrf = _as(world, principal)
    mark = world.settle()
    answer = world.client.post(path, data={"csrf": csrf, "message": "Adresse incomplète",
                                           "version": str(world.version("site", site))},
                               follow_redirects=False)
    if principal in VERIFIERS:
        assert answer.status_code == 303 and world.store.revision() == mark[0]
        assert not world.unchanged_since(mark)
        return
    _refused(world, answer, mark, principal)


def _refused(world: World, answer: Any, mark: tuple[int, int], principal: str) -> None:
    """A forbidden form: the anonymous are sent to sign in, others get 403; nothing written."""
    if principal == "anonymous":
        assert answer.headers["location"].startswith("/connexion")
    else:
        assert answer.status_code == 403
    assert world.unchanged_since(mark)


def test_a_stale_verify_form_is_refused_and_shows_the_new_version(world: World) -> None:
    current = world.store.get("site", _site(world))
    assert isinstance(current, Site)
    csrf = _as(world, "coordinator-own")
    review = world.client.get(f"/coordination/revue/{current.id}").text
    shown = form_of(review, f"/coordination/revue/{current.id}/verifier").values()
    assert shown["version"] == [str(current.version)]
    world.store.update(dataclasses.replace(current, description="changée après la revue"),
                       expected_version=current.version, actor="setup")
    mark = world.settle()
    answer = world.client.post(f"/coordination/revue/{current.id}/verifier",
                               data={**shown, "csrf": csrf})
    assert answer.status_code == 409
    assert "modifiée depuis que vous l'avez ouverte" in html.unescape(answer.text)
    assert "changée après la revue" in html.unescape(answer.text)
    assert world.unchanged_since(mark)


# --- what only the Editor writes, and what coordinators then review -------------------------

def test_a_membership_needs_its_organisation_not_its_body(world: World) -> None:
    """"We sit in body X" says nothing about X: X only has to exist."""
    editor = Editor(world.store)
    association = Principal("association-own", "association", "org-own")
    made = editor.create(association, Membership(id=world.fresh("mb"),
                                                 organization_id="org-own", body_id="org-other"))
    assert isinstance(made, Membership) and made.body_id == "org-other"
    mark = world.settle()
    with pytest.raises(Forbidden):
        editor.create(association, Membership(id=world.fresh("mb"),
                                              organization_id="org-other", body_id="org-own"))
    assert world.unchanged_since(mark)


def test_anonymous_writes_nothing_through_the_editor(world: World) -> None:
    mark = world.settle()
    with pytest.raises(Forbidden):
        Editor(world.store).create(ANONYMOUS, Site(id=world.fresh("site"),
                                                   organization_id="org-own", name="x",
                                                   commune_code=world.communes[P]))
    assert world.unchanged_since(mark)


def test_what_an_association_creates_waits_in_its_coordinators_review_list(world: World) -> None:
    association = Principal("association-own", "association", "org-own")
    site = Editor(world.store).create(association, Site(
        id=world.fresh("site"), organization_id="org-own", name="Nouvelle antenne",
        commune_code=world.communes[P]))
    assert site.created_by == "association-own" and not site.is_verified
    index = IndexCache(world.store).get()
    waiting = {e.id for e in pending(in_province(index, P))}
    assert site.id in waiting
    assert "site-own" not in waiting  # set up by an operator, never edited: not a change
