import Contracts
import Foundation
import JSONSchema
import Messaging

/// `schema-bench [--seconds N]`: how many content items' `data` a content type's schema checks
/// per second, against parsing the same JSON (which every write pays anyway), in the same run.
/// The schema is a realistic nested one: `$defs`/`$ref`, a discriminated `oneOf`, formats,
/// patterns, bounds and `additionalProperties: false`.
@main
struct SchemaBench {
    static let schema = #"""
        {
          "type": "object",
          "required": ["name", "servings", "ingredients", "source", "tags"],
          "additionalProperties": false,
          "properties": {
            "name": {"type": "string", "minLength": 3, "maxLength": 80},
            "servings": {"type": "integer", "minimum": 1, "maximum": 20},
            "contact": {"type": "string", "format": "email"},
            "published": {"type": "string", "format": "date-time"},
            "cuisine": {"enum": ["italian", "thai", "french", "other"]},
            "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"}, "uniqueItems": true},
            "ingredients": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"$ref": "#/$defs/ingredient"}},
            "source": {"oneOf": [{"$ref": "#/$defs/book"}, {"$ref": "#/$defs/web"}], "discriminator": {"propertyName": "kind"}}
          },
          "$defs": {
            "ingredient": {
              "type": "object", "required": ["item", "grams"], "additionalProperties": false,
              "properties": {"item": {"type": "string", "maxLength": 64}, "grams": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5}}
            },
            "book": {"type": "object", "required": ["kind", "isbn"], "properties": {"kind": {"const": "book"}, "isbn": {"type": "string", "pattern": "^[0-9-]{10,17}$"}}},
            "web": {"type": "object", "required": ["kind", "url"], "properties": {"kind": {"const": "web"}, "url": {"type": "string", "format": "uri"}}}
          }
        }
        """#

    static let valid = #"""
        {"name": "Pad kra pao", "servings": 2, "contact": "cook@example.com", "published": "2026-11-26T10:00:00Z",
         "cuisine": "thai", "tags": ["quick", "spicy", "weeknight"],
         "ingredients": [{"item": "basil", "grams": 30}, {"item": "rice", "grams": 200.5}, {"item": "pork", "grams": 250},
                         {"item": "chili", "grams": 10}, {"item": "garlic", "grams": 15}, {"item": "egg", "grams": 60}],
         "source": {"kind": "web", "url": "https://example.com/pad-kra-pao"}}
        """#

    /// Three violations: a bound, a discriminated branch's pattern, an unknown property.
    static let invalid = #"""
        {"name": "Pad kra pao", "servings": 40, "tags": ["quick"], "ingredients": [{"item": "basil", "grams": 30}],
         "source": {"kind": "book", "isbn": "abc"}, "spicy": true}
        """#

    static func main() throws {
        let arguments = CommandLine.arguments
        let seconds = arguments.firstIndex(of: "--seconds").flatMap { Double(arguments[$0 + 1]) } ?? 3
        let decoder = JSONDecoder()
        let compiled = try JSONSchema(try decoder.decode(JSONValue.self, from: Data(schema.utf8)))
        let validBytes = Data(valid.utf8)
        let validDocument = try decoder.decode(JSONValue.self, from: validBytes)
        let invalidDocument = try decoder.decode(JSONValue.self, from: Data(invalid.utf8))
        guard compiled.validate(validDocument).isEmpty, compiled.validate(invalidDocument).count == 3 else {
            throw BenchError("the documents do not validate as expected")
        }

        let parse = rate(seconds) { _ = try? decoder.decode(JSONValue.self, from: validBytes) }
        let validRate = rate(seconds) { _ = compiled.validate(validDocument) }
        let invalidRate = rate(seconds) { _ = compiled.validate(invalidDocument) }
        let compile = rate(seconds / 3) {
            _ = try? JSONSchema(try! decoder.decode(JSONValue.self, from: Data(schema.utf8)))
        }

        print("Schema validation of a content item's data (nested schema, \(validBytes.count)-byte document), one core")
        print("| operation                                   | per second | µs each | vs parsing the JSON |")
        print("|---------------------------------------------|------------|---------|---------------------|")
        for (name, value) in [
            ("parse the document (baseline)", parse), ("validate a valid document", validRate),
            ("validate an invalid one (3 violations)", invalidRate), ("compile the schema (per type change)", compile),
        ] {
            let figures = String(format: "%10.0f | %7.2f | %19.2f |", value, 1_000_000 / value, value / parse)
            print("| \(name.padding(toLength: 43, withPad: " ", startingAt: 0)) | \(figures)")
        }
    }

    /// Calls per second of `body`, run for `seconds` after a short warm-up.
    static func rate(_ seconds: Double, _ body: () -> Void) -> Double {
        for _ in 0..<1000 { body() }
        let clock = ContinuousClock()
        let start = clock.now
        let limit = Duration.milliseconds(Int(seconds * 1000))
        var count = 0
        while clock.now - start < limit {
            for _ in 0..<100 { body() }
            count += 100
        }
        let elapsed = clock.now - start
        return Double(count) / elapsed.seconds
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
