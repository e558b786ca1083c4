import Contracts
import Foundation
import JSONSchema
import Messaging
import Testing

@testable import Content

@Suite("Content type schemas")
struct ContentTypeTests {
    static func json(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test("a schema compiles and validates items; one that cannot be used is a 422 naming where")
    func schemas() throws {
        let schema = try ContentType.compile(
            Self.json(#"{"type":"object","required":["title"],"properties":{"title":{"type":"string","maxLength":5}}}"#)
        )
        #expect(schema.validate(try Self.json(#"{"title":"Hello"}"#)).isEmpty)
        #expect(!schema.validate(try Self.json(#"{"title":"Too long"}"#)).isEmpty)
        #expect(!schema.validate(try Self.json(#"{}"#)).isEmpty)
        let broken = #expect(throws: ServiceError.self) {
            try ContentType.compile(Self.json(#"{"type":"object","properties":{"n":{"minimum":"ten"}}}"#))
        }
        #expect(broken?.code == .unprocessable)
        #expect(broken?.message.hasPrefix("`schema` cannot be used") == true)
        #expect(broken?.message.contains("/properties/n/minimum") == true, "\(String(describing: broken?.message))")
    }

    @Test("the built-in types' schemas compile")
    func builtins() throws {
        for name in ContentType.builtinNames {
            let schema = try #require(ContentType.builtinSchemas[name])
            _ = try ContentType.compile(schema)
        }
    }

    @Test("type names: lowercase, starting with a letter, at most 64")
    func names() throws {
        for good in ["post", "blog-post", "a_1", String(repeating: "a", count: 64)] { try ContentType.checkName(good) }
        for bad in ["", "Post", "1post", "-x", "a b", "ümlaut", String(repeating: "a", count: 65)] {
            #expect(throws: ServiceError.self, "\(bad)") { try ContentType.checkName(bad) }
        }
    }
}
