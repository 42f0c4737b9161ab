"""The GraphQL schema: every query and mutation group, with the limits applied."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from ..domain.errors import StoreUnavailable
from .audit import AuditQuery
from .auth import AuthMutation, AuthQuery
from .coverage import CoverageQuery
from .limits import extensions, is_unexpected
from .mutations import AnnuaireMutation
from .orientation import OrientationQuery
from .queries import AnnuaireQuery
from .referrals import ReferralMutation, ReferralQuery
from .territories import TerritoryQuery
from .vocabulary import VocabularyQuery

__all__ = ["Mutation", "Query", "schema"]

log = logging.getLogger(__name__)


@strawberry.type(description="Reads. The public sees institutions, services, hours and official "
                             "channels; signed-in professionals also see contact persons and "
                             "confidential addresses.")
class Query(AnnuaireQuery, OrientationQuery, CoverageQuery, TerritoryQuery, VocabularyQuery,
            AuthQuery, AuditQuery, ReferralQuery):
    pass


@strawberry.type(description="Sign-in and edits. Every edit is audited; expected failures are "
                             "typed results, never errors.")
class Mutation(AnnuaireMutation, AuthMutation, ReferralMutation):
    pass


class Schema(strawberry.Schema):
    """Logs only what an operator must look at: bugs with their trace, store outages."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if isinstance(error.original_error, StoreUnavailable):
                log.warning("store unavailable: %s", error.original_error)
            elif is_unexpected(error):
                StrawberryLogger.error(error, execution_context)


schema = Schema(query=Query, mutation=Mutation, extensions=extensions())
