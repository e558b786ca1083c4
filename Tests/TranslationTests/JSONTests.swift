import Testing

@testable import Translation

@Suite("JSON: the translators' reader and writer")
struct JSONTests {
    @Test("a document reads and writes back byte for byte, numbers and member order kept")
    func roundTrip() throws {
        let text =
            #"{"model":"m","temperature":0.70,"big":12345678901234567890,"e":1.5e-3,"list":[true,false,null,{}],"z":"a","a":[]}"#
        let value = try JSON(parsing: Array(text.utf8))
        #expect(value.text == text)
        #expect(value["temperature"] == .number("0.70"))
        #expect(value.object?.keys == ["model", "temperature", "big", "e", "list", "z", "a"])
    }

    @Test("escapes read into their characters, surrogate pairs included, and are written back as JSON")
    func escapes() throws {
        let value = try JSON(parsing: Array(#"{"s":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00\u0001"}"#.utf8))
        #expect(value["s"]?.string == "a\"b\\c/d\n\té😀\u{01}")
        #expect(value.text == #"{"s":"a\"b\\c/d\n\té😀\u0001"}"#)
    }

    @Test("a string is written quoted, with quotes, backslashes and control characters escaped, and reads back")
    func stringLiterals() throws {
        #expect(JSON.string("gpt-4o-mini").text == #""gpt-4o-mini""#)
        #expect(JSON.string("meta-llama/Llama-3.1").text == #""meta-llama/Llama-3.1""#)
        #expect(JSON.string("a\"b\\c").text == #""a\"b\\c""#)
        #expect(JSON.string("line\nbreak\r\ttab").text == #""line\nbreak\r\ttab""#)
        #expect(JSON.string("nul\u{0}bell\u{7}").text == #""nul\u0000bell\u0007""#)
        #expect(JSON.string("").text == #""""#)
        for text in ["gpt-4o-mini", "a\"b\\c", "x\u{1}\u{1f}y", "modèle-été 模型 🚀", "</script>", ""] {
            #expect(try JSON(parsing: Array(JSON.string(text).text.utf8)).string == text)
        }
    }

    @Test(
        "what is not JSON is refused with where reading stopped",
        arguments: [
            "", "{", #"{"a":}"#, #"{"a":1,}"#, "[1 2]", #""\x""#, "01", "1.", "-", "tru", #"{"a":1} x"#, "\"a\u{01}\"",
        ])
    func invalid(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSON(parsing: Array(text.utf8)) }
    }

    @Test("nesting past the limit is refused, not a stack overflow")
    func depth() {
        let deep =
            String(repeating: "[", count: JSON.maximumDepth + 1) + String(repeating: "]", count: JSON.maximumDepth + 1)
        #expect(throws: JSONSyntaxError.self) { try JSON(parsing: Array(deep.utf8)) }
        let fine = String(repeating: "[", count: JSON.maximumDepth) + String(repeating: "]", count: JSON.maximumDepth)
        #expect((try? JSON(parsing: Array(fine.utf8))) != nil)
    }

    @Test("setting a member replaces it in place; nil removes it")
    func members() {
        var object = JSONObject()
        object["a"] = 1
        object["b"] = 2
        object["a"] = 3
        #expect(JSON.object(object).text == #"{"a":3,"b":2}"#)
        object["a"] = nil
        #expect(JSON.object(object).text == #"{"b":2}"#)
    }
}
