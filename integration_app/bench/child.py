"""The benchmarks' measured part runs in a child process of the same command, on a fresh SQLite database,
so each figure starts from nothing and no state of the caller's database leaks in."""

import json
import os
import subprocess
import sys
import tempfile

from django.conf import settings
from django.core.management.base import CommandError

CHILD_FLAG = "--child"


def run_child(command: str, arguments: list[str], failure: str, orm_broker: bool = False) -> dict:
    """Run `manage.py COMMAND --child ARGUMENTS` and return the JSON of its last output line; with
    `orm_broker`, django-q uses the database queue even where REDIS_URL is set."""
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
            "DEBUG": "true",
            "SHOPIFY_API_KEY": settings.SHOPIFY_API_KEY,
            "SHOPIFY_API_SECRET": settings.SHOPIFY_API_SECRET,
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "integration_app.settings",
        }
        if orm_broker:
            env.pop("REDIS_URL", None)
        # This very command, run by the same interpreter: no untrusted input reaches the arguments.
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", command, CHILD_FLAG, *arguments],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        raise CommandError(f"{failure}:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
