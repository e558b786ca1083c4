/// One server-sent event: its raw bytes, its `event:` name and its `data:`.
public struct ServerSentEvent: Sendable {
    /// The event's bytes, its terminating blank line included.
    public var raw: ArraySlice<UInt8>
    public var name: String?
    public var data: [UInt8]

    public init(raw: ArraySlice<UInt8>, name: String?, data: [UInt8]) {
        self.raw = raw
        self.name = name
        self.data = data
    }

    /// Writes an event: `event: <name>` (when named) and one `data:` line.
    public static func write(name: String? = nil, data: JSON, to out: inout [UInt8]) {
        if let name {
            out.append(contentsOf: "event: ".utf8)
            out.append(contentsOf: name.utf8)
            out.append(0x0A)
        }
        out.append(contentsOf: "data: ".utf8)
        data.write(to: &out)
        out.append(contentsOf: [0x0A, 0x0A])
    }
}

/// Splits a server-sent-events byte stream into events, across chunk boundaries: bytes go in
/// as they arrive, complete events come out.
public struct ServerSentEvents: Sendable {
    private var buffer: [UInt8] = []
    /// Where to resume looking for the end of an event (what came before was searched).
    private var searchFrom = 0

    public init() {}

    /// Appends `bytes`; returns the events they complete. An event ends at an empty line
    /// (`\n\n` or `\r\n\r\n`).
    public mutating func push(_ bytes: some Collection<UInt8>) -> [ServerSentEvent] {
        buffer.append(contentsOf: bytes)
        var events: [ServerSentEvent] = []
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
    public var pending: [UInt8] { buffer }

    /// The unterminated last event, if it has data (a stream may end without the blank line).
    public mutating func flush() -> ServerSentEvent? {
        defer {
            buffer = []
            searchFrom = 0
        }
        let event = Self.parse(buffer[...], body: buffer[...])
        return event.data.isEmpty ? nil : event
    }

    private static func parse(_ raw: ArraySlice<UInt8>, body: ArraySlice<UInt8>) -> ServerSentEvent {
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
        return ServerSentEvent(raw: raw, name: name, data: data)
    }
}
