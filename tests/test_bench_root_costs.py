"""The benchmark's points per root field (integration_app/bench/root_costs.py)."""

from connectors.shopify.documents import document
from integration_app.bench.root_costs import root_fields, root_label, top


def test_root_fields_are_the_top_level_fields_of_the_operation():
    assert root_fields(document("b2b_catalog_context")) == ("catalogContextUpdate",)
    roles = ("companyAssignMainContact", "companyLocationAssignRoles")
    assert root_fields(document("b2b_contact_roles")) == roles
    aliased = 'query Q { # a comment { }\n a: shop { id } products(first: 1, query: "x{") { nodes { id } } }'
    assert root_fields(aliased) == ("shop", "products")


def test_a_bulk_run_is_named_after_the_mutation_it_runs_and_top_sorts_by_points():
    variables = {"mutation": document("b2b_fixed_prices_update"), "stagedUploadPath": "tmp/x"}
    assert root_label(document("bulk_run_mutation"), variables) == (
        "bulkOperationRunMutation(priceListFixedPricesUpdate)",
    )
    counts = {"a": {"requests": 2, "cost": 20.0}, "b": {"requests": 1.5, "cost": 30.4}}
    assert top(counts, limit=1) == [("b", 2, 30)]
