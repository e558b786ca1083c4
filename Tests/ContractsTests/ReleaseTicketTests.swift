import Contracts
import Foundation
import Testing

@Suite("Release tickets")
struct ReleaseTicketTests {
    let keys = ReleaseTicketKeys(secret: "ticket-unit-secret-0123456789abcdef0123")

    @Test("base64url is Foundation's base64 with - and _ and no padding, and reads back, for every length")
    func base64URL() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let expected = bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(bytes.base64URLEncodedString == expected, "\(length) bytes")
            #expect(Data(base64URLEncoded: bytes.base64URLEncodedString) == bytes)
        }
        #expect(Data([0xFB, 0xFF, 0xBF]).base64URLEncodedString == "-_-_")
    }

    @Test("the wire form is the documented one: `<length>:<text>` fields, two scope flags, HMAC-SHA256, base64url")
    func wireForm() throws {
        // Computed independently (Python's hmac and base64) from the format in ReleaseTicket's doc.
        let ticket = ReleaseTicket(
            tenant: try #require(UUID(uuidString: "0193A1F2-7C4E-7D2A-9B1E-3F5A6C7D8E9F")), requestID: "req-1",
            service: "openai", credential: nil, expires: Date(timeIntervalSince1970: 1_767_225_600))
        #expect(
            keys.sign(ticket)
                == "v1.MzY6MDE5M2ExZjItN2M0ZS03ZDJhLTliMWUtM2Y1YTZjN2Q4ZTlmMTA6MTc2NzIyNTYwMDU6cmVxLTE2Om9wZW5haTA6MTA"
                + ".S2A_ij727n_QE_nMQpaYS1vxljZROr4wD9EHK_c494U")
    }

    @Test("a signed ticket reads back as it was, whatever its fields hold")
    func roundTrip() throws {
        let tenant = UUID()
        for (service, credential) in [(nil, nil), ("openai", nil), ("openai", "backup"), ("a:3:b", "12:x")] {
            let ticket = ReleaseTicket(
                tenant: tenant, requestID: "req:7.x-1", service: service, credential: credential,
                expires: Date() + 60)
            let read = try keys.verify(keys.sign(ticket)).get()
            #expect(read == ticket)
        }
    }

    @Test("scope: nil service and credential allow any; a named one only itself")
    func scope() {
        let any = ReleaseTicket(tenant: UUID(), requestID: "r", expires: Date() + 60)
        #expect(any.allows(service: "openai", name: "default") && any.allows(service: "cohere", name: "backup"))
        let named = ReleaseTicket(
            tenant: UUID(), requestID: "r", service: "openai", credential: "default", expires: Date())
        #expect(named.allows(service: "openai", name: "default"))
        #expect(!named.allows(service: "openai", name: "backup"))
        #expect(!named.allows(service: "anthropic", name: "default"))
    }

    @Test("expired, foreign and edited tickets are refused; the previous secret still checks during a change")
    func refusals() {
        let ticket = ReleaseTicket(tenant: UUID(), requestID: "r", expires: Date() + 60)
        let signed = keys.sign(ticket)
        #expect(keys.verify(signed, now: Date() + 120) == .failure(.expired))
        let other = ReleaseTicketKeys(secret: "another-secret-0123456789abcdef0123456")
        #expect(other.verify(signed) == .failure(.badSignature))
        #expect(
            ReleaseTicketKeys(
                secret: "another-secret-0123456789abcdef0123456", previous: "ticket-unit-secret-0123456789abcdef0123"
            ).verify(signed) == .success(ticket))
        var edited = Array(signed.utf8)
        edited[5] = edited[5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(keys.verify(String(decoding: edited, as: UTF8.self)) != .success(ticket))
        #expect(keys.verify("v2.abc.def") == .failure(.malformed))
    }
}
