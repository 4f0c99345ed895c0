"""graphql-core execution over view dicts, refusing fields the sandbox does not implement."""

from graphql import ExecutionResult, GraphQLError, GraphQLSchema, default_field_resolver, execute_sync
from graphql.language import DocumentNode


def resolve_field(source, info, **arguments):
    """Read a field from a view dict: a value, or a callable `(info, **arguments)`.

    A field missing from the view is one Shopify has but the sandbox does not model; answering null would
    hide that, so it is an error naming the field.
    """
    if isinstance(source, dict):
        if info.field_name not in source:
            raise GraphQLError(
                f"The Shopify sandbox does not implement {info.parent_type.name}.{info.field_name}.",
                extensions={"code": "NOT_IMPLEMENTED_IN_SANDBOX"},
            )
        value = source[info.field_name]
        return value(info, **arguments) if callable(value) else value
    return default_field_resolver(source, info, **arguments)


def run(
    schema: GraphQLSchema,
    document: DocumentNode,
    root_value: dict,
    variables: dict | None,
    operation_name: str | None,
) -> ExecutionResult:
    return execute_sync(
        schema,
        document,
        root_value=root_value,
        variable_values=variables,
        operation_name=operation_name,
        field_resolver=resolve_field,
    )
