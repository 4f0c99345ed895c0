"""`manage.py rotate_keys`: re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy, run this
command, then remove the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from integration_app.models import Cin7Connection, Shop


class Command(BaseCommand):
    help = "Re-encrypt stored tokens and API keys with the current (first) encryption key."

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            # Reading decrypts with any configured key; saving encrypts with the first one.
            for shop in Shop.objects.select_for_update():
                shop.save(update_fields=["access_token", "refresh_token"])
                count += 1
            for connection in Cin7Connection.objects.select_for_update():
                connection.save(update_fields=["api_key"])
                count += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the secrets of {count} records."))
