"""The lean schema the app validates its documents against is the Admin schema without descriptions:
the same types, fields, arguments, deprecations, and the same verdict on every document; and it keeps
no node of the syntax tree it was built from."""

import gc
from types import FunctionType, ModuleType

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    parse,
    validate,
)
from graphql.language import (
    DefinitionNode,
    DocumentNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    InputValueDefinitionNode,
)

from connectors.shopify.documents import DOCUMENTS_DIR, document
from connectors.shopify.schema import admin_schema, validation_schema

# The nodes of the SDL's definitions (an argument's default value keeps its literal, a few small nodes).
DEFINITION_NODES = (
    DocumentNode,
    DefinitionNode,
    FieldDefinitionNode,
    InputValueDefinitionNode,
    EnumValueDefinitionNode,
)


def shape(schema) -> dict:
    """Every named type's fields (or input fields) with their argument names and deprecation reasons, the
    interfaces it implements, a union's members, an enum's values."""
    found = {}
    for name, kind in schema.type_map.items():
        if isinstance(kind, (GraphQLObjectType, GraphQLInterfaceType)):
            fields = {
                field: (sorted(f.args), f.deprecation_reason, str(f.type)) for field, f in kind.fields.items()
            }
            found[name] = (fields, sorted(str(interface) for interface in kind.interfaces))
        elif isinstance(kind, GraphQLUnionType):
            found[name] = sorted(str(member) for member in kind.types)
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


def reachable(root):
    """Every object `root` holds, directly or through closures (not through modules, classes or a
    function's globals)."""
    seen, stack = set(), [root]
    while stack:
        held = stack.pop()
        if id(held) in seen or isinstance(held, (type, ModuleType)):
            continue
        seen.add(id(held))
        yield held
        if isinstance(held, FunctionType):
            stack.extend(cell.cell_contents for cell in held.__closure__ or () if cell.cell_contents)
        else:
            stack.extend(gc.get_referents(held))


def test_the_lean_schema_keeps_no_definition_node():
    assert any(isinstance(held, DEFINITION_NODES) for held in reachable(admin_schema()))
    assert not any(isinstance(held, DEFINITION_NODES) for held in reachable(validation_schema()))
