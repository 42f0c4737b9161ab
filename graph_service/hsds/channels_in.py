"""HSDS phones (and our ``x_channels`` rows) to the channels of organisations, services and
contacts.

``x_channels`` lists each owner's channels in order with our kind (``hotline`` is a
``voice`` phone to HSDS); phone numbers stay in ``phones.csv`` and are found through
``phone_id``. A phone row no ``x_channels`` row mentions (any phone of a package from
elsewhere) is added after them, with its kind read from its HSDS type, to the most specific
owner it names: contact, service (also through ``service_at_location``), organisation,
location's organisation. Numbers are normalised to E.164 and e-mails checked; a bad one is an
error naming its file, line and column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain.entities import Channel
from ..domain.validation import normalize_email, normalize_phone
from . import codes
from .tabular import Row

if TYPE_CHECKING:
    from .to_entities import EntityReader, Origin

Owner = tuple[str, str]
"""(HSDS table, HSDS id) of what a channel belongs to."""

_NORMALIZERS: dict[str, Callable[[str], str]] = {"email": normalize_email, "website": str.strip}


@dataclass(frozen=True, slots=True)
class Found:
    """A channel, with where its value and its kind were read."""

    channel: Channel
    value_at: Origin
    kind_at: Origin


class ChannelReader:
    """The channels of every owner in one package."""

    def __init__(self, reader: EntityReader) -> None:
        self.reader = reader
        self.found: dict[Owner, list[Found]] = defaultdict(list)
        phones = {r.get("id"): r for r in reader.rows("phone")}
        used: set[str] = set()
        for x in reader.rows("x_channels"):
            owner = self._x_owner(x)
            phone = phones.get(x.get("phone_id"))
            if owner is None:
                reader.warn(x, "organization_id", "the channel belongs to nothing here; left out")
            elif phone is not None:
                used.add(phone.get("id"))
                self.add(self.found[owner], x.get("kind"), phone, "number",
                         phone.get("description"), kind_at=(x.where, "kind"))
            elif not x.get("phone_id"):
                self.add(self.found[owner], x.get("kind"), x, "value", x.get("label"))
        for p in phones.values():
            if p.get("id") in used:
                continue
            owner = self._phone_owner(p)
            if owner is None:
                reader.warn(p, "number", "the phone belongs to nothing here; left out")
                continue
            kind = codes.PHONE_KIND_FROM_HSDS.get(p.get("type").lower(), "phone")
            self.add(self.found[owner], kind, p, "number", p.get("description"),
                     kind_at=(p.where, "type"))

    def _x_owner(self, x: Row) -> Owner | None:
        r = self.reader
        for table, known in (("contact", r.contact_org), ("service", r.services),
                             ("organization", r.orgs)):
            if x.get(f"{table}_id") in known:
                return table, x.get(f"{table}_id")
        return None

    def _phone_owner(self, p: Row) -> Owner | None:
        r = self.reader
        sal = r.sal.get(p.get("service_at_location_id"))
        candidates = (
            ("contact", p.get("contact_id"), r.contact_org),
            ("service", p.get("service_id"), r.services),
            ("service", sal.get("service_id") if sal else "", r.services),
            ("organization", p.get("organization_id"), r.orgs),
            ("organization", r.location_org.get(p.get("location_id"), ""), r.orgs),
        )
        return next(((t, i) for t, i, known in candidates if i in known), None)

    def add(
        self,
        into: list[Found],
        kind: str,
        row: Row,
        column: str,
        label: str,
        *,
        kind_at: Origin | None = None,
        once: bool = False,
    ) -> None:
        """Append the channel read from ``row[column]``, normalised (with ``once``: unless a
        channel of that kind and value is already there)."""
        try:
            value = _NORMALIZERS.get(kind, normalize_phone)(row.get(column))
        except ValueError as exc:
            self.reader.fail(row, column, str(exc))
            return
        if once and any(f.channel.kind == kind and f.channel.value == value for f in into):
            return
        origin = (row.where, column)
        into.append(Found(Channel(kind=kind, value=value, label=label), origin, kind_at or origin))

    def of(
        self, owner: Owner, row: Row, hsds_columns: tuple[tuple[str, str], ...] = ()
    ) -> tuple[tuple[Channel, ...], dict[str, Origin]]:
        """The channels of ``owner``, plus its HSDS e-mail or URL columns (``hsds_columns``:
        (kind, column) pairs), which an export copies from its first such channel: the copy is
        not added twice. Also where each channel's value and kind came from."""
        found = list(self.found[owner])
        for kind, column in hsds_columns:
            if row.get(column):
                self.add(found, kind, row, column, "", once=True)
        origins: dict[str, Origin] = {}
        for i, f in enumerate(found):
            origins[f"channels[{i}].value"] = f.value_at
            origins[f"channels[{i}].kind"] = f.kind_at
        return tuple(f.channel for f in found), origins
