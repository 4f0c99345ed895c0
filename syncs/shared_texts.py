"""One string per repeated text in the JSON the runs load: decoded one row at a time, 10k snapshots carry
10k copies of every key, gid, country code, catalog key and amount."""

SHARED_TEXT_LENGTH = 64  # keys, codes, gids, amounts repeat across rows; longer texts rarely do


class SharedTexts:
    """Rebuilds JSON values (equal values, containers of their own) with one string per repeated text."""

    def __init__(self):
        self.texts: dict[str, str] = {}

    def of(self, value):
        texts = self.texts
        if isinstance(value, dict):
            return {texts.setdefault(key, key): self.of(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.of(item) for item in value]
        if isinstance(value, str) and len(value) <= SHARED_TEXT_LENGTH:
            return texts.setdefault(value, value)
        return value
