"""SQLite tuning for the embedded default: WAL, so the web process reads while a worker writes."""

from django.db.backends.signals import connection_created
from django.dispatch import receiver


@receiver(connection_created)
def tune_sqlite(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
