"""The lean schema the app validates its documents against is the Admin schema without descriptions:
the same types, fields, arguments, deprecations, and the same verdict on every document."""

from graphql import GraphQLInputObjectType, GraphQLObjectType, parse, validate

from connectors.shopify.documents import DOCUMENTS_DIR, document
from connectors.shopify.schema import admin_schema, validation_schema


def shape(schema) -> dict:
    """Every named type's fields (or input fields) with their argument names and deprecation reasons."""
    found = {}
    for name, kind in schema.type_map.items():
        if isinstance(kind, GraphQLObjectType):
            found[name] = {
                field: (sorted(f.args), f.deprecation_reason, str(f.type)) for field, f in kind.fields.items()
            }
        elif isinstance(kind, GraphQLInputObjectType):
            found[name] = {field: (f.deprecation_reason, str(f.type)) for field, f in kind.fields.items()}
        elif hasattr(kind, "values"):
            found[name] = {value: v.deprecation_reason for value, v in kind.values.items()}
    return found


def test_the_lean_schema_has_every_type_field_and_deprecation():
    lean, full = validation_schema(), admin_schema()
    assert shape(lean) == shape(full)
    assert lean.query_type.fields["customer"].description is None


def test_every_document_gets_the_same_verdict_from_both_schemas():
    names = [path.stem for path in DOCUMENTS_DIR.glob("*.graphql")]
    assert len(names) > 50
    broken = "query { customers(first: 1) { nodes { nope } } }"
    for text in [document(name) for name in names] + [broken]:
        verdict = [e.message for e in validate(admin_schema(), parse(text))]
        assert [e.message for e in validate(validation_schema(), parse(text))] == verdict
