import Foundation
import Testing

@testable import Contracts

@Suite("JSONFields numbers")
struct JSONFieldsNumberTests {
    @Test("integers, fractions and exponents read as integers; strings, nulls and objects do not")
    func integers() throws {
        let fields = try #require(
            JSONFields(
                Array(
                    #"{"a": 12, "b": -3, "c": 12.9, "d": 1e3, "e": "7", "f": null, "g": {"h": 2}, "i": 1e300}"#.utf8)))
        #expect(fields.int("a") == 12)
        #expect(fields.int("b") == -3)
        #expect(fields.int("c") == 12)
        #expect(fields.int("d") == 1000)
        #expect(fields.int("e") == nil)
        #expect(fields.int("f") == nil)
        #expect(fields.int("g") == nil)
        #expect(fields.int("i") == nil)
        #expect(fields.int("missing") == nil)
        #expect(fields.object("g")?.int("h") == 2)
    }
}

@Suite("JSON fields")
struct JSONFieldsTests {
    @Test("several edits in one pass: replaced where they are, added at the end in order, the rest untouched")
    func edits() throws {
        let fields = try #require(
            JSONFields(Array(#"{"model":"groq/llama", "messages":[{"a":1}] ,"stream":false}"#.utf8)))
        let edited = fields.setting([
            ("stream", "true"), ("model", #""llama""#), ("stream_options", #"{"include_usage":true}"#), ("n", "1"),
        ])
        #expect(
            String(decoding: edited, as: UTF8.self)
                == #"{"model":"llama", "messages":[{"a":1}] ,"stream":true,"stream_options":{"include_usage":true},"n":1}"#
        )
        let empty = try #require(JSONFields(Array("{ }".utf8)))
        #expect(String(decoding: empty.setting([("a", "1"), ("b", "2")]), as: UTF8.self) == #"{ "a":1,"b":2}"#)
        #expect(fields.setting([]) == fields.bytes)
    }
}

@Suite("JSON fields scanning")
struct JSONFieldsScanningTests {
    @Test("only the top level's members are fields; nested objects and arrays are spanned whole")
    func topLevelOnly() throws {
        let text =
            #"{ "model" : "gpt-4o", "usage": {"prompt_tokens": 9, "nested": {"model": "inner"}},"#
            + "\n\t"
            + #""choices": [ {"index": 0}, [true, false, null], -1.5e2 ], "stream": true }"#
        let fields = try #require(JSONFields(Array(text.utf8)))
        #expect(fields.fields.map(\.key) == ["model", "usage", "choices", "stream"])
        #expect(fields.string("model") == "gpt-4o")
        #expect(fields.bool("stream") == true)
        #expect(fields.object("usage")?.int("prompt_tokens") == 9)
        #expect(fields.object("usage")?.object("nested")?.string("model") == "inner")
        let choices = try #require(fields.field("choices"))
        #expect(
            String(decoding: fields.bytes[choices.value], as: UTF8.self)
                == #"[ {"index": 0}, [true, false, null], -1.5e2 ]"#)
    }

    @Test(
        "malformed documents, nested ones too, are not objects",
        arguments: [
            #"{"a": {"b": 1}"#, #"{"a": {"b" 1}}"#, #"{"a": [1, 2}"#, #"{"a": tru}"#, #"{"a": 1,}"#, #"[1]"#,
            #"{"a": 1} x"#, #"{"a": {"b": nul}}"#,
        ])
    func malformed(text: String) {
        #expect(JSONFields(Array(text.utf8)) == nil)
    }
}
