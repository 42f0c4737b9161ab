"""A synthetic national annuaire: every province, a realistic mix of actors, seeded.

The real seed covers three territories. Speed and scale targets are about the
whole country, so benchmarks run over this generator instead: the 83 provinces
and 1,503 communes of the real territories, and per province the actors the
field documents name (``actors-from-field-documents.md``) in proportions that
follow its children — the tribunal's parquet and juge des mineurs, police and
gendarmerie brigades, the hospital's integrated unit and health centres, the
Entraide Nationale delegation (UPE/CAPE) and its social-protection
establishments, youth services (liberté surveillée, maisons de jeunes),
schools, communes (état civil), vocational training, CPPE, and associations
with two to six services each. Referral links go from each service to nearby
services of the next stages, with the province's public hubs (parquet, UPE,
hospital unit) favoured, as in the circuit. Eligibility varies as in field
entries (``_Generator._eligibility``): associations' own age ranges, girls- or
boys-only services, situations they focus on, languages by region.

At ``scale=1`` this is ≥ 10k organisations, ≥ 40k services and ≥ 150k links;
``scale`` multiplies every count (the 8× run keeps the territories and makes
each province denser). The same ``(scale, seed)`` always gives the same
entities, which are valid annuaire entries (``validate_entity`` accepts them).

Examples
--------
>>> data = generate(scale=0.05)                       # doctest: +SKIP
>>> data.counts()["services"] > 1000                  # doctest: +SKIP
True
>>> load_into(store, data)                            # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from graph_service.backbone import backbone_entities, read_rows
from graph_service.coverage import unit_vectors
from graph_service.domain.entities import (
    AnyEntity,
    Channel,
    Contact,
    Hours,
    Membership,
    Organization,
    ReferralLink,
    Service,
    Site,
    Territory,
)
from graph_service.domain.errors import FieldError
from graph_service.domain.taxonomy import SITUATIONS, STAGE_ORDER
from graph_service.domain.validation import MOROCCO_BBOX, validate_entity
from graph_service.snapshot import Snapshot, snapshot_of
from graph_service.store import GraphStore

BACKBONE = Path(__file__).resolve().parents[1] / "seed" / "reference" / "backbone.csv"

__all__ = ["Dataset", "generate", "invalid_entries", "load_into"]

_VIOLENCE = ("violence_sexuelle", "violence_physique", "violence_psychologique",
             "violence_en_ligne")
_JUDICIAL = (*_VIOLENCE, "negligence", "exploitation_economique", "traite", "mariage_precoce",
             "mendicite", "enfant_en_situation_de_rue", "migrant_non_accompagne",
             "privation_milieu_familial", "conflit_avec_la_loi")
_OUT_OF_HOME = ("enfant_en_situation_de_rue", "privation_milieu_familial",
                "migrant_non_accompagne", "traite", *_VIOLENCE[:2])
_WEEKDAYS = (Hours(byday="MO,TU,WE,TH,FR", opens_at="08:30", closes_at="16:30"),)
_WITH_SATURDAY = (*_WEEKDAYS, Hours(byday="SA", opens_at="09:00", closes_at="12:00"))
_NEXT = {
    "detection": ("urgence", "signalement", "evaluation"),
    "urgence": ("signalement", "evaluation"),
    "signalement": ("evaluation", "prise_en_charge"),
    "evaluation": ("prise_en_charge",),
    "prise_en_charge": ("reinsertion", "suivi"),
    "reinsertion": ("suivi",),
    "suivi": (),
}
"""Stage → stages a service of that stage refers children to."""
_REGIONAL_LANGUAGES = {"01": "tarifit", "02": "tarifit", "07": "tachelhit", "08": "tamazight",
                       "09": "tachelhit", "10": "hassania", "11": "hassania", "12": "hassania"}
_NAMES = ("Al Amal", "Annour", "Al Wafae", "Ennakhil", "Tifawin", "Al Karama", "Basma",
          "Ibtissama", "Chourouk", "Al Mostaqbal", "Assafa", "Al Ikhlass", "Tawassoul",
          "Al Hanane", "Nour Al Atfal", "Amal Al Ghad", "Al Baraka", "Tizi", "Al Yassmine", "Riad")
_PURPOSES = ("pour la protection de l'enfance", "pour le développement humain",
             "de l'enfance et de la famille", "d'aide aux enfants en situation difficile",
             "pour l'éducation et la citoyenneté", "des parents et amis des enfants handicapés")


@dataclass(frozen=True, slots=True)
class _Svc:
    """A kind of service an actor offers."""

    name: str
    type: str
    stages: tuple[str, ...]
    situations: tuple[str, ...] = ()
    ages: tuple[int | None, int | None] = (None, None)
    disability: bool = False
    emergency: bool = False
    access: str = "drop_in"
    documents: tuple[str, ...] = ()
    sexed: bool = False
    confidential: bool = False


@dataclass(frozen=True, slots=True)
class _Actor:
    """A kind of actor and how many a province has.

    ``per`` is ``province`` (``count`` each), ``commune``/``urban``/``rural``
    (``count`` per such commune) or ``children`` (``count`` per 100,000 children).
    """

    key: str
    name: str
    org_kind: str
    sector: str
    per: str
    count: float
    services: tuple[_Svc, ...]
    hub: bool = False
    at_seat: bool = False


_ACTORS: tuple[_Actor, ...] = (
    _Actor("tpi", "Tribunal de première instance de {place}", "institution_publique", "justice",
           "children", 0.35, (
               _Svc("Parquet — substitut du procureur chargé des mineurs", "parquet_mineurs",
                    ("signalement",), _JUDICIAL, emergency=True,
                    documents=("certificat médical", "fiche de signalement")),
               _Svc("Juge des mineurs — mesures de protection", "juge_des_mineurs",
                    ("signalement", "prise_en_charge"), _JUDICIAL, access="referral"),
               _Svc("Assistance sociale auprès du tribunal", "assistance_sociale_judiciaire",
                    ("evaluation", "suivi"), access="referral"),
           ), hub=True, at_seat=True),
    _Actor("ca", "Cour d'appel de {place}", "institution_publique", "justice", "province", 0.25, (
        _Svc("Parquet général — mineurs", "parquet_mineurs", ("signalement",), _JUDICIAL,
             access="referral"),
        _Svc("Assistance sociale — cour d'appel", "assistance_sociale_judiciaire",
             ("evaluation", "suivi"), access="referral"),
    ), at_seat=True),
    _Actor("police", "District de police de {place}", "institution_publique", "surete_nationale",
           "urban", 0.8, (
               _Svc("Brigade des mineurs — plaintes et enquêtes", "plainte_enquete",
                    ("detection", "signalement"), emergency=True),
           )),
    _Actor("gr", "Brigade de la gendarmerie royale de {place}", "institution_publique",
           "gendarmerie", "rural", 0.3, (
               _Svc("Réception des plaintes et enquête", "plainte_enquete",
                    ("detection", "signalement"), emergency=True),
           )),
    _Actor("hp", "Hôpital provincial de {place}", "institution_publique", "sante", "children",
           0.45, (
               _Svc("Unité intégrée de prise en charge des femmes et enfants victimes de violence",
                    "soins_urgence", ("urgence",), emergency=True),
               _Svc("Certificat médical et expertise médico-légale", "expertise_medico_legale",
                    ("evaluation",), _VIOLENCE, emergency=True),
               _Svc("Consultation de soutien psychologique", "soutien_psychologique",
                    ("prise_en_charge",), access="appointment"),
           ), hub=True, at_seat=True),
    _Actor("cs", "Centre de santé de {place}", "institution_publique", "sante", "commune", 1.0, (
        _Svc("Repérage et signalement des enfants en danger", "detection_signalement",
             ("detection",)),
        _Svc("Soins de proximité", "soins_urgence", ("urgence",)),
    )),
    _Actor("en", "Délégation de l'Entraide nationale de {place}", "institution_publique",
           "entraide_nationale", "province", 1.0, (
               _Svc("Unité de protection de l'enfance — accueil et orientation",
                    "ecoute_orientation", ("detection",)),
               _Svc("Évaluation sociale de l'enfant et de la famille", "evaluation_sociale",
                    ("evaluation",), access="referral"),
               _Svc("Accompagnement social et suivi de cas", "accompagnement_social",
                    ("prise_en_charge", "suivi"), access="referral"),
           ), hub=True, at_seat=True),
    _Actor("eps", "Établissement de protection sociale de {place}", "institution_publique",
           "entraide_nationale", "children", 1.0, (
               _Svc("Hébergement et protection sociale", "hebergement",
                    ("prise_en_charge", "reinsertion"), _OUT_OF_HOME, ages=(6, 17),
                    access="referral", sexed=True, confidential=True,
                    documents=("ordonnance du juge des mineurs",)),
           )),
    _Actor("cef", "Centre d'éducation et de formation de {place}", "institution_publique",
           "entraide_nationale", "children", 1.0, (
               _Svc("Formation qualifiante des jeunes", "education_formation", ("reinsertion",),
                    ages=(12, 17), sexed=True),
           )),
    _Actor("mj", "Délégation du ministère de la Jeunesse — {place}", "institution_publique",
           "jeunesse", "province", 1.0, (
               _Svc("Liberté surveillée", "liberte_surveillee", ("prise_en_charge", "reinsertion"),
                    ("conflit_avec_la_loi",), ages=(12, 17), access="referral",
                    documents=("décision du juge des mineurs",)),
               _Svc("Cellule d'aide sociale", "accompagnement_social",
                    ("prise_en_charge", "suivi")),
           ), hub=True, at_seat=True),
    _Actor("sauv", "Centre de sauvegarde de l'enfance de {place}", "institution_publique",
           "jeunesse", "province", 0.3, (
               _Svc("Centre de sauvegarde — placement et rééducation", "liberte_surveillee",
                    ("prise_en_charge", "reinsertion"),
                    ("conflit_avec_la_loi", "enfant_en_situation_de_rue"), ages=(12, 17),
                    access="referral", sexed=True),
           )),
    _Actor("mdj", "Maison de jeunes de {place}", "institution_publique", "jeunesse", "commune",
           0.35, (
               _Svc("Activités socio-éducatives et sportives", "activites_socio_educatives",
                    ("reinsertion", "suivi"), ages=(6, 17)),
           )),
    _Actor("ecole", "Établissement scolaire de {place}", "institution_publique", "education",
           "commune", 2.0, (
               _Svc("Cellule d'écoute et de médiation scolaire", "ecoute_orientation",
                    ("detection",), ages=(6, 17)),
               _Svc("Réinsertion scolaire — école de la deuxième chance", "education_formation",
                    ("reinsertion",), ("abandon_scolaire",), ages=(8, 17)),
           )),
    _Actor("com", "Commune de {place}", "institution_publique", "collectivite_territoriale",
           "commune", 1.0, (
               _Svc("Bureau d'état civil — inscription des naissances", "etat_civil",
                    ("prise_en_charge",), ("absence_etat_civil",),
                    documents=("livret de famille", "certificat d'accouchement")),
           )),
    _Actor("das", "Division de l'action sociale — préfecture ou province de {place}",
           "institution_publique", "interieur", "province", 1.0, (
               _Svc("Soutien aux familles vulnérables", "soutien_familial",
                    ("prise_en_charge", "suivi")),
           ), at_seat=True),
    _Actor("ofppt", "Centre de formation professionnelle de {place}", "institution_publique",
           "formation_professionnelle", "children", 0.8, (
               _Svc("Formation professionnelle des jeunes", "education_formation",
                    ("reinsertion",), ages=(15, 17)),
           )),
    _Actor("cppe", "Comité provincial de protection de l'enfance de {place}", "coordination",
           "solidarite_famille", "province", 0.55, (
               _Svc("Coordination territoriale et suivi des cas complexes", "coordination",
                    ("suivi",), access="referral"),
           ), at_seat=True),
    _Actor("cape", "Centre d'accompagnement pour la protection de l'enfance de {place}",
           "coordination", "solidarite_famille", "province", 0.15, (
               _Svc("Écoute, accueil et orientation", "ecoute_orientation", ("detection",)),
               _Svc("Diagnostic et évaluation de la situation", "evaluation_sociale",
                    ("evaluation",)),
               _Svc("Accompagnement psychologique et social", "accompagnement_social",
                    ("prise_en_charge", "suivi")),
           ), hub=True, at_seat=True),
)

_ASSOCIATION_SERVICES: tuple[tuple[_Svc, float], ...] = (
    (_Svc("Écoute et orientation", "ecoute_orientation", ("detection",)), 3),
    (_Svc("Prévention et veille dans le quartier", "prevention_sensibilisation",
          ("detection",)), 2),
    (_Svc("Accompagnement social et suivi de cas", "accompagnement_social",
          ("prise_en_charge", "suivi")), 3),
    (_Svc("Soutien psychologique", "soutien_psychologique", ("prise_en_charge",), _VIOLENCE,
          access="appointment"), 2),
    (_Svc("Foyer d'accueil d'urgence", "hebergement", ("urgence", "prise_en_charge"),
          _OUT_OF_HOME, sexed=True, confidential=True, emergency=True), 0.6),
    (_Svc("Foyer de vie et réinsertion", "hebergement", ("prise_en_charge", "reinsertion"),
          _OUT_OF_HOME, sexed=True, confidential=True, access="referral"), 1),
    (_Svc("Réadaptation et prise en charge du handicap", "readaptation_handicap",
          ("prise_en_charge", "reinsertion"), ("handicap", "negligence"), disability=True,
          access="appointment"), 1.2),
    (_Svc("Aide et accompagnement juridique", "aide_juridique", ("prise_en_charge",),
          _JUDICIAL), 1),
    (_Svc("Éducation non formelle", "education_formation", ("reinsertion",),
          ("abandon_scolaire", "enfant_en_situation_de_rue", "exploitation_economique",
           "mendicite"), ages=(8, 17)), 1.5),
    (_Svc("Soutien aux familles", "soutien_familial", ("prise_en_charge", "suivi")), 2),
    (_Svc("Activités socio-éducatives et sportives", "activites_socio_educatives",
          ("reinsertion", "suivi"), ages=(6, 17)), 2),
    (_Svc("Suivi post-prise en charge", "accompagnement_social", ("suivi",)), 1.5),
)
_AGE_WEIGHTS: tuple[tuple[tuple[int, int], float], ...] = (
    ((0, 5), 1), ((0, 11), 2), ((3, 12), 1), ((6, 14), 2), ((6, 17), 3), ((10, 17), 2),
    ((12, 17), 3), ((15, 17), 1),
)
"""Age ranges associations give themselves (early childhood, school age, adolescents…)."""
_AGE_RANGES = tuple(ages for ages, _ in _AGE_WEIGHTS)
_ASSOCIATIONS_PER_100K_CHILDREN = 60.0
_FIXED_PREFIXES = ("520", "521", "522", "525", "526", "527", "529", "530", "531", "532", "533",
                   "534", "537")
"""Landline prefixes whose every six-digit suffix is a valid Moroccan number."""


@dataclass(frozen=True)
class Dataset:
    """Generated entities, by kind; :meth:`entities` yields them in dependency order."""

    scale: float
    seed: int
    territories: tuple[Territory, ...]
    organizations: tuple[Organization, ...]
    sites: tuple[Site, ...]
    services: tuple[Service, ...]
    contacts: tuple[Contact, ...]
    links: tuple[ReferralLink, ...]
    memberships: tuple[Membership, ...]
    _snapshot: list[Snapshot] = field(default_factory=list, repr=False, compare=False)

    def entities(self) -> Iterator[AnyEntity]:
        """Organisations, sites, services, contacts, links, memberships: references resolve."""
        yield from itertools.chain(self.organizations, self.sites, self.services, self.contacts,
                                   self.links, self.memberships)

    def counts(self) -> dict[str, int]:
        return {"organizations": len(self.organizations), "sites": len(self.sites),
                "services": len(self.services), "contacts": len(self.contacts),
                "referral_links": len(self.links), "memberships": len(self.memberships)}

    def snapshot(self) -> Snapshot:
        """The in-memory snapshot of the dataset (built once), as a store would give it."""
        if not self._snapshot:
            self._snapshot.append(snapshot_of(self.territories, self.entities()))
        return self._snapshot[0]


def generate(scale: float = 1.0, seed: int = 42,
             territories: Sequence[Territory] | None = None) -> Dataset:
    """Generate the national dataset.

    Parameters
    ----------
    scale : float
        Multiplies every count (1.0: the national target; 8.0: the growth run).
    seed : int
        Seed of the random generator: equal ``(scale, seed)``, equal datasets.
    territories : the reference territories, default ``load_territories()``.

    Raises
    ------
    ValueError
        ``scale`` is not positive.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if territories is None:
        from graph_service.territories import load_territories

        territories = load_territories()
    return _Generator(scale, seed, tuple(territories)).run()


def invalid_entries(dataset: Dataset, every: int = 1) -> list[FieldError]:
    """What ``validate_entity`` refuses among the dataset's entries (one in ``every``)."""
    levels = {t.code: t.level for t in dataset.territories}
    errors: list[FieldError] = []
    for entity in itertools.islice(dataset.entities(), 0, None, every):
        errors += validate_entity(entity, territory_level=levels.get)
    return errors


def load_into(store: GraphStore, dataset: Dataset, *, batch: int = 5000, actor: str = "bench",
              progress: Callable[[str, int, int], None] | None = None) -> float:
    """Write the dataset through ``store.apply`` in batches; return the seconds it took."""
    entities = list(dataset.entities())
    start = time.perf_counter()
    for lo in range(0, len(entities), batch):
        store.apply(entities[lo:lo + batch], actor=actor)
        if progress is not None:
            progress("load", min(lo + batch, len(entities)), len(entities))
    return time.perf_counter() - start


class _Generator:
    def __init__(self, scale: float, seed: int, territories: tuple[Territory, ...]) -> None:
        self.scale, self.seed, self.territories = scale, seed, territories
        self.rng = random.Random(seed)
        self.eligibility_rng = random.Random(f"{seed}-eligibility")
        self.orgs: list[Organization] = []
        self.sites: list[Site] = []
        self.services: list[Service] = []
        self.contacts: list[Contact] = []
        self.memberships: list[Membership] = []
        self.site_point: dict[str, tuple[float, float]] = {}
        self.point: dict[str, tuple[float, float]] = {}
        """Service id → its first site's point (for picking link targets)."""
        self.province_of: dict[str, str] = {}
        self.hubs: set[str] = set()
        self.public: set[str] = set()

    def run(self) -> Dataset:
        provinces = sorted((t for t in self.territories if t.level == "province"),
                           key=lambda t: t.code)
        communes: dict[str, list[Territory]] = defaultdict(list)
        for t in sorted(self.territories, key=lambda t: t.code):
            if t.level == "commune" and t.province_code and t.lat is not None:
                communes[t.province_code].append(t)
        for province in provinces:
            # Casablanca's préfectures d'arrondissements have no commune of their own.
            own = communes.get(province.code) or communes.get(province.parent_code or "", [])
            if own:
                self._province(province, own)
        links = self._links()
        self._backbone()
        return Dataset(self.scale, self.seed, self.territories, tuple(self.orgs),
                       tuple(self.sites), tuple(self.services), tuple(self.contacts),
                       tuple(links), tuple(self.memberships))

    def _backbone(self) -> None:
        """The seed's reference entries of the public institutions (courts and their ressort,
        police, gendarmerie, hospitals…), as ``graph-service seed`` loads them; rows that
        name a field entry of the seed are generated too, since the seed is not here."""
        rows = [(n, {**row, "field_entry_id": ""}) for n, row in read_rows(BACKBONE)]
        territories = {t.code: t for t in self.territories}
        for entity in backbone_entities(rows, name=BACKBONE.name, territories=territories,
                                        exists=lambda _: False):
            kinds: dict[str, list[Any]] = {"organization": self.orgs, "site": self.sites,
                                           "service": self.services}
            kinds[entity.kind].append(entity)

    # --- actors ------------------------------------------------------------------------------

    def _province(self, province: Territory, communes: list[Territory]) -> None:
        counter = itertools.count(1)
        seat = max(communes, key=lambda c: (c.population, c.code))
        weights = [max(c.children, 1) for c in communes]
        children_100k = max(province.children, 1) / 100_000
        members: list[str] = []
        cppe: str | None = None
        for actor in _ACTORS:
            for place in self._places(actor, communes, seat, weights, children_100k):
                org_id = self._organization(actor.name.format(place=place.name_fr),
                                            actor.org_kind, actor.sector, province, counter)
                sites = [self._site(org_id, place, counter, actor.services[0].confidential)]
                for template in actor.services:
                    self._service(template, org_id, sites, province, counter, public=True,
                                  hub=actor.hub)
                if actor.hub:
                    members.append(org_id)
                    self._contact(org_id, counter)
                if actor.key == "cppe" and cppe is None:
                    cppe = org_id
        n = self._count(_ASSOCIATIONS_PER_100K_CHILDREN * children_100k)
        for place in self.rng.choices(communes, weights=weights, k=n):
            self._association(place, province, communes, weights, counter)
        if cppe is not None:
            self.memberships.extend(
                Membership(id=f"{cppe}.m{i:03d}", organization_id=org, body_id=cppe,
                           role="membre")
                for i, org in enumerate(members) if org != cppe)

    def _places(self, actor: _Actor, communes: list[Territory], seat: Territory,
                weights: list[int], children_100k: float) -> list[Territory]:
        if actor.per == "province":
            return [seat] * self._count(actor.count)
        if actor.per == "children":
            n = self._count(actor.count * children_100k)
            if actor.at_seat:  # every province has one, at its seat
                return [seat, *self.rng.choices(communes, weights=weights, k=max(n, 1) - 1)]
            return self.rng.choices(communes, weights=weights, k=n)
        wanted = {"commune": None, "urban": "urban", "rural": "rural"}[actor.per]
        return [c for c in communes if wanted in (None, c.type)
                for _ in range(self._count(actor.count))]

    def _association(self, place: Territory, province: Territory, communes: list[Territory],
                     weights: list[int], counter: Iterator[int]) -> None:
        rng = self.rng
        name = (f"Association {rng.choice(_NAMES)} {rng.choice(_PURPOSES)} "
                f"— {place.name_fr}")
        org_id = self._organization(name, "association", "societe_civile", province, counter)
        templates = [t for t, _ in _ASSOCIATION_SERVICES]
        chosen = _sample(rng, templates, [w for _, w in _ASSOCIATION_SERVICES],
                         rng.randint(2, 6))
        confidential = any(t.confidential for t in chosen)
        sites = [self._site(org_id, place, counter, confidential)]
        if rng.random() < 0.12:
            other = rng.choices(communes, weights=weights)[0]
            sites.append(self._site(org_id, other, counter, confidential))
        for template in chosen:
            self._service(template, org_id, sites, province, counter, public=False, hub=False)

    def _organization(self, name: str, kind: str, sector: str, province: Territory,
                      counter: Iterator[int]) -> str:
        org_id = f"syn.{province.code}.o{next(counter):05d}"
        prefix = self.rng.choice(_FIXED_PREFIXES)
        phone = f"+212{prefix}{self.rng.randint(100000, 999999)}"
        self.orgs.append(Organization(
            id=org_id, name=name, org_kind=kind, sector=sector, province_code=province.code,
            channels=(Channel(kind="phone", value=phone, label="standard"),),
        ))
        return org_id

    def _site(self, org_id: str, commune: Territory, counter: Iterator[int],
              confidential: bool) -> Site:
        rng = self.rng
        assert commune.lat is not None and commune.lon is not None
        exact = rng.random() < 0.6
        lat_min, lat_max, lon_min, lon_max = MOROCCO_BBOX
        lat = min(lat_max, max(lat_min, commune.lat + rng.gauss(0, 0.01))) if exact else None
        lon = min(lon_max, max(lon_min, commune.lon + rng.gauss(0, 0.01))) if exact else None
        site = Site(id=f"{org_id}.s{next(counter):05d}", organization_id=org_id,
                    name=f"Siège — {commune.name_fr}", commune_code=commune.code,
                    address="" if confidential else f"{rng.randint(1, 300)}, avenue principale",
                    lat=round(lat, 6) if lat is not None else None,
                    lon=round(lon, 6) if lon is not None else None,
                    coordinates_precision="exact" if exact else "commune",
                    confidential=confidential)
        self.sites.append(site)
        self.site_point[site.id] = (site.lat if site.lat is not None else commune.lat,
                                    site.lon if site.lon is not None else commune.lon)
        return site

    def _service(self, t: _Svc, org_id: str, sites: list[Site], province: Territory,
                 counter: Iterator[int], *, public: bool, hub: bool) -> None:
        rng = self.rng
        sid = f"{org_id}.v{next(counter):05d}"
        eligibility = self._eligibility(t, province, public=public)
        status = rng.choices(("active", "no_capacity", "temporarily_closed", "inactive"),
                             weights=(94, 3, 2, 1))[0]
        self.services.append(Service(
            id=sid, organization_id=org_id, name=t.name, type=t.type, stages=t.stages,
            site_ids=tuple(s.id for s in sites), **eligibility,
            disability_accepted=t.disability or rng.random() < 0.2,
            emergency_24_7=t.emergency,
            hours=() if t.emergency else (_WITH_SATURDAY if rng.random() < 0.3 else _WEEKDAYS),
            access=t.access, documents=t.documents, status=status,
        ))
        self.point[sid] = self.site_point[sites[0].id]
        self.province_of[sid] = province.code
        if public:
            self.public.add(sid)
        if hub:
            self.hubs.add(sid)

    def _eligibility(self, t: _Svc, province: Territory, *, public: bool) -> dict[str, Any]:
        """Whom a service takes: situations, ages, sex and languages.

        Public services take the children their template says (a parquet, any child of its
        ressort). Associations specialise, as field entries do: an age range of their own
        (early childhood, adolescents…), girls or boys only, a few situations they focus
        on, a part only of their template's situations. Languages vary everywhere: the
        region's own, French, sometimes Spanish or English where migrants are met, darija
        alone in small associations. Drawn from a generator of their own, so that the rest
        of the dataset (ids, places, links) does not depend on them.
        """
        rng = self.eligibility_rng
        situations, ages = t.situations, t.ages
        sex = rng.choice(("F", "M", None)) if t.sexed else None
        if not public:
            if ages == (None, None) and rng.random() < 0.45:
                ages = rng.choices(_AGE_RANGES, weights=[w for _, w in _AGE_WEIGHTS])[0]
            elif ages[0] is not None and ages[1] is not None and rng.random() < 0.3:
                low = ages[0] + rng.randint(0, 2)
                ages = (low, max(low, ages[1] - rng.randint(0, 2)))
            if sex is None and not t.sexed:
                sex = rng.choices(("F", "M", None), weights=(10, 4, 86))[0]
            if situations and rng.random() < 0.35:
                kept = rng.sample(situations, rng.randint(max(1, len(situations) // 2),
                                                          len(situations)))
                situations = tuple(s for s in situations if s in kept)
            elif not situations and rng.random() < 0.25:
                situations = tuple(sorted(rng.sample(sorted(SITUATIONS), rng.randint(1, 3))))
        languages = ["darija"] if not public and rng.random() < 0.15 else ["darija", "arabe"]
        regional = _REGIONAL_LANGUAGES.get(province.region_code or "")
        if regional and rng.random() < 0.6:
            languages.append(regional)
        if rng.random() < 0.3:
            languages.append("francais")
        if "migrant_non_accompagne" in situations or rng.random() < 0.04:
            languages += rng.sample(("espagnol", "anglais"), rng.randint(1, 2))
        if t.disability and rng.random() < 0.3:
            languages.append("langue_des_signes")
        return {"situations": situations, "age_min": ages[0], "age_max": ages[1], "sex": sex,
                "languages": tuple(languages)}

    def _contact(self, org_id: str, counter: Iterator[int]) -> None:
        self.contacts.append(Contact(
            id=f"{org_id}.c{next(counter):05d}", organization_id=org_id,
            function="Point focal protection de l'enfance",
            channels=(Channel(kind="phone",
                              value=f"+2126{self.rng.randint(10000000, 69999999)}"),),
        ))

    def _count(self, expected: float) -> int:
        """An integer with mean ``expected × scale``."""
        value = expected * self.scale
        whole = math.floor(value)
        return whole + (self.rng.random() < value - whole)

    # --- referral links ----------------------------------------------------------------------

    def _links(self) -> list[ReferralLink]:
        """Each service refers to a few of the nearest services of its next stages."""
        rng = self.rng
        by_province_stage: dict[tuple[str, str], list[Service]] = defaultdict(list)
        for s in self.services:
            for stage in s.stages:
                by_province_stage[(self.province_of[s.id], stage)].append(s)
        sources: dict[tuple[str, str], list[Service]] = defaultdict(list)
        for s in self.services:
            last = max(s.stages, key=STAGE_ORDER.index)
            for stage in _NEXT[last]:
                sources[(self.province_of[s.id], stage)].append(s)
        pairs: dict[tuple[str, str], None] = {}
        for key in sorted(sources):
            targets = by_province_stage.get(key, [])
            if not targets:
                continue
            tree = cKDTree(self._xyz(targets))
            hubs = [t for t in targets if t.id in self.hubs]
            hub_tree = cKDTree(self._xyz(hubs)) if hubs else None
            group = sources[key]
            k = min(len(targets), 7)
            _, near = tree.query(self._xyz(group), k=k)
            near = np.asarray(near).reshape(len(group), -1)
            hub_near = (np.asarray(hub_tree.query(self._xyz(group), k=1)[1]).reshape(-1)
                        if hub_tree is not None else None)
            for i, source in enumerate(group):
                last = max(source.stages, key=STAGE_ORDER.index)
                per_stage = 3 if len(_NEXT[last]) == 1 else 2
                options = [targets[j].id for j in near[i].tolist() if targets[j].id != source.id]
                for target in rng.sample(options, min(per_stage, len(options))):
                    pairs[(source.id, target)] = None
                if hub_near is not None and rng.random() < 0.8:
                    hub = hubs[int(hub_near[i])].id
                    if hub != source.id:
                        pairs[(source.id, hub)] = None
        links = []
        for n, (src, dst) in enumerate(pairs):
            public = src in self.public and dst in self.public
            links.append(ReferralLink(
                id=f"syn.l{n:07d}", from_service_id=src, to_service_id=dst,
                link_kind="protocol" if public and rng.random() < 0.6 else "practice",
                typical_delay_hours=rng.choice((None, 2, 24, 48, 72)),
                documents=("fiche de liaison",) if rng.random() < 0.3 else (),
            ))
        return links

    def _xyz(self, services: list[Service]) -> np.ndarray:
        points = [self.point[s.id] for s in services]
        return unit_vectors([p[0] for p in points], [p[1] for p in points]).reshape(-1, 3)


def _sample(rng: random.Random, items: list[_Svc], weights: list[float], k: int) -> list[_Svc]:
    """``k`` distinct items drawn with the given weights, in their original order."""
    pool = list(range(len(items)))
    picked: set[int] = set()
    while len(picked) < min(k, len(items)):
        picked.add(rng.choices(pool, weights=weights)[0])
    return [items[i] for i in sorted(picked)]
