"""Each kind of map: local assets only, expected layers, public data only; the app's routes."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from graph_service.coverage import compute_coverage
from graph_service.domain.eligibility import Need
from graph_service.domain.entities import (
    AnyEntity,
    Channel,
    Contact,
    Organization,
    ReferralLink,
    Service,
    Site,
    Territory,
)
from graph_service.maps import (
    BESIDE,
    SERVED,
    build_annuaire_map,
    build_gaps_map,
    build_route_map,
    render_html,
    write_html,
)
from graph_service.maps.annuaire import SECTOR_COLOURS
from graph_service.maps.assets import VENDOR_DIR
from graph_service.orientation import Request, Where, orient
from graph_service.snapshot import Snapshot, snapshot_of
from graph_service.territories import load_territories

SALE = "04.441.01.0"
SECRET_ADDRESS = "12 rue du Refuge"
PERSON = "Fatima Zahra Benali"


@pytest.fixture(scope="module")
def territories() -> list[Territory]:
    return load_territories()


def entities() -> list[AnyEntity]:
    return [
        Organization(id="org-tribunal", name="Tribunal de première instance de Salé",
                     name_ar="المحكمة الابتدائية بسلا", org_kind="institution_publique",
                     sector="justice", channels=(
                         Channel(kind="phone", value="+212537880000"),
                         Channel(kind="website", value="https://tribunal.example.ma"))),
        Site(id="site-tribunal", organization_id="org-tribunal", name="Palais de justice",
             address="Avenue Mohammed V", commune_code=SALE, lat=34.03, lon=-6.80,
             coordinates_precision="exact"),
        Service(id="svc-parquet", organization_id="org-tribunal", name="Cellule des mineurs",
                name_ar="خلية الأحداث", type="parquet_mineurs", stages=("signalement",),
                site_ids=("site-tribunal",)),
        Contact(id="ct-1", organization_id="org-tribunal", function="Substitut du procureur",
                person_name=PERSON),
        Organization(id="org-refuge", name="Association Refuge", org_kind="association",
                     sector="societe_civile"),
        Site(id="site-refuge", organization_id="org-refuge", name="Maison secrète",
             address=SECRET_ADDRESS, commune_code=SALE, lat=34.05, lon=-6.75,
             coordinates_precision="exact", confidential=True),
        Service(id="svc-refuge", organization_id="org-refuge", name="Accueil d'urgence",
                type="hebergement", stages=("prise_en_charge",), site_ids=("site-refuge",),
                situations=("violence_sexuelle",)),
        Organization(id="org-hopital", name="Centre hospitalier", org_kind="institution_publique",
                     sector="sante", province_code="04.441"),
        Service(id="svc-urgence", organization_id="org-hopital", name="Unité intégrée",
                type="soins_urgence", stages=("urgence", "evaluation"), emergency_24_7=True),
        ReferralLink(id="lk-1", from_service_id="svc-parquet", to_service_id="svc-refuge",
                     link_kind="protocol", typical_delay_hours=24),
    ]


@pytest.fixture(scope="module")
def snap(territories: list[Territory]) -> Snapshot:
    return snapshot_of(territories, entities())


class _Refs(HTMLParser):
    """Every src/href of the page, with its tag."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.refs.append((tag, name, value))


def references(page: str) -> list[tuple[str, str, str]]:
    parser = _Refs()
    parser.feed(page)
    return parser.refs


def assert_local_assets_only(page: str, prefix: str) -> None:
    refs = references(page)
    assert refs, "a map loads Leaflet"
    for tag, _, value in refs:
        assert not re.match(r"^(https?:)?//", value), f"<{tag}> loads {value} from the network"
        assert value.startswith(prefix), value
        assert (VENDOR_DIR / value.removeprefix(prefix)).is_file(), f"{value} is not vendored"
    assert any(v.endswith("leaflet/leaflet.js") for _, _, v in refs)
    # jQuery is not shipped, so nothing may call it (folium's Popup does).
    assert "$(" not in page and "$.ajax" not in page


def geojson_layers(page: str) -> list[dict[str, Any]]:
    """The GeoJSON each folium layer embeds (``<layer>_add({...});``)."""
    return [json.loads(m) for m in re.findall(r"_add\((\{.*?\})\);\n", page)]


def points(page: str) -> list[dict[str, Any]]:
    return [f for layer in geojson_layers(page) for f in layer["features"]
            if f["geometry"]["type"] == "Point"]


def polygon_layers(page: str) -> list[dict[str, Any]]:
    return [layer for layer in geojson_layers(page)
            if layer["features"] and layer["features"][0]["geometry"]["type"] != "Point"]


def overlay_names(page: str) -> list[str]:
    block = re.search(r"overlays :\s*\{(.*?)\},", page, re.S)
    assert block, "a layer control"
    return [json.loads(f'"{n}"') for n in re.findall(r'"((?:[^"\\]|\\.)*)" :', block.group(1))]


# --- the annuaire ---------------------------------------------------------------------------


def test_annuaire_map_uses_local_assets_and_one_clustered_layer_per_sector(
        snap: Snapshot) -> None:
    page = render_html(build_annuaire_map(snap))
    assert_local_assets_only(page, SERVED)
    assert page.count("L.markerClusterGroup(") == 3
    names = overlay_names(page)
    assert [n.split(" (")[0] for n in names] == ["Justice", "Santé", "Société civile"]
    for sector in ("justice", "sante", "societe_civile"):
        assert SECTOR_COLOURS[sector] in page
    assert "Secteurs" in legend(page) and "bindTooltip" in page
    assert any(len(layer["features"]) > 70 for layer in polygon_layers(page)), "province base"


def test_annuaire_popups_speak_the_page_language_say_how_to_reach_and_stay_public(
        snap: Snapshot) -> None:
    page = render_html(build_annuaire_map(snap))
    features = {f["properties"]["name"]: f for f in points(page)}
    assert len(features) == 3  # two sites and one provincial seat
    tribunal = features["Tribunal de première instance de Salé"]["properties"]["popup"]
    assert 'lang="fr"' in tribunal and "المحكمة" not in tribunal
    assert "Avenue Mohammed V" in tribunal and 'href="tel:+212537880000"' in tribunal
    refuge = features["Association Refuge"]
    popup = refuge["properties"]["popup"]
    assert "Lieu confidentiel" in popup
    # no number of its own: « non renseigné », then the national numbers to tap
    assert "Téléphone : non renseigné" in popup and 'href="tel:19"' in popup
    sale = snap.territories[SALE]
    assert refuge["geometry"]["coordinates"] == [round(sale.lon or 0, 5), round(sale.lat or 0, 5)]
    assert SECRET_ADDRESS not in page and "Maison secrète" not in page
    assert PERSON not in page and "Substitut" not in page

    arabic = render_html(build_annuaire_map(snap, lang="ar"))
    by_name = {f["properties"]["name"]: f["properties"]["popup"] for f in points(arabic)}
    tribunal_ar = by_name["المحكمة الابتدائية بسلا"]
    assert 'dir="rtl"' in tribunal_ar and "خلية الأحداث" in tribunal_ar
    assert 'href="tel:+212537880000"' in tribunal_ar and "Justice" not in tribunal_ar
    assert "الهاتف: غير متوفر" in by_name["Association Refuge"]
    assert SECRET_ADDRESS not in arabic and PERSON not in arabic
    assert "القطاعات" in arabic and "Secteurs" not in arabic


def test_every_map_text_has_french_and_arabic() -> None:
    from graph_service.maps.texts import TEXTS

    for key, texts in TEXTS.items():
        assert texts["fr"].strip() and texts["ar"].strip(), key
        assert re.search("[\u0600-\u06ff]", texts["ar"]), key


def legend(page: str) -> str:
    found = re.search(r'<details class="gs-box gs-legend" id="legend"[^>]*>.*?</details>', page,
                      re.S)
    assert found, "a legend"
    return found.group(0)


def test_provincial_annuaire_map_keeps_its_province_and_draws_its_communes(
        snap: Snapshot) -> None:
    page = render_html(build_annuaire_map(snap, province="04.441"))
    assert len(points(page)) == 3
    commune_layers = [layer for layer in polygon_layers(page)
                      if all(f["id"].startswith("04.441.") for f in layer["features"])]
    assert len(commune_layers) == 1 and len(commune_layers[0]["features"]) == 4
    elsewhere = render_html(build_annuaire_map(snap, province="01.511"))
    assert points(elsewhere) == []


# --- coverage gaps --------------------------------------------------------------------------


def commune_features(page: str) -> dict[str, dict[str, Any]]:
    layers = [layer for layer in polygon_layers(page)
              if "colour" in layer["features"][0]["properties"]]
    assert len(layers) == 1
    return {f["id"]: f["properties"] for f in layers[0]["features"]}


def test_gap_map_colours_every_commune_with_a_tooltip(snap: Snapshot) -> None:
    page = render_html(build_gaps_map(compute_coverage(snap), "signalement"))
    assert_local_assets_only(page, SERVED)
    communes = commune_features(page)
    assert len(communes) == 1503
    sale = communes[SALE]
    assert sale["colour"] == "#1a9850" and sale["km"] == "0,0"
    assert "Cellule des mineurs" in sale["nearest"] and "(<bdi>سلا</bdi>)" in sale["name"]
    assert sale["children"] == "259\u202f126"
    # Tanger: the Salé parquet is not competent there, however far it is: no provider.
    assert communes["01.511.01.0"]["colour"] == "#525252"
    assert communes["01.511.01.0"]["nearest"] == "aucun"
    urgence = commune_features(render_html(build_gaps_map(compute_coverage(snap), "urgence")))
    assert urgence["01.511.01.0"]["colour"] == "#d73027"  # Tanger: far from Salé's hospital
    assert "Prestataire le plus proche" in page and "Distance (km)" in page
    assert overlay_names(page) == ["Communes — Signalement aux autorités judiciaires",
                                   "Limites des provinces"]
    assert "plus de 60 km" in legend(page)


def test_gap_map_of_children_beyond_30_km_and_of_a_stage_nobody_provides(
        snap: Snapshot) -> None:
    coverage = compute_coverage(snap)
    page = render_html(build_gaps_map(coverage, "urgence", metric="children"))
    communes = commune_features(page)
    assert communes[SALE]["colour"] == "#e6e6e6"  # within 30 km
    assert communes["01.511.01.0"]["colour"] == "#ae017e"  # Tanger, > 20,000 children far
    nobody = commune_features(render_html(build_gaps_map(coverage, "suivi")))
    assert {p["colour"] for p in nobody.values()} == {"#525252"}
    assert {p["nearest"] for p in nobody.values()} == {"aucun"}


def test_gap_map_of_one_province_and_of_a_situation(snap: Snapshot) -> None:
    refused = compute_coverage(snap, need=Need(situations=("negligence",)))
    page = render_html(build_gaps_map(refused, "prise_en_charge", province="04.441"))
    communes = commune_features(page)
    assert sorted(communes) == ["04.441.01.0", "04.441.01.08", "04.441.01.11", "04.441.01.13"]
    assert communes[SALE]["colour"] == "#525252"  # the shelter does not take neglect
    assert "négligence" in page and "Salé" in page


def test_gap_map_rejects_an_unknown_metric(snap: Snapshot) -> None:
    from graph_service.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        build_gaps_map(compute_coverage(snap), "suivi", metric="colour")
    assert exc.value.errors[0].field == "metric"


# --- an orientation route -------------------------------------------------------------------


def test_route_map_gives_each_step_its_own_numbered_marker(snap: Snapshot) -> None:
    plan = orient(snap, Request(Need(situations=("violence_sexuelle",), age=12),
                                Where(commune=SALE)))
    steps = [sp for sp in plan.stages if sp.service is not None]
    assert len(steps) >= 2, "the hand-built annuaire serves some stages"
    page = render_html(build_route_map(plan, snap))
    assert_local_assets_only(page, SERVED)
    markers = points(page)
    child = [f for f in markers if "★" in f["properties"].get("icon", "")]
    assert len(child) == 1
    assert child[0]["geometry"]["coordinates"] == [round(plan.location.lon, 5),
                                                   round(plan.location.lat, 5)]
    stops = [f for f in markers if f not in child]
    assert len(stops) == len(steps), "one marker per step, never one pin for several"
    for n, (stop, sp) in enumerate(zip(stops, steps, strict=True), start=1):
        label = re.search(r">(\d+)</div>", stop["properties"]["icon"])
        assert label is not None and int(label.group(1)) == n
        assert sp.service is not None
        assert f"{n}. {sp.label} : {sp.service.name}" in html.unescape(stop["properties"]["name"])
        # at the service's own place (its site, or its commune's point if confidential)
        assert stop["geometry"]["coordinates"] == [round(sp.service.lon, 5),
                                                   round(sp.service.lat, 5)]
        assert 'href="tel:' in stop["properties"]["popup"]
    # markers of one place stand side by side: no two of them on the same pixel
    drawn = [(tuple(f["geometry"]["coordinates"]), f["properties"].get("shift", 0))
             for f in markers]
    assert len(set(drawn)) == len(drawn)
    assert page.count("L.polyline(") == len(steps)
    assert "lieu de l'enfant" in html.unescape(page).lower()
    assert "Étapes du parcours" in legend(page)
    assert SECRET_ADDRESS not in page and PERSON not in page
    arabic = render_html(build_route_map(plan, snap, lang="ar"))
    assert "مراحل المسار" in legend(arabic) and "Étapes" not in legend(arabic)


def test_legends_fold(snap: Snapshot) -> None:
    box = legend(render_html(build_annuaire_map(snap)))
    assert "<summary>Légende</summary>" in box
    assert "matchMedia('(max-width: 600px)')" in render_html(build_annuaire_map(snap))


# --- base layer, output ---------------------------------------------------------------------


def test_tile_url_replaces_the_polygon_base(snap: Snapshot) -> None:
    offline = render_html(build_annuaire_map(snap))
    assert "L.tileLayer(" not in offline
    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    online = render_html(build_annuaire_map(snap, tile_url=tiles))
    assert f'L.tileLayer(\n                "{tiles}"' in online or f'"{tiles}"' in online
    assert '"fillOpacity": 0.0' in online and '"fillOpacity": 1.0' not in online


def test_the_same_data_gives_the_same_page(snap: Snapshot) -> None:
    coverage = compute_coverage(snap)
    first = render_html(build_gaps_map(coverage, "urgence", province="04.441"))
    assert first == render_html(build_gaps_map(coverage, "urgence", province="04.441"))


def test_written_maps_carry_their_assets(snap: Snapshot, tmp_path: Path) -> None:
    path = write_html(build_annuaire_map(snap, assets=BESIDE), tmp_path / "maps" / "a.html")
    page = path.read_text(encoding="utf-8")
    assert_local_assets_only(page, BESIDE)
    for _, _, ref in references(page):
        assert (path.parent / ref).is_file()
    with pytest.raises(ValueError):
        write_html(build_annuaire_map(snap), tmp_path / "served.html")


# --- served by the app (real seed) ----------------------------------------------------------


def test_maps_and_their_assets_are_served(client: TestClient) -> None:
    response = client.get("/maps/annuaire")
    assert response.status_code == 200
    assert_local_assets_only(response.text, SERVED)
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:;" in policy
    for _, _, ref in references(response.text):
        asset = client.get(ref)
        assert asset.status_code == 200 and asset.content == (
            VENDOR_DIR / ref.removeprefix(SERVED)).read_bytes()
    assert client.get("/static/vendor/leaflet/images/layers.png").status_code == 200
    gaps = client.get("/maps/gaps", params={"stage": "detection", "province": "Salé"})
    assert gaps.status_code == 200 and "Salé" in gaps.text
    route = client.post("/maps/route", data={"commune": "Salé", "situation": "negligence"})
    assert route.status_code == 200 and "lieu de l'enfant" in html.unescape(route.text).lower()


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/maps/gaps", {}, "stage"),
    ("/maps/gaps", {"stage": "detection", "province": "Atlantide"}, "province"),
    ("/maps/gaps", {"stage": "detection", "metric": "couleur"}, "metric"),
    ("/maps/gaps", {"stage": "detection", "situation": "inconnue"}, "situations"),
    ("/maps/route", {"commune": "Salé"}, "situations"),
    ("/maps/route", {"commune": "Salé", "situation": "negligence", "age": "douze"}, "age"),
    ("/maps/annuaire", {"province": "Atlantide"}, "province"),
])
def test_bad_map_parameters_are_named(client: TestClient, path: str, params: dict[str, str],
                                      field: str) -> None:
    if path == "/maps/route":
        response = client.post(path, data=params)
    else:
        response = client.get(path, params=params)
    assert response.status_code == 400
    assert f"{field}:" in response.text


def test_a_configured_tile_server_is_allowed_by_the_policy(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(GRAPH_SERVICE_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    response = client.get("/maps/annuaire")
    assert "img-src 'self' data: https://*.tiles.example.org;" in (
        response.headers["content-security-policy"])
    assert "L.tileLayer(" in response.text


def test_gap_maps_are_kept_per_revision_and_parameters_as_understood(client: TestClient) -> None:
    spellings = [{"stage": "detection"}, {"stage": "detection", "utm_source": "x"},
                 {"stage": "detection", "metric": "distance", "nocache": "1"}]
    pages = {client.get("/maps/gaps", params=p).text for p in spellings}
    by_province = {client.get("/maps/gaps", params={"stage": "detection", "province": name}).text
                   for name in ("Salé", "salé", "04.441")}
    assert len(pages) == len(by_province) == 1
    kept = client.app.state.map_pages._pages  # type: ignore[attr-defined]
    assert len(kept) == 2  # one national render, one of Salé, whatever the spelling


def test_maps_answer_in_the_page_language(make_client: Callable[..., TestClient]) -> None:
    from web_support import PLAIN_HTTP, submit

    client = make_client(**PLAIN_HTTP)
    french = client.get("/maps/gaps", params={"stage": "detection"}).text
    assert "Distance au prestataire le plus proche" in french
    submit(client, "/", "/langue", lang="ar")
    arabic = client.get("/maps/gaps", params={"stage": "detection"}).text
    assert "المسافة إلى أقرب مقدم خدمة" in legend(arabic)
    assert "Distance au prestataire" not in arabic and "Prestataire le plus proche" not in arabic


def test_the_annuaire_page_links_its_map(client: TestClient) -> None:
    page = client.get("/annuaire", params={"province": "04.441"}).text
    link = re.search(r'<a href="([^"]+)" id="annuaire-map">', page)
    assert link is not None and html.unescape(link.group(1)) == "/maps/annuaire?province=04.441"
    assert client.get(html.unescape(link.group(1))).status_code == 200


def test_national_gap_maps_are_rendered_in_the_background_at_start(
        make_client: Callable[..., TestClient]) -> None:
    from graph_service.domain.taxonomy import STAGE_ORDER

    client = make_client(GRAPH_SERVICE_WARM_MAPS=True)
    state = client.app.state  # type: ignore[attr-defined]
    deadline = time.monotonic() + 240
    while True:  # waiting for the warmer, not measuring it
        kept = getattr(state, "map_pages", None)
        if kept is not None and len(kept._pages) == 2 * len(STAGE_ORDER):
            break
        assert time.monotonic() < deadline, "the national gap maps were not rendered"
        time.sleep(0.5)
    before = dict(kept._pages)
    for stage in STAGE_ORDER:
        page = client.get("/maps/gaps", params={"stage": stage}).text
        assert page in before.values()
    assert kept._pages.keys() == before.keys(), "every national map was already there"
