"""Static files storage: WhiteNoise's hashed, compressed files, and a graceful start before collectstatic."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names from the manifest `collectstatic` writes. Without a manifest (a checkout started with
    DEBUG off before `collectstatic`) the files keep their own names and WhiteNoise serves them from the
    apps' folders (settings: `WHITENOISE_USE_FINDERS`), instead of every page failing with a 500."""

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
