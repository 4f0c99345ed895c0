"""The `.graphql` documents' one layout rule: a field's selection of leaves stands on the field's line.

A selection set whose entries are all bare field names or fragment spreads (no arguments, aliases,
directives or selections of their own) is written `field { a b c }` when that line fits in 110 columns;
operation and fragment definitions keep their bodies on lines of their own. `compact(text)` applies it.
"""

import re

from connectors.shopify.documents import DOCUMENTS_DIR

OPENING = re.compile(r"^\s*(?!(?:query|mutation|subscription|fragment)\b)(\w+\s*:\s*)?\w+(\([^()]*\))?\s*\{$")
LEAF = re.compile(r"^\s*(\.\.\.)?\w+$")
WIDTH = 110


def compact(text: str) -> str:
    """`text` with every selection of leaves that fits moved onto its field's line."""
    lines, kept, i = text.split("\n"), [], 0
    while i < len(lines):
        end = i + 1
        while OPENING.match(lines[i]) and end < len(lines) and LEAF.match(lines[end]):
            end += 1
        leaves = [line.strip() for line in lines[i + 1 : end]]
        joined = f"{lines[i]} {' '.join(leaves)} }}"
        if leaves and end < len(lines) and lines[end].strip() == "}" and len(joined) <= WIDTH:
            kept.append(joined)
            i = end + 1
        else:
            kept.append(lines[i])
            i += 1
    return "\n".join(kept)


def test_compact_puts_a_selection_of_leaves_on_its_fields_line():
    text = """mutation M {
  x(id: 1) {
    node {
      id
      ...F
    }
    userErrors {
      field
    }
  }
}
"""
    assert (
        compact(text)
        == """mutation M {
  x(id: 1) {
    node { id ...F }
    userErrors { field }
  }
}
"""
    )
    assert compact("fragment F on T {\n  id\n}\n") == "fragment F on T {\n  id\n}\n"


def test_every_document_keeps_its_selections_of_leaves_on_one_line():
    paths = sorted(DOCUMENTS_DIR.glob("**/*.graphql"))
    assert len(paths) > 50
    assert [path.name for path in paths if compact(path.read_text()) != path.read_text()] == []
