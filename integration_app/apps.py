from django.apps import AppConfig


class IntegrationAppConfig(AppConfig):
    name = "integration_app"
    verbose_name = "Cin7 Sync"

    def ready(self):
        from . import checks, db  # noqa: F401  (registers system checks and SQLite connection settings)
