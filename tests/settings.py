"""Settings for the test suite: production defaults (DEBUG off) with fixed test credentials."""

import os

os.environ.update(
    {
        "DEBUG": "false",
        "SECRET_KEY": "test-secret-key-for-the-test-suite-only-0123456789abcdef",
        "FIELD_ENCRYPTION_KEYS": "dGVzdC1maWVsZC1lbmNyeXB0aW9uLWtleS0wMDAwMDA=",
        "SHOPIFY_API_KEY": "test-api-key",
        "SHOPIFY_API_SECRET": "test-api-secret-0123456789abcdef-0123456789",
        "EMAIL_URL": "memorymail://",
        "APP_URL": "http://testserver",
        "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    }
)
os.environ.pop("REDIS_URL", None)

from integration_app.settings import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve static files from the apps' folders, as in development (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
