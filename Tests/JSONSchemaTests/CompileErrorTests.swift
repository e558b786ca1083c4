import Contracts
import JSONSchema
import Testing

@Suite struct CompileErrorTests {
    private func expectError(_ schema: String, _ pointer: String, _ message: String) throws {
        #expect(try compileError(schema) == SchemaCompileError(pointer: pointer, message: message), "\(schema)")
    }

    @Test func cyclesOfInPlaceRefsAreRefused() throws {
        try expectError(
            ##"{"$ref": "#"}"##,
            "",
            "schema refers back to itself without descending into the instance: # -> #"
        )
        try expectError(
            ##"{"$ref": "#/$defs/a", "$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"$ref": "#/$defs/a"}}}"##,
            "/$defs/b",
            "schema refers back to itself without descending into the instance: "
                + "#/$defs/a -> #/$defs/a/allOf/0 -> #/$defs/b -> #/$defs/a"
        )
        // Recursion through `properties` or `items` descends into the instance, so it is fine.
        #expect(try compileError(##"{"properties": {"next": {"$ref": "#"}}}"##) == nil)
    }

    @Test func onlyLocalResolvableRefsAreAccepted() throws {
        try expectError(
            #"{"$ref": "https://example.com/schema.json"}"#,
            "/$ref",
            #"only refs within the document are supported (`#/...`), not "https://example.com/schema.json""#
        )
        try expectError(
            ##"{"properties": {"a": {"$ref": "#/$defs/missing"}}}"##,
            "/properties/a/$ref",
            ##"$ref target "#/$defs/missing" does not exist"##
        )
        try expectError(
            ##"{"$ref": "#item"}"##,
            "/$ref",
            ##"must be `#` or a JSON pointer such as `#/$defs/name` (anchors are not supported), not "#item""##
        )
        try expectError(##"{"$ref": "#/%zz"}"##, "/$ref", ##"malformed percent-encoding in "#/%zz""##)
    }

    @Test func invalidKeywordValuesNameTheirPointer() throws {
        try expectError(#"{"minLength": -1}"#, "/minLength", "must be a non-negative integer")
        try expectError(#"{"maxItems": 1.5}"#, "/maxItems", "must be a non-negative integer")
        try expectError(#"{"minimum": "0"}"#, "/minimum", "must be a number")
        try expectError(#"{"multipleOf": 0}"#, "/multipleOf", "must be a number above 0")
        try expectError(#"{"enum": []}"#, "/enum", "must be a non-empty array")
        try expectError(#"{"uniqueItems": 1}"#, "/uniqueItems", "must be a boolean")
        try expectError(#"{"required": ["a", 1]}"#, "/required/1", "must be a string")
        try expectError(#"{"required": ["a", "a"]}"#, "/required/1", #"duplicates "a""#)
        try expectError(
            #"{"type": ["string", "strin"]}"#,
            "/type/1",
            #"unknown type "strin"; expected one of null, boolean, object, array, number, string, integer"#
        )
        try expectError(
            #"{"items": [{"type": "string"}]}"#,
            "/items",
            "must be a schema; for tuples use `prefixItems`"
        )
        try expectError(#"{"properties": {"a": 5}}"#, "/properties/a", "must be a schema (an object or a boolean)")
        try expectError(#"{"title": 5}"#, "/title", "must be a string")
    }

    @Test func invalidRegexIsRefused() throws {
        try expectError(
            #"{"properties": {"a": {"pattern": "(["}}}"#,
            "/properties/a/pattern",
            #"is not a valid regular expression: "([""#
        )
    }

    @Test func unsupportedKeywordsAreRefusedButExtensionsAndAnnotationsAreNot() throws {
        try expectError(
            #"{"properties": {"a": {"patternProperties": {}}}}"#,
            "/properties/a/patternProperties",
            "unsupported keyword `patternProperties`"
        )
        try expectError(
            #"{"unevaluatedProperties": false}"#, "/unevaluatedProperties",
            "unsupported keyword `unevaluatedProperties`")
        try expectError(#"{"$anchor": "a"}"#, "/$anchor", "unsupported keyword `$anchor`")
        try expectError(
            #"{"properties": {"a": {"$id": "a"}}}"#, "/properties/a/$id",
            "`$id` is supported only at the root (refs resolve against the whole document)")
        try expectError(
            #"{"$schema": "http://json-schema.org/draft-04/schema#"}"#,
            "/$schema",
            #"unsupported dialect "http://json-schema.org/draft-04/schema#"; use "#
                + "https://json-schema.org/draft/2020-12/schema or http://json-schema.org/draft-07/schema#"
        )
        let annotated = #"""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.com/article",
              "$comment": "c", "title": "t", "description": "d", "default": {}, "examples": [{}],
              "deprecated": false, "readOnly": true, "x-ui": {"widget": "textarea", "anything": [1]},
              "format": "hostname"
            }
            """#
        #expect(try compileError(annotated) == nil)
    }
}
