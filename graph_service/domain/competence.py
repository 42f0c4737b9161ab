"""Which service may receive which child, where: territorial competence, stated once.

The field documents ask that every actor have "un périmètre d'action cohérent"
(guide des plans d'action) and that children be oriented "selon la Carte des
acteurs et des institutions" (engagement 13). Distance alone cannot choose an
authority: a report (signalement) is received only by the parquet of the court
whose *ressort* covers the child's commune, by the police in urban communes
and by the gendarmerie royale in rural ones. This module holds every rule
that decides it; orientation, coverage and the action plans only apply them:

- **area** (:func:`derive_area`): the territories a service serves — the ones
  stated on the entry (``Service.area_codes``), or else a rule of its kind:
  the gendarmerie serves the rural communes of the provinces of its sites, the
  police the urban ones, a court with courts under it (a cour d'appel) the
  union of their areas (its ressort), any other service the provinces of its
  sites;
- **authority** (:func:`is_authority`): judicial and law-enforcement services
  (by sector or by type), which are proposed only where *competent*: their
  area covers the child. Every service of a jurisdiction stage
  (:data:`JURISDICTION_STAGES`, the signalement) must be such an authority;
- **receives children** (:func:`receives_children`): coordination bodies,
  capacity building, advocacy and awareness campaigns never receive a child,
  unless the entry says otherwise;
- **the competent institution** (:func:`competent_institution`): what to name
  when the annuaire has no competent service, so that a plan says what is
  missing instead of proposing another jurisdiction.

Adding a rule for a new kind of service means editing the tables below and a
test, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .entities import Organization, Service, Territory

__all__ = [
    "AUTHORITY_SECTORS",
    "AUTHORITY_TYPES",
    "JURISDICTION_STAGES",
    "NOT_FOR_CHILDREN_TYPES",
    "OUT_OF_AREA_MAX_KM",
    "ServiceArea",
    "competent_institution",
    "derive_area",
    "is_authority",
    "is_court",
    "receives_children",
]

AUTHORITY_SECTORS: frozenset[str] = frozenset({"justice", "surete_nationale", "gendarmerie"})
"""Sectors whose services act under a territorial jurisdiction."""
AUTHORITY_TYPES: frozenset[str] = frozenset({"parquet_mineurs", "juge_des_mineurs",
                                             "plainte_enquete"})
"""Service types that are judicial or law-enforcement acts, whoever offers them."""
JURISDICTION_STAGES: frozenset[str] = frozenset({"signalement"})
"""Stages only a competent authority can serve: a report goes to the authority of the
child's place, never to "the nearest" one."""
NOT_FOR_CHILDREN_TYPES: frozenset[str] = frozenset({"coordination", "renforcement_capacites",
                                                     "prevention_sensibilisation"})
"""Service types that never receive a referred child: committees (CPPE, CCPES),
training and advocacy of professionals, awareness campaigns."""
OUT_OF_AREA_MAX_KM = 60.0
"""How far a service outside its area may still be proposed (an authority never is);
the default of the ``GRAPH_SERVICE_MAX_KM`` setting."""
MILIEU_OF_SECTOR: dict[str, str] = {"surete_nationale": "urban", "gendarmerie": "rural"}
"""The police serve urban communes, the gendarmerie rural ones (HCP commune types)."""


@dataclass(frozen=True, slots=True)
class ServiceArea:
    """The territories a service serves.

    ``codes`` are HCP codes of communes, provinces or régions; ``milieu``
    (``urban``/``rural``), when set, keeps only the communes of that type.
    ``rule`` says where the area comes from (``stated`` or the derivation
    rule's name), so a plan can tell a stated area from a derived one.
    """

    codes: frozenset[str]
    milieu: str | None = None
    rule: str = "stated"

    def covers(self, commune: Territory) -> bool:
        """Whether a child of ``commune`` lives inside the area."""
        if self.milieu is not None and commune.type != self.milieu:
            return False
        return bool({commune.code, commune.province_code, commune.region_code} & self.codes)

    def touches(self, province: Territory) -> bool:
        """Whether the area covers part of ``province`` (a place known only by its province).

        Commune codes start with their province's code, so no table is needed.
        """
        if {province.code, province.region_code} & self.codes:
            return True
        return any(code.startswith(province.code + ".") for code in self.codes)

    @property
    def known(self) -> bool:
        """False when no territory could be derived (a service with no place)."""
        return bool(self.codes)


def receives_children(service: Service) -> bool:
    """Whether a child may be referred to ``service``: the entry's word, else its type's."""
    if service.receives_children is not None:
        return service.receives_children
    return service.type not in NOT_FOR_CHILDREN_TYPES


def is_court(organization: Organization) -> bool:
    """A court: the organisations whose ressort is the union of the courts under them."""
    return organization.sector == "justice"


def is_authority(service: Service, organization: Organization | None) -> bool:
    """Judicial or law-enforcement: proposed only where competent."""
    sector = organization.sector if organization is not None else ""
    return sector in AUTHORITY_SECTORS or service.type in AUTHORITY_TYPES


def derive_area(service: Service, organization: Organization | None,
                site_provinces: Iterable[str], ressort: Iterable[str] = ()) -> ServiceArea:
    """The area of ``service``: stated on the entry, or derived from its kind and places.

    Parameters
    ----------
    service, organization : the entry and its organisation
    site_provinces : provinces of the places the service is delivered at
    ressort : for a court with courts under it (a cour d'appel), the union of their
        services' areas; empty otherwise

    Examples
    --------
    >>> police = Organization(id="o", name="Sûreté", org_kind="institution_publique",
    ...                       sector="surete_nationale")
    >>> s = Service(id="s", organization_id="o", name="Brigade", type="plainte_enquete",
    ...             stages=("signalement",))
    >>> area = derive_area(s, police, ["04.441"])
    >>> sorted(area.codes), area.milieu, area.rule
    (['04.441'], 'urban', 'police_urban')
    """
    if service.area_codes:
        return ServiceArea(frozenset(service.area_codes))
    sector = organization.sector if organization is not None else ""
    provinces = frozenset(site_provinces)
    milieu = MILIEU_OF_SECTOR.get(sector)
    if milieu is not None:
        return ServiceArea(provinces, milieu, f"{_POLICE_RULE[sector]}_{milieu}")
    courts = frozenset(ressort)
    if courts:
        return ServiceArea(courts, None, "ressort")
    return ServiceArea(provinces, None, "provinces_of_sites")


_POLICE_RULE = {"surete_nationale": "police", "gendarmerie": "gendarmerie"}


@dataclass(frozen=True, slots=True)
class Institution:
    """What a plan names when the annuaire lacks the competent service (French, Arabic)."""

    fr: str
    ar: str


def competent_institution(stage: str, commune: Territory | None) -> Institution:
    """The institution competent for ``stage`` for a child of ``commune`` (``None``: only the
    province is known), to name when no competent service is recorded."""
    if stage not in JURISDICTION_STAGES:
        return Institution("l'autorité territorialement compétente",
                           "السلطة المختصة ترابيا")
    court = ("le parquet (procureur du Roi) du tribunal de première instance dont le ressort "
             "couvre la commune",
             "النيابة العامة لدى المحكمة الابتدائية التي تدخل الجماعة في دائرة نفوذها")
    if commune is None:
        police = ("la police (communes urbaines) ou la gendarmerie royale (communes rurales)",
                  "الشرطة (الجماعات الحضرية) أو الدرك الملكي (الجماعات القروية)")
    elif commune.type == "rural":
        police = ("la gendarmerie royale (commune rurale)", "الدرك الملكي (جماعة قروية)")
    else:
        police = ("la police — Sûreté nationale (commune urbaine)",
                  "الشرطة — الأمن الوطني (جماعة حضرية)")
    return Institution(f"{court[0]}, ou {police[0]}", f"{court[1]}، أو {police[1]}")
