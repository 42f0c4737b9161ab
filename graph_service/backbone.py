"""The national backbone: the public institutions every province has, as reference entries.

The field documents name the institutional actors present in every province —
"cellules et unités spécialisées… (Police, Tribunal, Centres Hospitaliers,
Entraide Nationale)" (capitalisation AMANE) — and orientation cannot send a
report to the competent court or police of a province the annuaire knows
nothing of. ``seed/reference/backbone.csv`` lists them, one row per
institution (the courts with their ressort, the judicial map), and this module
turns each row into an organisation, a site at its chef-lieu commune and the
services of its kind (:data:`INSTITUTIONS`).

Reference entries carry no street address, phone, hours or person — only the
national short numbers that are public (police 19, gendarmerie 177) — and are
left unverified, with a description saying so, so that coordinators confirm
them from their review list. A row whose institution the field documents
already describe (``field_entry_id``) creates nothing: the field entry wins.
Loading is idempotent and never overwrites an entry that exists (a
coordinator's corrections stay).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .domain.entities import (
    REFERENCE_SCHEME,
    AnyEntity,
    Channel,
    Organization,
    Service,
    Site,
    Territory,
)
from .domain.errors import FieldError, ValidationFailed
from .domain.validation import validate_entity
from .orientation.rules import STAGE_RULES
from .store.protocol import GraphStore

__all__ = ["INSTITUTIONS", "REFERENCE_NOTE", "backbone_entities", "load_backbone", "read_rows"]

REFERENCE_NOTE = ("Entrée de référence (institution publique, carte judiciaire) à vérifier par "
                  "le coordinateur provincial : aucune adresse, aucun horaire ni aucun contact "
                  "n'est renseigné.")
"""What every reference entry's description starts with."""
REFERENCE_IDENTIFIER = f"{REFERENCE_SCHEME}:backbone"
"""Identifier scheme that marks an organisation as a reference entry."""
COLUMNS = ("id", "institution", "name_fr", "name_ar", "province_code", "commune_code",
           "parent_id", "ressort", "field_entry_id", "note")

_JUDICIAL = tuple(sorted(STAGE_RULES["signalement"].situations))
_VIOLENCE = ("negligence", "violence_physique", "violence_psychologique", "violence_sexuelle")


@dataclass(frozen=True, slots=True)
class ServiceTemplate:
    """One service every institution of a kind offers."""

    key: str
    name_fr: str
    name_ar: str
    type: str
    stages: tuple[str, ...]
    situations: tuple[str, ...] = ()
    access: str = "referral"
    """Police, gendarmerie and hospital units receive children who come in; the others
    on referral."""
    ressort: bool = False
    """Serves the row's ``ressort`` (stated area) rather than a derived one."""


@dataclass(frozen=True, slots=True)
class Institution:
    """A kind of public institution: its organisation's sector and its services."""

    sector: str
    services: tuple[ServiceTemplate, ...]
    channels: tuple[Channel, ...] = ()


INSTITUTIONS: dict[str, Institution] = {
    "cour_appel": Institution("justice", (
        ServiceTemplate("parquet-general", "Parquet général — crimes commis contre des enfants",
                        "النيابة العامة لدى محكمة الاستئناف — الجنايات المرتكبة ضد الأطفال",
                        "parquet_mineurs", ("signalement",), ("traite", "violence_sexuelle")),
    )),
    "tpi": Institution("justice", (
        ServiceTemplate("parquet", "Parquet — cellule de prise en charge des femmes et des "
                        "enfants victimes de violence",
                        "النيابة العامة — خلية التكفل بالنساء والأطفال ضحايا العنف",
                        "parquet_mineurs", ("signalement",), _JUDICIAL, ressort=True),
        ServiceTemplate("juge-mineurs", "Juge des mineurs — mesures de protection",
                        "قاضي الأحداث — تدابير الحماية", "juge_des_mineurs",
                        ("prise_en_charge",), _JUDICIAL, ressort=True),
    )),
    "hopital": Institution("sante", (
        ServiceTemplate("unite-violence", "Unité de prise en charge des femmes et des enfants "
                        "victimes de violence",
                        "وحدة التكفل بالنساء والأطفال ضحايا العنف", "soins_urgence",
                        ("urgence", "evaluation"), _VIOLENCE, access="drop_in"),
    )),
    "police": Institution("surete_nationale", (
        ServiceTemplate("plaintes", "Brigade des mineurs — réception des plaintes et enquêtes",
                        "فرقة الأحداث — تلقي الشكايات والبحث", "plainte_enquete",
                        ("detection", "signalement"), _JUDICIAL, access="drop_in"),
    ), (Channel(kind="hotline", value="19", label="Police secours"),)),
    "gendarmerie": Institution("gendarmerie", (
        ServiceTemplate("plaintes", "Réception des plaintes et enquêtes (communes rurales)",
                        "تلقي الشكايات والبحث (الجماعات القروية)", "plainte_enquete",
                        ("detection", "signalement"), _JUDICIAL, access="drop_in"),
    ), (Channel(kind="hotline", value="177", label="Gendarmerie royale"),)),
    "entraide": Institution("entraide_nationale", (
        ServiceTemplate("accueil", "Accueil, écoute et orientation sociale",
                        "الاستقبال والإنصات والتوجيه الاجتماعي", "ecoute_orientation",
                        ("detection", "evaluation", "prise_en_charge", "suivi"), _JUDICIAL),
    )),
    "education": Institution("education", (
        ServiceTemplate("reinsertion-scolaire", "Réinsertion scolaire et lutte contre "
                        "l'abandon scolaire", "الإدماج المدرسي ومحاربة الهدر المدرسي",
                        "education_formation", ("reinsertion",)),
    )),
}
"""Institution code (``backbone.csv``'s ``institution``) → what it is and offers."""


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The table's rows with their line numbers; a missing column is refused."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ValidationFailed([FieldError(c, "colonne manquante", path.name)
                                    for c in missing])
        return [(n, {k: (v or "").strip() for k, v in row.items() if k})
                for n, row in enumerate(reader, start=2)]


def backbone_entities(rows: Iterable[tuple[int, dict[str, str]]], *, name: str,
                      territories: Mapping[str, Territory],
                      exists: Callable[[str], bool]) -> list[AnyEntity]:
    """The entries of the rows that are not yet in the annuaire, checked. Sites stand at
    their commune's point (precision ``commune``), as the importer places a site that has
    no coordinates, so that an export re-imports unchanged.

    Raises
    ------
    ValidationFailed
        Every bad cell, as ``backbone.csv:LINE`` and the column.
    """
    rows = list(rows)

    def level(code: str) -> str | None:
        found = territories.get(code)
        return found.level if found is not None else None

    org_of = {row["id"]: row["field_entry_id"] or row["id"] for _, row in rows}
    errors: list[FieldError] = []
    out: list[AnyEntity] = []
    for line, row in rows:
        where = f"{name}:{line}"
        institution = INSTITUTIONS.get(row["institution"])
        if institution is None:
            errors.append(FieldError("institution", f"institution inconnue "
                                     f"{row['institution']!r} ; attendues : "
                                     f"{', '.join(INSTITUTIONS)}", where))
            continue
        if row["field_entry_id"] or exists(row["id"]):
            continue  # the field entry, or an entry already loaded (maybe corrected), wins
        for entity in _entries(row, institution, org_of, territories.get(row["commune_code"])):
            errors.extend(FieldError(e.field, e.message, where)
                          for e in validate_entity(entity, territory_level=level))
            out.append(entity)
    if errors:
        raise ValidationFailed(errors)
    return out


def _entries(row: Mapping[str, str], institution: Institution, org_of: Mapping[str, str],
             commune: Territory | None) -> Iterator[AnyEntity]:
    org_id, site_id = row["id"], f"{row['id']}--site"
    note = f" {row['note']}" if row["note"] else ""
    parent = org_of.get(row["parent_id"], row["parent_id"]) or None
    yield Organization(
        id=org_id, name=row["name_fr"], name_ar=row["name_ar"], org_kind="institution_publique",
        sector=institution.sector, parent_id=parent, province_code=row["province_code"],
        description=REFERENCE_NOTE + note, channels=institution.channels,
        identifiers=(f"{REFERENCE_IDENTIFIER}:{row['id']}",),
    )
    yield Site(id=site_id, organization_id=org_id, name=row["name_fr"],
               commune_code=row["commune_code"], coordinates_precision="commune",
               lat=commune.lat if commune else None, lon=commune.lon if commune else None)
    ressort = tuple(row["ressort"].split())
    for t in institution.services:
        yield Service(
            id=f"{org_id}--{t.key}", organization_id=org_id, name=t.name_fr, name_ar=t.name_ar,
            type=t.type, stages=t.stages, situations=t.situations, site_ids=(site_id,),
            access=t.access, description=REFERENCE_NOTE,
            area_codes=ressort if t.ressort else (),
        )


def load_backbone(store: GraphStore, path: Path, *, actor: str) -> int:
    """Add the reference entries of ``path`` that the annuaire lacks, in one transaction;
    return how many entries were created."""
    entities = backbone_entities(
        read_rows(path), name=path.name, territories={t.code: t for t in store.territories()},
        exists=lambda org_id: store.get("organization", org_id) is not None)
    if not entities:
        return 0
    return len(store.apply(entities, actor=actor).created)
