"""Country/province resolution (pycountry) and E.164 phones (phonenumbers)."""

import pytest

from syncs.addresses import country_code, province_code
from syncs.customers.phones import to_e164


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("United States", "US"),
        ("USA", "US"),
        ("united states of america", "US"),
        ("UK", "GB"),
        ("England", "GB"),
        ("Australia", "AU"),
        ("new zealand", "NZ"),
        ("Deutschland", "DE"),
        ("España", "ES"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("U.S.A", "US"),
        ("U.S.", "US"),
        ("The Bahamas", "BS"),
        ("Republic of Ireland", "IE"),
        ("St Lucia", "LC"),
        ("St. Kitts & Nevis", "KN"),
        ("Australia.", "AU"),
        ("AUS", "AU"),
        ("Wakanda", None),
        ("Germany", "DE"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Atlantis", None),
        ("", None),
        (None, None),
        ("CA", "CA"),
        ("Russia", "RU"),
        ("South Korea", "KR"),
    ],
)
def test_country_names_resolve_to_iso_codes(name, code):
    assert country_code(name) == code


@pytest.mark.parametrize(
    ("country", "state", "code"),
    [
        ("US", "California", "CA"),
        ("US", "ca", "CA"),
        ("US", "US-NY", "NY"),
        ("CA", "Québec", "QC"),
        ("CA", "Quebec", "QC"),
        ("AU", "New South Wales", "NSW"),
        ("AU", "vic", "VIC"),
        ("US", "N.Y.", "NY"),
        ("US", "Washington DC", "DC"),
        ("CA", "Yukon Territory", "YT"),
        ("CA", "Newfoundland", "NL"),
        ("AU", "Australian Capital Territory", "ACT"),
        ("US", "Narnia", None),
        ("GB", "London", None),
        ("DE", "Bayern", None),
        ("US", "", None),
    ],
)
def test_province_codes_only_where_shopify_uses_them(country, state, code):
    assert province_code(country, state) == code


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(415) 555-0132", "US", "+14155550132"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("0412 345 678", "AU", "+61412345678"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("12", "US", None),
        ("", "US", None),
        ("not a phone", "US", None),
        ("0412 345 678", None, None),
    ],
)
def test_phones_become_e164_or_none(raw, region, e164):
    assert to_e164(raw, region) == e164
