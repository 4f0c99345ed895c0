"""The app served over HTTP from a background thread (the demo and `--serve`), on loopback."""

import threading

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # the app logs its own requests
        pass


class LocalAppServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.httpd = ThreadedWSGIServer((host, port), _QuietHandler, allow_reuse_address=True)
        self.httpd.set_app(WSGIHandler())
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="app-server", daemon=True)

    def start(self) -> "LocalAppServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
