"""The loopback HTTP server: routes requests to a ShopifySandbox and writes its answers."""

import json
import re
import sys
import traceback
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from ...sandbox_http import SandboxHandler

ADMIN_PATH = re.compile(r"^/shops/(?P<shop>[^/]+)/admin/(?P<rest>.*)$")
GRAPHQL_PATH = re.compile(r"^api/(?P<version>\d{4}-\d{2}|unstable)/graphql\.json$")
APP_HOME_PATH = re.compile(r"^apps/(?P<key>[^/]+)(/.*)?$")
STAGED_UPLOAD_PATH = "/staged-uploads/"
BULK_PATH = re.compile(r"^/bulk/(?P<token>[A-Za-z0-9_-]+)\.jsonl$")


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    @classmethod
    def json(cls, status: int, payload, **headers) -> "Response":
        return cls(status, json.dumps(payload).encode(), headers=headers)

    @classmethod
    def html(cls, status: int, text: str) -> "Response":
        return cls(status, text.encode(), "text/html; charset=utf-8")


NOT_FOUND = Response.json(404, {"errors": "Not Found"})


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict:
        """A JSON object body, or a form-encoded one."""
        text = self.body.decode("utf-8", "replace")
        if "json" in self.headers.get("content-type", "") or text.lstrip().startswith("{"):
            try:
                parsed = json.loads(text or "{}")
            except ValueError:
                return {}
            return (
                {k: v if isinstance(v, str) or v is None else str(v) for k, v in parsed.items()}
                if isinstance(parsed, dict)
                else {}
            )
        return dict(parse_qsl(text, keep_blank_values=True))


def route(sandbox, request: Request) -> Response:
    """Dispatch a request to the sandbox handler for its path."""
    if request.path == STAGED_UPLOAD_PATH and request.method == "POST":
        return sandbox.handle_staged_upload(request)
    bulk = BULK_PATH.match(request.path)
    if bulk and request.method == "GET":
        return sandbox.serve_bulk_result(bulk["token"])
    admin = ADMIN_PATH.match(request.path)
    if not admin or sandbox.find_shop(admin["shop"]) is None:
        return NOT_FOUND
    shop, rest = admin["shop"], admin["rest"]
    if rest == "oauth/authorize" and request.method == "GET":
        return sandbox.handle_authorize(shop, request.query)
    if rest == "oauth/access_token" and request.method == "POST":
        return sandbox.handle_token(shop, request.form())
    graphql = GRAPHQL_PATH.match(rest)
    if graphql and request.method == "POST":
        return sandbox.handle_graphql(shop, graphql["version"], request)
    app_home = APP_HOME_PATH.match(rest)
    if app_home and request.method == "GET":
        return sandbox.handle_app_home(shop, app_home["key"])
    return NOT_FOUND


class _Handler(SandboxHandler):
    server: "SandboxHTTPServer"

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        request = Request(
            method,
            url.path,
            dict(parse_qsl(url.query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            self.request_body(),
        )
        try:
            response = route(self.server.sandbox, request)
        except Exception as error:  # a sandbox bug: answer like Shopify's 500 and keep the trace visible
            traceback.print_exc()
            response = Response.json(500, {"errors": f"Internal error in the Shopify sandbox: {error!r}"})
        self.send(None if response.drop else response)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox):
        self.sandbox = sandbox
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        """Clients that hang up (timeouts, dropped connections) are expected; anything else is reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)
