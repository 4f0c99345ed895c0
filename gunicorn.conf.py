"""Gunicorn settings: `gunicorn -c gunicorn.conf.py integration_app.wsgi` (the Procfile's `web`).

Everything comes from the environment, so one file serves every platform (docs/deploy.md, "Web"):

| variable | default | meaning |
| --- | --- | --- |
| `PORT` | `8000` | port to listen on (platforms set it) |
| `GUNICORN_HOST` | `0.0.0.0` | address to listen on; `[::]` on IPv6-only private networks |
| `WEB_CONCURRENCY` | `2` | worker processes (about one per CPU core) |
| `GUNICORN_THREADS` | `4` | threads per worker (requests wait on Shopify and Cin7, not on the CPU) |
| `GUNICORN_TIMEOUT` | `30` | seconds before the worker of a stuck request is restarted |
| `GUNICORN_GRACEFUL_TIMEOUT` | `30` | seconds in-flight requests get to finish on shutdown |
| `GUNICORN_KEEPALIVE` | `5` | idle keep-alive seconds; keep it above the proxy's idle timeout |
| `GUNICORN_MAX_REQUESTS` | `1000` | requests before a worker is recycled (with 10% jitter) |
| `FORWARDED_ALLOW_IPS` | `*` | proxies trusted for `X-Forwarded-Proto`; see below |
| `LOG_FORMAT`, `LOG_LEVEL` | `plain`, `INFO` | as for the app: lines (or JSON objects) on stdout |
| `GUNICORN_ACCESS_LOG` | `false` | also log gunicorn's access line (the app logs each request already) |
"""

import os

from integration_app.logging import logging_config


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# The container port is reachable only through the platform's proxy, which ends TLS.
bind = [f"{os.environ.get('GUNICORN_HOST', '0.0.0.0')}:{_int('PORT', 8000)}"]  # noqa: S104
workers = _int("WEB_CONCURRENCY", 2)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)

# Requests make at most a call or two to Shopify or Cin7 (webhooks must answer within 5 s and only queue
# work); syncs run on the qcluster workers, never in a request. With threads, `timeout` restarts a worker
# whose main loop stops answering (a hung process), and `graceful_timeout` bounds a shutdown.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10

# Behind a proxy whose address is not known in advance (every container platform), trust its
# X-Forwarded-Proto. Django trusts the same header (SECURE_PROXY_SSL_HEADER, on when APP_URL is https).
# If the container port is reachable from the internet directly, set FORWARDED_ALLOW_IPS to the proxy's
# addresses instead.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# The worker heartbeat file: in memory, as containers' /tmp can sit on a slow overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Gunicorn 25.1+ opens a control socket under $HOME by default; a container has no use for it.
control_socket_disable = True

# Logs: stdout only, in the app's format, with the app's secret redaction. The app logs every request
# itself (method, path, status, time), so gunicorn's access log is off unless GUNICORN_ACCESS_LOG=true;
# when on, it leaves out the query string, which can carry id_token, hmac and code.
_log_level = os.environ.get("LOG_LEVEL", "INFO").upper()
_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "false").strip().lower() in {"1", "true", "yes", "on"}
loglevel = _log_level.lower()
accesslog = None
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logconfig_dict = logging_config(
    _log_level,
    os.environ.get("LOG_FORMAT", "plain"),
    {
        "gunicorn.error": {"handlers": [], "propagate": True, "level": _log_level},
        "gunicorn.access": {
            "handlers": [],
            "propagate": _access_log,
            "level": "INFO" if _access_log else "WARNING",
        },
    },
)
