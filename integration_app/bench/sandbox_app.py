"""The sandbox app's Shopify credentials, for the commands that run the app against the sandboxes."""

from django.conf import settings
from django.core.management.base import BaseCommand

# Public sandbox values: the sandbox shop and the app only need to agree, and both are started here.
SANDBOX_API_KEY = "demo-cin7-sync-app"
SANDBOX_API_SECRET = "demo-cin7-sync-secret-0123456789abcdef"  # noqa: S105


class SandboxAppCommand(BaseCommand):
    """A command that, when SHOPIFY_API_KEY or SHOPIFY_API_SECRET is not configured, uses the sandbox
    app's credentials (`own_credentials` says so)."""

    def execute(self, *args, **options):
        # Before the system checks run, so they do not warn about what the command provides.
        self.own_credentials = not settings.SHOPIFY_API_KEY or not settings.SHOPIFY_API_SECRET
        if self.own_credentials:
            settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = SANDBOX_API_KEY, SANDBOX_API_SECRET
        return super().execute(*args, **options)
