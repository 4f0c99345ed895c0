"""The runs' memory savings change no value: shared texts and amounts are equal to what they replace."""

from decimal import Decimal

from syncs.b2b.mapping import amount_text
from syncs.shared_texts import SharedTexts
from syncs.store import CompanyLinkRecord


def test_written_snapshots_keep_their_values_and_share_repeated_texts():
    role = {"id": "gid://shopify/CompanyContactRole/1", "name": "Location admin"}
    written = {"roles": [dict(role)], "catalogs": ["tier:2"], "location": {"shipping": {"countryCode": "NZ"}}}
    links = {
        cin7_id: CompanyLinkRecord(cin7_id=cin7_id, written={**written, "name": "x" * 100 + cin7_id})
        for cin7_id in ("a", "b")
    }
    before = {cin7_id: repr(link.written) for cin7_id, link in links.items()}

    texts = SharedTexts()
    for link in links.values():
        link.written = texts.of(link.written)

    assert {cin7_id: repr(link.written) for cin7_id, link in links.items()} == before
    first, second = links["a"].written, links["b"].written
    assert first["roles"][0]["id"] is second["roles"][0]["id"]
    assert next(iter(first)) is next(iter(second))
    first["catalogs"].append("tier:3")  # rebuilt containers: one link's edit stays its own
    assert second["catalogs"] == ["tier:2"]


def test_equal_amounts_share_one_text():
    texts: dict = {}
    assert amount_text(Decimal("12.5"), texts) == "12.50"
    assert amount_text(Decimal("12.50"), texts) is amount_text(Decimal("12.5"), texts)
    assert amount_text(Decimal("1E+2"), texts) == "100.00"
