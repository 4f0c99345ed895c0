"""The sandbox's staged uploads and `bulkOperationRunMutation` over raw HTTP (sandbox/BULK.md): the storage
form, the refusals, per-line errors, the status progression on the shop clock, the 5-operation limit, the
bucket charge, cancel, and 10k lines at the stated rate."""

import json

import pytest
import requests

from connectors.shopify.documents import document
from connectors.shopify.sandbox import ShopifySandbox
from connectors.shopify.sandbox.context import BulkModel

from .conftest import SHOP, Admin

STAGE = document("bulk_staged_upload")
RUN = document("bulk_run_mutation")
BY_ID = document("bulk_operation_by_id")
LIST = document("bulk_mutation_operations")
CUSTOMER_CREATE = document("customer_create")
CANCEL = """mutation($id: ID!) { bulkOperationCancel(id: $id) {
  bulkOperation { id status } userErrors { field message } } }"""


def target(admin: Admin) -> tuple[str, list[tuple[str, str]]]:
    staged = admin.data(STAGE, {"filename": "vars.jsonl"})["stagedUploadsCreate"]
    assert staged["userErrors"] == []
    found = staged["stagedTargets"][0]
    return found["url"], [(p["name"], p["value"]) for p in found["parameters"]]


def upload(admin: Admin, body: bytes) -> str:
    url, form = target(admin)
    answer = requests.post(url, data=form, files={"file": ("vars.jsonl", body, "text/jsonl")}, timeout=5)
    assert answer.status_code == 201, answer.text
    return dict(form)["key"]


def jsonl(lines: list) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def run(admin: Admin, path: str, mutation: str = CUSTOMER_CREATE, identifier: str | None = None) -> dict:
    variables = {"mutation": mutation, "stagedUploadPath": path, "clientIdentifier": identifier}
    return admin.data(RUN, variables)["bulkOperationRunMutation"]


def operation(admin: Admin, operation_id: str) -> dict:
    return admin.data(BY_ID, {"id": operation_id})["bulkOperation"]


def customers(n: int, start: int = 0) -> list[dict]:
    return [{"input": {"email": f"c{i}@example.com", "firstName": f"C{i}"}} for i in range(start, start + n)]


def test_the_storage_takes_the_signed_form_with_the_file_last(admin, shop):
    url, form = target(admin)
    assert url.endswith("/staged-uploads/") and dict(form)["success_action_status"] == "201"
    file = {"file": ("vars.jsonl", b'{"a": 1}\n', "text/jsonl")}
    forged = [(name, "x" if name == "x-goog-signature" else value) for name, value in form]
    assert requests.post(url, data=forged, files=file, timeout=5).status_code == 403
    key = dict(form)["key"]
    raw = requests.post(url, files=[("file", file["file"]), *[(n, (None, v)) for n, v in form]], timeout=5)
    assert raw.status_code == 400 and b"last field" in raw.content
    assert key not in shop.staged_files
    assert requests.post(url, data=form, files=file, timeout=5).status_code == 201
    assert shop.staged_files[key] == b'{"a": 1}\n'


def test_an_upload_over_the_limit_is_refused(clock):
    sandbox = ShopifySandbox(clock=clock, bulk_model=BulkModel(upload_limit=64))
    sandbox.add_shop(SHOP)
    with sandbox:
        admin = Admin(sandbox, SHOP, sandbox.issue_token(SHOP))
        url, form = target(admin)
        file = {"file": ("vars.jsonl", b"x" * 65, "text/jsonl")}
        answer = requests.post(url, data=form, files=file, timeout=5)
    assert answer.status_code == 400 and b"EntityTooLarge" in answer.content


@pytest.mark.parametrize(
    ("mutation", "problem"),
    [
        ("mutation { nope }", "Invalid mutation"),
        ("query { shop { id } }", "exactly one mutation"),
        (
            'mutation($a: ID!) { tagsAdd(id: $a, tags: ["x"]) { node { id } } '
            'tagsRemove(id: $a, tags: ["y"]) { node { id } } }',
            "one mutation root field",
        ),
        (
            'mutation { bulkOperationRunQuery(query: "{ shop { id } }") { userErrors { code } } }',
            "cannot run",
        ),
        (document("b2b_company_create"), "one connection field"),
    ],
)
def test_an_invalid_mutation_is_refused_before_any_line_runs(admin, mutation, problem):
    path = upload(admin, jsonl(customers(1)))
    refused = run(admin, path, mutation)
    assert refused["bulkOperation"] is None
    (error,) = refused["userErrors"]
    assert error["code"] == "INVALID_MUTATION" and problem in error["message"], error


def test_a_missing_file_is_refused(admin):
    (error,) = run(admin, "tmp/1/bulk/nope/vars.jsonl")["userErrors"]
    assert (error["code"], error["field"]) == ("NO_SUCH_FILE", ["stagedUploadPath"])


def test_lines_run_on_the_clock_with_their_own_errors_and_line_numbers(admin, shop, clock):
    lines = jsonl(customers(3)) + b"not json\n" + jsonl([{"input": {"email": "c0@example.com"}}])
    lines += jsonl([{"input": {"email": "x@example.com", "favourite": 1}}])
    started = run(admin, upload(admin, lines), identifier="lines_test_1")
    assert started["userErrors"] == [] and started["bulkOperation"]["status"] == "CREATED"
    operation_id = started["bulkOperation"]["id"]
    clock.sleep(2.03)  # startup 2 s, then 100 lines a second
    running = operation(admin, operation_id)
    assert (running["status"], running["objectCount"], running["url"]) == ("RUNNING", "3", None)
    clock.sleep(1)
    done = operation(admin, operation_id)
    assert done["status"] == "COMPLETED" and done["objectCount"] == "6" and done["completedAt"]
    results = [json.loads(line) for line in requests.get(done["url"], timeout=5).text.splitlines()]
    by_line = {line["__lineNumber"]: line for line in results}
    assert sorted(by_line) == [0, 1, 2, 3, 4, 5]
    assert by_line[1]["data"]["customerCreate"]["customer"]["defaultEmailAddress"] == {
        "emailAddress": "c1@example.com"
    }
    assert "Invalid JSON" in by_line[3]["errors"][0]["message"] and "data" not in by_line[3]
    # lines 0 and 4 create the same email: whichever runs first wins, the file is not run in order
    twins = [by_line[n]["data"]["customerCreate"] for n in (0, 4)]
    assert sorted(bool(t["customer"]) for t in twins) == [False, True]
    assert [e["message"] for t in twins for e in t["userErrors"]] == ["Email has already been taken"]
    assert "favourite" in by_line[5]["errors"][0]["message"] and "data" not in by_line[5]
    assert len(shop.customers) == 3


def test_bulk_operations_lists_mutations_by_type_and_status(admin, clock):
    first = run(admin, upload(admin, jsonl(customers(1))))["bulkOperation"]["id"]
    listed = admin.data(LIST, {"query": "operation_type:mutation status:created"})["bulkOperations"]["nodes"]
    assert [n["id"] for n in listed] == [first] and listed[0]["query"] == CUSTOMER_CREATE
    assert admin.data(LIST, {"query": "operation_type:query"})["bulkOperations"]["nodes"] == []
    clock.sleep(5)
    done = admin.data(LIST, {"query": "operation_type:mutation status:completed"})["bulkOperations"]["nodes"]
    assert [n["id"] for n in done] == [first]


def test_five_operations_run_at_once_and_a_sixth_is_refused(admin, clock):
    started = [run(admin, upload(admin, jsonl(customers(100, 100 * n)))) for n in range(5)]
    assert all(s["userErrors"] == [] for s in started)
    sixth_path = upload(admin, jsonl(customers(1, 900)))
    (refused,) = run(admin, sixth_path)["userErrors"]
    assert refused == {
        "field": None,
        "message": "Bulk operations limit reached. Please try again later.",
        "code": "LIMIT_REACHED",
    }
    clock.sleep(3.1)  # each of the five runs its 100 lines at 100 a second, in parallel
    assert {operation(admin, s["bulkOperation"]["id"])["status"] for s in started} == {"COMPLETED"}
    assert run(admin, sixth_path)["userErrors"] == []


def test_only_the_run_request_is_charged_not_its_lines(sandbox, admin, shop, clock):
    path = upload(admin, jsonl(customers(500)))
    before = shop.bucket.available()
    answer = admin(RUN, {"mutation": CUSTOMER_CREATE, "stagedUploadPath": path})
    assert answer["extensions"]["cost"]["actualQueryCost"] == 10
    assert shop.bucket.available() == before - 10
    clock.sleep(7.1)
    polled = admin(BY_ID, {"id": answer["data"]["bulkOperationRunMutation"]["bulkOperation"]["id"]})
    assert polled["data"]["bulkOperation"]["status"] == "COMPLETED" and len(shop.customers) == 500
    assert polled["extensions"]["cost"]["actualQueryCost"] == 1
    assert sandbox.writes(SHOP) == 2  # stagedUploadsCreate and the run; lines are no calls of the app


def test_a_canceled_operation_stops_running_lines(admin, shop, clock):
    started = run(admin, upload(admin, jsonl(customers(300))))["bulkOperation"]
    clock.sleep(3)
    canceled = admin.data(CANCEL, {"id": started["id"]})["bulkOperationCancel"]
    assert canceled["userErrors"] == [] and canceled["bulkOperation"]["status"] == "CANCELED"
    ran = len(shop.customers)
    clock.sleep(10)
    assert operation(admin, started["id"])["status"] == "CANCELED" and len(shop.customers) == ran == 100
    again = admin.data(CANCEL, {"id": started["id"]})["bulkOperationCancel"]
    assert again["userErrors"][0]["message"] == "A bulk operation cannot be canceled when it is canceled"


@pytest.mark.slow
def test_ten_thousand_lines_finish_at_the_stated_rate(admin, shop, clock):
    started = run(admin, upload(admin, jsonl(customers(10_000))))["bulkOperation"]
    clock.sleep(52)  # 2 s startup + 50 s at 100 lines a second
    halfway = operation(admin, started["id"])
    assert halfway["status"] == "RUNNING" and halfway["objectCount"] == "5000"
    clock.sleep(50)
    done = operation(admin, started["id"])
    assert done["status"] == "COMPLETED" and done["objectCount"] == "10000" and len(shop.customers) == 10_000
    with requests.get(done["url"], stream=True, timeout=30) as response:
        numbers = {json.loads(line)["__lineNumber"] for line in response.iter_lines()}
    assert numbers == set(range(10_000))
