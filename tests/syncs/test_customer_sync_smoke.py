from tests.helpers import b2b_customer, run_sync


def test_first_full_sync_creates_customers(installed_shop, cin7_account, sandbox_shop, shopify_sandbox):
    cin7_account.add_customer(b2b_customer("Jane Buyer", "jane@example.com"))
    cin7_account.add_customer(b2b_customer("Bob Retail", "bob@example.com", tags="retail"))
    run = run_sync(installed_shop)
    print(run.status, run.counts, run.error_message, list(run.issues.values_list("code", "message")))
    assert run.status == "succeeded"
    customer = sandbox_shop.customer_by_email("jane@example.com")
    assert customer is not None
