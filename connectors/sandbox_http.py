"""The request handler both sandbox servers build on: HTTP/1.1 keep-alive, the request body read whole, a
reply written whole or the connection dropped (as a server dying mid-request would), no access log."""

from http.server import BaseHTTPRequestHandler


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes; no 40 ms delayed-ACK stall

    def request_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, reply) -> None:
        """Write `reply` (its `status`, `content_type`, `headers` and `body`); None drops the connection."""
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format, *args) -> None:
        """Silent: each sandbox keeps its own log of calls, which tests and the demo read."""
