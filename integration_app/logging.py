"""Log plumbing: secrets redacted from every record, optional JSON lines for log platforms."""

import json
import logging
import re

# Values that must never reach a log line, whatever logged them: Shopify access/refresh tokens
# (shpat_/shpua_/shprt_ prefixes), bearer headers, JWTs, the key in a Cin7 delivery URL, and
# credential-looking key=value pairs (Cin7's `ExternalBearerToken` / `ExternalPassword` among them).
_PATTERNS = [
    re.compile(r"(/webhooks/cin7/)[^/\s?#\"']+"),
    re.compile(r"\bshp[a-z]{2}_[A-Za-z0-9]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
    re.compile(
        r"(?i)((?:api[-_]?key|applicationkey|api-auth-applicationkey|access[-_]?token|refresh[-_]?token"
        r"|bearer[-_]?token|client[-_]?secret|secret|password|subject[-_]?token|code)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
    ),
]


def redact(text: str) -> str:
    """Return `text` with anything that looks like a credential replaced by `[redacted]`."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Rewrites each record's final message with `redact`, so no handler ever sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = redact(message), None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and exception text when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry)


def logging_config(level: str = "INFO", log_format: str = "plain", loggers: dict | None = None) -> dict:
    """A `dictConfig` sending every record to stdout, redacted, as lines or JSON (Django and gunicorn)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "integration_app.logging.RedactSecretsFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "integration_app.logging.JsonFormatter"},
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["redact"],
                "formatter": "json" if log_format == "json" else "plain",
            }
        },
        "root": {"handlers": ["stdout"], "level": level.upper()},
        "loggers": loggers or {},
    }
