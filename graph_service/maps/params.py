"""Map parameters as people type them (query string, command line), checked field by field.

Both the app's map pages and ``graph-service map`` take the same names
(``situation`` repeated, ``age``, ``sex``, ``urgent``…), given here as a
mapping of name → list of strings, so that a bad value gets the same message
naming the field wherever it was typed. Nothing here describes a child beyond
a situation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from ..domain.eligibility import Need
from ..domain.errors import FieldError, ValidationFailed
from ..domain.messages import Message
from ..domain.taxonomy import STAGE_ORDER
from ..domain.validation import not_a_number
from ..orientation import Request, Where

__all__ = ["Params", "coverage_filters", "route_request"]

Params = Mapping[str, Sequence[str]]
T = TypeVar("T")
_TRUE, _FALSE = ("1", "true", "yes", "oui", "on"), ("0", "false", "no", "non", "off", "")


def coverage_filters(params: Params) -> tuple[Need | None, str | None]:
    """The optional situation (with age, sex…) and service type that narrow coverage's providers.

    Raises
    ------
    ValidationFailed
        Every invalid field, named.
    """
    errors: list[FieldError] = []
    need = _need(params, errors, required=False)
    service_type = _one(params, "type")
    if errors:
        raise ValidationFailed(errors)
    return need, service_type


def route_request(params: Params) -> Request:
    """An orientation :class:`~graph_service.orientation.Request` from map parameters.

    Raises
    ------
    ValidationFailed
        Every invalid field, named.
    """
    errors: list[FieldError] = []
    need = _need(params, errors, required=True)
    where = _checked(errors, lambda: Where(
        commune=_one(params, "commune"), province=_one(params, "province"),
        lat=_number(params, "lat", errors), lon=_number(params, "lon", errors)))
    max_km = _number(params, "max_km", errors)
    alternatives = _integer(params, "alternatives", errors)
    stage = _one(params, "stage") or STAGE_ORDER[0]
    if errors or need is None or where is None:
        raise ValidationFailed(errors)
    request = _checked(errors, lambda: Request(
        need, where, start_stage=stage, max_km=max_km,
        alternatives=3 if alternatives is None else alternatives))
    if request is None:
        raise ValidationFailed(errors)
    return request


def _need(params: Params, errors: list[FieldError], *, required: bool) -> Need | None:
    situations = tuple(s for value in params.get("situation", ()) for s in value.split(",")
                       if s.strip())
    if not situations and not required:
        return None
    age = _integer(params, "age", errors)
    urgent = _flag(params, "urgent", errors)
    disability = _flag(params, "disability", errors)
    return _checked(errors, lambda: Need(
        situations=tuple(s.strip() for s in situations), age=age, sex=_one(params, "sex"),
        urgent=urgent, disability=disability, language=_one(params, "language")))


def _checked(errors: list[FieldError], build: Callable[[], T]) -> T | None:
    """``build()``, or ``None`` with its field errors added to ``errors``."""
    try:
        return build()
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        return None


def _one(params: Params, name: str) -> str | None:
    values = [v for v in params.get(name, ()) if v.strip()]
    return values[-1].strip() if values else None


def _integer(params: Params, name: str, errors: list[FieldError]) -> int | None:
    value = _one(params, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        errors.append(not_a_number(name, value, whole=True))
        return None


def _number(params: Params, name: str, errors: list[FieldError]) -> float | None:
    value = _one(params, name)
    if value is None:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        errors.append(not_a_number(name, value, whole=False))
        return None


def _flag(params: Params, name: str, errors: list[FieldError]) -> bool:
    value = (_one(params, name) or "").lower()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        errors.append(FieldError(name, Message("not_yes_no", value=value)))
    return False
