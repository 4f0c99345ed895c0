"""`stagedUploadsCreate` for bulk mutation variables and the storage endpoint that takes the upload
(BULK.md "Staged uploads").

Shopify answers with a Google Cloud Storage POST policy: a URL, and form parameters (`key`, `Content-Type`,
`success_action_status`, `acl`, `policy`, `x-goog-*`) to send as a multipart form with the file as the
last part. The sandbox serves the same form on its own loopback address (`POST /staged-uploads/`), signs
the policy with a secret of its own, and stores the file under its `key`, which `bulkOperationRunMutation`
takes as `stagedUploadPath`.
"""

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP

from graphql import GraphQLError

from .context import RequestContext, limit_input_array
from .server import STAGED_UPLOAD_PATH as UPLOAD_PATH
from .server import Request, Response
from .store import SandboxShop, gid_number

POLICY_LIFETIME = 86400  # Shopify's example policy expires a day after its x-goog-date
_SECRET = secrets.token_bytes(32)


def staged_uploads_create(ctx: RequestContext, inputs: list[dict]) -> dict:
    """One upload target per input; only `BULK_MUTATION_VARIABLES` by POST is modelled."""
    limit_input_array(inputs, "input")
    return {"stagedTargets": [_target(ctx, item) for item in inputs], "userErrors": []}


def _target(ctx: RequestContext, item: dict) -> dict:
    if item.get("resource") != "BULK_MUTATION_VARIABLES" or item.get("httpMethod") != "POST":
        raise GraphQLError(
            "The Shopify sandbox implements staged uploads for BULK_MUTATION_VARIABLES by POST only.",
            extensions={"code": "NOT_IMPLEMENTED_IN_SANDBOX"},
        )
    shop, now = ctx.shop, ctx.now()
    key = f"tmp/{gid_number(shop.shop_gid)}/bulk/{uuid.uuid4()}/{item['filename']}"
    date = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
    limit = ctx.bulk_model.upload_limit
    policy = {
        "conditions": [
            {"Content-Type": "text/jsonl"},
            {"success_action_status": "201"},
            {"acl": "private"},
            ["content-length-range", 1, limit],
            {"key": key},
            {"x-goog-date": date},
        ],
        "expiration": datetime.fromtimestamp(now + POLICY_LIFETIME, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    encoded = base64.b64encode(json.dumps(policy).encode()).decode()
    parameters = {
        "key": key,
        "Content-Type": "text/jsonl",
        "success_action_status": "201",
        "acl": "private",
        "policy": encoded,
        "x-goog-credential": f"shopify-sandbox/{date[:8]}/auto/storage/goog4_request",
        "x-goog-algorithm": "GOOG4-HMAC-SHA256",
        "x-goog-date": date,
        "x-goog-signature": hmac.new(_SECRET, encoded.encode(), hashlib.sha256).hexdigest(),
    }
    shop.staged_uploads[key] = {"parameters": parameters, "expires": now + POLICY_LIFETIME, "limit": limit}
    return {
        "url": f"{ctx.base_url}{UPLOAD_PATH}",
        "resourceUrl": None,  # null for BULK_MUTATION_VARIABLES in Shopify's example answer
        "parameters": [{"name": name, "value": value} for name, value in parameters.items()],
    }


def handle_upload(shops: dict[str, SandboxShop], request: Request, now: float) -> Response:
    """The storage side: check the form against the issued policy and keep the file under its key."""
    fields, file_last = _form(request)
    key = fields.get("key", b"").decode("utf-8", "replace")
    shop = next((s for s in shops.values() if key in s.staged_uploads), None)
    if shop is None:
        return _storage_error(403, "AccessDenied", "Invalid key.")
    issued = shop.staged_uploads[key]
    sent = {name: value.decode("utf-8", "replace") for name, value in fields.items() if name != "file"}
    if any(sent.get(name) != value for name, value in issued["parameters"].items()):
        return _storage_error(403, "SignatureDoesNotMatch", "The form does not match the signed policy.")
    if now > issued["expires"]:
        return _storage_error(400, "InvalidPolicyDocument", "Policy expired.")
    if "file" not in fields or not file_last:
        return _storage_error(400, "InvalidArgument", "The file must be the last field of the form.")
    if not 1 <= len(fields["file"]) <= issued["limit"]:
        return _storage_error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
    shop.staged_files[key] = fields["file"]
    body = (
        f"<?xml version='1.0' encoding='UTF-8'?><PostResponse><Location>{UPLOAD_PATH}{key}</Location>"
        f"<Bucket>shopify-staged-uploads</Bucket><Key>{key}</Key></PostResponse>"
    )
    return Response(201, body.encode(), "application/xml")


def _form(request: Request) -> tuple[dict[str, bytes], bool]:
    """The multipart form's fields by name, and whether `file` came last."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return {}, False
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    )
    fields, names = {}, []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[name] = part.get_payload(decode=True) or b""
            names.append(name)
    return fields, bool(names) and names[-1] == "file"


def _storage_error(status: int, code: str, message: str) -> Response:
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message>"
    body += "</Error>"
    return Response(status, body.encode(), "application/xml")
