"""HSDS identifiers for annuaire entries.

HSDS requires UUIDs for every ``id`` and foreign key, while the annuaire keeps readable ids
(``org-tpi-sale``) that people quote in messages and tests. An entry whose id is already a
UUID (one imported from another HSDS source) keeps it; any other gets a UUID derived from its
kind and id (version 5), so that every export of the same annuaire uses the same UUIDs and the
rows of the dependent tables (phones, schedules…) get stable ids too. ``x_entity_ids`` maps
them back on import.
"""

from __future__ import annotations

import functools
import uuid

NAMESPACE = uuid.UUID("0b7e52b4-3f0e-4a36-9d5c-6c1f2a8e9d41")
"""Fixed namespace of the version-5 UUIDs of this service's exports."""


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=1 << 18)
def hsds_id(kind: str, entity_id: str) -> str:
    """The HSDS id of an entry: its own id if that is a UUID, else a stable derived one.

    Kept for the national annuaire's entries: a page of the feed names each service's
    organisation and sites, and an export every reference, again and again."""
    return entity_id if is_uuid(entity_id) else str(uuid.uuid5(NAMESPACE, f"{kind}:{entity_id}"))


def row_id(parent: str, table: str, index: int) -> str:
    """A stable id for the ``index``-th row of ``table`` that belongs to ``parent``."""
    return str(uuid.uuid5(NAMESPACE, f"{parent}/{table}/{index}"))
