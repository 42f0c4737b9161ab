"""Importing a package into a store: read it whole, then write it in one transaction.

The store's territories decide which commune and province codes exist and where communes
are; :func:`.read_package` checks everything; a single ``store.apply`` then writes all the
entries or none (a refused package, or a store error, leaves the store as it was). Entries
already there with the same content are left untouched, so importing twice changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..domain.entities import ENTITY_KINDS
from ..domain.errors import FieldError
from ..store.protocol import GraphStore
from .reading import read_package

ProgressCallback = Callable[[str, int, int], None]
"""``progress(step, done, total)``, as the CLI's progress bar takes it."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Entries created, updated (content changed) and unchanged, by kind; what was noted."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    warnings: list[FieldError] = field(default_factory=list)
    skipped_tables: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{kind}: {self.created.get(kind, 0)} created, {self.updated.get(kind, 0)} "
            f"updated, {self.unchanged.get(kind, 0)} unchanged"
            for kind in ENTITY_KINDS
            if any(counts.get(kind) for counts in (self.created, self.updated, self.unchanged))
        ]
        return "\n".join(lines) or "the package holds no entry"


def import_package(
    store: GraphStore,
    path: str | Path,
    *,
    actor: str,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import the package in directory ``path`` as ``actor`` (recorded in the audit trail).

    Raises :class:`~graph_service.domain.errors.ValidationFailed` naming every problem, with
    nothing written.
    """
    step = progress or (lambda _step, _done, _total: None)
    step("import", 0, 3)
    communes = store.territories("commune")
    levels = {t.code: t.level for t in store.territories()}
    step("import", 1, 3)
    plan = read_package(
        path,
        territory_level=levels.get,
        communes=communes,
    )
    step("import", 2, 3)
    result = store.apply(plan.entities, actor=actor)
    step("import", 3, 3)
    kind_of = {e.id: e.kind for e in plan.entities}
    return ImportReport(
        created=dict(Counter(kind_of[i] for i in result.created)),
        updated=dict(Counter(kind_of[i] for i in result.updated)),
        unchanged=dict(Counter(kind_of[i] for i in result.unchanged)),
        warnings=plan.warnings,
        skipped_tables=plan.skipped_tables,
    )
