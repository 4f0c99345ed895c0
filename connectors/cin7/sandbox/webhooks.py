"""Cin7 webhooks in the sandbox: registrations (`/webhooks`) and their deliveries (FACTS §7).

Registrations use Cin7's field names and limits: at most 5 of one `Type`, `ExternalAuthorizationType` one
of `noauth`/`basicauth`/`bearerauth` with its credentials, and nothing at all for an account without the
Automation module (`Cin7Account.automation_module = False`). What Cin7 answers then is not documented; the
sandbox's 400 with an Error Model is a model, not a fact. Secrets are never rendered back (the reference's
POST/PUT examples answer `ExternalBearerToken: null`), so a subscriber must know its registrations by URL.

Deliveries follow the reference's schedule: the first attempt `first_delay` seconds after the event (Cin7:
about a minute), then 5, 10, 15, 20 and 25 minutes after the previous attempt; after the 6th failure
(anything but 2xx, or no answer) the registration is deactivated. Time is the store's clock, so a
`VirtualClock` moves a benchmark through the schedule without waiting.
"""

import base64
import heapq
import itertools
import threading
from dataclasses import dataclass, field

import requests

from .records import new_id
from .wire import ApiError, dumps

MAX_PER_TYPE = 5  # FACTS §7
AUTH_TYPES = ("noauth", "basicauth", "bearerauth")
# FACTS §7 (newest list); the sandbox emits only the two events it models.
TYPES = [
    "Sale/Created",
    "Sale/QuoteAuthorised",
    "Sale/OrderAuthorised",
    "Sale/Voided",
    "Sale/Backordered",
    "Sale/ShipmentAuthorised",
    "Sale/InvoiceAuthorised",
    "Sale/PickAuthorised",
    "Sale/PackAuthorised",
    "Sale/CreditNoteAuthorised",
    "Sale/Undo",
    "Sale/PartialPaymentReceived",
    "Sale/FullPaymentReceived",
    "Sale/AttachmentAdded",
    "Sale/AdditionalAttributesChanged",
    "Sale/ShipmentTrackingNumberChanged",
    "Purchase/OrderAuthorised",
    "Purchase/InvoiceAuthorised",
    "Purchase/StockReceivedAuthorised",
    "Purchase/CreditNoteAuthorised",
    "Purchase/Updated",
    "Customer/Updated",
    "Supplier/Updated",
    "Product/Updated",
    "Stock/AvailableStockLevelChanged",
    "Lead/Updated",
    "Lead/Converted",
    "Opportunity/Authorized",
    "Opportunity/AttachmentAdded",
    "Opportunity/Voided",
    "Opportunity/Converted",
    "Task/Overdue",
]
NAMES = {"Customer/Updated": "Customer has been updated", "Product/Updated": "Product has been updated"}
RETRY_DELAYS = (300.0, 600.0, 900.0, 1200.0, 1500.0)  # attempts 2-6, after the previous one (FACTS §7)
NO_AUTOMATION = (
    "Webhooks require the Automation module. Please contact support to add it to your subscription."
)


@dataclass
class DeliveryTiming:
    """When attempts happen (seconds of the store's clock); may be changed while the sandbox runs."""

    first_delay: float = 60.0
    retry_delays: tuple = RETRY_DELAYS
    timeout: float = 10.0


@dataclass(frozen=True)
class DeliveryRecord:
    """One attempt as the sandbox made it; `status` None when no answer came."""

    webhook_id: str
    event: str
    attempt: int
    status: int | None
    event_at: float
    at: float


class Registrations:
    """One account's webhook registrations (caller holds the store lock)."""

    def __init__(self, rng):
        self._rng = rng
        self._items: dict[str, dict] = {}

    def active(self, event: str) -> list[dict]:
        return [dict(item) for item in self._items.values() if item["Type"] == event and item["IsActive"]]

    def stored(self) -> list[dict]:
        """Every registration as Cin7 holds it, secrets included (for tests; the API never shows them)."""
        return [dict(item) for item in self._items.values()]

    def get(self, webhook_id: str) -> dict | None:
        return self._items.get(webhook_id)

    def deactivate(self, webhook_id: str) -> None:
        if webhook_id in self._items:
            self._items[webhook_id]["IsActive"] = False

    def handle(self, method: str, params, body) -> dict:
        """The answer to one `/webhooks` call (ApiError for Cin7's 400s)."""
        if method == "GET":
            return {"Webhooks": [_render(item) for item in self._items.values()]}
        if method == "DELETE":
            webhook_id = (params.text("ID") or "").lower()
            if self._items.pop(webhook_id, None) is None:
                raise ApiError(400, f"Webhook with ID '{params.text('ID')}' not found.")
            return {"Webhooks": []}
        if not isinstance(body, dict):
            raise ApiError(400, "Request body should be a Webhook object.")
        if method == "POST":
            item = {"ID": new_id(self._rng)}
        else:
            item = self._items.get(str(body.get("ID") or "").lower())
            if item is None:
                raise ApiError(400, f"Webhook with ID '{body.get('ID')}' not found.")
            item = dict(item)
        item.update(_checked(body))
        same_type = [i for i in self._items.values() if i["Type"] == item["Type"] and i["ID"] != item["ID"]]
        if len(same_type) >= MAX_PER_TYPE:
            raise ApiError(400, f"There is a limit of {MAX_PER_TYPE} webhooks of the same type.")
        item["Name"] = NAMES.get(item["Type"], item["Type"])
        self._items[item["ID"]] = item
        return {"Webhooks": [_render(item)]}


def _checked(body: dict) -> dict:
    fields = {
        name: body.get(name)
        for name in (
            "Type",
            "IsActive",
            "ExternalURL",
            "ExternalAuthorizationType",
            "ExternalUserName",
            "ExternalPassword",
            "ExternalBearerToken",
        )
    }
    if fields["Type"] not in TYPES:
        raise ApiError(400, f"Webhook Type '{fields['Type']}' is not valid.")
    if not isinstance(fields["IsActive"], bool):
        raise ApiError(400, "IsActive is required.")
    url = fields["ExternalURL"]
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ApiError(400, "ExternalURL is required and should be a valid URL.")
    auth = fields["ExternalAuthorizationType"]
    if auth not in AUTH_TYPES:
        raise ApiError(400, f"ExternalAuthorizationType should be one of {', '.join(AUTH_TYPES)}.")
    needed = {"basicauth": ("ExternalUserName", "ExternalPassword"), "bearerauth": ("ExternalBearerToken",)}
    for name in needed.get(auth, ()):
        if not isinstance(fields[name], str) or not fields[name]:
            raise ApiError(400, f"{name} is required for {auth}.")
    headers = body.get("ExternalHeaders") or []
    if not isinstance(headers, list) or not all(isinstance(h, dict) and h.get("Key") for h in headers):
        raise ApiError(400, "ExternalHeaders should be a list of Key and Value objects.")
    fields["ExternalHeaders"] = [{"Key": str(h["Key"]), "Value": str(h.get("Value") or "")} for h in headers]
    return fields


def _render(item: dict) -> dict:
    rendered = {
        name: item.get(name)
        for name in ("ID", "Type", "Name", "IsActive", "ExternalURL", "ExternalAuthorizationType")
    }
    rendered["ExternalUserName"] = item.get("ExternalUserName") or ""
    rendered["ExternalPassword"] = None  # secrets are not rendered back (see the module docstring)
    rendered["ExternalBearerToken"] = None
    rendered["ExternalHeaders"] = [dict(h) for h in item.get("ExternalHeaders", [])]
    return rendered


def auth_headers(item: dict) -> dict:
    """The headers Cin7 sends with each delivery of this registration."""
    headers = {h["Key"]: h["Value"] for h in item.get("ExternalHeaders", [])}
    if item["ExternalAuthorizationType"] == "bearerauth":
        headers["Authorization"] = f"Bearer {item['ExternalBearerToken']}"
    elif item["ExternalAuthorizationType"] == "basicauth":
        pair = f"{item['ExternalUserName']}:{item['ExternalPassword']}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    return headers


@dataclass(order=True)
class _Attempt:
    due: float
    order: int
    account: object = field(compare=False)
    webhook_id: str = field(compare=False)
    event: str = field(compare=False)
    payload: bytes = field(compare=False)
    number: int = field(compare=False)
    event_at: float = field(compare=False)


class Deliveries:
    """The store's outgoing deliveries: events become attempts; `run()` (a thread) makes them when due."""

    def __init__(self, store):
        self._store, self._clock = store, store.clock
        self.timing = DeliveryTiming()
        self._queue: list[_Attempt] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._log: list[DeliveryRecord] = []

    @property
    def log(self) -> list[DeliveryRecord]:
        with self._wake:
            return list(self._log)

    @property
    def pending(self) -> int:
        with self._wake:
            return len(self._queue)

    def event(self, account, event: str, render) -> None:
        """An event happened in `account` (caller holds the store lock): one attempt per active
        registration of that type, carrying `render()` (called only when one exists)."""
        matches = account.registrations.active(event)
        if not matches:
            return
        now, body = self._clock.now(), dumps(render())
        with self._wake:
            for item in matches:
                due = now + self.timing.first_delay
                attempt = _Attempt(due, next(self._order), account, item["ID"], event, body, 1, now)
                heapq.heappush(self._queue, attempt)
            self._wake.notify_all()

    def run(self, stop: threading.Event, session: requests.Session) -> None:
        """Make attempts as they fall due until `stop` is set (polls the clock, which may be virtual)."""
        while not stop.is_set():
            attempt = self._next_due()
            if attempt is None:
                with self._wake:
                    self._wake.wait(0.02)
                continue
            self._attempt(attempt, session)

    def _next_due(self) -> _Attempt | None:
        with self._wake:
            if self._queue and self._queue[0].due <= self._clock.now():
                return heapq.heappop(self._queue)
        return None

    def _attempt(self, attempt: _Attempt, session: requests.Session) -> None:
        with self._store.lock:
            item = attempt.account.registrations.get(attempt.webhook_id)
            item = dict(item) if item and item["IsActive"] else None
        if item is None:  # deleted or deactivated meanwhile
            return
        headers = {"Content-Type": "application/json", **auth_headers(item)}
        now = self._clock.now()  # the next attempt counts from this one's start
        try:
            status = session.post(
                item["ExternalURL"], data=attempt.payload, headers=headers, timeout=self.timing.timeout
            ).status_code
        except requests.RequestException:
            status = None
        with self._wake:
            self._log.append(
                DeliveryRecord(item["ID"], attempt.event, attempt.number, status, attempt.event_at, now)
            )
        if status is not None and 200 <= status < 300:
            return
        delays = self.timing.retry_delays
        if attempt.number > len(delays):
            with self._store.lock:
                attempt.account.registrations.deactivate(item["ID"])
            return
        attempt.number += 1
        attempt.due = now + delays[attempt.number - 2]
        attempt.order = next(self._order)
        with self._wake:
            heapq.heappush(self._queue, attempt)
