from django.apps import AppConfig


class IntegrationAppConfig(AppConfig):
    name = "integration_app"
    verbose_name = "Cin7 Sync"

    def ready(self):
        from django_q.signals import post_spawn

        from . import checks, db  # noqa: F401  (registers system checks and SQLite connection settings)
        from .scheduling import ensure_sweep

        post_spawn.connect(ensure_sweep, dispatch_uid="cin7-sync-sweep")
