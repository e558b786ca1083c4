import Testing

@testable import Contracts

@Suite("Byte search")
struct ByteSearchTests {
    @Test("finds a needle at the start, in the middle and at the end; not one cut short or absent")
    func contains() {
        let bytes = Array(#"{"usage":{"prompt_tokens":3}}"#.utf8)
        #expect(bytes.contains(utf8: "{\"usage"))
        #expect(bytes.contains(utf8: "prompt_tokens"))
        #expect(bytes.contains(utf8: "3}}"))
        #expect(!bytes.contains(utf8: "3}}}"))
        #expect(!bytes.contains(utf8: "usageMetadata"))
        #expect(bytes.contains(utf8: ""))
        #expect(![UInt8]().contains(utf8: "a"))
        #expect("/v1/embeddings".utf8.contains(utf8: "embeddings"))
        #expect(!"/v1/chat/completions".utf8.contains(utf8: "embeddings"))
        #expect(Array("/v1/embeddings".utf8)[4...].contains(utf8: "embed"), "a slice")
        #expect(AnyCollection(bytes).contains(utf8: "tokens"), "storage that is not contiguous")
    }
}
