"""Shopify's `query:` search syntax, as far as the app's lookups exercise it.

Terms are ANDed by spaces (or `AND`) and ORed by `OR`; `-term` or `NOT term` negates. `field:"quoted"`
matches the whole field value exactly, case-insensitively. An unquoted value is tokenised the way Shopify's
search index does (CONTRACT §4: "Shopify's search tokenises unquoted terms and would match other
customers"): it matches a record when any of its word tokens starts any word token of the field, so
`email:bob@example.com` also finds `alice@example.com` and `bobby@other.org`, and `sku:A-1` finds
`A-10`. `value*` is a prefix match and `field:*` means "has a value". Numeric fields (`id`) accept `>`,
`>=`, `<`, `<=`. An unknown field is ignored with a warning, as Shopify does, which widens the result
rather than narrowing it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from graphql import GraphQLError

_TERM = re.compile(
    r"""\s*(?:
        (?P<op>OR|AND|NOT)(?=\s|$)
      | (?P<neg>-)?(?:(?P<field>[A-Za-z_][\w.]*):)?
        (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"']+)
    )""",
    re.VERBOSE,
)
# Word tokens break at spaces, `@` and list punctuation but keep `.`, `-`, `_`: `bob@example.com` is
# `bob` + `example.com`, and `A-1` stays one token that is a prefix of `A-10`.
_WORD = re.compile(r"[^\s@,;:/()+]+")
_COMPARATOR = re.compile(r"^(>=|<=|>|<)(.+)$")


@dataclass(frozen=True)
class Term:
    field: str | None
    value: str
    quoted: bool
    negated: bool


class Search:
    """A parsed query, evaluated against records through a field accessor."""

    def __init__(self, query: str | None, *, known_fields: set[str], exact_fields: set[str], default_fields):
        self.query = query or ""
        self.known_fields, self.exact_fields = known_fields, exact_fields
        self.default_fields = tuple(default_fields)
        self.warnings: list[dict] = []
        self.groups = self._parse(self.query)

    def _parse(self, query: str) -> list[list[Term]]:
        groups: list[list[Term]] = [[]]
        negate_next = False
        position = 0
        while position < len(query):
            match = _TERM.match(query, position)
            if not match or match.end() == position:
                break
            position = match.end()
            if match["op"] == "OR":
                groups.append([])
            elif match["op"] == "NOT":
                negate_next = True
            elif match["value"] is not None:
                raw = match["value"]
                quoted = raw[:1] in "\"'" and len(raw) > 1
                value = re.sub(r"\\(.)", r"\1", raw[1:-1]) if quoted else raw
                field_name = match["field"].lower() if match["field"] else None
                negated = bool(match["neg"]) != negate_next
                negate_next = False
                if field_name is not None and field_name not in self.known_fields:
                    self.warnings.append(
                        {"field": field_name, "message": "Invalid search field for this query."}
                    )
                    continue
                groups[-1].append(Term(field_name, value, quoted, negated))
        return [group for group in groups if group] or [[]]

    def matches(self, values_of: Callable[[str], list[str]]) -> bool:
        """True if the record whose field values `values_of(field)` returns satisfies the query."""
        return any(
            all(self._term(term, values_of) != term.negated for term in group) for group in self.groups
        )

    def _term(self, term: Term, values_of) -> bool:
        fields = [term.field] if term.field else self.default_fields
        values = [v for f in fields for v in values_of(f) if v not in (None, "")]
        if not term.quoted and term.value == "*":
            return bool(values)
        comparator = _COMPARATOR.match(term.value) if not term.quoted else None
        if comparator and term.field in self.exact_fields:
            return any(_compare(v, comparator[1], comparator[2]) for v in values)
        wanted = term.value.casefold()
        if term.quoted or term.field in self.exact_fields:
            return any(str(v).casefold() == wanted for v in values)
        if wanted.endswith("*"):
            return any(str(v).casefold().startswith(wanted[:-1]) for v in values)
        query_tokens = _WORD.findall(wanted)
        value_tokens = [token for v in values for token in _WORD.findall(str(v).casefold())]
        return any(vt.startswith(qt) for qt in query_tokens for vt in value_tokens)


def _compare(value, comparator: str, bound: str) -> bool:
    try:
        left, right = int(value), int(bound)
    except ValueError:
        left, right = str(value), bound
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[comparator]


def searched(ctx, info, query: str | None, rules: dict) -> Search:
    """`query` parsed under `rules`; its warnings are recorded on the request as Shopify reports them."""
    search = Search(query, **rules)
    if search.warnings:
        ctx.search_warnings.append(
            {"path": list(info.path.as_list()), "query": query, "warnings": search.warnings}
        )
    return search


def sort_by(keys: dict, sort_key: str):
    """The sort function for a `sortKey` argument; one the sandbox lacks is an error naming it."""
    if sort_key not in keys:
        raise GraphQLError(f"The Shopify sandbox does not implement sortKey {sort_key}.")
    return keys[sort_key]
