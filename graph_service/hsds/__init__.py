"""The annuaire as an HSDS 3.0 tabular data package (Open Referral's Human Services Data
Specification), in both directions.

- :func:`import_package` / :func:`read_package`: a package (ours, or anyone's HSDS 3.0 CSV
  package) to annuaire entries, all or nothing, every error naming file, line and column;
- :func:`export_package`: the annuaire to a package that re-imports to the same entries;
- :func:`validate_hsds_package`: the checks an HSDS validator makes, from ``hsds_schema.json``;
- the HSDS 3.0 API at ``/api/hsds/`` (:mod:`.routes`, :mod:`.feed`, :mod:`.taxonomies`):
  the same rows as the export, nested as API objects, public view only.

HSDS lacks the circuit de prise en charge (stages, situations, referral links), coordination
memberships, territories and verification: they travel in extension tables prefixed ``x_``
(:mod:`.extension`). Modules: :mod:`.schema` (table schemas), :mod:`.checks` (table checks),
:mod:`.tabular` (files), :mod:`.to_entities`, :mod:`.channels_in`, :mod:`.services_in`
(reading rows),
:mod:`.to_tables` (writing rows), :mod:`.codes` (code mappings and defaults), :mod:`.ids`,
:mod:`.places` (communes of locations).
"""

from __future__ import annotations

from .exporting import ExportReport, export_package
from .importing import ImportReport, ProgressCallback, import_package
from .reading import ImportPlan, read_package
from .validator import validate_hsds_package

__all__ = [
    "ExportReport",
    "ImportPlan",
    "ImportReport",
    "ProgressCallback",
    "export_package",
    "import_package",
    "read_package",
    "validate_hsds_package",
]
