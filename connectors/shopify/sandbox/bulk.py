"""`bulkOperationRunQuery`: run a query over whole connections and publish the result as JSONL (FACTS §5).

Shopify's bulk rules (BULK.md "Exports: what a bulk query may hold"): one query without variables, of a
single top-level field other than `node`/`nodes`, that holds at least one connection; connections ignore
page sizes; at most 5 connections, nested at most 2 levels below the outermost; each connection's nodes
implement `Node`; no connection inside a list field; a node holding a nested connection must select `id`.
Each node becomes one JSONL line; nodes of a nested connection (also one inside an object field of the
node, such as `contextualPricing { quantityPriceBreaks }`) become lines of their own carrying `__parentId`.
"""

import json
import secrets
from dataclasses import replace

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    parse,
    validate,
)

from .context import RequestContext
from .cost import SelectionWalker, is_connection
from .queries import query_root
from .runtime import run
from .store import BulkOperation, gid
from .views import bulk_view

MAX_CONNECTIONS = 5
MAX_RUNNING = 5  # bulk operations at once per shop in API 2026-01 and later (BULK.md, exports and imports)
CONCURRENT_SINCE = "2026-01"  # before: one bulk query at a time per shop ("unstable" sorts after it)
MAX_NESTING = 2  # levels of connections below the outermost one (Shopify's example: a third is invalid)
IN_LIST = "Queries that contain a connection field within a list field are not currently supported."


class BulkQueryError(ValueError):
    """The bulk query breaks one of Shopify's rules."""


def run_bulk_query(ctx: RequestContext, query: str) -> dict:
    shop = ctx.shop
    running = [op for op in shop.bulk_operations if op.status(ctx.now()) in ("CREATED", "RUNNING")]
    export = next((op for op in running if op.type == "QUERY"), None)
    if export and ctx.api_version < CONCURRENT_SINCE:
        message = f"A bulk query operation for this app and shop is already in progress: {export.id}."
        return _refused(message, "OPERATION_IN_PROGRESS")
    if len(running) >= MAX_RUNNING:
        return _refused("Bulk operations limit reached. Please try again later.", "LIMIT_REACHED")
    try:
        jsonl, objects, roots = _export(ctx, query)
    except BulkQueryError as error:
        return _refused(f"Invalid bulk query: {error}", "INVALID")
    now = ctx.now()
    operation = BulkOperation(
        id=gid("BulkOperation", shop.ids.next("BulkOperation")),
        query=query,
        created_at=now,
        completed_at=now + ctx.bulk_delay + ctx.bulk_model.export_seconds(roots),
        jsonl=jsonl,
        object_count=objects,
        root_object_count=roots,
        token=secrets.token_urlsafe(24),
    )
    shop.bulk_operations.append(operation)
    view = bulk_view(ctx, operation) | {"status": "CREATED", "completedAt": None, "url": None}
    return {
        "bulkOperation": view | {"objectCount": "0", "rootObjectCount": "0", "fileSize": None},
        "userErrors": [],
    }


def _refused(message: str, code: str) -> dict:
    return {"bulkOperation": None, "userErrors": [{"field": ["query"], "message": message, "code": code}]}


def _export(ctx: RequestContext, query: str) -> tuple[bytes, int, int]:
    schema = ctx.schema
    try:
        document = parse(query)
    except GraphQLError as error:
        raise BulkQueryError(error.message) from error
    errors = validate(schema, document)
    if errors:
        raise BulkQueryError("; ".join(e.message for e in errors))
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        raise BulkQueryError("the document must hold exactly one query operation")
    if operations[0].variable_definitions:
        raise BulkQueryError("bulk queries cannot take variables")
    fragments = {d.name.value: d for d in document.definitions if not isinstance(d, OperationDefinitionNode)}
    walker = SelectionWalker(schema, fragments, {})
    root_fields = walker.fields(schema.query_type, operations[0].selection_set)
    _check_root(root_fields)
    count = _check_connections(walker, schema.query_type, root_fields, depth=0)
    if not count:
        raise BulkQueryError("a bulk query needs to include a connection")
    if count > MAX_CONNECTIONS:
        raise BulkQueryError(f"a bulk query may hold at most {MAX_CONNECTIONS} connections")
    result = run(schema, document, query_root(replace(ctx, bulk=True)), None, None)
    if result.errors:
        raise BulkQueryError("; ".join(e.message for e in result.errors))
    lines: list[dict] = []
    roots = 0
    for node in root_fields:
        field_def = schema.query_type.fields[node.name.value]
        named = get_named_type(field_def.type)
        value = (result.data or {}).get(_key(node))
        if is_connection(field_def, named):
            for node_type, selection, item in _connection_nodes(named, node, value, walker):
                _emit(walker, node_type, selection, item, None, lines)
                roots += 1
        elif value is not None:
            _emit(walker, named, node, value, None, lines)
            roots += 1
    body = "".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n" for line in lines)
    return body.encode(), len(lines), roots


def _check_root(root_fields: list[FieldNode]) -> None:
    names = [f.name.value for f in root_fields if not f.name.value.startswith("__")]
    if len(names) != 1:
        raise BulkQueryError("a bulk query selects a single top-level field")
    if names[0] in ("node", "nodes"):
        raise BulkQueryError("the top-level node and nodes fields can't be used")


def _check_connections(
    walker: SelectionWalker, parent_type, nodes: list[FieldNode], depth: int, in_list: bool = False
) -> int:
    """Count the connections below `nodes`, enforcing the nesting rules."""
    count = 0
    for node in nodes:
        if node.name.value.startswith("__"):
            continue
        field_def = _field_def(walker, parent_type, node)
        named = get_named_type(field_def.type)
        if not hasattr(named, "fields"):
            continue
        if is_connection(field_def, named):
            if in_list:
                raise BulkQueryError(IN_LIST)
            if depth > MAX_NESTING:
                raise BulkQueryError(f"connections may be nested at most {MAX_NESTING} levels deep")
            count += 1
            for node_type, selection in _node_selections(walker, named, node):
                if not _is_node(node_type):
                    raise BulkQueryError(f"connections must implement the Node interface: {node_type.name}")
                children = walker.fields(node_type, selection.selection_set)
                nested = _check_connections(walker, node_type, children, depth + 1)
                if nested and not any(c.name.value == "id" for c in children):
                    raise BulkQueryError("a node holding a nested connection must select the 'id' field")
                count += nested
        else:
            children = walker.fields(named, node.selection_set)
            count += _check_connections(walker, named, children, depth, in_list or _is_list(field_def.type))
    return count


def _field_def(walker: SelectionWalker, parent_type, node: FieldNode):
    """`node`'s field on `parent_type`, or, for an abstract type, on the type its fragment names."""
    name = node.name.value
    if name in parent_type.fields:
        return parent_type.fields[name]
    possible = walker.schema.get_possible_types(parent_type)
    return next(t.fields[name] for t in possible if name in t.fields)


def _is_node(node_type) -> bool:
    if isinstance(node_type, GraphQLInterfaceType) and node_type.name == "Node":
        return True
    return any(interface.name == "Node" for interface in getattr(node_type, "interfaces", ()))


def _is_list(field_type) -> bool:
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    return isinstance(inner, GraphQLList)


def _node_selections(walker: SelectionWalker, connection_type, node: FieldNode):
    """(node type, field node whose selection describes one node) for `edges { node }` and `nodes`."""
    for part in walker.fields(connection_type, node.selection_set):
        if part.name.value == "nodes":
            yield get_named_type(connection_type.fields["nodes"].type), part
        elif part.name.value == "edges":
            edge_type = get_named_type(connection_type.fields["edges"].type)
            for inner in walker.fields(edge_type, part.selection_set):
                if inner.name.value == "node":
                    yield get_named_type(edge_type.fields["node"].type), inner


def _connection_nodes(connection_type, node: FieldNode, value: dict | None, walker: SelectionWalker):
    """(node type, selection, node data) for every node a connection returned, once each."""
    for part in walker.fields(connection_type, node.selection_set):
        if part.name.value == "nodes":
            node_type = get_named_type(connection_type.fields["nodes"].type)
            for item in (value or {}).get(_key(part)) or ():
                yield node_type, part, item
            return
        if part.name.value == "edges":
            edge_type = get_named_type(connection_type.fields["edges"].type)
            for inner in walker.fields(edge_type, part.selection_set):
                if inner.name.value == "node":
                    for edge in (value or {}).get(_key(part)) or ():
                        yield get_named_type(edge_type.fields["node"].type), inner, edge.get(_key(inner))
                    return


def _emit(
    walker: SelectionWalker, node_type, selection: FieldNode, item: dict, parent_id, lines: list
) -> None:
    nested: list = []
    line = _without_connections(walker, node_type, selection, item, nested)
    if parent_id is not None:
        line["__parentId"] = parent_id
    lines.append(line)
    for named, child, value in nested:
        for child_type, child_selection, child_item in _connection_nodes(named, child, value, walker):
            _emit(walker, child_type, child_selection, child_item, item["id"], lines)


def _without_connections(walker: SelectionWalker, object_type, selection: FieldNode, item: dict, nested):
    """`item`'s selected fields with its connections (also those inside object fields) taken out into
    `nested` as (connection type, field node, value): they become lines of their own."""
    found: dict = {}
    for child in walker.fields(object_type, selection.selection_set):
        key = _key(child)
        value = item.get(key)
        if not child.name.value.startswith("__"):
            field_def = _field_def(walker, object_type, child)
            named = get_named_type(field_def.type)
            if is_connection(field_def, named):
                nested.append((named, child, value))
                continue
            if isinstance(value, dict) and hasattr(named, "fields") and not _is_list(field_def.type):
                value = _without_connections(walker, named, child, value, nested)
        found[key] = value
    return found


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value
