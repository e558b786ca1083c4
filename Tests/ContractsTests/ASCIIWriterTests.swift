import Contracts
import Testing

@Suite("ASCII writer")
struct ASCIIWriterTests {
    @Test("decimals of any Int64, bytes and text, in one string")
    func decimals() {
        for value: Int64 in [0, 7, -7, 10, 1_000_000, .max, .min] {
            #expect(
                ASCIIWriter.string(capacity: ASCIIWriter.decimalCapacity) { $0.append(decimal: value) } == "\(value)")
        }
        let text = ASCIIWriter.string(capacity: 32) { writer in
            writer.append("requests")
            writer.append(UInt8(ascii: " "))
            writer.append(String("12s"))
            #expect(writer.count == 12)
        }
        #expect(text == "requests 12s")
        #expect(ASCIIWriter.string(capacity: 4) { _ in } == "")
    }
}
