import CNats

#if canImport(Glibc)
    import Glibc
#endif

/// A message's NATS header block, written and read by Messaging itself: `NATS/1.0[ status[
/// description]]\r\n`, then `Name: value\r\n` lines, then `\r\n`.
///
/// libnats's header functions keep a message's headers in a hash map with a copy of every name and
/// value (about four allocations a header, on the sending side and again on the receiving side); a
/// proxied call's request carries a dozen. Messaging instead writes the block straight into the
/// libnats message and reads a received block where libnats left it (`natsMsg_create`: subject,
/// reply, header block and payload, each followed by a NUL, in one allocation). That layout is
/// checked once by pointer arithmetic on a test message; if a libnats lays messages out otherwise,
/// Messaging uses libnats's header functions instead.
enum HeaderBlock {
    private static let versionLine: [UInt8] = Array("NATS/1.0\r\n".utf8)

    /// True when this libnats lays a message out as `natsMsg_create` of libnats 3.4 to 3.13 does.
    static let layoutKnown: Bool = {
        let block = Array("NATS/1.0\r\nA: b\r\n\r\n".utf8)
        let bytes = block + Array("xyz".utf8)
        var msg: OpaquePointer?
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                natsMsg_create(&msg, "s", 1, "r", 1, $0.baseAddress, Int32($0.count), Int32(block.count))
            }
        }
        guard status == NATS_OK, let msg else { return false }
        defer { destroyNative(msg) }
        guard let subject = natsMsg_GetSubject(msg), let reply = natsMsg_GetReply(msg),
            let data = natsMsg_GetData(msg)
        else { return false }
        // Subject "s\0", reply "r\0", the block and its NUL, then the payload: pointers only, so
        // nothing is read unless the layout is the expected one.
        let start = UnsafeRawPointer(subject)
        guard UnsafeRawPointer(reply) == start + 2, UnsafeRawPointer(data) == start + 4 + block.count + 1,
            natsMsgHeader_encodedLen(msg) == Int32(block.count), natsMsg_GetDataLength(msg) == 3
        else { return false }
        return Array(UnsafeRawBufferPointer(start: start + 4, count: block.count)) == block
    }()

    /// The block's size for these headers (0 when none has a value: an empty value is not sent, as
    /// a reader would take a missing header as empty).
    static func count(_ headers: MessageHeaders) throws(NatsError) -> Int {
        var count = 0
        for field in headers.fields where !field.value.isEmpty {
            // A line break would end the header block early and let a value write headers of its own;
            // a name starting with a space would continue the previous line; a NUL would cut the
            // value short for libnats's reader.
            guard !field.name.isEmpty, isValue(field.value), isName(field.name) else {
                throw NatsError(
                    .client,
                    "header \(field.name.debugDescription) holds a line break or a NUL, or its name a colon or a space")
            }
            count += field.name.utf8.count + 2 + field.value.utf8.count + 2
        }
        return count == 0 ? 0 : versionLine.count + count + 2
    }

    /// No CR, LF or NUL. The smallest byte is found first, a loop that vectorizes: the test of
    /// each byte through `String.utf8` took ~1.5 µs of a proxied call's request (a dozen headers,
    /// the release ticket among them).
    private static func isValue(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var lowest = UInt8.max
            for byte in bytes { lowest = min(lowest, byte) }
            return lowest > 13 || !bytes.contains { $0 == 13 || $0 == 10 || $0 == 0 }
        }
    }

    /// No CR, LF or NUL, and no colon, space or tab.
    private static func isName(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            !bytes.contains { $0 == 13 || $0 == 10 || $0 == 0 || $0 == 58 || $0 == 32 || $0 == 9 }
        }
    }

    /// Writes the block of `count(headers)` bytes at `start`.
    static func write(_ headers: MessageHeaders, to start: UnsafeMutableRawPointer) {
        var position = start
        func append(_ bytes: some Collection<UInt8>) {
            UnsafeMutableRawBufferPointer(start: position, count: bytes.count).copyBytes(from: bytes)
            position += bytes.count
        }
        func append(_ string: String) {
            var string = string
            string.withUTF8 { append($0) }
        }
        append(versionLine)
        for field in headers.fields where !field.value.isEmpty {
            append(field.name)
            append([58, 32])
            append(field.value)
            append([13, 10])
        }
        append([13, 10])
    }

    /// Makes a libnats message of subject, reply, headers and payload in one allocation.
    static func makeNative(
        subject: String, reply: String?, headers: MessageHeaders, payload: UnsafeRawBufferPointer
    ) throws(NatsError) -> OpaquePointer {
        let headerCount = try count(headers)
        guard !subject.isEmpty, reply?.isEmpty != true else {
            throw NatsError.status(NATS_INVALID_ARG, "creating a message for \(subject)")
        }
        var msg: OpaquePointer?
        let status = natsMsg_create(
            &msg, subject, Int32(subject.utf8.count), reply, Int32(reply?.utf8.count ?? 0), nil,
            Int32(headerCount + payload.count), Int32(headerCount))
        try check(status, "creating a message for \(subject)")
        guard let msg, let data = natsMsg_GetData(msg) else {
            throw NatsError(.client, "creating a message for \(subject)")
        }
        let payloadStart = UnsafeMutableRawPointer(mutating: data)
        if headerCount > 0 { write(headers, to: payloadStart - 1 - headerCount) }
        if let base = payload.baseAddress { payloadStart.copyMemory(from: base, byteCount: payload.count) }
        return msg
    }

    /// A received message's headers read from its block as it came; nil where libnats has to read
    /// them (a layout not known, a message whose headers are in libnats's map, or a block libnats
    /// has parsed already, which leaves NULs in it).
    static func read(_ msg: OpaquePointer) -> MessageHeaders? {
        let count = Int(natsMsgHeader_encodedLen(msg))
        guard count > 0 else { return MessageHeaders() }
        guard layoutKnown, count >= versionLine.count, let data = natsMsg_GetData(msg),
            let subject = natsMsg_GetSubject(msg)
        else { return nil }
        // The block lies between the subject (and reply) and the payload, each followed by a NUL;
        // a message without one there (its headers added to libnats's map) is not read from memory.
        let last = natsMsg_GetReply(msg) ?? subject
        let start = UnsafeRawPointer(last) + strlen(last) + 1
        guard start + count + 1 == UnsafeRawPointer(data) else { return nil }
        let block = UnsafeRawBufferPointer(start: start, count: count)
        guard !block.contains(0) else { return nil }
        return parse(block) ?? MessageHeaders()
    }

    /// Parses a header block as libnats does: the status line's code and text become the headers
    /// `Status` and `Description`; a line starting with a space or tab continues the previous
    /// value. Nil for a malformed block.
    static func parse(_ block: UnsafeRawBufferPointer) -> MessageHeaders? {
        let prefix = versionLine.count - 2
        guard block.count >= versionLine.count, block.prefix(prefix).elementsEqual(versionLine.prefix(prefix)) else {
            return nil
        }
        func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 }
        func lineEnd(from start: Int) -> Int? {
            var index = start
            while index + 1 < block.count {
                if block[index] == 13 && block[index + 1] == 10 { return index }
                index += 1
            }
            return nil
        }
        func text(_ range: Range<Int>) -> String {
            var lower = range.lowerBound
            var upper = range.upperBound
            while lower < upper && isSpace(block[lower]) { lower += 1 }
            while upper > lower && isSpace(block[upper - 1]) { upper -= 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: block[lower..<upper]), as: UTF8.self)
        }
        guard let statusEnd = lineEnd(from: prefix) else { return nil }
        let statusLine = text(prefix..<statusEnd)
        var headers = MessageHeaders()
        // One field a line (the status line and the blank line end aside), with room for a status.
        headers.reserveCapacity(block.indices.dropFirst().count { block[$0 - 1] == 13 && block[$0] == 10 })
        var position = statusEnd + 2
        while true {
            guard let end = lineEnd(from: position) else { return nil }
            if end == position {
                guard end + 2 == block.count else { return nil }
                break
            }
            if isSpace(block[position]) {
                guard let last = headers.fields.last else { return nil }
                headers.replaceLastValue(last.value + " " + text(position..<end))
            } else {
                guard let colon = block[position..<end].firstIndex(of: 58) else { return nil }
                headers.add(text(position..<colon), text(colon + 1..<end))
            }
            position = end + 2
        }
        if !statusLine.isEmpty {
            headers.add("Status", String(statusLine.prefix(3)))
            let description = statusLine.dropFirst(3).drop { $0 == " " || $0 == "\t" }
            if !description.isEmpty { headers.add("Description", String(description)) }
        }
        return headers
    }
}
