"""Our vocabularies as HSDS taxonomies, with one term per code and language (French, Arabic).

HSDS tags services with taxonomy terms (through ``attribute`` objects); the circuit's own
vocabularies — service types, stages, situations, languages — are those taxonomies here, so
that a consumer of the feed can filter services by stage or situation with the spec's
``taxonomy_term_id`` and ``taxonomy_id`` parameters. Identifiers are stable UUIDs derived
like every other HSDS id of this service (:mod:`.ids`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.entities import Service
from ..domain.taxonomy import LANGUAGES, SERVICE_TYPES, SITUATIONS, STAGES, Term
from .ids import hsds_id

__all__ = ["TAXONOMIES", "TERM_LANGUAGES", "Taxonomy", "TaxonomyTerm", "service_terms"]

TERM_LANGUAGES = ("fr", "ar")
"""Every code is a term in each of these languages (ISO 639-1)."""


@dataclass(frozen=True, slots=True)
class TaxonomyTerm:
    """One code of a vocabulary in one language."""

    id: str
    taxonomy: Taxonomy
    code: str
    name: str
    language: str

    def record(self) -> dict[str, str]:
        """The HSDS ``taxonomy_term`` object (the label is also the required description)."""
        return {"id": self.id, "code": self.code, "name": self.name, "description": self.name,
                "taxonomy": self.taxonomy.name, "taxonomy_id": self.taxonomy.id,
                "language": self.language}


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """A vocabulary of the annuaire; ``criterion`` names its set in the search index."""

    key: str
    criterion: str
    service_field: str
    name: str
    description: str
    vocabulary: dict[str, Term]

    @property
    def id(self) -> str:
        return hsds_id("taxonomy", self.key)

    def record(self) -> dict[str, str]:
        """The HSDS ``taxonomy`` object."""
        return {"id": self.id, "name": self.name, "description": self.description}

    def terms(self) -> list[TaxonomyTerm]:
        return [self.term(code, language) for code in self.vocabulary
                for language in TERM_LANGUAGES]

    def term(self, code: str, language: str) -> TaxonomyTerm:
        label = self.vocabulary[code]
        return TaxonomyTerm(
            id=hsds_id("taxonomy_term", f"{self.key}:{code}:{language}"), taxonomy=self,
            code=code, name=label.ar if language == "ar" else label.fr, language=language)

    def codes_of(self, service: Service) -> tuple[str, ...]:
        """The codes of this vocabulary ``service`` holds (in ``service_field``)."""
        value = getattr(service, self.service_field)
        return (value,) if isinstance(value, str) else tuple(value)


TAXONOMIES: tuple[Taxonomy, ...] = (
    Taxonomy("service_type", "type", "type", "Types de service",
             "Types de service du circuit de protection de l'enfance (DTIPE, Maroc).",
             SERVICE_TYPES),
    Taxonomy("stage", "stage", "stages", "Étapes du circuit de prise en charge",
             "Étapes du circuit de prise en charge des enfants, dans leur ordre.", STAGES),
    Taxonomy("situation", "situation", "situations", "Situations de l'enfant",
             "Situations d'enfants dont un service se charge.", SITUATIONS),
    Taxonomy("language", "language", "languages", "Langues",
             "Langues dans lesquelles un service accueille.", LANGUAGES),
)
"""The vocabularies published as taxonomies, in the order the feed lists them."""


def service_terms(service: Service) -> list[TaxonomyTerm]:
    """The terms a service is tagged with: each of its codes, in every language."""
    return [taxonomy.term(code, language) for taxonomy in TAXONOMIES
            for code in taxonomy.codes_of(service) for language in TERM_LANGUAGES]
