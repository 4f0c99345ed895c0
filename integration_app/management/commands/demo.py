"""`manage.py demo [--serve]`: the README's main command. The demo itself is `integration_app.bench.demo`."""

from integration_app.bench.demo import DemoCommand as Command

__all__ = ["Command"]
