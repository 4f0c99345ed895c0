from django.conf import settings
from django.urls import path

from . import health
from .api import views as api
from .install import oauth
from .pages import embedded
from .webhooks import cin7, shopify

handler404 = "integration_app.api.views.not_found"

urlpatterns = [
    path("", embedded.app_home, name="app_home"),
    path("auth/session-token", embedded.bounce, name="bounce"),
    path("auth/install", oauth.install, name="install"),
    path("auth/callback", oauth.callback, name="callback"),
    path("webhooks/shopify", shopify.shopify_webhook, name="shopify_webhook"),
    path("webhooks/cin7/<str:key>", cin7.cin7_webhook, name="cin7_webhook"),
    path("healthz", health.healthz, name="healthz"),
    path("api/settings", api.settings_view, name="api_settings"),
    path("api/settings/test-connection", api.test_connection_view, name="api_test_connection"),
    path("api/cin7/options", api.cin7_options_view, name="api_cin7_options"),
    path("api/sync", api.sync_view, name="api_sync"),
    path("api/runs", api.runs_view, name="api_runs"),
    path("api/runs/<int:run_id>", api.run_detail_view, name="api_run"),
    path("api/status", api.status_view, name="api_status"),
    path("api/invites", api.invites_view, name="api_invites"),
    path("api/invites/send", api.send_invites_view, name="api_send_invites"),
]

if settings.DEBUG:
    # Standalone development mode (the demo's --serve): the page outside the Shopify admin, local tokens.
    from .pages import standalone

    urlpatterns += [
        path("dev/standalone", standalone.standalone_page, name="dev_standalone"),
        path("dev/session-token", standalone.session_token, name="dev_session_token"),
    ]
