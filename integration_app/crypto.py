"""Secrets at rest: MultiFernet over FIELD_ENCRYPTION_KEYS (the first key encrypts, every key decrypts)."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # Never echo the ciphertext: it says which key is missing from FIELD_ENCRYPTION_KEYS, nothing more.
        raise InvalidToken(
            "A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS."
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt `token` with the first (current) key."""
    return fernet().rotate(token.encode()).decode()
