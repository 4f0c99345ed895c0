"""Request logging: one line per request with method, path (no query string: it can carry tokens; the key
of a Cin7 delivery URL masked), status."""

import logging
import time

from .logging import redact

logger = logging.getLogger("integration_app.requests")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        logger.info(
            "%s %s %s %.0fms",
            request.method,
            redact(request.path),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response
