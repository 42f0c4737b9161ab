"""Communes as people type them: the autocomplete endpoint and reading a commune field.

The list offers ``Name (HCP code)``; what comes back from a form is either
that (the code is read), or a name typed by hand, which orientation's own
look-up resolves (accents, case and Arabic spelling ignored; ambiguous or
unknown names refused with the closest ones suggested). A browser without
JavaScript simply gets no suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..coverage import resolve_area
from ..domain.entities import Territory
from ..domain.errors import ValidationFailed
from ..domain.validation import SEARCH_TEXT_MAX
from ..orientation import Where, locate, orientation_index
from ..snapshot import Snapshot
from ..text import search_key
from .pages import index_of

__all__ = ["MAX_SUGGESTIONS", "commune_code", "commune_label", "resolve_commune",
           "resolve_territory", "routes"]

MAX_SUGGESTIONS = 10
_CODE_SUFFIX = re.compile(r"\(([0-9][0-9.]*)\)\s*$")
_KEY = __name__


@dataclass(frozen=True, slots=True)
class _Entry:
    keys: tuple[str, ...]
    label: str
    province: str


def commune_label(commune: Territory) -> str:
    """How a commune (or any territory) is written in a field: ``Salé (04.441.01.0)``."""
    return f"{commune.name_fr} ({commune.code})"


def commune_code(text: str) -> str:
    """The HCP code of ``Salé (04.441.01.0)`` as the list writes it; other text as typed."""
    found = _CODE_SUFFIX.search(text)
    return found.group(1) if found else text.strip()


def resolve_commune(snapshot: Snapshot, text: str) -> Territory:
    """The commune a field names: ``Name (code)``, a bare code, or a name.

    Raises
    ------
    ValidationFailed
        Unknown or ambiguous (field ``commune``, closest names suggested).
    """
    commune = snapshot.territories.get(commune_code(text))
    if commune is not None and commune.level == "commune":
        return commune
    location = locate(orientation_index(snapshot), Where(commune=text))
    assert location.commune is not None  # a commune was asked for
    return snapshot.territories[location.commune.code]


def resolve_territory(snapshot: Snapshot, text: str) -> Territory:
    """The territory a line of a service's area names: ``Name (code)`` or a bare HCP code
    of any level, else a province's name (the usual area), else a commune's.

    Raises
    ------
    ValidationFailed
        Neither (field ``commune``, the closest commune names suggested).
    """
    known = snapshot.territories.get(commune_code(text))
    if known is not None:
        return known
    try:
        return resolve_area(snapshot, text, "province")
    except ValidationFailed:
        return resolve_commune(snapshot, text)


def suggestions(snapshot: Snapshot, text: str) -> list[dict[str, str]]:
    """Communes whose French or Arabic name has a word starting with ``text``, prefixes first."""
    key = search_key(text)
    if not key:
        return []
    prefix: list[_Entry] = []
    inner: list[_Entry] = []
    for entry in _entries(snapshot):
        if any(k.startswith(key) for k in entry.keys):
            prefix.append(entry)
        elif any(f" {key}" in f" {k}" for k in entry.keys):
            inner.append(entry)
    return [{"value": e.label, "province": e.province}
            for e in (prefix + inner)[:MAX_SUGGESTIONS]]


def _entries(snapshot: Snapshot) -> list[_Entry]:
    cached = snapshot.derived.get(_KEY)
    if isinstance(cached, list):
        return cached
    entries = []
    for commune in sorted(snapshot.communes(), key=lambda c: (search_key(c.name_fr), c.code)):
        province = snapshot.territories.get(commune.province_code or "")
        entries.append(_Entry(
            keys=tuple(k for k in (search_key(commune.name_fr), search_key(commune.name_ar)) if k),
            label=commune_label(commune),
            province=province.name_fr if province else "",
        ))
    snapshot.derived[_KEY] = entries
    return entries


async def communes_json(request: Request) -> JSONResponse:
    snapshot = (await index_of(request)).snapshot
    text = request.query_params.get("q", "")[:SEARCH_TEXT_MAX]
    return JSONResponse(suggestions(snapshot, text))


def territory_options(territories: Iterable[Territory], lang: str) -> list[tuple[str, str]]:
    """(code, name) of ``territories`` for a select, named in ``lang`` and sorted as a reader
    expects: accents and Arabic spelling variants folded (Kénitra before Khénifra)."""
    named = [(t.code, t.name_ar if lang == "ar" and t.name_ar else t.name_fr)
             for t in territories]
    return sorted(named, key=lambda pair: (search_key(pair[1]), pair[1], pair[0]))


routes = [Route("/communes.json", communes_json, methods=["GET"], name="communes")]
