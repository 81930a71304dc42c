from core.openapi import to_json_schema


def test_nullable_becomes_a_null_alternative():
    assert to_json_schema({"type": "string", "nullable": True}) == {"type": ["string", "null"]}
    assert to_json_schema({"type": "string", "enum": ["a"], "nullable": True}) == {
        "type": ["string", "null"],
        "enum": ["a", None],
    }
    assert to_json_schema({"$ref": "#/x", "nullable": True}) == {
        "anyOf": [{"$ref": "#/x"}, {"type": "null"}]
    }


def test_nested_nodes_are_read_and_the_rest_kept():
    doc = {"properties": {"a": {"type": "integer", "nullable": False}}, "items": [1, "x"]}
    assert to_json_schema(doc) == {"properties": {"a": {"type": "integer"}}, "items": [1, "x"]}
