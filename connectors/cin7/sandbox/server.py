"""A real HTTP server on loopback that answers like Cin7 Core's REST API v2 (read endpoints and `/webhooks`).

Per request, in Cin7's order of checks: a path outside the API or an unknown endpoint gets 200 with an HTML
"Page not found" page (FACTS §1.5, seen live); bad or missing credentials get 403; a call over the rate
limit gets 429 or 503 (FACTS §2.2); then injected faults; then 405 for a method other than GET; then the
endpoint (400/500 with the Error Model on bad parameters or heavy pages). Paths, endpoint names and
parameter names are case-insensitive (FACTS §1.1, §3). The ordering model is in `queries`. `/webhooks` also
takes POST/PUT/DELETE, and while the server runs a thread makes the store's webhook deliveries (`webhooks`).
"""

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

from ...sandbox_http import SandboxHandler
from .limits import FaultConfig, FaultCounter, RateWindows, ThrottleConfig
from .queries import ENDPOINTS, Params, Query
from .store import Cin7Store
from .webhooks import NO_AUTOMATION
from .wire import NOT_FOUND_HTML, ApiError, dumps, error_body

BASE_PATH = "/externalapi/v2/"
_JSON = "application/json; charset=utf-8"
_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class CallRecord:
    """One request as the sandbox saw it; `status` is None when the connection was dropped on purpose."""

    account_id: str | None
    method: str
    path: str
    endpoint: str
    params: dict
    status: int | None
    throttled: bool
    at: float


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = _JSON
    headers: dict = field(default_factory=dict)


def _error(status: int, message: str, **headers) -> Reply:
    return Reply(status, error_body(status, message), headers=headers)


def _endpoint_of(path: str) -> str:
    """Lower-case endpoint name (`"customer"`, `"ref/pricetier"`) of a request path."""
    lowered = path.lower()
    if lowered.startswith(BASE_PATH):
        lowered = lowered[len(BASE_PATH) :]
    return lowered.strip("/")


class Cin7Sandbox:
    """Serves a `Cin7Store` over HTTP. `throttle`, `faults` and `max_limit_with_includes` may be changed while
    it runs. Use `start()`/`stop()` or `with Cin7Sandbox(store) as server:`."""

    def __init__(
        self,
        store: Cin7Store,
        host: str = "127.0.0.1",
        port: int = 0,
        throttle: ThrottleConfig | None = None,
        faults: FaultConfig | None = None,
        max_limit_with_includes: int | None = 500,
    ):
        self.store = store
        self.throttle = throttle or ThrottleConfig()
        self.faults = faults or FaultConfig()
        self.max_limit_with_includes = max_limit_with_includes
        self._address = (host, port)
        self._windows = RateWindows(store.clock)
        self._fault_counter = FaultCounter()
        self._throttled_replies = 0
        self._calls: list[CallRecord] = []
        self._calls_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._delivering: threading.Thread | None = None
        self._stop_delivering = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> "Cin7Sandbox":
        self._server = _Server(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="cin7-sandbox", daemon=True
        )
        self._thread.start()
        self._stop_delivering.clear()
        self._delivering = threading.Thread(target=self._deliver, name="cin7-sandbox-webhooks", daemon=True)
        self._delivering.start()
        return self

    def _deliver(self) -> None:
        with requests.Session() as session:
            self.store.deliveries.run(self._stop_delivering, session)

    def stop(self) -> None:
        """Stops serving and closes open keep-alive connections."""
        if self._server is None:
            return
        self._stop_delivering.set()
        self._delivering.join()
        self._server.shutdown()
        self._server.close_open_connections()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = self._delivering = None

    def __enter__(self) -> "Cin7Sandbox":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/ExternalApi/v2/"

    # -- call log ----------------------------------------------------------------------------------------
    @property
    def calls(self) -> list[CallRecord]:
        with self._calls_lock:
            return list(self._calls)

    def reset_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    # -- request handling --------------------------------------------------------------------------------
    def respond(self, method: str, target: str, headers, body: bytes = b"") -> Reply | None:
        """The reply to one request (None: drop the connection), recorded in `calls`."""
        url = urlsplit(target)
        params = Params(url.query)
        headers = {name.lower(): value for name, value in headers.items()}
        account_id = headers.get("api-auth-accountid")
        throttled = False
        endpoint = _endpoint_of(url.path)
        if (endpoint not in ENDPOINTS and endpoint != "webhooks") or not url.path.lower().startswith(
            BASE_PATH
        ):
            reply = Reply(200, NOT_FOUND_HTML, _HTML)
        else:
            reply, throttled = self._authenticated_reply(method, endpoint, params, headers, body)
        with self._calls_lock:
            self._calls.append(
                CallRecord(
                    account_id,
                    method,
                    url.path,
                    endpoint,
                    dict(params.raw),
                    reply and reply.status,
                    throttled,
                    self.store.clock.now(),
                )
            )
        return reply

    def _authenticated_reply(self, method, endpoint, params, headers, body) -> tuple[Reply | None, bool]:
        account = self.store.account(headers.get("api-auth-accountid", ""))
        if account is None or headers.get("api-auth-applicationkey") != account.api_key:
            # FACTS §1.6: documented 403; body text as a third party reports it.
            return _error(403, "Incorrect credentials!"), False
        throttle = self.throttle
        wait = self._windows.admit(account.account_id, throttle)
        if wait is not None:
            return self._throttled(throttle, wait), True
        number, faults = self._fault_counter.next(), self.faults
        if FaultCounter.due(faults.slow_every, number):
            time.sleep(faults.slow_seconds)
        if FaultCounter.due(faults.drop_every, number):
            return None, False
        if FaultCounter.due(faults.error_every, number):
            return _error(500, "An unexpected error occurred. Please try again later."), False
        if FaultCounter.due(faults.html_every, number):
            return Reply(200, NOT_FOUND_HTML, _HTML), False
        if endpoint == "webhooks":
            return self._webhooks_reply(account, method, params, body), False
        if method != "GET":
            return _error(405, f"The requested resource does not support http method '{method}'."), False
        try:
            with self.store.lock:
                query = Query(account, params, self.store.rng, self.max_limit_with_includes)
                payload = ENDPOINTS[endpoint](query)
        except ApiError as error:
            return _error(error.status, error.message), False
        return Reply(200, dumps(payload)), False

    def _webhooks_reply(self, account, method: str, params, body: bytes) -> Reply:
        if method not in ("GET", "POST", "PUT", "DELETE"):
            return _error(405, f"The requested resource does not support http method '{method}'.")
        try:
            data = json.loads(body) if method in ("POST", "PUT") and body else None
        except ValueError:
            return _error(400, "Request body is not valid JSON.")
        try:
            with self.store.lock:
                if not account.automation_module:
                    raise ApiError(400, NO_AUTOMATION)
                payload = account.registrations.handle(method, params, data)
        except ApiError as error:
            return _error(error.status, error.message)
        return Reply(200, dumps(payload))

    def _throttled(self, throttle: ThrottleConfig, wait: int) -> Reply:
        per = "minute" if throttle.window_seconds == 60 else f"{throttle.window_seconds:g} seconds"
        message = f"You reached {throttle.limit} calls per {per} API limit"
        if throttle.mode == "503":
            return _error(503, message)  # FACTS §2.2: the legacy signal carries no Retry-After.
        with self._calls_lock:
            self._throttled_replies += 1
            style = throttle.retry_after
            if style == "alternate":
                style = ("seconds", "seconds_word")[self._throttled_replies % 2 == 0]
        # FACTS §2.2: live values are "30" or "60 Seconds", not always RFC 9110.
        retry_after = f"{wait} Seconds" if style == "seconds_word" else str(wait)
        return _error(429, message, **{"Retry-After": retry_after})


class _Handler(SandboxHandler):
    server: "_Server"

    def _dispatch(self) -> None:
        self.send(self.server.sandbox.respond(self.command, self.path, self.headers, self.request_body()))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, sandbox: Cin7Sandbox):
        super().__init__(address, _Handler)
        self.sandbox = sandbox
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self._open_lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
