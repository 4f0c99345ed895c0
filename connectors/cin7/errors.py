"""Errors of the Cin7 connector. Each `str()` names the call, the HTTP status and what came back; it is what a
merchant reads in the run log and the email, so it never carries the Account ID or the API key."""


class Cin7Error(Exception):
    """A Cin7 call failed. `call` is method + endpoint (+ query), `status` the HTTP status (0: none came
    back), `excerpt` a short, single-line excerpt of the body."""

    def __init__(self, message: str, *, call: str = "", status: int = 0, excerpt: str = ""):
        self.message, self.call, self.status, self.excerpt = message, call, status, excerpt
        parts = [message]
        if call:
            parts.append(f"(call: {call}" + (f", HTTP {status})" if status else ")"))
        if excerpt:
            parts.append(f"Cin7 said: {excerpt}")
        super().__init__(" ".join(parts))


class Cin7CredentialsError(Cin7Error):
    """Cin7 rejected the Account ID / API key (HTTP 401/403). Never retried: the merchant must fix them."""

    MESSAGE = (
        "Cin7 rejected the Account ID / API key. In Cin7 Core open Integrations → API, select this app's "
        "API application (create one if it was deleted) and copy its Account ID and Application Key from "
        "the Setup tab into the app's settings."
    )

    def __init__(self, *, call: str = "", status: int = 0, excerpt: str = ""):
        super().__init__(self.MESSAGE, call=call, status=status, excerpt=excerpt)


class Cin7UnavailableError(Cin7Error):
    """Cin7 kept throttling, failing with 5xx or not answering after the retries (or within the deadline)
    the policy allows. `retry_after`: the seconds Cin7 (its `Retry-After`) or the pacer asked to wait before
    the next call, when the policy would not wait that long; None when no wait is known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **details):
        super().__init__(message, **details)
        self.retry_after = retry_after


class Cin7ResponseError(Cin7Error):
    """Cin7 answered 200 with something that is not the JSON expected (an HTML page, text, another shape)."""


class Cin7RecordError(Cin7Error):
    """One record could not be read: a required field is missing or a value has an impossible type.
    `record_id` is the record's `ID` when it has a usable one, `field` the offending field's path."""

    def __init__(self, message: str, *, record_id: str | None = None, field: str = ""):
        self.record_id, self.field = record_id, field
        prefix = f"{field}: " if field else ""
        suffix = f" (record {record_id})" if record_id else ""
        super().__init__(f"{prefix}{message}{suffix}")
