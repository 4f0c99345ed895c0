"""`bulkOperationRunMutation`, `bulkOperation(id:)` and `bulkOperationCancel` (BULK.md).

An operation runs its mutation once per line of the staged JSONL file, each line through the same resolvers
as a single call (so semantics and userErrors are the single call's), but charges nothing to the bucket: only
the `bulkOperationRunMutation` request itself is priced. Lines run on the shop's clock at the rate of the
`BulkModel`, in a shuffled order (Shopify "doesn't serially process the contents of the JSONL file"), and are
executed lazily: whenever the sandbox serves a request for the shop, every line due by then is run first. The
result file holds one JSON object per input line, `{"data": …, "errors": …, "__lineNumber": n}`.
"""

import heapq
import json
import random
import secrets
from dataclasses import dataclass, field, replace

from graphql import (
    GraphQLError,
    NoDeprecatedCustomRule,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    validate,
    visit,
)
from graphql.language import DocumentNode

from ..schema.gate import variable_deprecations
from .bulk import MAX_RUNNING
from .context import RequestContext
from .cost import is_connection
from .extensions import Extensions
from .mutations import mutation_root
from .runtime import run
from .staged_uploads import staged_uploads_create
from .store import BulkOperation, SandboxShop, gid
from .views import bulk_view

NOT_BULKABLE = {"bulkOperationRunMutation", "bulkOperationRunQuery"}  # "to prevent recursion"
ACTIVE = ("CREATED", "RUNNING")


@dataclass(eq=False)
class BulkMutation(BulkOperation):
    """A bulk mutation: its lines, the order they run in, and what ran so far."""

    type: str = "MUTATION"
    client_identifier: str | None = None
    lines: list[bytes] = field(default_factory=list)
    total: int = 0
    order: list[int] = field(default_factory=list)
    starts_at: float = 0.0
    interval: float = 0.0
    processed: int = 0
    canceled_at: float | None = None
    context: RequestContext | None = None
    document: DocumentNode | None = None
    root: dict = field(default_factory=dict)
    results: list[bytes] = field(default_factory=list)

    def status(self, now: float) -> str:
        if self.canceled_at is not None:
            return "CANCELED"
        if self.processed == self.total and now >= self.completed_at:
            return "COMPLETED"
        return "CREATED" if now < self.starts_at else "RUNNING"

    def counts(self, now: float) -> tuple[int, int]:
        """Lines run so far: `objectCount` "increments to indicate the operation's progress"."""
        return self.processed, self.processed

    def next_due(self) -> float:
        return self.starts_at + (self.processed + 1) * self.interval

    def run_next(self) -> None:
        index = self.order[self.processed]
        self.results.append(_line_result(self, index))
        self.processed += 1
        if self.processed == self.total:
            self.jsonl, self.results, self.lines, self.order = b"".join(self.results), [], [], []


def register_bulk(extensions: Extensions) -> None:
    extensions.mutations.append(
        lambda ctx: {
            "stagedUploadsCreate": lambda info, input: staged_uploads_create(ctx, input),
            "bulkOperationRunMutation": lambda info, mutation, stagedUploadPath, clientIdentifier=None, **_: (
                run_bulk_mutation(ctx, mutation, stagedUploadPath, clientIdentifier)
            ),
            "bulkOperationCancel": lambda info, id: cancel(ctx, id),
        }
    )
    extensions.queries.append(lambda ctx: {"bulkOperation": lambda info, id: _operation_view(ctx, id)})


def run_bulk_mutation(ctx: RequestContext, mutation: str, path: str, client_identifier: str | None) -> dict:
    shop, now, model = ctx.shop, ctx.now(), ctx.bulk_model
    document, problem = _checked(ctx, mutation)
    if problem:
        return _refused(["mutation"], problem, "INVALID_MUTATION")
    content = shop.staged_files.get(path)
    if content is None:
        message = "The JSONL file could not be found. Try uploading the file again."
        return _refused(["stagedUploadPath"], message, "NO_SUCH_FILE")
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        message = "Unexpected file structure - expected JSONL"
        return _refused(["stagedUploadPath"], message, "INVALID_STAGED_UPLOAD_FILE")
    lines = [line for line in content.split(b"\n") if line.strip()]
    if sum(op.status(now) in ACTIVE for op in shop.bulk_operations) >= MAX_RUNNING:
        return _refused(None, "Bulk operations limit reached. Please try again later.", "LIMIT_REACHED")
    number = shop.ids.next("BulkOperation")
    order = list(range(len(lines)))
    random.Random(number).shuffle(order)
    interval, starts_at = 1.0 / model.rows_per_second, now + model.startup_seconds
    line_ctx = replace(ctx, search_warnings=[])
    operation = BulkMutation(
        id=gid("BulkOperation", number),
        query=mutation,
        created_at=now,
        completed_at=starts_at + len(lines) * interval,
        jsonl=b"",
        object_count=0,
        root_object_count=0,
        token=secrets.token_urlsafe(24),
        client_identifier=client_identifier,
        lines=lines,
        total=len(lines),
        order=order,
        starts_at=starts_at,
        interval=interval,
        context=line_ctx,
        document=document,
        root=mutation_root(line_ctx),
    )
    shop.bulk_operations.append(operation)
    return {"bulkOperation": bulk_view(ctx, operation), "userErrors": []}


def advance_bulk_mutations(shop: SandboxShop) -> None:
    """Run every line that is due by now, across the running operations, in the order they fall due."""
    now = shop.clock.now()
    pending = [
        op
        for op in shop.bulk_operations
        if isinstance(op, BulkMutation) and op.canceled_at is None and op.processed < op.total
    ]
    heap = [(op.next_due(), n, op) for n, op in enumerate(pending)]
    heapq.heapify(heap)
    while heap and heap[0][0] <= now:
        _, n, op = heapq.heappop(heap)
        op.run_next()
        if op.processed < op.total:
            heapq.heappush(heap, (op.next_due(), n, op))


def cancel(ctx: RequestContext, operation_id: str) -> dict:
    operation = _operation(ctx, operation_id)
    if operation is None:
        return _cancel_refused(None, "Bulk operation does not exist")
    status = operation.status(ctx.now())
    if not isinstance(operation, BulkMutation) or status not in ACTIVE:
        message = f"A bulk operation cannot be canceled when it is {status.lower()}"
        return _cancel_refused(bulk_view(ctx, operation), message)
    operation.canceled_at, operation.lines, operation.results = ctx.now(), [], []
    return {"bulkOperation": bulk_view(ctx, operation), "userErrors": []}


def _cancel_refused(view: dict | None, message: str) -> dict:
    return {"bulkOperation": view, "userErrors": [{"field": ["id"], "message": message}]}


def _operation(ctx: RequestContext, operation_id: str) -> BulkOperation | None:
    if not operation_id.startswith("gid://shopify/BulkOperation/"):
        return None
    return ctx.shop.find(operation_id)


def _operation_view(ctx: RequestContext, operation_id: str) -> dict | None:
    operation = _operation(ctx, operation_id)
    return bulk_view(ctx, operation) if operation else None


def _checked(ctx: RequestContext, mutation: str) -> tuple[DocumentNode | None, str]:
    """The parsed mutation, or why Shopify would refuse it before running a line."""
    try:
        document = parse(mutation)
    except GraphQLError as error:
        return None, f"Invalid mutation: {error.message}"
    errors = validate(ctx.schema, document) or validate(ctx.schema, document, [NoDeprecatedCustomRule])
    if errors:
        return None, "Invalid mutation: " + "; ".join(e.message for e in errors)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation != OperationType.MUTATION:
        return None, "Invalid mutation: the document must hold exactly one mutation operation."
    fields = [s for s in operations[0].selection_set.selections if getattr(s, "name", None)]
    if len(fields) != 1:
        return None, "Invalid mutation: the sandbox runs one mutation root field per bulk operation."
    name = fields[0].name.value
    if name in NOT_BULKABLE:
        return None, f"Invalid mutation: {name} cannot run in a bulk operation."
    if _connection_count(ctx.schema, document) > 1:
        return None, "Invalid mutation: a bulk mutation is limited to one connection field."
    if name not in mutation_root(ctx):
        raise GraphQLError(
            f"The Shopify sandbox does not implement Mutation.{name}.",
            extensions={"code": "NOT_IMPLEMENTED_IN_SANDBOX"},
        )
    return document, ""


class _ConnectionCounter(Visitor):
    def __init__(self, info: TypeInfo):
        super().__init__()
        self.info, self.count = info, 0

    def enter_field(self, *_):
        field_def = self.info.get_field_def()
        if field_def is not None and is_connection(field_def, get_named_type(field_def.type)):
            self.count += 1


def _connection_count(schema, document: DocumentNode) -> int:
    info = TypeInfo(schema)
    counter = _ConnectionCounter(info)
    visit(document, TypeInfoVisitor(info, counter))
    return counter.count


def _line_result(operation: BulkMutation, index: int) -> bytes:
    """One line of the result file: the line's mutation as a single call would answer it."""
    ctx = operation.context
    ctx.search_warnings.clear()
    try:
        variables = json.loads(operation.lines[index])
    except ValueError as error:
        variables = f"Invalid JSON: {error}"
    if not isinstance(variables, dict):
        message = variables if isinstance(variables, str) else "Each line must be a JSON object of variables."
        line: dict = {"errors": [{"message": message}]}
    else:
        line = _executed(operation, variables)
    line["__lineNumber"] = index
    return (json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def _executed(operation: BulkMutation, variables: dict) -> dict:
    ctx = operation.context
    deprecated = variable_deprecations(operation.query, variables, ctx.schema)
    if deprecated:
        return {
            "errors": [
                {
                    "message": f"Variable ${d.variable} was provided invalid value for {d.coordinate} "
                    f"({d.kind} removed: {d.reason.strip()})",
                    "extensions": {"code": "INVALID_VARIABLE"},
                }
                for d in deprecated
            ]
        }
    result = run(ctx.schema, operation.document, operation.root, variables, None)
    line: dict = {} if result.data is None else {"data": result.data}
    if result.errors:
        line["errors"] = [error.formatted for error in result.errors]
    return line


def _refused(field_path, message: str, code: str) -> dict:
    return {"bulkOperation": None, "userErrors": [{"field": field_path, "message": message, "code": code}]}
