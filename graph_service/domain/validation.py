"""Validation of annuaire entries, naming each bad field.

Every check returns :class:`FieldError` values instead of raising on the first
problem, so a form or an import file can show all its errors at once. The
territories are passed in (the level of each known HCP code) because the domain
knows no store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .entities import (
    AnyEntity,
    Channel,
    Contact,
    Hours,
    Membership,
    Organization,
    ReferralLink,
    Service,
    Site,
    to_record,
)
from .errors import FieldError
from .messages import Message
from .taxonomy import (
    ACCESS_MODES,
    CHANNEL_KINDS,
    COORDINATES_PRECISIONS,
    LANGUAGES,
    LINK_KINDS,
    ORGANIZATION_KINDS,
    PHONE_KINDS,
    SECTORS,
    SERVICE_STATUSES,
    SERVICE_TYPES,
    SEXES,
    SITUATIONS,
    STAGES,
    Term,
    check_code,
)

MOROCCO_BBOX = (20.7, 36.0, -17.2, -0.9)
"""lat_min, lat_max, lon_min, lon_max: Morocco with its southern provinces."""

CHILD_AGE_MIN, CHILD_AGE_MAX = 0, 17
_DAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_ID_MAX = 128
TEXT_LIMITS: dict[str, int] = {
    # free text
    "name": 200, "name_ar": 200, "function": 200, "person_name": 200, "role": 200,
    "label": 200, "address": 300, "website": 300, "email": 254, "value": 300,
    "cost": 500, "documents": 500, "schedule_note": 500, "description": 2000,
    "message": 500,
    # codes and references (vocabularies, HCP codes, ids) are checked against what exists
    "id": _ID_MAX, "organization_id": _ID_MAX, "service_id": _ID_MAX, "parent_id": _ID_MAX,
    "from_service_id": _ID_MAX, "to_service_id": _ID_MAX, "body_id": _ID_MAX,
    "site_ids": _ID_MAX, "identifiers": _ID_MAX, "province_code": 32, "commune_code": 32,
    "area_codes": 32,
    "org_kind": 64, "sector": 64, "type": 64, "stages": 64, "situations": 64,
    "languages": 64, "sex": 64, "access": 64, "status": 64, "link_kind": 64,
    "coordinates_precision": 64, "kind": 64, "byday": 20, "opens_at": 5, "closes_at": 5,
    # bookkeeping the stores write
    "last_modified": 64, "verified_at": 64, "verified_by": 256, "created_by": 256,
}
"""Most characters of every text field, by field name whatever the entry (a name is a
name): each item of a list, each part of a channel or an opening slot. Imports, the API
and the pages all refuse a longer value, naming the field, before any other check runs
on it."""
MAX_ITEMS = 100
"""Most items of any list field (channels, hours, documents, stages, sites…)."""
SEARCH_TEXT_MAX = 200
"""Most characters of a search text (a list's ``text`` filter, a place name to look up)."""
PHONE_EXAMPLE = "05 37 88 12 34 ou +212 5 37 88 12 34"
"""How a number is expected, in every message refusing one."""
PHONE_EXAMPLE_AR = "\u206605 37 88 12 34\u2069"
"""The Arabic messages' example: one number, isolated left to right (LRI … PDI, as ``<bdi>``
in a page) so that the right-to-left text cannot reorder its groups."""
EMAIL_EXAMPLE = "contact@association.ma"
URL_EXAMPLE = "https://www.association.ma"
TIME_EXAMPLE = "09:00"
"""The examples every message refusing an e-mail, a web address or an hour gives."""


class InputError(ValueError):
    """A refused value, with its message in Arabic too (shown on Arabic pages)."""

    def __init__(self, message: str, message_ar: str = "") -> None:
        super().__init__(message)
        self.message_ar = message_ar


REQUIRED = "est obligatoire"
REQUIRED_AR = "إجباري"
"""The message of a missing value, wherever a form, an API input or a file lacks one."""


def missing(field: str, where: str = "") -> FieldError:
    """The error of a missing value, in French and Arabic."""
    return FieldError(field, REQUIRED, where, REQUIRED_AR)


def not_a_number(field: str, typed: str, *, whole: bool) -> FieldError:
    """The one answer to a number that cannot be read (a form, a map's parameters, the CLI)."""
    return FieldError(field, Message("not_whole_number" if whole else "not_number", value=typed))


def quoted(value: object) -> str:
    """A value typed by someone, quoted as French and Arabic texts quote: « 05 37 12 »."""
    return f"«\u00a0{value}\u00a0»"

__all__ = [
    "MAX_ITEMS",
    "MOROCCO_BBOX",
    "PHONE_EXAMPLE",
    "REQUIRED",
    "REQUIRED_AR",
    "SEARCH_TEXT_MAX",
    "TEXT_LIMITS",
    "InputError",
    "channel_errors",
    "correction_message_errors",
    "missing",
    "normalize_email",
    "normalize_phone",
    "not_a_number",
    "quoted",
    "search_text_errors",
    "validate_entity",
]


def normalize_phone(value: str) -> str:
    """Return a Moroccan or international number in E.164, or raise ``ValueError``.

    National forms (``0537 12 34 56``, ``05.37.12.34.56``) are read as Moroccan;
    national short numbers (police ``19``, gendarmerie ``177``, a helpline ``2511``) are kept
    as typed.
    """
    raw = value.strip()
    letters = sorted(set(re.findall(r"[^\W\d_]", raw)))
    if letters:
        # phonenumbers reads letters as a keypad's (O → 6): a letter O typed for a zero
        # would be stored as another, valid, number.
        raise InputError(
            f"{quoted(value)} contient {'la lettre' if len(letters) == 1 else 'les lettres'} "
            f"{', '.join(letters)} : un numéro ne s'écrit qu'avec des chiffres (0, pas la "
            f"lettre O), par exemple {PHONE_EXAMPLE}",
            f"{quoted(value)} يحتوي على حروف ({', '.join(letters)}): يكتب الرقم بالأرقام فقط "
            f"(0 وليس الحرف O)، مثلا {PHONE_EXAMPLE_AR}")
    digits = re.sub(r"[\s.\-()/]", "", raw)
    if re.fullmatch(r"\d{2,4}", digits):
        return digits
    try:
        number = phonenumbers.parse(raw, "MA")
    except phonenumbers.NumberParseException as exc:
        raise InputError(f"{quoted(value)} n'est pas un numéro de téléphone, "
                         f"par exemple {PHONE_EXAMPLE}",
                         f"{quoted(value)} ليس رقم هاتف، مثلا {PHONE_EXAMPLE_AR}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InputError(
            f"{quoted(value)} n'est pas un numéro marocain ou international valide, "
            f"par exemple {PHONE_EXAMPLE}",
            f"{quoted(value)} ليس رقما مغربيا أو دوليا صالحا، مثلا {PHONE_EXAMPLE_AR}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str) -> str:
    """Return the normalised address, or raise :class:`InputError` (syntax only: no DNS here;
    the library's own, English, explanation is not shown to people)."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InputError(
            f"{quoted(value)} n'est pas une adresse e-mail valide, par exemple {EMAIL_EXAMPLE}",
            f"{quoted(value)} ليس عنوان بريد إلكتروني صالحا، مثلا {EMAIL_EXAMPLE}") from exc


class _Checker:
    """Collects errors for one entity; each method checks one field."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.errors: list[FieldError] = []

    def fail(self, field: str, message: str, message_ar: str = "") -> None:
        self.errors.append(FieldError(field, message, self.where, message_ar))

    def required(self, field: str, value: Any) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail(field, REQUIRED, REQUIRED_AR)

    def lengths(self, entity: AnyEntity) -> None:
        """Every text field against :data:`TEXT_LIMITS`, every list against :data:`MAX_ITEMS`."""
        for name, value in to_record(entity).items():
            if not isinstance(value, list):
                self.length(name, name, value)
                continue
            if len(value) > MAX_ITEMS:
                self.fail(name, f"{len(value)} éléments : au plus {MAX_ITEMS}",
                          f"{len(value)} عنصرا: {MAX_ITEMS} على الأكثر")
            for i, item in enumerate(value[:MAX_ITEMS]):
                parts = item.items() if isinstance(item, dict) else [(name, item)]
                for part, text in parts:
                    self.length(f"{name}[{i}]" + (f".{part}" if part != name else ""), part, text)

    def length(self, field: str, key: str, value: Any) -> None:
        if isinstance(value, str) and len(value) > TEXT_LIMITS[key]:
            self.fail(field, f"{len(value)} caractères : au plus {TEXT_LIMITS[key]}",
                      f"{len(value)} حرفا: {TEXT_LIMITS[key]} على الأكثر")

    def identifier(self, field: str, value: str | None) -> None:
        if value and not _ID.match(value):
            self.fail(field, f"{quoted(value)} n'est pas un identifiant valide "
                             "(lettres, chiffres, . _ : -), par exemple service-upe-sale",
                      f"{quoted(value)} ليس معرفا صالحا (حروف لاتينية وأرقام و . _ : -)، "
                      "مثلا service-upe-sale")

    def code(self, field: str, value: str | None, vocab: dict[str, Term]) -> None:
        self.errors.extend(replace(e, where=self.where) for e in check_code(field, value, vocab))

    def codes(self, field: str, values: Iterable[str], vocab: dict[str, Term]) -> None:
        for value in values:
            self.code(field, value, vocab)

    def territory(self, field: str, value: str | None, level: str | None) -> None:
        """``level`` is the level of ``value`` if it is a known HCP code (else ``None``)."""
        if value is not None and level is None:
            self.fail(field, f"{quoted(value)} n'est pas un code HCP connu, par exemple "
                             "04.441.01.0 (Salé)",
                      f"{quoted(value)} ليس رمزا معروفا للمندوبية السامية للتخطيط، مثلا "
                      "04.441.01.0")

    def coordinates(self, lat: float | None, lon: float | None) -> None:
        if (lat is None) != (lon is None):
            self.fail("lat" if lat is None else "lon",
                      "la latitude et la longitude vont ensemble, par exemple 34.0531 et -6.7985",
                      "خط العرض وخط الطول متلازمان، مثلا 34.0531 و -6.7985")
            return
        if lat is None or lon is None:
            return
        lat_min, lat_max, lon_min, lon_max = MOROCCO_BBOX
        if not lat_min <= lat <= lat_max:
            self.fail("lat", f"{lat} est hors du Maroc ({lat_min} à {lat_max}), par exemple "
                             "34.0531",
                      f"{lat} خارج المغرب (من {lat_min} إلى {lat_max})، مثلا 34.0531")
        if not lon_min <= lon <= lon_max:
            self.fail("lon", f"{lon} est hors du Maroc ({lon_min} à {lon_max}), par exemple "
                             "-6.7985",
                      f"{lon} خارج المغرب (من {lon_min} إلى {lon_max})، مثلا -6.7985")

    def channels(self, field: str, channels: Iterable[Channel]) -> None:
        for i, ch in enumerate(channels):
            name = f"{field}[{i}]"
            self.code(f"{name}.kind", ch.kind, CHANNEL_KINDS)
            if ch.kind in PHONE_KINDS:
                self.convert(f"{name}.value", ch.value, normalize_phone)
            elif ch.kind == "email":
                self.convert(f"{name}.value", ch.value, normalize_email)
            elif ch.kind == "website":
                self.url(f"{name}.value", ch.value)

    def convert(self, field: str, value: str, normalize: Callable[[str], str]) -> None:
        try:
            normalized = normalize(value)
        except ValueError as exc:
            self.errors.append(FieldError(field, str(exc), self.where,
                                          getattr(exc, "message_ar", "")))
            return
        if normalized != value:
            self.fail(field, f"doit être écrit sous la forme {quoted(normalized)}",
                      f"يجب أن يكتب على الشكل {quoted(normalized)}")

    def url(self, field: str, value: str) -> None:
        if value and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", value):
            self.fail(field, f"{quoted(value)} n'est pas une adresse web, par exemple "
                             f"{URL_EXAMPLE}",
                      f"{quoted(value)} ليس عنوانا إلكترونيا صالحا، مثلا {URL_EXAMPLE}")

    def hours(self, field: str, hours: Iterable[Hours]) -> None:
        for i, h in enumerate(hours):
            name = f"{field}[{i}]"
            days = [d.strip() for d in h.byday.split(",") if d.strip()]
            if not days:
                self.fail(f"{name}.byday", "choisissez au moins un jour",
                          "اختر يوما واحدا على الأقل")
            elif any(d not in _DAYS for d in days):
                self.fail(f"{name}.byday", f"{quoted(h.byday)} : jours attendus en codes "
                                           "iCalendar, par exemple MO,TU,WE",
                          f"{quoted(h.byday)}: الأيام بالرموز، مثلا MO,TU,WE")
            for part in ("opens_at", "closes_at"):
                value = getattr(h, part)
                if not value:
                    self.fail(f"{name}.{part}", f"{REQUIRED}, par exemple {TIME_EXAMPLE}",
                              f"{REQUIRED_AR}، مثلا {TIME_EXAMPLE}")
                elif not _TIME.match(value):
                    self.fail(f"{name}.{part}", f"{quoted(value)} n'est pas une heure, par "
                                                f"exemple {TIME_EXAMPLE}",
                              f"{quoted(value)} ليست ساعة، مثلا {TIME_EXAMPLE}")
            if _TIME.match(h.opens_at) and _TIME.match(h.closes_at) and h.opens_at >= h.closes_at:
                self.fail(f"{name}.closes_at", f"{quoted(h.closes_at)} doit suivre l'heure "
                                               f"d'ouverture {quoted(h.opens_at)}",
                          f"{quoted(h.closes_at)} يجب أن تكون بعد ساعة الافتتاح "
                          f"{quoted(h.opens_at)}")


def channel_errors(field: str, channel: Channel) -> list[FieldError]:
    """The problems of one channel, as an entry's validation finds them (``field`` names
    its row, ``channels[1]``): a page checks a number as soon as it is typed."""
    check = _Checker("")
    check.channels(field, [channel])
    return [replace(e, field=e.field.replace(f"{field}[0]", field, 1)) for e in check.errors]


def search_text_errors(field: str, value: str | None) -> list[FieldError]:
    """A search text (a list's filter, a place name) longer than :data:`SEARCH_TEXT_MAX`."""
    if value is not None and len(value) > SEARCH_TEXT_MAX:
        return [FieldError(field, f"{len(value)} caractères : au plus {SEARCH_TEXT_MAX}",
                           message_ar=f"{len(value)} حرفا: {SEARCH_TEXT_MAX} على الأكثر")]
    return []


def correction_message_errors(message: str) -> list[FieldError]:
    """A coordinator's request for a correction: a short text about the entry, required and
    at most ``TEXT_LIMITS["message"]`` characters (it is read by the association, kept in the
    audit trail and shown in ``changes``: what to fix in the entry, nothing about a child)."""
    text, limit = message.strip(), TEXT_LIMITS["message"]
    if not text:
        return [FieldError("message", REQUIRED, message_ar="إجباري")]
    if len(text) > limit:
        return [FieldError("message", f"{len(text)} caractères : au plus {limit}",
                           message_ar=f"{len(text)} حرفا: {limit} على الأكثر")]
    return []


def validate_entity(
    entity: AnyEntity,
    *,
    territory_level: Callable[[str], str | None],
    where: str | None = None,
) -> list[FieldError]:
    """Check one entry; return every problem found, each naming its field.

    Parameters
    ----------
    entity : an annuaire entry
    territory_level : the level (``commune``, ``province``, ``region``) of a known HCP code,
        ``None`` for an unknown one
    where : how to locate the entry in messages (defaults to ``kind id``)

    Returns
    -------
    list of FieldError, empty when the entry is valid. References to other
    entries are checked by the store, which knows what exists.
    """
    c = _Checker(where if where is not None else f"{entity.kind} {entity.id}")
    c.lengths(entity)
    if c.errors:  # nothing else is checked on megabytes of text
        return c.errors
    c.required("id", entity.id)
    c.identifier("id", entity.id)
    if isinstance(entity, Organization):
        c.required("name", entity.name)
        c.code("org_kind", entity.org_kind, ORGANIZATION_KINDS)
        c.code("sector", entity.sector, SECTORS)
        c.territory("province_code", entity.province_code,
                    _at(territory_level, entity.province_code, "province"))
        c.url("website", entity.website)
        if entity.email:
            c.convert("email", entity.email, normalize_email)
        c.channels("channels", entity.channels)
    elif isinstance(entity, Site):
        c.required("organization_id", entity.organization_id)
        c.required("name", entity.name)
        c.required("commune_code", entity.commune_code)
        c.territory("commune_code", entity.commune_code,
                    _at(territory_level, entity.commune_code, "commune"))
        c.coordinates(entity.lat, entity.lon)
        c.code("coordinates_precision", entity.coordinates_precision, COORDINATES_PRECISIONS)
    elif isinstance(entity, Service):
        _check_service(c, entity, territory_level)
    elif isinstance(entity, Contact):
        c.required("organization_id", entity.organization_id)
        c.required("function", entity.function)
        c.channels("channels", entity.channels)
    elif isinstance(entity, ReferralLink):
        c.required("from_service_id", entity.from_service_id)
        c.required("to_service_id", entity.to_service_id)
        if entity.from_service_id == entity.to_service_id:
            c.fail("to_service_id", "un service ne peut pas s'orienter vers lui-même",
                   "لا يمكن لخدمة أن توجه إلى نفسها")
        c.code("link_kind", entity.link_kind, LINK_KINDS)
        if entity.typical_delay_hours is not None and entity.typical_delay_hours < 0:
            c.fail("typical_delay_hours", "ne peut pas être négatif, par exemple 48",
                   "لا يمكن أن يكون سالبا، مثلا 48")
    elif isinstance(entity, Membership):
        c.required("organization_id", entity.organization_id)
        c.required("body_id", entity.body_id)
    return c.errors


def _at(territory_level: Callable[[str], str | None], code: str | None,
        level: str) -> str | None:
    """The level of ``code`` if it is ``level``, else ``None`` (refused as unknown)."""
    return level if code is not None and territory_level(code) == level else None


def _check_service(c: _Checker, s: Service,
                   territory_level: Callable[[str], str | None]) -> None:
    c.required("organization_id", s.organization_id)
    c.required("name", s.name)
    c.code("type", s.type, SERVICE_TYPES)
    if not s.stages:
        c.fail("stages", "cochez au moins une étape du circuit",
               "اختر مرحلة واحدة على الأقل من المسار")
    c.codes("stages", s.stages, STAGES)
    c.codes("situations", s.situations, SITUATIONS)
    c.codes("languages", s.languages, LANGUAGES)
    c.code("sex", s.sex, SEXES)
    c.code("access", s.access, ACCESS_MODES)
    c.code("status", s.status, SERVICE_STATUSES)
    for name in ("age_min", "age_max"):
        age = getattr(s, name)
        if age is not None and not CHILD_AGE_MIN <= age <= CHILD_AGE_MAX:
            c.fail(name, f"{age} est hors de {CHILD_AGE_MIN}–{CHILD_AGE_MAX} ans, par exemple 12",
                   f"{age} خارج {CHILD_AGE_MIN}–{CHILD_AGE_MAX} سنة، مثلا 12")
    if s.age_min is not None and s.age_max is not None and s.age_min > s.age_max:
        c.fail("age_max", f"{s.age_max} est inférieur à l'âge minimum {s.age_min}",
               f"{s.age_max} أصغر من السن الأدنى {s.age_min}")
    c.hours("hours", s.hours)
    c.channels("channels", s.channels)
    for code in s.area_codes:
        c.territory("area_codes", code, territory_level(code))
