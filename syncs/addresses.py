"""Country names to ISO 3166-1 codes and state names to Shopify province codes, via pycountry.

Cin7 stores the country as a free-text name (FACTS §4.4, §8.13) and the state as whatever was typed.
"""

import functools
import unicodedata

import pycountry

# Names merchants type that pycountry does not know (its names follow ISO: "Korea, Republic of").
COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "u.k.": "GB",
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
}

# Countries whose Shopify zones use the ISO 3166-2 subdivision suffix as `provinceCode`.
PROVINCE_COUNTRIES = frozenset({"US", "CA", "AU", "MX", "IN", "BR", "NZ", "MY", "IT", "ES", "AR", "ZA"})


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace("\u2019", "'").split())


@functools.cache
def country_code(name: str | None) -> str | None:
    """ISO alpha-2 code of a country name, alias or code; None when it does not resolve."""
    if not name or not name.strip():
        return None
    key = _key(name)
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key]
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        pass
    for country in pycountry.countries:
        names = (country.name, getattr(country, "official_name", ""), getattr(country, "common_name", ""))
        if any(n and _key(n) == key for n in names):
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


def uses_provinces(country: str) -> bool:
    return country in PROVINCE_COUNTRIES


def province_code(country: str, state: str | None) -> str | None:
    """Shopify `provinceCode` of `state` in `country` ("California" or "CA" -> "CA"), else None."""
    if not state or not state.strip() or not uses_provinces(country):
        return None
    key = _key(state)
    return _subdivisions(country).get(key) or _subdivisions(country).get(
        key.removeprefix(_key(country) + "-")
    )
