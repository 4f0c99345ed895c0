"""The table a feature package (B2B: `b2b/register.py`) fills with the fields it adds to the core's roots and
views, so the core never imports the feature and the feature builds on the core without a circle.

Every entry receives the request's `RequestContext`; the ones that add fields return `{name: resolver}`
dicts in the core's view convention (views.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Extensions:
    queries: list[Callable[..., dict]] = field(default_factory=list)  # (ctx) -> QueryRoot fields
    mutations: list[Callable[..., dict]] = field(default_factory=list)  # (ctx) -> Mutation fields
    shop_fields: list[Callable[..., dict]] = field(default_factory=list)  # (ctx) -> Shop fields
    variant_fields: list[Callable[..., dict]] = field(default_factory=list)  # (ctx, variant) -> fields
    node_views: list[Callable[..., dict | None]] = field(default_factory=list)  # (ctx, record) -> view
    node_access: dict[str, Callable[..., None]] = field(default_factory=dict)  # gid kind -> (ctx) check

    def fields(self, entries: list[Callable[..., dict]], *arguments) -> dict:
        """The fields every entry adds, merged."""
        merged: dict = {}
        for entry in entries:
            merged.update(entry(*arguments))
        return merged

    def node_view(self, ctx, record) -> dict | None:
        for view in self.node_views:
            found = view(ctx, record)
            if found is not None:
                return found
        return None
