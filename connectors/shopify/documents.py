"""The GraphQL documents the app sends: one `.graphql` file each, plus the batched email lookup and the
batched address writes.

Every document, including generated ones, is validated against the Admin schema by the test suite.
"""

import functools
from pathlib import Path

DOCUMENTS_DIR = Path(__file__).with_name("graphql")

CUSTOMER_FIELDS = "id defaultEmailAddress { emailAddress } state tags"
ADDRESS_RESULT = "address { id } userErrors { field message }"
DEFAULT = "setAsDefault: true"


@functools.cache
def document(name: str) -> str:
    """The text of `graphql/<name>.graphql`."""
    return (DOCUMENTS_DIR / f"{name}.graphql").read_text()


def all_document_names() -> list[str]:
    return sorted(path.stem for path in DOCUMENTS_DIR.glob("*.graphql"))


@functools.cache
def customers_by_email_document(count: int) -> str:
    """One query looking up `count` emails exactly, each by `customerByIdentifier` under its own alias.

    Exact by construction (FACTS §4 "Finding a customer by email"): no search tokenisation involved.
    """
    variables = ", ".join(f"$e{i}: String!" for i in range(count))
    fields = "\n".join(
        f"  c{i}: customerByIdentifier(identifier: {{emailAddress: $e{i}}}) {{ {CUSTOMER_FIELDS} }}"
        for i in range(count)
    )
    return f"query CustomersByEmail({variables}) {{\n{fields}\n}}\n"


@functools.cache
def address_writes_document(updates: int, creates: int) -> str:
    """One mutation writing default addresses of several customers, each under its own alias: `updates`
    in place (`customerAddressUpdate`), then `creates` new ones (`customerAddressCreate`), all set as the
    default. Aliased mutations run one after the other, each with its own `userErrors`."""
    variables, fields = [], []
    for i in range(updates + creates):
        variables += [f"$c{i}: ID!", f"$a{i}: MailingAddressInput!"]
        if i < updates:
            variables.append(f"$id{i}: ID!")
            call = f"customerAddressUpdate(customerId: $c{i}, addressId: $id{i}, address: $a{i}, {DEFAULT})"
        else:
            call = f"customerAddressCreate(customerId: $c{i}, address: $a{i}, {DEFAULT})"
        fields.append(f"  w{i}: {call} {{ {ADDRESS_RESULT} }}")
    return f"mutation CustomerAddressWrites({', '.join(variables)}) {{\n" + "\n".join(fields) + "\n}\n"
