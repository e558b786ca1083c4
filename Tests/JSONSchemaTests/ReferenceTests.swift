import Contracts
import JSONSchema
import Testing

@Suite struct ReferenceTests {
    static let tree = #"""
        {
          "$ref": "#/$defs/node",
          "$defs": {
            "node": {
              "type": "object",
              "required": ["value"],
              "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}
            }
          }
        }
        """#

    @Test func recursiveTreeValidatesDeepInside() throws {
        let schema = try JSONSchema(json(Self.tree))
        let good = #"{"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}, {"value": 4}]}"#
        #expect(schema.validate(try json(good)) == [])
        let bad = #"{"value": 1, "children": [{"value": 2, "children": [{"value": 3}, {"value": "x"}, {}]}]}"#
        #expect(
            schema.validate(try json(bad)) == [
                violation("/children/0/children/1/value", "type", "must be an integer"),
                violation("/children/0/children/2", "required", #"missing required property "value""#),
            ]
        )
    }

    @Test func rootRefRecursion() throws {
        let schema = ##"{"type": "object", "additionalProperties": {"$ref": "#"}}"##
        #expect(try violations(schema, #"{"a": {"b": {}}}"#) == [])
        #expect(try violations(schema, #"{"a": {"b": 1}}"#) == [violation("/a/b", "type", "must be an object")])
    }

    @Test func refsFollowPointersWithEscapesAndPercentEncoding() throws {
        let schema = #"""
            {
              "properties": {
                "a": {"$ref": "#/$defs/with~1slash"},
                "b": {"$ref": "#/$defs/with%20space"},
                "c": {"$ref": "#/properties/a"},
                "e": {"$ref": "#/definitions/tilde~0"}
              },
              "$defs": {"with/slash": {"type": "string"}, "with space": {"type": "integer"}},
              "definitions": {"tilde~": {"type": "boolean"}}
            }
            """#
        #expect(try violations(schema, #"{"a": "x", "b": 1, "c": "y", "e": true}"#) == [])
        #expect(
            try violations(schema, #"{"a": 1, "b": "1", "c": 2, "e": 0}"#) == [
                violation("/a", "type", "must be a string"),
                violation("/b", "type", "must be an integer"),
                violation("/c", "type", "must be a string"),
                violation("/e", "type", "must be a boolean"),
            ]
        )
    }

    @Test func refAppliesAlongsideSiblingKeywords() throws {
        let schema = ##"{"$ref": "#/$defs/s", "maxLength": 2, "$defs": {"s": {"type": "string"}}}"##
        #expect(try violations(schema, #""abc""#) == [violation("", "maxLength", "must be at most 2 characters")])
        #expect(try violations(schema, "1") == [violation("", "type", "must be a string")])
    }
}

@Suite struct DepthLimitTests {
    @Test func deepInstanceIsAViolationNotACrash() throws {
        let schema = try JSONSchema(json(##"{"type": "array", "items": {"$ref": "#"}}"##))
        var deep = JSONValue.array([])
        for _ in 0..<200 { deep = .array([deep]) }
        let found = schema.validate(deep)
        let pointer = String(repeating: "/0", count: JSONSchema.maxInstanceDepth + 1)
        #expect(found == [violation(pointer, "depth", "is nested more than 128 levels deep")])
        var shallow = JSONValue.array([])
        for _ in 0..<100 { shallow = .array([shallow]) }
        #expect(schema.validate(shallow) == [])
    }

    @Test func deepSchemaIsACompileError() throws {
        var schema = JSONValue.object(["type": "string"])
        for _ in 0..<70 { schema = .object(["items": schema]) }
        let expected = String(repeating: "/items", count: JSONSchema.maxSchemaDepth + 1)
        #expect(throws: SchemaCompileError(pointer: expected, message: "subschemas nest more than 64 levels deep")) {
            try JSONSchema(schema)
        }
    }
}
