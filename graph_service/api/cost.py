"""How many fields an answer may resolve, estimated before running it.

Depth and alias limits do not stop fan-out: a page of 100 services, each
with its referrals, each with its referrals… stays shallow yet resolves
hundreds of thousands of fields. Each selected field costs the product of the
list sizes above it: a paged field counts ``first`` (the maximum page when
``first`` is a variable), any other list of objects :data:`LIST_GUESS`.
Documents estimated above :data:`MAX_COST` are refused during validation.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
)

from .pagination import DEFAULT_PAGE, MAX_PAGE

__all__ = ["LIST_GUESS", "MAX_COST", "QueryCostLimiter"]

MAX_COST = 50_000
LIST_GUESS = 5
"""Assumed size of an unpaged list of objects (an organisation's sites, a service's links)."""


class QueryCostLimiter(ValidationRule):
    """Reports an operation whose estimated cost exceeds :data:`MAX_COST`."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        fragments = {d.name.value: d for d in context.document.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        walk = _Walk(context.schema, fragments)
        for operation in context.document.definitions:
            if not isinstance(operation, OperationDefinitionNode):
                continue
            root = context.schema.get_root_type(operation.operation)
            if root is None:
                continue
            cost = walk.cost(operation.selection_set, root, frozenset())
            if cost > MAX_COST:
                context.report_error(GraphQLError(
                    f"The answer would resolve about {cost:,} fields (limit {MAX_COST:,}); "
                    "ask for smaller pages or fewer nested lists.", operation))


@dataclass(frozen=True, slots=True)
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]

    def cost(self, selections: SelectionSetNode, parent: GraphQLNamedType,
             seen: frozenset[str]) -> int:
        """Estimated fields resolved under ``selections`` for one ``parent`` object."""
        total = 0
        for node in selections.selections:
            if isinstance(node, FieldNode):
                total += self._field(node, parent, seen)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                target = parent if condition is None else self.schema.get_type(
                    condition.name.value)
                if target is not None:
                    total += self.cost(node.selection_set, target, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:  # cycles: another rule's error
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    if target is not None:
                        total += self.cost(fragment.selection_set, target, seen | {name})
        return total

    def _field(self, node: FieldNode, parent: GraphQLNamedType, seen: frozenset[str]) -> int:
        fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) \
            else {}
        definition = fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            return 1  # a leaf, __typename, or an unknown field (reported by another rule)
        child = get_named_type(definition.type)
        return 1 + _multiplier(node, definition.type, parent) * self.cost(
            node.selection_set, child, seen)


def _multiplier(node: FieldNode, type_: GraphQLOutputType, parent: GraphQLNamedType) -> int:
    if parent.name.endswith("Connection"):
        return 1  # edges and nodes: counted once, by the paged field above
    for argument in node.arguments or ():
        if argument.name.value == "first":
            value = argument.value
            asked = int(value.value) if isinstance(value, IntValueNode) else MAX_PAGE
            return max(0, min(asked, MAX_PAGE))  # larger pages are refused when resolved
    if get_named_type(type_).name.endswith("Connection"):
        return DEFAULT_PAGE
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return LIST_GUESS if isinstance(inner, GraphQLList) else 1
