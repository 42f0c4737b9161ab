"""The annuaire's search as a social worker types it: words of services and situations, Arabic,
typos, suggestions as one types; each organisation found with the service that matched and how
to reach it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from web_support import Web, open_web, submit

from graph_service.domain.entities import Organization


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> Web:
    return open_web(make_client)


def names_found(web: Web, query: str) -> list[str]:
    page = web.client.get(f"/annuaire?{query}")
    assert page.status_code == 200
    ids = re.findall(r'<h2><a href="/organisations/([^"#]+)">', page.text)
    orgs = {o.id: o for o in web.store.entries("organization", limit=10_000)
            if isinstance(o, Organization)}
    return [orgs[i].name for i in ids]


@pytest.mark.parametrize(("query", "expected"), [
    ("parquet", "Tribunal de première instance de Salé"),  # a service's name
    ("violence sexuelle", "Hôpital"),  # a situation's label
    ("amana", "AMANE"),  # a typo
    ("parket", "Tribunal de première instance"),  # another
    ("محكمة", "Cour d'appel"),  # the reference courts' Arabic names
])
def test_words_of_services_situations_arabic_and_typos_find_the_actors(
        web: Web, query: str, expected: str) -> None:
    found = names_found(web, f"q={query}")
    assert any(expected in name for name in found[:20]), (query, found[:20])


def test_each_organisation_found_shows_the_matching_service_and_how_to_reach_it(
        web: Web) -> None:
    page = web.client.get("/annuaire?q=parquet")
    results = re.findall(r'<li class="result">(.*?)</li>\s*(?=<li class="result">|</ul>)',
                         page.text, re.S)
    assert results
    for result in results[:5]:
        service = re.search(r'<div class="matched-service" data-service="[^"]+">\s*<h3><a[^>]*>'
                            r'([^<]+)</a>', result)
        assert service is not None
        assert 'class="reach"' in result and 'href="tel:' in result


def test_provinces_sort_as_readers_expect_in_french_and_arabic(web: Web) -> None:
    page = web.client.get("/annuaire")
    select = re.search(r'<select[^>]*name="province"[^>]*>(.*?)</select>', page.text, re.S)
    assert select is not None
    names = [html.unescape(n) for n in re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]+)<",
                                                   select.group(1))]
    assert names.index("Kénitra") < names.index("Khénifra")
    submit(web.client, "/annuaire", "/langue", lang="ar")
    page = web.client.get("/annuaire")
    select = re.search(r'<select[^>]*name="province"[^>]*>(.*?)</select>', page.text, re.S)
    assert select is not None and "القنيطرة" in select.group(1)


def test_suggestions_complete_the_search_box_as_one_types(web: Web) -> None:
    answer = web.client.get("/annuaire/suggestions.json?q=parq")
    assert answer.status_code == 200
    items = answer.json()
    assert 0 < len(items) <= 8
    assert all(set(item) == {"value", "label", "url"} for item in items)
    assert any("Parquet" in item["value"] for item in items)
    assert web.client.get("/annuaire/suggestions.json?q=p").json() == []
    page = web.client.get("/annuaire")
    assert 'data-suggest="/annuaire/suggestions.json"' in page.text


def test_the_filters_stay_in_the_url(web: Web) -> None:
    page = web.client.get("/annuaire?q=parquet&sector=justice")
    assert re.search(r'name="q"[^>]*value="parquet"', page.text)
    assert re.search(r'<option value="justice" selected', page.text)
