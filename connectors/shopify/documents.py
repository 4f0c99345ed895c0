"""The GraphQL documents the app sends: one `.graphql` file each, plus the batched email lookup and the
batched address writes.

A document shares a selection through a fragment file in `graphql/fragments/`: a line
`#import "fragments/<name>.graphql"` at its top is replaced by that file's fragment definitions, appended
once each (fragment files may import others). `document()` returns the text exactly as it is sent, and
every document, including generated ones, is validated against the Admin schema by the test suite. A
selection of leaves stands on its field's line, `userErrors { field message code }` (checked by
tests/connectors/shopify/test_document_style.py).
"""

import functools
import re
from pathlib import Path

DOCUMENTS_DIR = Path(__file__).with_name("graphql")
IMPORT_LINE = re.compile(r'^#import "([^"]+)"[ \t]*\n?', re.MULTILINE)

ADDRESS_RESULT = "address { id } userErrors { ...UserErrorFields }"
DEFAULT = "setAsDefault: true"


@functools.cache
def document(name: str) -> str:
    """The text of `graphql/<name>.graphql` as sent: its imported fragments appended."""
    return with_fragments((DOCUMENTS_DIR / f"{name}.graphql").read_text())


def with_fragments(text: str) -> str:
    """`text` without its `#import` lines, followed by the fragment definitions they name (each once)."""
    if not IMPORT_LINE.search(text):
        return text
    imported: dict[str, str] = {}

    def expand(source: str) -> str:
        for path in IMPORT_LINE.findall(source):
            if path not in imported:
                imported[path] = ""  # claimed before expanding, so an import cycle ends here
                imported[path] = expand((DOCUMENTS_DIR / path).read_text())
        return IMPORT_LINE.sub("", source).strip()

    return "\n\n".join([expand(text), *imported.values()]) + "\n"


def all_document_names() -> list[str]:
    return sorted(path.stem for path in DOCUMENTS_DIR.glob("*.graphql"))


@functools.cache
def customers_by_email_document(count: int) -> str:
    """One query looking up `count` emails exactly, each by `customerByIdentifier` under its own alias.

    Exact by construction (FACTS §4 "Finding a customer by email"): no search tokenisation involved.
    """
    variables = ", ".join(f"$e{i}: String!" for i in range(count))
    fields = "\n".join(
        f"  c{i}: customerByIdentifier(identifier: {{emailAddress: $e{i}}}) {{ ...CustomerFields }}"
        for i in range(count)
    )
    query = f"query CustomersByEmail({variables}) {{\n{fields}\n}}\n"
    return with_fragments('#import "fragments/customer_fields.graphql"\n' + query)


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
    mutation = f"mutation CustomerAddressWrites({', '.join(variables)}) {{\n" + "\n".join(fields) + "\n}\n"
    return with_fragments('#import "fragments/user_error_fields.graphql"\n' + mutation)


@functools.cache
def price_list_volume_document(count: int) -> str:
    """One query reading the breaks of `count` variants on a price list, each variant's fixed price under
    its own alias filtered by `variant_id` (`PriceList.prices(query:)`), so a read costs by the variants
    asked for, not by every price on the list."""
    variables = ", ".join(["$id: ID!", *(f"$q{i}: String!" for i in range(count))])
    node = "variant { id } quantityPriceBreaks(first: 10) { nodes { minimumQuantity price { amount } } }"
    fields = "\n".join(
        f"    p{i}: prices(first: 1, originType: FIXED, query: $q{i}) {{ nodes {{ {node} }} }}"
        for i in range(count)
    )
    return f"query B2BPriceListVolumeOf({variables}) {{\n  priceList(id: $id) {{\n{fields}\n  }}\n}}\n"
