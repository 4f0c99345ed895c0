"""Model fields."""

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """A text value stored Fernet-encrypted; Python code sees plaintext, the database only ciphertext.

    Blank stays blank (no ciphertext for "no secret"), so "is a token stored?" needs no decryption.
    """

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else value
