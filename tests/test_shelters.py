"""A shelter cannot be located by anyone outside, whatever public output they read (issue 11).

Every confidential site of the seed is given a name, an address and an exact
point of its own (kilometres from its commune's point); then every output the
public can reach is read as an anonymous visitor would: the plan page and its
referral sheet, the GraphQL lists, `near` search, coverage and stale entries,
the gap and annuaire maps, the HSDS feed, the action plan. None may show the
name, the address or the exact point, and every public figure must be the
same as before the shelter moved inside its commune.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient
from web_support import Web, form_of, open_web, submit

from graph_service.action_plan import draft_action_plan, to_markdown
from graph_service.coverage import compute_coverage
from graph_service.domain.entities import Site
from graph_service.search import IndexCache

ANONYMOUS_QUERIES = {
    "organizations": """{ organizations(first: 100) { nodes { id name sites {
        name address lat lon commune { code } } services { id name } } } }""",
    "coverage": """query($p: String!) { coverage(province: $p) { __typename
        ... on AreaCoverage { stages { stage farthest { code distanceKm } } } } }""",
    "stale": """{ staleEntries(olderThanDays: 0, first: 100) { nodes { __typename
        ... on Site { id name address lat lon } } } }""",
}


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> Web:
    return open_web(make_client)


def shelters(web: Web) -> list[Site]:
    found = [s for s in web.store.entries("site") if isinstance(s, Site) and s.confidential]
    assert found, "the seed has shelters"
    return found


def hide(web: Web, shift: float) -> list[tuple[Site, tuple[str, ...]]]:
    """Give each shelter its own name, address and exact point ``shift`` degrees from its
    commune's point; return each with the strings that would betray it."""
    out = []
    for n, site in enumerate(shelters(web)):
        commune = web.store.territory(site.commune_code)
        assert commune is not None and commune.lat is not None and commune.lon is not None
        # six decimals that end in no zero: no simplified outline (four decimals) has them
        lat = round(commune.lat + shift, 4) + 0.000137
        lon = round(commune.lon - shift, 4) - 0.000173
        moved = dataclasses.replace(
            site, name=f"Foyer Zeta {n}", address=f"{n + 7} rue des Orangers cachée",
            lat=lat, lon=lon, coordinates_precision="exact")
        web.store.update(moved, expected_version=site.version, actor="test")
        out.append((moved, (moved.name, moved.address, f"{lat:.5f}", f"{lon:.5f}")))
    return out


def public_texts(web: Web, sites: list[Site]) -> Iterator[tuple[str, str]]:
    """(where, text) of every public output that could mention the shelters."""
    client = web.client
    client.cookies.clear()
    for name, query in ANONYMOUS_QUERIES.items():
        for site in sites:
            province = site.commune_code.rsplit(".", 2)[0]
            variables = {"p": province} if "$p" in query else {}
            body = client.post("/graphql", json={"query": query, "variables": variables})
            yield f"graphql {name}", body.text
    for site in sites:
        commune = web.store.territory(site.commune_code)
        assert commune is not None
        province = commune.province_code or ""
        for situation in ("privation_milieu_familial", "violence_physique"):
            page = submit(client, "/orienter", "/orienter", commune=commune.code, age="12",
                          sex="F", situation=situation)
            yield "plan page", page.text
            fiche = client.post("/orienter/fiche",
                                data=form_of(page.text, "/orienter/fiche").values())
            yield "referral sheet", fiche.text
        near = client.post("/graphql", json={"query": """query($lat: Float!, $lon: Float!) {
            services(filter: {near: {lat: $lat, lon: $lon, radiusKm: 1}}) {
              nodes { id organization { id } } } }""",
                                               "variables": {"lat": site.lat, "lon": site.lon}})
        assert site.organization_id not in near.text, "a radius search found the shelter"
        yield "graphql near", near.text
        for url in (f"/maps/gaps?stage=prise_en_charge&province={province}",
                    f"/maps/gaps?stage=prise_en_charge&province={province}&metric=children",
                    f"/maps/annuaire?province={province}", "/api/hsds/service_at_locations",
                    f"/api/hsds/organizations/{_hsds_org(client, site)}"):
            yield url, client.get(url).text
        snapshot = IndexCache(web.store).get().snapshot
        yield "action plan", to_markdown(draft_action_plan(compute_coverage(snapshot), province))


def _hsds_org(client: TestClient, site: Site) -> str:
    from graph_service.hsds.ids import hsds_id
    from graph_service.hsds.to_tables import TABLE_OF_KIND

    return hsds_id(TABLE_OF_KIND["organization"], site.organization_id)


def test_no_public_output_names_or_locates_a_shelter(web: Web) -> None:
    hidden = hide(web, 0.031)
    for where, text in public_texts(web, [s for s, _ in hidden]):
        for site, secrets in hidden:
            for secret in secrets:
                assert secret not in text, (where, site.id, secret)


def test_public_figures_do_not_move_when_a_shelter_moves_in_its_commune(web: Web) -> None:
    def figures() -> list[str]:
        web.client.cookies.clear()
        out = []
        for site in shelters(web):
            province = site.commune_code.rsplit(".", 2)[0]
            body = web.client.post("/graphql", json={"query": ANONYMOUS_QUERIES["coverage"],
                                                     "variables": {"p": province}}).json()
            out.append(json.dumps(body, sort_keys=True))
            out.append(web.client.get(f"/maps/gaps?stage=prise_en_charge&province={province}"
                                      ).text)
        return out

    hide(web, 0.021)
    before = figures()
    hide(web, -0.017)
    assert figures() == before
