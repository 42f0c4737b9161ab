"""The question a social worker asks, checked, and where it places the child.

A place is given as a commune (HCP code or name, French or Arabic, accents and
case ignored), a province, or a latitude/longitude; every invalid part is
refused with the field named and, for names, the closest known ones.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..coverage import not_found, resolve_area, unit_vectors
from ..domain.eligibility import Need
from ..domain.entities import Territory
from ..domain.errors import FieldError, ValidationFailed
from ..domain.messages import Bilingual, Message
from ..domain.taxonomy import STAGE_ORDER, STAGES, check_code
from ..domain.validation import _Checker, search_text_errors
from ..settings import Settings
from ..text import closest, search_key
from .index import OrientationIndex
from .plan import Area, Location, area

__all__ = ["MAX_ALTERNATIVES", "Request", "Where", "locate", "max_km_of"]

MAX_ALTERNATIVES = 10


@dataclass(frozen=True, slots=True)
class Where:
    """Exactly one of: a commune, a province, or a ``lat``/``lon`` pair."""

    commune: str | None = None
    province: str | None = None
    lat: float | None = None
    lon: float | None = None

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        given = [self.commune is not None, self.province is not None,
                 self.lat is not None or self.lon is not None]
        if sum(given) != 1:
            errors.append(FieldError("commune", Message("one_place")))
        elif given[2]:
            errors.extend(_check_point(self.lat, self.lon))
        for name in ("commune", "province"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                errors.append(FieldError(name, Message("empty")))
            errors.extend(search_text_errors(name, value))
        if errors:
            raise ValidationFailed(errors)


def _check_point(lat: float | None, lon: float | None) -> list[FieldError]:
    """A point is checked as a site's coordinates are (the same words, the same box)."""
    check = _Checker("")
    check.coordinates(lat, lon)
    return check.errors


@dataclass(frozen=True, slots=True)
class Request:
    """A situation, a place, the stage the child is at (default: the start of the circuit),
    how far a service outside its area may be proposed (default: the
    ``GRAPH_SERVICE_MAX_KM`` setting) and how many alternatives to propose per stage."""

    need: Need
    where: Where
    start_stage: str = STAGE_ORDER[0]
    max_km: float | None = None
    alternatives: int = 3

    def __post_init__(self) -> None:
        errors = []
        errors += check_code("stage", self.start_stage, STAGES)
        if self.max_km is not None and not self.max_km > 0:
            errors.append(FieldError("max_km", Message("not_positive_km", value=self.max_km)))
        if not 0 <= self.alternatives <= MAX_ALTERNATIVES:
            errors.append(FieldError("alternatives", Message(
                "outside_range", value=self.alternatives, low=0, high=MAX_ALTERNATIVES)))
        if errors:
            raise ValidationFailed(errors)


def max_km_of(request: Request) -> float:
    """The distance asked, else the deployment's default (``GRAPH_SERVICE_MAX_KM``)."""
    return request.max_km if request.max_km is not None else _default_max_km()


@functools.cache
def _default_max_km() -> float:
    """Read once per process, like every setting: not on each query's path."""
    return float(Settings()["GRAPH_SERVICE_MAX_KM"])


def locate(index: OrientationIndex, where: Where) -> Location:
    """The commune (if known), province and point of ``where``.

    Raises
    ------
    ValidationFailed
        Unknown or ambiguous name (closest names suggested), or a point with no commune.
    """
    snap = index.snapshot
    if where.commune is not None:
        commune = _commune(index, where.commune)
        assert commune.lat is not None and commune.lon is not None  # indexed communes have one
        return _location(index, commune, commune.lat, commune.lon)
    if where.province is not None:
        province = resolve_area(snap, where.province, "province")
        parent = snap.territories.get(province.parent_code or "")
        if province.code not in index.commune_provinces and parent is not None \
                and parent.level == "province":
            province = parent  # a préfecture d'arrondissements: its communes are its parent's
        if province.lat is None or province.lon is None:
            raise ValidationFailed([FieldError("province", Message(
                "province_no_point", province=Bilingual(province.name_fr, province.name_ar),
                code=province.code))])
        return Location(None, area(province), province.lat, province.lon)
    assert where.lat is not None and where.lon is not None  # checked by Where
    if not index.commune_codes:
        raise ValidationFailed([FieldError("lat", Message("no_commune_known"))])
    _, row = index.commune_tree.query(unit_vectors([where.lat], [where.lon])[0])
    commune = snap.territories[index.commune_codes[int(row)]]
    return _location(index, commune, where.lat, where.lon)


def _location(index: OrientationIndex, commune: Territory, lat: float, lon: float) -> Location:
    province = index.snapshot.territories.get(commune.province_code or "")
    return Location(
        area(commune),
        area(province) if province else Area(commune.province_code or "", ""),
        float(np.round(lat, 6)), float(np.round(lon, 6)),
    )


def _commune(index: OrientationIndex, text: str) -> Territory:
    territories = index.snapshot.territories
    query = text.strip()
    by_code = territories.get(query)
    if by_code is not None and by_code.level == "commune" and by_code.lat is not None \
            and by_code.lon is not None:
        return by_code
    codes = index.communes_by_key.get(search_key(query), ())
    if len(codes) == 1:
        return territories[codes[0]]
    if codes:
        raise ValidationFailed([not_found("commune", text, [
            (_label(index, territories[c]), territories[c]) for c in codes], ambiguous=True)])
    labels = {search_key(territories[c].name_fr): c for c in index.commune_codes}
    raise ValidationFailed([not_found("commune", text, [
        (_label(index, territories[c]), territories[c]) for c in closest(query, labels)])])


def _label(index: OrientationIndex, commune: Territory) -> Bilingual:
    """« Salé (Salé, 04.441.01.0) », with the Arabic names on Arabic pages."""
    province = index.snapshot.territories.get(commune.province_code or "")
    return Bilingual(
        f"{commune.name_fr} ({province.name_fr + ', ' if province else ''}{commune.code})",
        f"{commune.name_ar} ({province.name_ar + '، ' if province else ''}{commune.code})")
