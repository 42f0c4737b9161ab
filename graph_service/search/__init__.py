"""Lists and search over the read model: set indexes per revision and the filters that use them.

Both interfaces (GraphQL and the web pages) filter through this one package,
so a search gives the same answer wherever it is asked.
"""

from .filters import (
    MAX_RADIUS_KM,
    Filter,
    Near,
    Suggestion,
    by_relevance,
    organization_ids,
    service_ids,
    suggestions,
)
from .index import Index, IndexCache, build_index, index_of

__all__ = [
    "MAX_RADIUS_KM",
    "Filter",
    "Index",
    "IndexCache",
    "Near",
    "Suggestion",
    "build_index",
    "by_relevance",
    "index_of",
    "organization_ids",
    "service_ids",
    "suggestions",
]
