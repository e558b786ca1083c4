import Contracts
import Foundation
import Testing

@Suite("UUID text")
struct UUIDTextTests {
    @Test("written and parsed as Foundation does, in both cases, for random and edge ids")
    func matchesFoundation() {
        let ids =
            (0..<2_000).map { _ in UUID() } + [UUID.v7()]
            + [UInt8(0), 0xFF, 0x0A, 0xA0].map { byte in
                UUID(
                    uuid: (
                        byte, byte, byte, byte, byte, byte, byte, byte, byte, byte, byte, byte, byte, byte, byte, byte
                    ))
            }
        for id in ids {
            #expect(id.lowercasedString == id.uuidString.lowercased())
            #expect(id.uppercasedString == id.uuidString)
            #expect(UUID(parsing: id.lowercasedString) == id)
            #expect(UUID(parsing: id.uuidString) == id)
            #expect(UUID(parsing: Substring("x" + id.lowercasedString).dropFirst()) == id, "a substring")
        }
    }

    @Test("anything but 8-4-4-4-12 hex digits is refused")
    func refusesOtherText() {
        let valid = "0b7e3a1c-5d2f-4e6a-9b8c-1d2e3f4a5b6c"
        for text in [
            "", "not-a-uuid", String(valid.dropLast()), valid + "0", valid.replacingOccurrences(of: "-", with: ""),
            "{\(valid.dropFirst().dropLast())}", "0b7e3a1c_5d2f-4e6a-9b8c-1d2e3f4a5b6c",
            "0b7e3a1c-5d2f4-e6a-9b8c-1d2e3f4a5b6c", "0b7e3a1g-5d2f-4e6a-9b8c-1d2e3f4a5b6c",
            " b7e3a1c-5d2f-4e6a-9b8c-1d2e3f4a5b6c", "+b7e3a1c-5d2f-4e6a-9b8c-1d2e3f4a5b6c",
            "0b7e3a1c-5d2f-4e6a-9b8c-1d2e3f4a5b6é",
        ] {
            #expect(UUID(parsing: text) == nil, "\(text)")
        }
        #expect(UUID(parsing: valid) == UUID(uuidString: valid))
    }
}
