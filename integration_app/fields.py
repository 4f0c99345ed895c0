"""Model fields."""

import json
import zlib

from django.db import models

from . import crypto

COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


class EncryptedTextField(models.TextField):
    """A text value stored Fernet-encrypted; Python code sees plaintext, the database only ciphertext.

    Blank stays blank (no ciphertext for "no secret"), so "is a token stored?" needs no decryption.
    """

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else value


class PackedJSONField(models.BinaryField):
    """A JSON value stored zlib-compressed (a bulk stage's keys: megabytes of gids, about a sixteenth
    of that packed). It is encoded and compressed piece by piece, so saving it never holds the whole
    JSON text: a 2.4 MB value saved as JSON cost the process some 17 MB more at its peak, with SQLite's
    copies."""

    def from_db_value(self, value, expression, connection):
        return json.loads(zlib.decompress(value)) if value is not None else value

    def get_prep_value(self, value):
        squeeze, packed = zlib.compressobj(), []
        for piece in COMPACT_JSON.iterencode(value):
            if chunk := squeeze.compress(piece.encode()):  # most pieces only fill zlib's buffer
                packed.append(chunk)
        packed.append(squeeze.flush())
        return b"".join(packed)
