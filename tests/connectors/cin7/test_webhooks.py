"""Cin7 webhooks over real HTTP: the client's `/webhooks` calls against the sandbox (Cin7's fields, the limit
of 5 per type, the Automation-module refusal) and the sandbox's deliveries (auth header, retry schedule,
deactivation) to a loopback receiver, on a virtual clock."""

import json
import time

import pytest

from connectors.cin7 import Cin7Client, Cin7Error, MemoryPacer
from tests.connectors.receiver import Receiver

from .conftest import ACCOUNT_ID, API_KEY


@pytest.fixture
def client(cin7_server, cin7_clock):
    with Cin7Client(ACCOUNT_ID, API_KEY, base_url=cin7_server.base_url, pacer=MemoryPacer(1000)) as c:
        yield c


@pytest.fixture
def receiver():
    receiver = Receiver("/hook")
    yield receiver
    receiver.close()


def bearer(url, token="t0ken", kind="Customer/Updated", active=True):  # noqa: S107 (a test value)
    return {
        "Type": kind,
        "IsActive": active,
        "ExternalURL": url,
        "ExternalAuthorizationType": "bearerauth",
        "ExternalBearerToken": token,
    }


def wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_create_list_update_delete_with_cin7_fields(client):
    created = client.create_webhook(bearer("https://app.example/webhooks/cin7/k1"))
    assert created.type == "Customer/Updated" and created.is_active
    assert created.name == "Customer has been updated" and created.authorization_type == "bearerauth"
    assert [w.id for w in client.webhooks()] == [created.id]
    updated = client.update_webhook({"ID": created.id, **bearer(created.external_url, "new", active=False)})
    assert updated.id == created.id and not updated.is_active
    client.delete_webhook(created.id)
    assert client.webhooks() == []


def test_at_most_five_webhooks_of_one_type(client):
    for n in range(5):
        client.create_webhook(bearer(f"https://app.example/{n}"))
    client.create_webhook(bearer("https://app.example/p", kind="Product/Updated"))
    with pytest.raises(Cin7Error, match="limit of 5 webhooks") as caught:
        client.create_webhook(bearer("https://app.example/6"))
    assert caught.value.status == 400 and caught.value.call == "POST webhooks"
    assert len(client.webhooks()) == 6


def test_bearer_registration_needs_its_token(client):
    with pytest.raises(Cin7Error, match="ExternalBearerToken is required"):
        client.create_webhook(bearer("https://app.example/x", token=""))


def test_without_the_automation_module_every_call_is_refused(client, cin7_account):
    cin7_account.automation_module = False
    with pytest.raises(Cin7Error, match="Automation module"):
        client.webhooks()
    with pytest.raises(Cin7Error, match="Automation module"):
        client.create_webhook(bearer("https://app.example/x"))


def test_an_edit_is_delivered_with_the_bearer_token_after_the_first_delay(
    client, cin7_store, cin7_account, cin7_clock, receiver
):
    cin7_store.deliveries.timing.first_delay = 60
    client.create_webhook(bearer(receiver.url, token="s3cret"))
    customer_id = cin7_account.add_customer({"Name": "Acme", "Contacts": [{"Name": "A", "Default": True}]})
    time.sleep(0.2)
    assert receiver.received == []  # not before the minute of the (virtual) clock
    cin7_clock.sleep(60)
    wait_for(lambda: len(receiver.received) == 1)
    headers, body = receiver.received[0]
    payload = json.loads(body)
    assert headers["authorization"] == "Bearer s3cret"
    assert payload["EventType"] == "Customer/Updated" and payload["NumberOfCustomers"] == 1
    details = payload["CustomerDetailsList"][0]
    assert details["Customer"]["ID"] == customer_id and details["Contacts"][0]["Name"] == "A"
    assert "Contacts" not in details["Customer"]  # siblings, not inside (FACTS §7)


def test_product_edits_go_to_product_registrations_only(client, cin7_store, cin7_account, receiver):
    cin7_store.deliveries.timing.first_delay = 0
    product_id = cin7_account.add_product({"SKU": "A-1", "Name": "A"})
    client.create_webhook(bearer(receiver.url, kind="Product/Updated"))
    cin7_account.add_customer({"Name": "Nobody listens"})
    cin7_account.update_product(product_id, PriceTier1=5)
    wait_for(lambda: len(receiver.received) == 1)
    payload = json.loads(receiver.received[0][1])
    assert payload["EventType"] == "Product/Updated"
    assert payload["ProductDetailsList"][0]["ID"] == product_id
    assert payload["ProductDetailsList"][0]["Event"] == "Update"


def test_failed_deliveries_follow_cin7s_schedule_then_deactivate(
    client, cin7_store, cin7_account, cin7_clock, receiver
):
    cin7_store.deliveries.timing.first_delay = 0
    receiver.status = 500
    hook = client.create_webhook(bearer(receiver.url))
    cin7_account.add_customer({"Name": "Acme"})
    wait_for(lambda: len(receiver.received) == 1)
    for number, delay in enumerate((300, 600, 900, 1200, 1500), start=2):
        cin7_clock.sleep(delay - 1)
        time.sleep(0.1)
        assert len(receiver.received) == number - 1  # not a second early
        cin7_clock.sleep(1)
        wait_for(lambda n=number: len(receiver.received) == n)
    wait_for(lambda: not client.webhooks()[0].is_active)
    log = cin7_store.deliveries.log
    assert [r.attempt for r in log] == [1, 2, 3, 4, 5, 6] and {r.status for r in log} == {500}
    assert abs(log[-1].at - log[0].event_at - 75 * 60) < 5  # ≈76 min with Cin7's first minute
    assert [w.id for w in client.webhooks()] == [hook.id]
    cin7_account.add_customer({"Name": "Later"})
    cin7_clock.sleep(3600)
    time.sleep(0.2)
    assert len(receiver.received) == 6  # a deactivated registration gets nothing


def test_a_retry_that_succeeds_ends_the_attempts(client, cin7_store, cin7_account, cin7_clock, receiver):
    cin7_store.deliveries.timing.first_delay = 0
    receiver.status = 503
    client.create_webhook(bearer(receiver.url))
    cin7_account.add_customer({"Name": "Acme"})
    wait_for(lambda: len(receiver.received) == 1)
    receiver.status = 200
    cin7_clock.sleep(300)
    wait_for(lambda: len(receiver.received) == 2)
    cin7_clock.sleep(3600)
    time.sleep(0.2)
    assert len(receiver.received) == 2 and client.webhooks()[0].is_active
