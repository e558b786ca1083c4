import Contracts
import Foundation
import JSONSchema
import Testing

// MARK: - Helpers shared by the suites

/// Parses JSON text; tests write schemas and instances as JSON so they read like the API.
func json(_ text: String) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
}

/// The violations of `instance` against `schema`, both given as JSON text.
func violations(_ schema: String, _ instance: String) throws -> [SchemaViolation] {
    try JSONSchema(json(schema)).validate(json(instance))
}

/// The compile error `schema` raises, or nil when it compiles.
func compileError(_ schema: String) throws -> SchemaCompileError? {
    let value = try json(schema)
    do {
        _ = try JSONSchema(value)
        return nil
    } catch {
        return error
    }
}

func violation(_ pointer: String, _ keyword: String, _ message: String) -> SchemaViolation {
    SchemaViolation(pointer: pointer, keyword: keyword, message: message)
}

// MARK: - A realistic content type, end to end

@Suite struct ArticleSchemaTests {
    let schema: JSONSchema

    init() throws {
        schema = try JSONSchema(
            json(
                """
                {
                  "$schema": "https://json-schema.org/draft/2020-12/schema",
                  "title": "Article",
                  "type": "object",
                  "required": ["title", "address"],
                  "additionalProperties": false,
                  "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": 10},
                    "age": {"type": "integer", "minimum": 0},
                    "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": true},
                    "address": {
                      "type": "object",
                      "required": ["zip"],
                      "properties": {"zip": {"type": "string", "minLength": 5, "pattern": "^[0-9]+$"}}
                    },
                    "items": {"type": "array", "items": {"$ref": "#/$defs/item"}}
                  },
                  "$defs": {"item": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}
                }
                """
            )
        )
    }

    @Test func validDocumentHasNoViolations() throws {
        let article = try json(
            #"{"title": "Hi", "age": 3, "tags": ["a", "b"], "address": {"zip": "12345"}, "items": [{"name": "x"}]}"#
        )
        #expect(schema.validate(article) == [])
        #expect(schema.isValid(article))
    }

    @Test func reportsEveryViolationWithItsPointer() throws {
        let article = try json(
            """
            {"age": 1.5, "tags": ["a", "c", "a"], "address": {"zip": "12a"}, "extra": 1,
             "items": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": 4}]}
            """
        )
        #expect(
            schema.validate(article) == [
                violation("", "required", #"missing required property "title""#),
                violation("/address/zip", "minLength", "must be at least 5 characters"),
                violation("/address/zip", "pattern", #"must match pattern "^[0-9]+$""#),
                violation("/age", "type", "must be an integer"),
                violation("/items/3/name", "type", "must be a string"),
                violation("/tags/1", "enum", #"must be one of "a", "b""#),
                violation("/tags/2", "uniqueItems", "duplicates item 0 (items must be unique)"),
                violation("/extra", "additionalProperties", "property not allowed"),
            ]
        )
        #expect(!schema.isValid(article))
    }

    @Test func descriptionsReadAsPointerAndMessage() throws {
        let found = schema.validate(try json(#"{"address": {"zip": "123456"}, "title": 5}"#))
        #expect(found.map(\.description) == ["/title: must be a string"])
        let missing = schema.validate(try json(#"{"address": {}}"#)).map(\.description)
        #expect(missing == [#"/: missing required property "title""#, #"/address: missing required property "zip""#])
    }

    @Test func violationCountIsCapped() throws {
        let many = JSONSchema.defaultViolationLimit + 15
        let wide = try JSONSchema(json(#"{"additionalProperties": false}"#))
        let instance = JSONValue.object(Dictionary(uniqueKeysWithValues: (0..<many).map { ("k\($0)", JSONValue.null) }))
        #expect(wide.validate(instance).count == JSONSchema.defaultViolationLimit)
        #expect(wide.validate(instance, limit: 3).count == 3)
    }
}

// MARK: - The README's usage example

@Suite struct ReadmeExampleTests {
    @Test func literalSchemaCompilesAndValidates() throws {
        let schema = try JSONSchema([
            "type": "object",
            "required": ["title"],
            "properties": ["title": ["type": "string", "minLength": .number(1)]],
        ])
        #expect(schema.isValid(["title": "Hi"]))
        #expect(
            schema.validate(["title": ""]) == [violation("/title", "minLength", "must be at least 1 character")]
        )
    }
}
