"""The JSON API behind the settings page (contract §2 "JSON API"). Every view needs a session token."""

import functools
import json
import logging

from django.db import transaction
from django.http import JsonResponse
from django.views.defaults import page_not_found
from django_q.tasks import async_task

from connectors.cin7.errors import Cin7Error, Cin7UnavailableError

from .. import cin7_registration, scheduling
from ..auth.session_tokens import session_token_required
from ..b2b import b2b_refusal
from ..models import Cin7Connection, InviteStatus, RunKind, RunTrigger, SyncRun, SyncSettings
from ..runs.control import RunInProgress, start_run
from ..runs.invites import release_invites
from .cin7 import cin7_busy, page_client, page_rate_limited
from .forms import clean_settings
from .presenters import invite_payload, run_payload, settings_payload, status_payload

logger = logging.getLogger(__name__)


def _error(message: str, status: int = 400, fields: dict | None = None) -> JsonResponse:
    return JsonResponse({"error": message, "fields": fields or {}}, status=status)


def allow(*methods: str):
    """Like Django's `require_http_methods`, with the API's JSON error shape on a `405`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = _error(f"Use {' or '.join(methods)} on this address.", status=405)
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def not_found(request, exception=None):
    """`handler404`: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return _error("No such address in the API.", status=404)
    return page_not_found(request, exception)


def _body(request) -> dict | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return None
    return data if isinstance(data, dict) else None


@allow("GET", "PUT")
@session_token_required
def settings_view(request):
    shop = request.shop
    sync_settings, _ = SyncSettings.objects.get_or_create(shop=shop)
    if request.method == "GET":
        if not shop.b2b and shop.is_installed:
            b2b_refusal(shop)  # read once; turning B2B on and every B2B run read it again
        return JsonResponse(settings_payload(shop))
    data = _body(request)
    if data is None:
        return _error("Send the settings as a JSON object.")
    current = settings_payload(shop)
    cleaned, errors = clean_settings(data, current)
    if cleaned.get("b2b_companies") and not errors:
        refusal = b2b_refusal(shop)
        if refusal:
            errors["b2b_companies"] = refusal
    if errors:
        return _error("Some settings need your attention.", fields=errors)
    credentials_sent = "cin7_account_id" in cleaned or bool(cleaned.get("cin7_api_key"))
    if credentials_sent and (limited := page_rate_limited(shop)):
        return limited
    previous = cin7_registration.credentials_of(shop)
    with transaction.atomic():
        _save_cin7(shop, cleaned)
        for name, value in cleaned.items():
            if not name.startswith("cin7_"):
                setattr(sync_settings, name, value)
        sync_settings.save()
    _verify_cin7(shop)
    if credentials_sent:
        cin7_registration.credentials_saved(shop, previous)  # the Cin7 side is queued for a worker
    shop.refresh_from_db()
    scheduling.update_schedules(shop)
    return JsonResponse(settings_payload(shop))


def _save_cin7(shop, cleaned: dict) -> None:
    account_id, api_key = cleaned.get("cin7_account_id"), cleaned.get("cin7_api_key")
    if account_id is None and not api_key:
        return
    connection = Cin7Connection.objects.filter(shop=shop).first()
    if account_id == "" and connection is not None:
        connection.delete()
        return
    if connection is None:
        connection = Cin7Connection(shop=shop)
    changed = (account_id is not None and account_id != connection.account_id) or bool(api_key)
    if account_id is not None:
        connection.account_id = account_id
    if api_key:
        connection.api_key = api_key
    if changed:
        connection.verified_at = None
    connection.save()


def _verify_cin7(shop) -> None:
    """New credentials are checked once on save (within the page client's deadline); the page then shows
    Cin7's company and currency. Unverified here (Cin7 busy or slow), the queued registration checks them."""
    connection = Cin7Connection.objects.filter(shop=shop, verified_at__isnull=True).first()
    if connection is None:
        return
    try:
        with page_client(shop, connection.account_id, connection.api_key) as client:
            me = client.me()
    except Cin7Error as exc:
        logger.info("Saved Cin7 credentials of %s not verified: %s", shop.domain, exc)
        return
    cin7_registration.mark_verified(connection, me)


def _posted_credentials(request) -> tuple[str, str] | JsonResponse:
    """The Account ID and key in the body, each falling back to the stored one (a blank key keeps the
    stored key of the same account); a `400` when they are not text."""
    data = _body(request)
    if data is None:
        return _error("Send the credentials as a JSON object.")
    errors = {
        name: "Must be text."
        for name in ("cin7_account_id", "cin7_api_key")
        if not isinstance(data.get(name, ""), str | None)
    }
    if errors:
        return _error("The credentials are not valid.", fields=errors)
    stored = Cin7Connection.objects.filter(shop=request.shop).first()
    account_id = (data.get("cin7_account_id") or "").strip() or (stored.account_id if stored else "")
    api_key = (data.get("cin7_api_key") or "").strip()
    if not api_key and stored and stored.account_id == account_id:
        api_key = stored.api_key
    return account_id, api_key


@allow("POST")
@session_token_required
def test_connection_view(request):
    credentials = _posted_credentials(request)
    if isinstance(credentials, JsonResponse):
        return credentials
    account_id, api_key = credentials
    if not account_id or not api_key:
        return JsonResponse({"ok": False, "error": "Enter the Cin7 Account ID and API key first."})
    if limited := page_rate_limited(request.shop):
        return limited
    try:
        with page_client(request.shop, account_id, api_key) as client:
            me = client.me()
    except Cin7UnavailableError as exc:
        return cin7_busy(request.shop, exc)
    except Cin7Error as exc:
        return JsonResponse({"ok": False, "error": str(exc)})
    stored = Cin7Connection.objects.filter(shop=request.shop).first()
    if stored and stored.account_id == account_id and api_key == stored.api_key:
        cin7_registration.mark_verified(stored, me)
    return JsonResponse({"ok": True, "company": me.company, "currency": me.currency})


@allow("GET", "POST")
@session_token_required
def cin7_options_view(request):
    """The pickers' choices, read with the stored credentials (`GET`) or with the posted ones (`POST`, as
    test-connection takes them), so a merchant picks right after a successful test, before saving."""
    if request.method == "POST":
        credentials = _posted_credentials(request)
        if isinstance(credentials, JsonResponse):
            return credentials
    else:
        stored = Cin7Connection.objects.filter(shop=request.shop).first()
        credentials = (stored.account_id, stored.api_key) if stored else ("", "")
    account_id, api_key = credentials
    if not account_id or not api_key:
        return _error("Connect Cin7 first: enter the Account ID and API key.", status=409)
    if limited := page_rate_limited(request.shop):
        return limited
    try:
        with page_client(request.shop, account_id, api_key) as client:
            tax_rules = [rule.name for rule in client.tax_rules() if rule.is_active]
            price_tiers = [tier.name for tier in client.price_tiers()]
    except Cin7UnavailableError as exc:
        return cin7_busy(request.shop, exc)
    except Cin7Error as exc:
        return _error(str(exc), status=502)
    return JsonResponse({"tax_rules": tax_rules, "price_tiers": price_tiers})


@allow("POST")
@session_token_required
def sync_view(request):
    data = _body(request)
    if data is None:
        return _error("Send a JSON object.")
    kind = data.get("kind", RunKind.ALL)
    full, dry_run = data.get("full", False), data.get("dry_run", False)
    errors = {}
    if kind not in RunKind.values:
        errors["kind"] = "Choose all, customers or pricing."
    for name, value in (("full", full), ("dry_run", dry_run)):
        if not isinstance(value, bool):
            errors[name] = "Must be true or false."
    if errors:
        return _error("The sync request is not valid.", fields=errors)
    if not hasattr(request.shop, "cin7"):
        return _error("Connect Cin7 first: save the Account ID and API key.", status=409)
    trigger = RunTrigger.PREVIEW if dry_run else RunTrigger.MANUAL
    try:
        run = start_run(request.shop, kind=kind, full=full, dry_run=dry_run, trigger=trigger)
    except RunInProgress as exc:
        return JsonResponse(
            {"error": "A sync is already in progress for this shop.", "fields": {}, "run_id": exc.run_id},
            status=409,
        )
    async_task("integration_app.tasks.execute_run", run.pk, task_name=f"sync {request.shop.domain} {run.pk}")
    return JsonResponse({"run_id": run.pk}, status=202)


@allow("GET")
@session_token_required
def runs_view(request):
    try:
        limit = min(max(int(request.GET.get("limit", 20)), 1), 100)
        offset = max(int(request.GET.get("offset", 0)), 0)
    except ValueError:
        return _error("limit and offset must be whole numbers.")
    runs = SyncRun.objects.filter(shop=request.shop).order_by("-created_at", "-id")
    page = list(runs[offset : offset + limit])
    return JsonResponse({"runs": [run_payload(run) for run in page], "total": runs.count()})


@allow("GET")
@session_token_required
def run_detail_view(request, run_id: int):
    run = SyncRun.objects.filter(shop=request.shop, pk=run_id).first()
    if run is None:
        return _error("No such run.", status=404)
    return JsonResponse(run_payload(run, issues=True, code=request.GET.get("code") or None))


@allow("GET")
@session_token_required
def status_view(request):
    return JsonResponse(status_payload(request.shop))


@allow("GET")
@session_token_required
def invites_view(request):
    links = request.shop.customer_links.exclude(invite_status=InviteStatus.NONE).order_by("email")
    return JsonResponse({"invites": [invite_payload(link) for link in links]})


@allow("POST")
@session_token_required
def send_invites_view(request):
    data = _body(request)
    if data is None or not (data.get("all") is True or isinstance(data.get("cin7_ids"), list)):
        return _error('Send {"all": true} or {"cin7_ids": [...]}.')
    released = release_invites(request.shop, None if data.get("all") is True else data["cin7_ids"])
    return JsonResponse({"released": released})
