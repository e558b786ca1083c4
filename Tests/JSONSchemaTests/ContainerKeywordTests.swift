import Contracts
import JSONSchema
import Testing

@Suite struct ObjectKeywordTests {
    @Test func requiredNamesEachMissingProperty() throws {
        let schema = #"{"required": ["a", "b", "c"]}"#
        #expect(try violations(schema, #"{"a": 1, "b": null, "c": false}"#) == [])
        #expect(
            try violations(schema, #"{"b": 1}"#) == [
                violation("", "required", #"missing required property "a""#),
                violation("", "required", #"missing required property "c""#),
            ]
        )
    }

    @Test func additionalPropertiesAsSchemaAppliesOnlyToUnlistedKeys() throws {
        let schema = #"{"properties": {"id": {"type": "string"}}, "additionalProperties": {"type": "number"}}"#
        #expect(try violations(schema, #"{"id": "x", "score": 3}"#) == [])
        #expect(
            try violations(schema, #"{"id": 1, "score": "high"}"#) == [
                violation("/id", "type", "must be a string"),
                violation("/score", "type", "must be a number"),
            ]
        )
    }

    @Test func additionalPropertiesFalseWithoutPropertiesRefusesAll() throws {
        #expect(try violations(#"{"additionalProperties": false}"#, "{}") == [])
        #expect(
            try violations(#"{"additionalProperties": false}"#, #"{"b": 1, "a": 2}"#) == [
                violation("/a", "additionalProperties", "property not allowed"),
                violation("/b", "additionalProperties", "property not allowed"),
            ]
        )
    }

    @Test func propertyCountBounds() throws {
        let schema = #"{"minProperties": 1, "maxProperties": 2}"#
        #expect(try violations(schema, #"{"a": 1}"#) == [])
        #expect(try violations(schema, "{}") == [violation("", "minProperties", "must have at least 1 property")])
        #expect(
            try violations(schema, #"{"a": 1, "b": 2, "c": 3}"#)
                == [violation("", "maxProperties", "must have at most 2 properties")]
        )
    }

    @Test func propertyNamesValidatesEachKey() throws {
        let schema = #"{"propertyNames": {"pattern": "^[a-z]+$"}}"#
        #expect(try violations(schema, #"{"abc": 1}"#) == [])
        #expect(
            try violations(schema, #"{"abc": 1, "Bad": 2}"#) == [
                violation("/Bad", "pattern", #"must match pattern "^[a-z]+$""#)
            ])
    }

    @Test func dependentRequired() throws {
        let schema = #"{"dependentRequired": {"card": ["billing"]}}"#
        #expect(try violations(schema, #"{"card": 1, "billing": 2}"#) == [])
        #expect(try violations(schema, #"{"other": 1}"#) == [])
        #expect(
            try violations(schema, #"{"card": 1}"#)
                == [
                    violation("", "dependentRequired", #"missing property "billing" (required when "card" is present)"#)
                ]
        )
    }

    @Test func pointersEscapeSlashAndTilde() throws {
        let schema = #"{"properties": {"a/b": {"type": "string"}, "m~n": {"type": "string"}, "": {"type": "string"}}}"#
        #expect(
            try violations(schema, #"{"a/b": 1, "m~n": 2, "": 3}"#) == [
                violation("/", "type", "must be a string"),
                violation("/a~1b", "type", "must be a string"),
                violation("/m~0n", "type", "must be a string"),
            ]
        )
    }
}

@Suite struct ArrayKeywordTests {
    @Test func itemsAppliesToEveryItem() throws {
        let schema = #"{"items": {"type": "integer"}}"#
        #expect(try violations(schema, "[1, 2, 3]") == [])
        #expect(
            try violations(schema, #"[1, "2", 3, 4.5]"#) == [
                violation("/1", "type", "must be an integer"),
                violation("/3", "type", "must be an integer"),
            ]
        )
    }

    @Test func prefixItemsThenItems() throws {
        let schema = #"{"prefixItems": [{"type": "string"}, {"type": "number"}], "items": {"type": "boolean"}}"#
        #expect(try violations(schema, #"["a", 1, true, false]"#) == [])
        #expect(try violations(schema, #"["a"]"#) == [], "a short tuple is fine")
        #expect(
            try violations(schema, #"[1, "b", null]"#) == [
                violation("/0", "type", "must be a string"),
                violation("/1", "type", "must be a number"),
                violation("/2", "type", "must be a boolean"),
            ]
        )
    }

    @Test func closedTuple() throws {
        let schema = #"{"prefixItems": [{"type": "string"}], "items": false}"#
        #expect(try violations(schema, #"["a"]"#) == [])
        #expect(
            try violations(schema, #"["a", "b"]"#)
                == [violation("", "items", "must have at most 1 item (no further items allowed)")]
        )
    }

    @Test func itemCountBounds() throws {
        let schema = #"{"minItems": 1, "maxItems": 2}"#
        #expect(try violations(schema, "[1, 2]") == [])
        #expect(try violations(schema, "[]") == [violation("", "minItems", "must have at least 1 item")])
        #expect(try violations(schema, "[1, 2, 3]") == [violation("", "maxItems", "must have at most 2 items")])
    }

    @Test func uniqueItemsUsesJSONEquality() throws {
        let schema = #"{"uniqueItems": true}"#
        #expect(try violations(schema, #"[1, "1", {"a": 1}, {"a": 2}]"#) == [])
        #expect(
            try violations(schema, #"[{"a": 1}, 2, {"a": 1.0}]"#)
                == [violation("/2", "uniqueItems", "duplicates item 0 (items must be unique)")]
        )
        #expect(try violations(#"{"uniqueItems": false}"#, "[1, 1]") == [])
    }

    @Test func uniqueItemsComparesNumbersByValueAndObjectsWithoutKeyOrder() throws {
        let duplicate = violation("/1", "uniqueItems", "duplicates item 0 (items must be unique)")
        #expect(try violations(#"{"uniqueItems": true}"#, "[1, 1.0]") == [duplicate])
        #expect(try violations(#"{"uniqueItems": true}"#, "[0, -0]") == [duplicate])
        #expect(
            try violations(#"{"uniqueItems": true}"#, #"[{"a": 1, "b": [2]}, {"b": [2.0], "a": 1}]"#) == [duplicate])
        #expect(try violations(#"{"uniqueItems": true}"#, "[[1, 2], [2, 1]]") == [])
    }

    @Test func containsWithBounds() throws {
        let schema = #"{"contains": {"const": "x"}, "minContains": 2, "maxContains": 3}"#
        #expect(try violations(schema, #"["x", "y", "x"]"#) == [])
        #expect(
            try violations(schema, #"["x", "y"]"#)
                == [violation("", "contains", "must contain at least 2 items matching `contains`")]
        )
        #expect(
            try violations(schema, #"["x", "x", "x", "x"]"#)
                == [violation("", "maxContains", "must contain at most 3 items matching `contains`")]
        )
        #expect(
            try violations(#"{"contains": {"type": "null"}}"#, "[1]")
                == [violation("", "contains", "must contain at least 1 item matching `contains`")]
        )
    }
}
