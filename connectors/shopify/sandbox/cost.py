"""Shopify's calculated query cost and the per-shop leaky bucket (FACTS §5).

Cost rules (shopify.dev "GraphQL Admin API rate limits", Cost calculation): scalars and enums cost 0, an
object 1, an interface or union the most expensive of its possible selections, a connection 2 plus
`first`/`last` times the cost of one node (the node object 1 plus its selection), and every mutation root
field 10 regardless of its selection. The requested cost is computed before execution from the document;
the actual cost is the same walk over what was returned, so a connection costs by the nodes it returned.
A single query may request at most 1,000 points.
"""

from collections.abc import Iterable

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.values import get_argument_values, get_directive_values
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective

from connectors.clock import SystemClock

MAX_QUERY_COST = 1000
MUTATION_FIELD_COST = 10
CONNECTION_COST = 2
MAX_PAGE_SIZE = 250
_STATIC = object()


class LeakyBucket:
    """A bucket of `size` points refilled continuously at `restore_rate` points per second of `clock`."""

    def __init__(self, size: float, restore_rate: float, clock: SystemClock):
        self.size, self.restore_rate, self.clock = float(size), float(restore_rate), clock
        self._available = float(size)
        self._at = clock.now()

    def available(self) -> float:
        now = self.clock.now()
        self._available = min(self.size, self._available + max(0.0, now - self._at) * self.restore_rate)
        self._at = now
        return self._available

    def take(self, cost: int) -> bool:
        """Deduct `cost` if that many points are available now; False (nothing deducted) otherwise."""
        if cost > self.available():
            return False
        self._available -= cost
        return True

    def refund(self, points: int) -> None:
        self._available = min(self.size, self.available() + points)

    def status(self) -> dict:
        return {
            "maximumAvailable": self.size,
            "currentlyAvailable": int(self.available()),
            "restoreRate": self.restore_rate,
        }


def is_connection(field_def, named_type) -> bool:
    return (
        isinstance(named_type, GraphQLObjectType)
        and named_type.name.endswith("Connection")
        and "first" in field_def.args
    )


class SelectionWalker:
    """Resolves the fields an operation selects on each type, honouring fragments and @skip/@include."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict):
        self.schema, self.fragments, self.variables = schema, fragments, variables

    def fields(self, object_type, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        """Field nodes of `selection_set` applying to `object_type` (every condition, for abstract types)."""
        found: list[FieldNode] = []
        self._collect(object_type, selection_set, found, set())
        return found

    def _collect(self, object_type, selection_set, found, visited) -> None:
        for selection in selection_set.selections if selection_set else ():
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, object_type):
                    self._collect(object_type, selection.selection_set, found, visited)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in visited:
                visited.add(selection.name.value)
                fragment = self.fragments.get(selection.name.value)
                if fragment and self._applies(fragment.type_condition, object_type):
                    self._collect(object_type, fragment.selection_set, found, visited)

    def _applies(self, condition, object_type) -> bool:
        if condition is None or is_abstract_type(object_type):
            return True
        conditional = self.schema.get_type(condition.name.value)
        if conditional is object_type:
            return True
        return is_abstract_type(conditional) and self.schema.is_sub_type(conditional, object_type)

    def _included(self, node) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (skip and skip["if"]) and not (include and not include["if"])

    def arguments(self, field_def, node: FieldNode) -> dict:
        return get_argument_values(field_def, node, self.variables)


class QueryCost:
    """Requested and actual cost of one operation under Shopify's rules."""

    def __init__(self, walker: SelectionWalker, operation: OperationDefinitionNode):
        self.walker, self.operation = walker, operation
        self.is_mutation = operation.operation == OperationType.MUTATION
        self.root_type = walker.schema.mutation_type if self.is_mutation else walker.schema.query_type

    def root_fields(self) -> list[FieldNode]:
        return [f for f in self.walker.fields(self.root_type, self.operation.selection_set) if not _meta(f)]

    def requested(self) -> int:
        """Worst-case cost; raises GraphQLError for a connection without `first`/`last` or above 250."""
        if self.is_mutation:
            return MUTATION_FIELD_COST * len(self.root_fields())
        return self._selection(self.root_type, self.root_fields(), _STATIC)

    def actual(self, data: dict | None) -> int:
        if self.is_mutation:
            return MUTATION_FIELD_COST * len(self.root_fields())
        return self._selection(self.root_type, self.root_fields(), data or {})

    def _selection(self, parent_type, nodes: Iterable[FieldNode], data) -> int:
        total = 0
        for node in nodes:
            if _meta(node):
                continue
            field_def = parent_type.fields[node.name.value]
            value = data if data is _STATIC else (data or {}).get(_key(node))
            total += self._field(field_def, node, value)
        return total

    def _field(self, field_def, node: FieldNode, value) -> int:
        named = get_named_type(field_def.type)
        if is_leaf_type(named):
            return 0
        args = self.walker.arguments(field_def, node)
        if is_connection(field_def, named):
            return self._connection(named, node, args, value)
        if _is_list(field_def.type):
            if value is _STATIC:
                size = len(args["ids"]) if "ids" in args else (args.get("first") or 1)
                return size * self._object(named, node, _STATIC)
            return sum(self._object(named, node, item) for item in value or () if item is not None)
        return self._object(named, node, value)

    def _object(self, named, node: FieldNode, value) -> int:
        if is_abstract_type(named):
            types = self.walker.schema.get_possible_types(named)
            if value not in (_STATIC, None) and value.get("__typename"):
                types = [self.walker.schema.get_type(value["__typename"])]
            return max((self._object(t, node, value) for t in types), default=1)
        children = self.walker.fields(named, node.selection_set)
        return 1 + self._selection(named, children, value if value is _STATIC else (value or {}))

    def _connection(self, connection_type, node: FieldNode, args: dict, value) -> int:
        size = args.get("first") if args.get("first") is not None else args.get("last")
        if value is _STATIC:
            if size is None:
                raise GraphQLError("you must provide one of first or last", node)
            if size > MAX_PAGE_SIZE or size < 0:
                raise GraphQLError(
                    f"The `first` and `last` arguments must be between 0 and {MAX_PAGE_SIZE}", node
                )
        total = CONNECTION_COST
        for part in self.walker.fields(connection_type, node.selection_set):
            part_value = _STATIC if value is _STATIC else (value or {}).get(_key(part))
            if part.name.value == "nodes":
                total += self._nodes(connection_type.fields["nodes"], part, part_value, size)
            elif part.name.value == "edges":
                edge_type = get_named_type(connection_type.fields["edges"].type)
                for inner in self.walker.fields(edge_type, part.selection_set):
                    if inner.name.value == "node":
                        inner_values = (
                            _STATIC
                            if part_value is _STATIC
                            else [edge.get(_key(inner)) for edge in part_value or () if edge]
                        )
                        total += self._nodes(edge_type.fields["node"], inner, inner_values, size)
        return total

    def _nodes(self, field_def, node: FieldNode, values, size) -> int:
        named = get_named_type(field_def.type)
        if values is _STATIC:
            return size * self._object(named, node, _STATIC)
        return sum(self._object(named, node, item) for item in values or () if item is not None)


def _meta(node: FieldNode) -> bool:
    return node.name.value.startswith("__")


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _is_list(type_) -> bool:
    return is_list_type(type_.of_type if is_non_null_type(type_) else type_)
