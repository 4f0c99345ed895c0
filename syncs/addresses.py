"""Cin7 addresses for Shopify: which address counts, its lines, its country and province codes.

Cin7 stores the country as a free-text name (FACTS §4.4, §8.13) and the state as whatever was typed;
countries become ISO 3166-1 codes and states Shopify province codes, via pycountry. Customers and B2B
companies share this mapping; each adds its own keys (names, phone; recipient).
"""

import functools
import unicodedata
from collections.abc import Iterable

import pycountry

from connectors.cin7.records import Address

ADDRESS_PREFERENCE = ("Shipping", "Billing", "Business")

# Names merchants type that pycountry does not know (its names follow ISO: "Korea, Republic of").
COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "vietnam": "VN",
    "iran": "IR",
    "syria": "SY",
    "laos": "LA",
    "taiwan": "TW",
    "czech republic": "CZ",
    "holland": "NL",
    "the netherlands": "NL",
    "macedonia": "MK",
    "ivory coast": "CI",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "brunei": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "burma": "MM",
    "uae": "AE",
    "hong kong sar": "HK",
    "palestine": "PS",
    "vatican": "VA",
    "micronesia": "FM",
    "turkey": "TR",  # pycountry now names it Türkiye
    "kosovo": "XK",  # no ISO code yet; Shopify uses XK
    "macau": "MO",
    "vatican city": "VA",
    "bosnia": "BA",
    "trinidad": "TT",
    "east timor": "TL",
    "republic of korea": "KR",
    "korea, south": "KR",
    "drc": "CD",
    "dr congo": "CD",
    "democratic republic of the congo": "CD",
    "us virgin islands": "VI",
    "republic of ireland": "IE",
    "eire": "IE",
    "prc": "CN",
    "mainland china": "CN",
    "people's republic of china": "CN",
    # Names in the country's own language, as merchants there often type them.
    "deutschland": "DE",
    "osterreich": "AT",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "espana": "ES",
    "italia": "IT",
    "brasil": "BR",
    "nederland": "NL",
    "belgie": "BE",
    "belgique": "BE",
    "danmark": "DK",
    "sverige": "SE",
    "norge": "NO",
    "suomi": "FI",
    "polska": "PL",
    "eesti": "EE",
    "hellas": "GR",
    "nippon": "JP",
    "nihon": "JP",
}

# Countries whose Shopify zones use the ISO 3166-2 subdivision suffix as `provinceCode`.
PROVINCE_COUNTRIES = frozenset({"US", "CA", "AU", "MX", "IN", "BR", "NZ", "MY", "IT", "ES", "AR", "ZA"})


def _key(text: str) -> str:
    """Case, accents, dots and spacing ignored: "U.S.A." -> "usa", "Côte d'Ivoire" -> "cote d'ivoire"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = plain.casefold().replace("\u2019", "'").replace(".", "").replace("&", " and ").split()
    if len(words) > 1 and words[0] == "st":
        words[0] = "saint"  # "St Lucia", "St. Kitts and Nevis"
    return " ".join(words)


@functools.cache
def country_code(name: str | None) -> str | None:
    """ISO alpha-2 code of a country name, alias or code; None when it does not resolve."""
    if not name or not name.strip():
        return None
    key = _key(name)
    for candidate in (key, key.removeprefix("the ")):
        if candidate in COUNTRY_ALIASES:
            return COUNTRY_ALIASES[candidate]
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        pass
    keys = {key, key.removeprefix("the ")}
    for country in pycountry.countries:
        names = (country.name, getattr(country, "official_name", ""), getattr(country, "common_name", ""))
        if any(n and _key(n) in keys for n in names):
            return country.alpha_2
    return None


# ISO names carry words people leave out: "Greater Wellington Region" is typed "Wellington".
GENERIC_WORDS = ("region", "state", "province", "territory", "greater", "autonomous community of")


def _short_name(key: str) -> str:
    words = [w for w in key.replace("autonomous community of", "").split() if w not in GENERIC_WORDS]
    return " ".join(words)


@functools.cache
def _subdivisions(country: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=country) or ():
        suffix = sub.code.split("-", 1)[1]
        for key in (_key(sub.name), _key(suffix), _short_name(_key(sub.name))):
            table.setdefault(key, suffix)
    return table


# Everyday names that are neither the ISO name nor its code.
PROVINCE_ALIASES = {
    ("US", "washington dc"): "DC",
    ("US", "washington district of columbia"): "DC",
    ("CA", "newfoundland"): "NL",
    ("CA", "pei"): "PE",
    ("CA", "nwt"): "NT",
}


def uses_provinces(country: str) -> bool:
    return country in PROVINCE_COUNTRIES


def province_code(country: str, state: str | None) -> str | None:
    """Shopify `provinceCode` of `state` in `country` ("California" or "CA" -> "CA"), else None."""
    if not state or not state.strip() or not uses_provinces(country):
        return None
    key = _key(state).removeprefix(_key(country) + "-")  # "US-NY"
    table = _subdivisions(country)
    return table.get(key) or PROVINCE_ALIASES.get((country, key)) or table.get(_short_name(key))


def pick_address(addresses: Iterable[Address]) -> Address | None:
    """The default address of the first kind in ADDRESS_PREFERENCE, else the first address."""
    addresses = list(addresses)
    for kind in ADDRESS_PREFERENCE:
        for address in addresses:
            # Enum casing varies in what Cin7 sends (FACTS §8.12): "Shipping", "shipping", " SHIPPING".
            if (address.type or "").strip().casefold() == kind.casefold() and address.default_for_type:
                return address
    return addresses[0] if addresses else None


def address_fields(record: Address, country: str, **extra: str | None) -> dict:
    """`record`'s lines, city and postcode trimmed, its country code, then `extra`; blank keys left out."""
    address = {
        "address1": (record.line1 or "").strip() or None,
        "address2": (record.line2 or "").strip() or None,
        "city": (record.city or "").strip() or None,
        "zip": (record.postcode or "").strip() or None,
        "countryCode": country,
        **extra,
    }
    return {k: v for k, v in address.items() if v is not None}
