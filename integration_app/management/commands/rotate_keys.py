"""`manage.py rotate_keys`: re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy, run this
command, then remove the old keys. All or nothing: one transaction, and a secret that no configured key
can decrypt stops the command with nothing changed.
"""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integration_app.models import Cin7Connection, Cin7Webhooks, Shop

# Every model field that holds a secret (EncryptedTextField).
SECRET_FIELDS = (
    (Shop, ("access_token", "refresh_token")),
    (Cin7Connection, ("api_key",)),
    (Cin7Webhooks, ("token", "retired_key")),
)


class Command(BaseCommand):
    help = "Re-encrypt stored tokens and API keys with the current (first) encryption key."

    def handle(self, *args, **options):
        count = 0
        try:
            with transaction.atomic():
                # Reading decrypts with any configured key; saving encrypts with the first one.
                for model, fields in SECRET_FIELDS:
                    for record in model.objects.select_for_update().order_by("pk"):
                        record.save(update_fields=list(fields))
                        count += 1
        except InvalidToken:
            raise CommandError(
                "A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS: keep the old "
                "key(s) after the new one until this command has run. Nothing was changed."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the secrets of {count} records."))
