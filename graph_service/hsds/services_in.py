"""HSDS service rows, with everything hanging off them, to :class:`Service` entries.

A service gathers rows of many tables: its profile, stages and situations (``x_`` tables),
the locations it is offered at, its languages, schedules, required documents and cost
options, and the taxonomy terms attached to it. See :mod:`.to_entities` for the rules.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..domain.entities import Channel, Hours, Service
from ..domain.taxonomy import SERVICE_TYPES, SITUATIONS, STAGES
from ..domain.validation import CHILD_AGE_MAX
from . import codes
from .schema import parse_boolean
from .tabular import Row

if TYPE_CHECKING:
    from .to_entities import EntityReader, Origin


class ServiceParts:
    """The rows of the tables around ``services.csv``, indexed by service."""

    def __init__(self, reader: EntityReader) -> None:
        self.reader = reader
        self.profiles = {r.get("service_id"): r for r in reader.rows("x_service_profile")}
        self.stages = reader.group("x_service_stages", "service_id")
        self.situations = reader.group("x_service_situations", "service_id")
        self.at = reader.group("service_at_location", "service_id")
        self.languages = reader.group("language", "service_id")
        self.documents = reader.group("required_document", "service_id")
        self.costs = reader.group("cost_option", "service_id")
        self.areas = reader.group("service_area", "service_id")
        self.schedules = self._schedules()
        self.terms = self._terms()

    def _schedules(self) -> dict[str, list[Row]]:
        """Schedules by service, directly or through ``service_at_location``."""
        out: dict[str, list[Row]] = {}
        for r in self.reader.rows("schedule"):
            sal = self.reader.sal.get(r.get("service_at_location_id"))
            service = r.get("service_id") or (sal.get("service_id") if sal else "")
            if service in self.reader.services:
                out.setdefault(service, []).append(r)
            else:
                self.reader.warn(r, "service_id", "opening hours are kept per service and "
                                 "this schedule names none; left out")
        return out

    def _terms(self) -> dict[str, list[str]]:
        """Codes and names of the taxonomy terms attached to each service."""
        terms = {r.get("id"): r for r in self.reader.rows("taxonomy_term")}
        out: dict[str, list[str]] = {}
        for a in self.reader.rows("attribute"):
            term = terms.get(a.get("taxonomy_term_id"))
            if a.get("link_entity") == "service" and term is not None:
                out.setdefault(a.get("link_id"), []).extend((term.get("code"), term.get("name")))
        return out

    def service(
        self, hid: str, r: Row, channels: tuple[Channel, ...]
    ) -> tuple[Service, dict[str, Origin]]:
        """The entry for service row ``r`` and where its fields came from."""
        p = self.profiles.get(hid)
        kind, term_stages, term_situations = _vocabulary(self.terms.get(hid, []))
        stages = tuple(s.get("stage") for s in self.stages[hid])
        situations = tuple(s.get("situation") for s in self.situations[hid])
        hours, note, hour_origins = self._hours(self.schedules.get(hid, []))
        origins: dict[str, Origin] = {
            "name": (r.where, "name"), "description": (r.where, "description"),
            "organization_id": (r.where, "organization_id"),
            "age_min": (r.where, "minimum_age"), "age_max": (r.where, "maximum_age"),
            "status": (r.where, "status"),
            "stages": (self.stages[hid][0].where if self.stages[hid] else r.where, "stage"),
            "area_codes": (self.areas[hid][0].where if self.areas[hid] else r.where, "extent"),
            **hour_origins,
        }
        if p is not None:
            origins.update({k: (p.where, k) for k in _PROFILE_COLUMNS})
        age_max = r.number("maximum_age")
        service = Service(
            id=self.reader.eid("service", hid),
            organization_id=self.reader.eid("organization", r.get("organization_id")),
            name=r.get("name"),
            name_ar=p.get("name_ar") if p else "",
            type=p.get("type") if p else kind or codes.DEFAULT_SERVICE_TYPE,
            stages=stages or term_stages or (() if p else codes.DEFAULT_STAGES),
            situations=situations or term_situations,
            site_ids=self._sites(hid),
            age_min=_whole(r.number("minimum_age")),
            age_max=None if age_max is None or age_max > CHILD_AGE_MAX else _whole(age_max),
            sex=(p.get("sex") or None) if p else None,
            disability_accepted=parse_boolean(p.get("disability_accepted")) if p else False,
            languages=self._languages(hid),
            emergency_24_7=parse_boolean(p.get("emergency_24_7")) if p else False,
            hours=hours,
            schedule_note=note,
            access=p.get("access") if p else "drop_in",
            documents=tuple(d.get("document") for d in self.documents[hid] if d.get("document")),
            cost="; ".join(c for c in (r.get("fees_description"), *self._costs(hid)) if c),
            status=p.get("status") if p else codes.STATUS_FROM_HSDS[r.get("status")],
            description=r.get("description"),
            channels=channels,
            area_codes=self._areas(hid),
            receives_children=(parse_boolean(p.get("receives_children"))
                               if p and p.get("receives_children") else None),
        )
        return service, origins

    def _areas(self, hid: str) -> tuple[str, ...]:
        """HCP codes of the service's areas (``extent`` of type text, else ``name``); an
        area named otherwise (a foreign package's free text) is left out with a warning."""
        out: list[str] = []
        for r in self.areas[hid]:
            value = r.get("extent") if r.get("extent_type") == "text" else r.get("name")
            if HCP_CODE.match(value):
                out.append(value)
            else:
                self.reader.warn(r, "extent", f"area {value or r.get('name')!r} is not an HCP "
                                 "territory code; left out (the area is then derived)")
        return tuple(dict.fromkeys(out))

    def _sites(self, hid: str) -> tuple[str, ...]:
        out: list[str] = []
        for a in self.at[hid]:
            location = a.get("location_id")
            if location not in self.reader.location_org:
                self.reader.warn(a, "location_id", "that location was left out; link dropped")
            elif (site := self.reader.eid("location", location)) not in out:
                out.append(site)
        return tuple(out)

    def _languages(self, hid: str) -> tuple[str, ...]:
        out: list[str] = []
        for r in self.languages[hid]:
            code = codes.language_code(r.get("code"), r.get("name"))
            if code is None:
                self.reader.warn(r, "code", f"language {r.get('code') or r.get('name')!r} is "
                                 "not in the annuaire's vocabulary; left out")
            elif code not in out:
                out.append(code)
        return tuple(out)

    def _hours(self, rows: list[Row]) -> tuple[tuple[Hours, ...], str, dict[str, Origin]]:
        hours: list[Hours] = []
        notes: list[str] = []
        origins: dict[str, Origin] = {}
        for r in rows:
            if r.get("description"):
                notes.append(r.get("description"))
            times = (r.get("byday"), r.get("opens_at"), r.get("closes_at"))
            if r.get("freq") == "WEEKLY" and all(times):
                for column in ("byday", "opens_at", "closes_at"):
                    origins[f"hours[{len(hours)}].{column}"] = (r.where, column)
                hours.append(Hours(byday=times[0].replace(" ", ""), opens_at=times[1][:5],
                                   closes_at=times[2][:5]))
            elif any(times) or r.get("freq"):
                self.reader.warn(r, "freq", "only weekly hours (freq WEEKLY with byday, "
                                 "opens_at and closes_at) are kept; left out")
        return tuple(hours), "\n".join(notes), origins

    def _costs(self, hid: str) -> list[str]:
        out = []
        for c in self.costs[hid]:
            amount = " ".join(v for v in (c.get("amount"), c.get("currency")) if v)
            text = ": ".join(v for v in (c.get("option"), amount) if v)
            if c.get("amount_description"):
                text += f" ({c.get('amount_description')})"
            out.append(text)
        return out


_PROFILE_COLUMNS = (
    "type", "name_ar", "sex", "disability_accepted", "emergency_24_7", "access", "status",
    "receives_children",
)
HCP_CODE = re.compile(r"^\d{2}(\.\d{3}(\.\d{2}\.\d{1,2})?)?$")
"""The shape of an HCP territory code: région ``04``, province ``04.441``, commune
``04.441.01.0``."""


def _whole(age: float | None) -> int | None:
    """An age in whole years (a fractional age is kept as the years it has begun)."""
    return None if age is None else int(age)


def _vocabulary(names: list[str]) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """(service type, stages, situations) among taxonomy codes or names that are ours."""
    keys = [n.strip().lower() for n in names if n]
    kind = next((k for k in keys if k in SERVICE_TYPES), None)
    stages = tuple(dict.fromkeys(k for k in keys if k in STAGES))
    situations = tuple(dict.fromkeys(k for k in keys if k in SITUATIONS))
    return kind, stages, situations
