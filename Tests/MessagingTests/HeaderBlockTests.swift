import CNats
import Testing

@testable import Messaging

@Suite("Header blocks")
struct HeaderBlockTests {
    private func fields(_ headers: MessageHeaders) -> [String] {
        headers.fields.map { "\($0.name)=\($0.value)" }
    }

    private func parse(_ text: String) -> MessageHeaders? {
        Array(text.utf8).withUnsafeBytes { HeaderBlock.parse($0) }
    }

    /// A message as libnats makes one it received: the block and payload in one buffer.
    private func received(_ block: String, payload: String = "") -> OpaquePointer {
        let bytes = Array((block + payload).utf8)
        var msg: OpaquePointer?
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                natsMsg_create(&msg, "s", 1, nil, 0, $0.baseAddress, Int32($0.count), Int32(block.utf8.count))
            }
        }
        precondition(status == NATS_OK && msg != nil)
        return msg!
    }

    @Test("this libnats lays messages out as Messaging expects, so the block path is the one tested")
    func layoutKnown() {
        #expect(HeaderBlock.layoutKnown)
    }

    @Test(
        "a message's headers are read back in order, values with spaces and UTF-8 intact, by Messaging and by libnats")
    func roundTrip() throws {
        var headers: MessageHeaders = ["Strongbox-Tenant": "5f0c2a1e-8f43-4e55-9d1a-6e2f0c7d9b10"]
        headers.add("X-Multi", "one")
        headers.add("X-Multi", "two")
        headers.add("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        headers.add("X-Note", "grüße, a value with spaces")
        headers.add("X-Empty", "")
        let payload = Array("{\"model\":\"gpt-4o-mini\"}".utf8)
        let msg = try payload.withUnsafeBytes {
            try NatsMessage.makeNative(subject: "a.b", reply: "_INBOX.x", headers: headers, payload: $0)
        }
        defer { destroyNative(msg) }

        let copied = NatsMessage(copying: msg)
        #expect(copied.subject == "a.b")
        #expect(copied.replyTo == "_INBOX.x")
        #expect(copied.payload == payload)
        #expect(
            fields(copied.headers) == [
                "Strongbox-Tenant=5f0c2a1e-8f43-4e55-9d1a-6e2f0c7d9b10", "X-Multi=one", "X-Multi=two",
                "Traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "X-Note=grüße, a value with spaces",
            ], "an empty value is not sent")

        // libnats parses the same block (this also leaves it parsed: Messaging then asks libnats).
        var value: UnsafePointer<CChar>?
        #expect(natsMsgHeader_Get(msg, "X-Note", &value) == NATS_OK)
        #expect(value.map { String(cString: $0) } == "grüße, a value with spaces")
        #expect(HeaderBlock.read(msg) == nil, "a block libnats has parsed is read through libnats")
        #expect(Set(fields(NatsMessage(copying: msg).headers)) == Set(fields(copied.headers)))
    }

    @Test("a received block reads the same through Messaging and through libnats")
    func sameAsLibnats() throws {
        let block = "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\nX-Folded: first\r\n  second\r\n\r\n"
        let msg = received(block, payload: "body")
        defer { destroyNative(msg) }
        let ours = try #require(HeaderBlock.read(msg))
        #expect(
            fields(ours) == [
                "Nats-Pending-Messages=1", "X-Folded=first second", "Status=408", "Description=Request Timeout",
            ])
        #expect(Set(fields(NatsMessage.copyHeaders(msg))) == Set(fields(ours)))
        #expect(NatsMessage(copying: msg).string == "body")
    }

    @Test("a message built with libnats's header functions (for a libnats laid out otherwise) reads back the same")
    func headerMapPath() throws {
        var headers: MessageHeaders = ["Request-Id": "r-1", "X-Empty": ""]
        headers.add("X-Multi", "one")
        headers.add("X-Multi", "two")
        let msg = try Array("p".utf8).withUnsafeBytes {
            try NatsMessage.makeNativeWithHeaderMap(subject: "a", reply: "_INBOX.y", headers: headers, payload: $0)
        }
        defer { destroyNative(msg) }
        #expect(HeaderBlock.read(msg) == nil, "its headers are in libnats's map, not in a block in the message")
        let copied = NatsMessage(copying: msg)
        #expect(Set(fields(copied.headers)) == ["Request-Id=r-1", "X-Multi=one", "X-Multi=two"])
        #expect(copied.string == "p" && copied.replyTo == "_INBOX.y")
        #expect(throws: NatsError.self) {
            try [UInt8]().withUnsafeBytes {
                try NatsMessage.makeNativeWithHeaderMap(
                    subject: "a", reply: nil, headers: ["A": "x\r\nB: y"], payload: $0)
            }
        }
    }

    @Test("status lines: a code alone, and no status")
    func statusLines() {
        #expect(parse("NATS/1.0 503\r\n\r\n").map(fields) == ["Status=503"])
        #expect(parse("NATS/1.0\r\nA: b\r\n\r\n").map(fields) == ["A=b"])
        #expect(parse("NATS/1.0\r\n\r\n").map(fields) == [])
        #expect(NatsMessage(subject: "x", headers: parse("NATS/1.0 503\r\n\r\n")!).isNoResponders)
    }

    @Test(
        "malformed blocks are refused",
        arguments: [
            "HTTP/1.1\r\nA: b\r\n\r\n", "NATS/1.0\r\nA: b\r\n", "NATS/1.0\r\nno colon\r\n\r\n",
            "NATS/1.0\r\n folded first\r\n\r\n", "NATS/1.0\r\nA: b\r\n\r\nextra", "NATS/1.0",
        ])
    func malformed(block: String) {
        #expect(parse(block) == nil)
    }

    @Test("names and values that would break the block are refused before anything is sent")
    func refused() {
        for headers: MessageHeaders in [
            ["Bad: name": "v"], ["Name": "line\r\nInjected: yes"], ["Lf": "a\nb"], ["Nul": "a\u{0}b"], ["": "v"],
            ["Tab\tName": "v"], ["Long": String(repeating: "x", count: 300) + "\r"],
        ] {
            #expect(throws: NatsError.self) {
                try [UInt8]().withUnsafeBytes {
                    try NatsMessage.makeNative(subject: "a", reply: nil, headers: headers, payload: $0)
                }
            }
        }
    }

    @Test("headers whose values are all empty make a message without a header block")
    func emptyValuesOnly() throws {
        let msg = try Array("p".utf8).withUnsafeBytes {
            try NatsMessage.makeNative(subject: "a", reply: nil, headers: ["A": ""], payload: $0)
        }
        defer { destroyNative(msg) }
        #expect(natsMsgHeader_encodedLen(msg) == 0)
        let copied = NatsMessage(copying: msg)
        #expect(copied.headers.isEmpty)
        #expect(copied.string == "p")
    }
}
