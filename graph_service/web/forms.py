"""From submitted forms to entries, and from refused fields back to the inputs.

A form only *reads* what people typed into the shape of an entry: numbers,
check boxes, repeated rows of channels and hours. Whether the entry is valid
is decided by the one validation of the domain (through
:class:`~graph_service.editing.Editor`), whose :class:`FieldError` values name
fields such as ``channels[1].value``; inputs carry those very names, so each
error is shown next to its input. Phone numbers and e-mails are normalised
here when they can be (``0537 12 34 56`` → ``+212537123456``), as the store
keeps them; when they cannot, the raw value goes to validation, which refuses
it by name.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from starlette.datastructures import FormData

from ..domain.entities import Channel, Hours, Organization, Service, Site, Territory
from ..domain.errors import FieldError, ValidationFailed
from ..domain.taxonomy import PHONE_KINDS
from ..domain.validation import (
    MAX_ITEMS,
    missing,
    normalize_email,
    normalize_phone,
    not_a_number,
    quoted,
)
from ..snapshot import Snapshot
from .communes import resolve_commune, resolve_territory
from .i18n import Lang

__all__ = [
    "DAYS",
    "FormReader",
    "Problem",
    "entity_values",
    "error_map",
    "form_values",
    "normalized",
    "organization_from_form",
    "row_count",
    "service_from_form",
    "site_from_form",
]

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
EXTRA_ROWS = 1
"""Blank rows offered after the existing channels or hours, to add one."""
_ROW = re.compile(r"^(\w+)\[(\d+)\]")
LINE_FIELDS = ("documents", "area_codes")
"""Inputs of one item per line (a text area)."""
CHOICES: dict[str, bool | None] = {"": None, "true": True, "false": False}
"""A yes/no field that may also be left to its default (``receives_children``): the
select's values."""


Values = dict[str, list[str]]
"""What the inputs of a form show: input name → its values (several for check boxes)."""


class Problem(str):
    """A refused input's message in the page's language, as a page shows it: with the field's
    label, and the values to offer as buttons that fill the field in. A string, so a page
    that only lists messages shows it as one."""

    label: str
    suggestions: tuple[str, ...]

    def __new__(cls, message: str, label: str = "",
                suggestions: tuple[str, ...] = ()) -> Problem:
        problem = super().__new__(cls, message)
        problem.label, problem.suggestions = label, suggestions
        return problem


def error_map(exc: ValidationFailed, lang: str,
              values: Values | None = None) -> dict[str, list[str]]:
    """Field name → the problems of that input in the page's language ``lang`` (``""`` for
    errors about no one field). A channel's value is named by its kind as chosen in
    ``values`` (« Téléphone (moyen de contact 2) »), never by the input's name."""
    page = Lang(lang)
    out: dict[str, list[str]] = {}
    for error in exc.errors:
        row = _ROW.match(error.field)
        kind = (values or {}).get(f"{row.group(0)}.kind", [""])[0] if row else ""
        label = page.field(error.field, kind=kind) if error.field else ""
        out.setdefault(error.field, []).append(
            Problem(error.message_in(lang), label, error.suggestions))
    return out


def entity_values(entity: Organization | Site | Service) -> Values:
    """The inputs' values for an entry as stored (the form's first display)."""
    out: Values = {}
    for f in dataclasses.fields(entity):
        value = getattr(entity, f.name)
        if f.name in ("channels", "hours"):
            for i, row in enumerate(value):
                for key, item in dataclasses.asdict(row).items():
                    out[f"{f.name}[{i}].{key}"] = (item.split(",") if key == "byday"
                                                   else [str(item)])
        elif f.name in LINE_FIELDS:
            out[f.name] = ["\n".join(value)]
        elif f.name == "receives_children":
            out[f.name] = [next(k for k, v in CHOICES.items() if v is value)]
        elif isinstance(value, bool):
            out[f.name] = ["1"] if value else []
        elif isinstance(value, tuple):
            out[f.name] = [str(v) for v in value]
        else:
            out[f.name] = ["" if value is None else str(value)]
    return out


def form_values(form: FormData) -> Values:
    """The inputs' values as submitted (shown again, with the errors, when refused)."""
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}


class FormReader:
    """Reads typed values out of a form, collecting an error per unreadable field."""

    def __init__(self, form: FormData) -> None:
        self.form = form
        self.errors: list[FieldError] = []
        self._rows: dict[str, list[int]] = {}

    def text(self, name: str) -> str:
        value = self.form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def flag(self, name: str) -> bool:
        return self.form.get(name) not in (None, "")

    def codes(self, name: str) -> tuple[str, ...]:
        return tuple(v for v in self.form.getlist(name) if isinstance(v, str) and v)

    def lines(self, name: str) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.text(name).splitlines() if line.strip())

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def choice(self, name: str) -> bool | None:
        """Yes, no, or the default (:data:`CHOICES`)."""
        raw = self.text(name)
        if raw not in CHOICES:
            self.errors.append(FieldError(name, f"choix inconnu {quoted(raw)} : oui, non ou "
                                                "selon le type",
                                          message_ar=f"اختيار غير معروف {quoted(raw)}"))
            return None
        return CHOICES[raw]

    def integer(self, name: str) -> int | None:
        return self._number(name, int)

    def decimal(self, name: str) -> float | None:
        return self._number(name, float)

    def _number(self, name: str, cast: Callable[[str], Any]) -> Any:
        raw = self.text(name).replace(",", ".") if cast is float else self.text(name)
        if not raw:
            return None
        try:
            return cast(raw)
        except ValueError:
            self.errors.append(not_a_number(name, self.text(name), whole=cast is int))
            return None

    def rows(self, name: str) -> list[int]:
        """The row numbers of the repeated field ``name`` the form sent (rows can be added in
        the page), but for those whose « supprimer » box is ticked."""
        found = {int(m.group(2)) for key in self.form
                 if (m := _ROW.match(key)) and m.group(1) == name}
        return sorted(i for i in found if i < MAX_ITEMS + EXTRA_ROWS
                      and not self.flag(f"{name}[{i}].remove"))

    def channels(self, name: str) -> tuple[Channel, ...]:
        """``name[i].kind/value/label`` rows; empty and removed rows are dropped."""
        out, kept = [], []
        for i in self.rows(name):
            value = self.text(f"{name}[{i}].value")
            if not value:
                continue
            kind = self.text(f"{name}[{i}].kind")
            out.append(Channel(kind=kind, value=normalized(kind, value),
                               label=self.text(f"{name}[{i}].label")))
            kept.append(i)
        self._rows[name] = kept
        return tuple(out)

    def hours(self, name: str) -> tuple[Hours, ...]:
        """``name[i].byday`` (check boxes), ``.opens_at``, ``.closes_at``; empty and removed
        rows dropped."""
        out, kept = [], []
        for i in self.rows(name):
            days = set(self.codes(f"{name}[{i}].byday"))
            opens, closes = self.text(f"{name}[{i}].opens_at"), self.text(f"{name}[{i}].closes_at")
            if not (days or opens or closes):
                continue
            out.append(Hours(byday=",".join(d for d in DAYS if d in days), opens_at=opens,
                             closes_at=closes))
            kept.append(i)
        self._rows[name] = kept
        return tuple(out)

    def renumbered(self, errors: Iterable[FieldError]) -> list[FieldError]:
        """Errors of an entry with row numbers turned back into the form's row numbers."""
        out = []
        for error in errors:
            found = _ROW.match(error.field)
            rows = self._rows.get(found.group(1)) if found else None
            if found and rows is not None and int(found.group(2)) < len(rows):
                field = f"{found.group(1)}[{rows[int(found.group(2))]}]" + \
                    error.field[found.end():]
                error = dataclasses.replace(error, field=field)
            out.append(error)
        return out


def normalized(kind: str, value: str) -> str:
    """A phone number or an e-mail as stored, when it can be read; else as typed (validation
    then names the field)."""
    try:
        if kind in PHONE_KINDS:
            return normalize_phone(value)
        if kind == "email":
            return normalize_email(value)
    except ValueError:
        pass  # left as typed: validation names the field
    return value


def row_count(values: Values, name: str) -> int:
    """Rows of channels or hours a form shows: those filled in ``values`` (as stored, or as
    sent back), and a blank one to add another (a row's kind alone does not fill it)."""
    found = [int(m.group(2)) for key, typed in values.items()
             if (m := _ROW.match(key)) and m.group(1) == name
             and not key.endswith((".kind", ".remove")) and any(v.strip() for v in typed)]
    return max(found, default=-1) + 1 + EXTRA_ROWS


def organization_from_form(current: Organization, reader: FormReader) -> Organization:
    return dataclasses.replace(
        current,
        name=reader.text("name"),
        name_ar=reader.text("name_ar"),
        description=reader.text("description"),
        website=reader.text("website"),
        email=normalized("email", reader.text("email")) if reader.text("email") else "",
        channels=reader.channels("channels"),
    )


def site_from_form(current: Site, reader: FormReader, snapshot: Snapshot) -> Site:
    """The edited site; its commune is read as the commune fields read it (:mod:`.communes`)."""
    commune_code = current.commune_code
    text = reader.text("commune_code")
    if not text:
        reader.errors.append(missing("commune_code"))
    else:
        commune = _resolved(reader, "commune_code",
                            functools.partial(resolve_commune, snapshot, text))
        commune_code = commune.code if commune else commune_code
    lat, lon = reader.decimal("lat"), reader.decimal("lon")
    return dataclasses.replace(
        current,
        name=reader.text("name"),
        address=reader.text("address"),
        commune_code=commune_code,
        lat=lat,
        lon=lon,
        coordinates_precision="exact" if lat is not None and lon is not None else "commune",
        confidential=reader.flag("confidential"),
        description=reader.text("description"),
    )


def service_from_form(current: Service, reader: FormReader, snapshot: Snapshot) -> Service:
    """The edited service; each line of its area is read as a province or commune field
    reads it (:func:`~.communes.resolve_territory`)."""
    return dataclasses.replace(
        current,
        name=reader.text("name"),
        name_ar=reader.text("name_ar"),
        type=reader.text("type"),
        status=reader.text("status"),
        stages=reader.codes("stages"),
        situations=reader.codes("situations"),
        age_min=reader.integer("age_min"),
        age_max=reader.integer("age_max"),
        sex=reader.optional("sex"),
        disability_accepted=reader.flag("disability_accepted"),
        languages=reader.codes("languages"),
        emergency_24_7=reader.flag("emergency_24_7"),
        hours=reader.hours("hours"),
        schedule_note=reader.text("schedule_note"),
        access=reader.text("access"),
        documents=reader.lines("documents"),
        cost=reader.text("cost"),
        description=reader.text("description"),
        channels=reader.channels("channels"),
        site_ids=reader.codes("site_ids"),
        area_codes=_area_codes(reader, snapshot),
        receives_children=reader.choice("receives_children"),
    )


def _area_codes(reader: FormReader, snapshot: Snapshot) -> tuple[str, ...]:
    found = [_resolved(reader, "area_codes", functools.partial(resolve_territory, snapshot, line))
             for line in reader.lines("area_codes")]
    return tuple(dict.fromkeys(t.code for t in found if t is not None))


def _resolved(reader: FormReader, field: str, resolve: Callable[[], Territory]) -> Territory | None:
    """The territory a field names, or ``None`` with the look-up's errors put on ``field``."""
    try:
        return resolve()
    except ValidationFailed as exc:
        reader.errors.extend(dataclasses.replace(e, field=field) for e in exc.errors)
        return None
