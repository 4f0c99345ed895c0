"""Bulk mutations: stage a JSONL file of variables, run one mutation over it, find the operation again
after a kill, wait for it on the client's clock, and stream its result lines (sandbox/BULK.md).

Only the requests to create, poll and find operations go through the rate-limited bucket (1 to 10 points
each); the lines themselves do not. A client identifier names the operation: it is sent as Shopify's
`clientIdentifier` and also written into the mutation's operation name (`CustomerCreate__<identifier>`),
because 2026-01 offers no way to query by `clientIdentifier` while `BulkOperation.query` returns the
document, so `find` can recognise the operation a killed run started.
"""

import io
import json
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import requests

from .admin import _user_errors
from .client import GraphQLClient, check_document
from .documents import document
from .errors import ShopifyQueryError, ShopifyUnavailableError, excerpt_of
from .records import UserError

CLIENT_IDENTIFIER = re.compile(r"^[A-Za-z0-9_]{10,200}$")
MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # "The size of the JSONL file can't exceed 100MB"
TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
ACTIVE = frozenset({"CREATED", "RUNNING", "CANCELING"})
FIND_PAGES = 4
# Documents of graphql/ that run in bulk as they are: one mutation root field, at most one connection.
BULK_DOCUMENTS = frozenset(
    {
        "customer_create", "customer_update", "metafields_set", "metafields_delete", "tags_add",
        "tags_remove", "bulk_address_create", "bulk_address_update", "bulk_company_create",
        "b2b_company_update", "b2b_contact_assign", "bulk_main_contact", "bulk_location_roles",
        "b2b_location_roles_assign",
        "b2b_location_create", "b2b_location_update", "b2b_location_tax", "b2b_price_list_create",
        "b2b_catalog_create", "b2b_catalog_update", "b2b_catalog_context", "bulk_fixed_prices_add",
        "b2b_fixed_prices_update", "b2b_market_create", "b2b_market_update",
    }
)  # fmt: skip
_OPERATION_HEAD = re.compile(r"^(\s*(?:#[^\n]*\n\s*)*)mutation\b\s*([_A-Za-z][_0-9A-Za-z]*)?")


@dataclass(frozen=True)
class BulkOperation:
    """A bulk operation as Shopify last reported it."""

    id: str
    status: str
    error_code: str | None = None
    object_count: int = 0
    url: str | None = None
    partial_data_url: str | None = None
    created_at: str | None = None
    completed_at: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class LineOutcome:
    """What one input line did: the root field's payload, GraphQL errors, and the payload's userErrors."""

    line: int
    payload: dict | None
    errors: tuple[str, ...] = ()
    user_errors: tuple[UserError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors and not self.user_errors and self.payload is not None

    def reason(self, nothing: str) -> str:
        """Why the line did not do its work: its first userError, else its GraphQL errors, else `nothing`
        (e.g. "no company returned")."""
        if self.user_errors:
            return str(self.user_errors[0])
        return "; ".join(self.errors) or nothing


class BulkRefused(ShopifyQueryError):
    """`bulkOperationRunMutation` answered userErrors; `code` is the first one's (e.g. LIMIT_REACHED)."""

    def __init__(self, errors: tuple[UserError, ...], call: str):
        self.errors, self.code = errors, (errors[0].code if errors else "")
        super().__init__(f"Shopify refused the bulk mutation: {'; '.join(map(str, errors))}", call=call)


@dataclass
class PollSchedule:
    """Polling of a running operation: `fast_polls` polls `fast` seconds apart, then every `slow`
    seconds (the Shopify CLI's watch: 1 s ten times, then 5 s)."""

    fast: float = 1.0
    fast_polls: int = 10
    slow: float = 5.0
    timeout: float = 24 * 3600.0  # "The bulk mutation operation has to complete within 24 hours"

    def delay(self, polls: int) -> float:
        return self.fast if polls < self.fast_polls else self.slow


class BulkMutations:
    """One shop's bulk mutations, over the app's `GraphQLClient` (its pacing, clock and retries)."""

    def __init__(self, client: GraphQLClient, *, poll: PollSchedule | None = None):
        self.client, self.poll = client, poll or PollSchedule()
        self.session = requests.Session()

    def stage(self, lines: Iterable[dict], filename: str = "bulk_op_vars.jsonl") -> str:
        """Upload one JSONL line per variables dict; returns the `stagedUploadPath`."""
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            size = 0
            for variables in lines:
                size += spool.write(json.dumps(variables, separators=(",", ":"), ensure_ascii=False).encode())
                size += spool.write(b"\n")
                if size > MAX_UPLOAD_BYTES:
                    raise ValueError("A bulk mutation file may hold at most 100 MB; split the lines.")
            spool.seek(0)
            data = self.client.execute(document("bulk_staged_upload"), {"filename": filename})
            payload = data["stagedUploadsCreate"]
            if payload.get("userErrors"):
                raise ShopifyQueryError(f"Shopify refused the staged upload: {payload['userErrors']}")
            target = payload["stagedTargets"][0]
            form = [(p["name"], p["value"]) for p in target["parameters"]]
            self._upload(target["url"], MultipartBody(form, filename, spool, size))
            return dict(form)["key"]

    def _upload(self, url: str, body: "MultipartBody") -> None:
        """POST the form with the file as its last part (Shopify: "The file parameter must be the last")."""
        call = "staged upload of bulk mutation variables"
        headers = {"Content-Type": body.content_type}
        try:
            response = self.session.post(url, data=body, headers=headers, timeout=self.client.timeout * 4)
        except requests.RequestException as exc:
            raise ShopifyUnavailableError(f"The upload failed ({type(exc).__name__}).", call=call) from None
        if response.status_code not in (200, 201, 204):
            raise ShopifyUnavailableError(
                "The storage refused the upload.",
                call=call,
                status=response.status_code,
                excerpt=excerpt_of(response.text),
            )

    def run(self, mutation: str, staged_upload_path: str, client_identifier: str) -> BulkOperation:
        """Start `mutation` over the staged file; waits for a free slot while 5 operations run."""
        if not CLIENT_IDENTIFIER.match(client_identifier):
            raise ValueError("A client identifier is 10 to 200 letters, digits or underscores.")
        named = named_for(mutation, client_identifier)
        check_document(named, "bulk mutation document")
        variables = {
            "mutation": named,
            "stagedUploadPath": staged_upload_path,
            "clientIdentifier": client_identifier,
        }
        waited, polls = 0.0, 0
        while True:
            payload = self.client.execute(document("bulk_run_mutation"), variables)[
                "bulkOperationRunMutation"
            ]
            errors = _user_errors(payload)
            if not errors:
                return _operation(payload["bulkOperation"])
            if errors[0].code != "LIMIT_REACHED" or waited > self.poll.timeout:
                raise BulkRefused(errors, f"bulkOperationRunMutation on {self.client.shop}")
            delay = self.poll.delay(polls)
            self.client.wait(delay)
            waited, polls = waited + delay, polls + 1

    def get(self, operation_id: str) -> BulkOperation | None:
        node = self.client.execute(document("bulk_operation_by_id"), {"id": operation_id})["bulkOperation"]
        return _operation(node) if node else None

    def find(self, client_identifier: str) -> BulkOperation | None:
        """The newest mutation operation started with `client_identifier` (running or finished), if any."""
        suffix = f"__{client_identifier}"
        for node in self._mutation_operations("operation_type:mutation"):
            if operation_name(node.get("query") or "").endswith(suffix):
                return _operation(node)
        return None

    def current(self) -> list[BulkOperation]:
        """The shop's bulk mutations that are still created or running."""
        nodes = self._mutation_operations("operation_type:mutation", pages=1)  # newest first
        return [_operation(node) for node in nodes if node["status"] in ACTIVE]

    def _mutation_operations(self, query: str, pages: int = FIND_PAGES) -> Iterator[dict]:
        """Newest first, at most `pages` pages of 50."""
        after = None
        for _ in range(pages):
            data = self.client.execute(document("bulk_mutation_operations"), {"query": query, "after": after})
            connection = data["bulkOperations"]
            yield from connection["nodes"]
            if not connection["pageInfo"]["hasNextPage"]:
                return
            after = connection["pageInfo"]["endCursor"]

    def wait(self, operation: BulkOperation) -> BulkOperation:
        """Poll `bulkOperation(id:)` on the client's clock until the operation finishes."""
        waited, polls = 0.0, 0
        while not operation.finished:
            if waited > self.poll.timeout:
                raise ShopifyUnavailableError(f"The bulk operation {operation.id} did not finish in time.")
            delay = self.poll.delay(polls)
            self.client.wait(delay)
            waited, polls = waited + delay, polls + 1
            found = self.get(operation.id)
            if found is None:
                raise ShopifyUnavailableError(f"The bulk operation {operation.id} no longer exists.")
            operation = found
        return operation

    def results(self, operation: BulkOperation) -> Iterator[LineOutcome]:
        """The result lines of a finished operation (its partial data when it failed), streamed."""
        url = operation.url or operation.partial_data_url
        if not url:
            return
        call = f"bulk operation results of {operation.id}"
        try:
            with self.session.get(url, stream=True, timeout=self.client.timeout * 4) as response:
                if response.status_code != 200:
                    raise ShopifyUnavailableError(
                        "The result file could not be read.", call=call, status=response.status_code
                    )
                for number, raw in enumerate(response.iter_lines(), start=1):
                    if raw.strip():
                        yield _outcome(raw, number, call)
        except requests.RequestException as exc:
            raise ShopifyUnavailableError(
                f"The result file broke off ({type(exc).__name__}).", call=call
            ) from None


class MultipartBody:
    """A `multipart/form-data` body of form fields and then the file, read from the spooled file as it is
    sent, with its length known up front: requests' `files=` would read a file of up to 100 MB whole and
    copy it once more into the body."""

    def __init__(self, form: list[tuple[str, str]], filename: str, file: BinaryIO, size: int):
        boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={boundary}"
        fields = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in form
        )
        head = (
            f'{fields}--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/jsonl\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        self.parts: list[BinaryIO] = [io.BytesIO(head), file, io.BytesIO(tail)]
        self.length = len(head) + size + len(tail)

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        while self.parts:
            chunk = self.parts[0].read(size)
            if chunk:
                return chunk
            self.parts.pop(0)
        return b""


def named_for(mutation: str, client_identifier: str) -> str:
    """`mutation` with its operation named `<Name>__<client identifier>` (`Bulk` when it had none)."""
    head = _OPERATION_HEAD.match(mutation)
    if head is None:
        raise ValueError("A bulk mutation document must start with `mutation`.")
    name = (head[2] or "Bulk").split("__", 1)[0]
    return f"{head[1]}mutation {name}__{client_identifier}{mutation[head.end() :]}"


def operation_name(mutation: str) -> str:
    head = _OPERATION_HEAD.match(mutation)
    return (head[2] or "") if head else ""


def _outcome(raw: bytes, number: int, call: str) -> LineOutcome:
    try:
        line = json.loads(raw)
    except ValueError:
        line = None
    if not isinstance(line, dict) or not isinstance(line.get("__lineNumber"), int):
        raise ShopifyUnavailableError(f"The result file is not JSONL (line {number}).", call=call)
    payloads = list((line.get("data") or {}).values())
    payload = payloads[0] if payloads else None
    errors = tuple(
        str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in line.get("errors") or ()
    )
    return LineOutcome(line["__lineNumber"], payload, errors, _user_errors(payload))


def _operation(node: dict) -> BulkOperation:
    return BulkOperation(
        id=node["id"],
        status=node["status"],
        error_code=node.get("errorCode"),
        object_count=int(node.get("objectCount") or 0),
        url=node.get("url"),
        partial_data_url=node.get("partialDataUrl"),
        created_at=node.get("createdAt"),
        completed_at=node.get("completedAt"),
    )
