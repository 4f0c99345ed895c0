"""The gate every document the app sends must pass: valid on the Admin schema and free of anything
deprecated there (fields, arguments, enum values, input fields), in the document and in the variables.

Shopify removes deprecated things in later API versions, so a deprecated use is a future outage.
"""

import functools
from dataclasses import dataclass

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    NoDeprecatedCustomRule,
    OperationDefinitionNode,
    parse,
    specified_rules,
    type_from_ast,
    validate,
)

from . import admin_schema


@dataclass(frozen=True)
class Deprecation:
    """One deprecated thing a document or its variables use: `coordinate` like `Customer.email`."""

    kind: str  # "input field" or "enum value"
    coordinate: str
    reason: str
    variable: str

    def __str__(self) -> str:
        return f"${self.variable}: {self.kind} {self.coordinate} is deprecated: {self.reason}"


def document_problems(document: str, schema: GraphQLSchema | None = None) -> list[str]:
    """Validation errors and deprecated uses in `document` (its literals included); [] when it passes."""
    schema = schema or admin_schema()
    try:
        ast = parse(document)
    except GraphQLError as exc:
        return [exc.message]
    errors = validate(schema, ast, specified_rules)
    if errors:
        return [e.message for e in errors]
    return [e.message for e in validate(schema, ast, [NoDeprecatedCustomRule])]


def variable_deprecations(
    document: str, variables: dict | None, schema: GraphQLSchema | None = None
) -> list[Deprecation]:
    """Deprecated input fields and enum values in the values sent for the document's variables
    (e.g. `CustomerInput.addresses` inside `$input`), which validating the document cannot see."""
    schema = schema or admin_schema()
    found: list[Deprecation] = []
    for definition in _parsed(document).definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for variable in definition.variable_definitions or ():
            name = variable.variable.name.value
            if variables and name in variables:
                _walk(type_from_ast(schema, variable.type), variables[name], name, found)
    return found


@functools.lru_cache(maxsize=256)
def _parsed(document: str):
    return parse(document)


def _walk(type_, value, variable: str, found: list[Deprecation]) -> None:
    if value is None or type_ is None:
        return
    if isinstance(type_, GraphQLNonNull):
        _walk(type_.of_type, value, variable, found)
    elif isinstance(type_, GraphQLList):
        for item in value if isinstance(value, list) else [value]:
            _walk(type_.of_type, item, variable, found)
    elif isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
        for key, item in value.items():
            field = type_.fields.get(key)
            if field is None:
                continue  # not a deprecation: the server refuses unknown input fields anyway
            if field.deprecation_reason is not None:
                found.append(
                    Deprecation("input field", f"{type_.name}.{key}", field.deprecation_reason, variable)
                )
            _walk(field.type, item, variable, found)
    elif isinstance(type_, GraphQLEnumType) and isinstance(value, str):
        enum_value = type_.values.get(value)
        if enum_value is not None and enum_value.deprecation_reason is not None:
            reason = enum_value.deprecation_reason
            found.append(Deprecation("enum value", f"{type_.name}.{value}", reason, variable))


def deprecated_input_fields(document: str, schema: GraphQLSchema | None = None) -> dict[str, str]:
    """Every deprecated input field reachable from the variable types `document` declares, with its reason:
    what the values sent for it must never contain."""
    schema = schema or admin_schema()
    found: dict[str, str] = {}
    seen: set[str] = set()

    def visit(type_) -> None:
        while isinstance(type_, GraphQLNonNull | GraphQLList):
            type_ = type_.of_type
        if not isinstance(type_, GraphQLInputObjectType) or type_.name in seen:
            return
        seen.add(type_.name)
        for key, field in type_.fields.items():
            if field.deprecation_reason is not None:
                found[f"{type_.name}.{key}"] = field.deprecation_reason
            visit(field.type)

    for definition in parse(document).definitions:
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                visit(type_from_ast(schema, variable.type))
    return found
