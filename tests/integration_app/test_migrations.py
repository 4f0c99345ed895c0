"""Data migrations keep what a shop had: a bulk operation pending at the upgrade is still found, with its
lines, once they are stored packed (0011)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from integration_app.models import Shop
from integration_app.runs.stores import OrmStore

BEFORE = [("integration_app", "0010_b2b_volume")]


@pytest.mark.django_db(transaction=True)
def test_the_lines_of_a_bulk_operation_pending_at_the_upgrade_are_packed_as_they_were():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    shop = apps.get_model("integration_app", "Shop").objects.create(domain="up.myshopify.com")
    lines = [["cin7-1", {"a@x.test": {"contact": "gid://shopify/CompanyContact/1", "role": "Buyer"}}]]
    apps.get_model("integration_app", "PendingBulkOperation").objects.create(
        shop=shop, kind="buyer_roles", client_identifier="cin7_buyer_roles_1", lines=lines
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # 0011 and any after it

    (kept,) = OrmStore(Shop.objects.get(domain="up.myshopify.com")).bulk_operations(["buyer_roles"])
    assert (kept.client_identifier, kept.lines) == ("cin7_buyer_roles_1", lines)
