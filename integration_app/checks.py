"""System checks: the settings a Shopify app cannot run without, and API version hygiene."""

import re
from datetime import date

from django.conf import settings
from django.core.checks import Error, Warning, register

SUPPORT_MONTHS = 12  # each stable Admin API version is supported for at least 12 months (FACTS §4)


def version_age_months(version: str, today: date) -> int | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})", version)
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    return (today.year - year) * 12 + today.month - month


@register()
def shopify_settings(app_configs, **kwargs):
    problems = []
    if not settings.SHOPIFY_API_KEY or not settings.SHOPIFY_API_SECRET:
        level = Warning if settings.DEBUG else Error
        problems.append(
            level(
                "SHOPIFY_API_KEY and SHOPIFY_API_SECRET must be set (the app's client id and secret).",
                id="integration_app.E001",
            )
        )
    age = version_age_months(settings.SHOPIFY_API_VERSION, date.today())
    if age is None:
        problems.append(
            Error(
                f"SHOPIFY_API_VERSION {settings.SHOPIFY_API_VERSION!r} is not YYYY-MM.",
                id="integration_app.E002",
            )
        )
    elif age >= SUPPORT_MONTHS:
        problems.append(
            Warning(
                f"SHOPIFY_API_VERSION {settings.SHOPIFY_API_VERSION} is {age} months old; "
                "Shopify supports a version "
                "for about 12 months. Move to a current version (docs/deploy.md, 'Upgrades').",
                id="integration_app.W001",
            )
        )
    return problems
