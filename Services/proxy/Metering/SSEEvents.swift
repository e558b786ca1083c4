/// Splits a server-sent-events byte stream into events, across chunk boundaries: bytes go in
/// as they arrive, complete events come out (their raw bytes, and their `event:` and `data:`).
struct SSEEvents {
    struct Event {
        /// The event's bytes, its terminating blank line included.
        var raw: ArraySlice<UInt8>
        var name: String?
        var data: [UInt8]
    }

    private var buffer: [UInt8] = []
    /// Where to resume looking for the end of an event (what came before was searched).
    private var searchFrom = 0

    /// Appends `bytes`; returns the events they complete. An event ends at an empty line
    /// (`\n\n` or `\r\n\r\n`).
    mutating func push(_ bytes: some Collection<UInt8>) -> [Event] {
        buffer.append(contentsOf: bytes)
        var events: [Event] = []
        var start = 0
        var index = searchFrom
        while index < buffer.count {
            if buffer[index] == 0x0A {
                var end: Int?
                if index + 1 < buffer.count, buffer[index + 1] == 0x0A {
                    end = index + 2
                } else if index + 2 < buffer.count, buffer[index + 1] == 0x0D, buffer[index + 2] == 0x0A {
                    end = index + 3
                }
                if let end {
                    events.append(Self.parse(buffer[start..<end], body: buffer[start..<index]))
                    start = end
                    index = end
                    continue
                }
            }
            index += 1
        }
        buffer.removeFirst(start)
        // The last two bytes may begin a delimiter that the next chunk completes.
        searchFrom = max(0, buffer.count - 2)
        return events
    }

    /// Bytes held back because their event is not complete yet.
    var pending: [UInt8] { buffer }

    private static func parse(_ raw: ArraySlice<UInt8>, body: ArraySlice<UInt8>) -> Event {
        var name: String?
        var data: [UInt8] = []
        var firstData = true
        for line in body.split(omittingEmptySubsequences: true, whereSeparator: { $0 == 0x0A || $0 == 0x0D }) {
            if line.starts(with: "data:".utf8) {
                var value = line.dropFirst(5)
                if value.first == 0x20 { value = value.dropFirst() }
                if !firstData { data.append(0x0A) }
                data.append(contentsOf: value)
                firstData = false
            } else if line.starts(with: "event:".utf8) {
                var value = line.dropFirst(6)
                if value.first == 0x20 { value = value.dropFirst() }
                name = String(decoding: value, as: UTF8.self)
            }
        }
        return Event(raw: raw, name: name, data: data)
    }
}
