import Foundation
import Testing

@testable import Contracts

@Suite("JSON string literals")
struct JSONStringTests {
    @Test("quotes, backslashes and control characters escaped; any text reads back as itself")
    func literal() throws {
        #expect(JSONString.literal("gpt-4o-mini") == #""gpt-4o-mini""#)
        #expect(JSONString.literal("meta-llama/Llama-3.1") == #""meta-llama/Llama-3.1""#)
        #expect(JSONString.literal("a\"b\\c") == #""a\"b\\c""#)
        #expect(JSONString.literal("line\nbreak\r\ttab") == #""line\nbreak\r\ttab""#)
        #expect(JSONString.literal("nul\u{0}bell\u{7}") == #""nul\u0000bell\u0007""#)
        #expect(JSONString.literal("") == #""""#)
        for text in ["gpt-4o-mini", "a\"b\\c", "x\u{1}\u{1f}y", "modèle-été 模型 🚀", "</script>", ""] {
            let decoded = try JSONDecoder().decode(String.self, from: Data(JSONString.literal(text).utf8))
            #expect(decoded == text)
        }
    }
}
