import CNats

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A message received from NATS, copied out of libnats so it owns its memory.
public struct NatsMessage: Sendable {
    public var subject: String
    public var replyTo: String?
    public var headers: MessageHeaders
    public var payload: [UInt8]

    public init(subject: String, replyTo: String? = nil, headers: MessageHeaders = [:], payload: [UInt8] = []) {
        self.subject = subject
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
    }

    /// The status line of a server-generated message (`503` for no responders, `404`/`408` for pulls).
    public var status: Int? { headers["Status"].flatMap { Int($0) } }

    /// True for the server's "no responders" reply to a request.
    public var isNoResponders: Bool { status == 503 && payload.isEmpty }

    /// The payload read as UTF-8.
    public var string: String { String(decoding: payload, as: UTF8.self) }
}

/// Frees a libnats message in the calling thread (see `natsMsg_free` in CNats/shim.h): with
/// `natsMsg_Destroy`, every message sent or received would wake libnats's collector thread.
func destroyNative(_ msg: OpaquePointer) {
    natsMsg_free(UnsafeMutableRawPointer(msg))
}

/// Frees a fetched list of messages and the list itself, as `natsMsgList_Destroy` would, without
/// the collector thread.
func destroyNative(_ list: inout natsMsgList) {
    for index in 0..<Int(list.Count) {
        if let msg = list.Msgs[index] { destroyNative(msg) }
    }
    free(list.Msgs)
    list.Msgs = nil
    list.Count = 0
}

extension NatsMessage {
    /// Copies subject, reply, headers and payload out of a libnats message; the caller still owns `msg`.
    init(copying msg: OpaquePointer) {
        subject = String(cString: natsMsg_GetSubject(msg))
        replyTo = natsMsg_GetReply(msg).map { String(cString: $0) }
        let length = Int(natsMsg_GetDataLength(msg))
        if length > 0, let data = natsMsg_GetData(msg) {
            payload = data.withMemoryRebound(to: UInt8.self, capacity: length) {
                Array(UnsafeBufferPointer(start: $0, count: length))
            }
        } else {
            payload = []
        }
        headers = Self.copyHeaders(msg)
    }

    private static func copyHeaders(_ msg: OpaquePointer) -> MessageHeaders {
        var headers = MessageHeaders()
        var keys: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        var count: Int32 = 0
        guard natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK, let keys else { return headers }
        defer { free(keys) }
        for index in 0..<Int(count) {
            guard let key = keys[index] else { continue }
            var values: UnsafeMutablePointer<UnsafePointer<CChar>?>?
            var valueCount: Int32 = 0
            guard natsMsgHeader_Values(msg, key, &values, &valueCount) == NATS_OK, let values else { continue }
            let name = String(cString: key)
            for valueIndex in 0..<Int(valueCount) {
                if let value = values[valueIndex] { headers.add(name, String(cString: value)) }
            }
            free(values)
        }
        return headers
    }

    /// Builds a libnats message; the caller owns the result and must destroy it (or hand it to a call that does).
    static func makeNative(
        subject: String, reply: String?, headers: MessageHeaders, payload: UnsafeRawBufferPointer
    ) throws(NatsError) -> OpaquePointer {
        var msg: OpaquePointer?
        let status = payload.withMemoryRebound(to: CChar.self) { bytes in
            natsMsg_Create(&msg, subject, reply, bytes.baseAddress, Int32(bytes.count))
        }
        try check(status, "creating a message for \(subject)")
        guard let msg else { throw NatsError(.client, "creating a message for \(subject)") }
        // An empty value is sent as no header: libnats 3.4.1 reads the line after `Name: ` as its
        // value, so the next header would be lost (readers take a missing header as empty).
        for field in headers.fields where !field.value.isEmpty {
            // A line break would end the header block early and let a value write headers of its own.
            guard !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 }),
                !field.name.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 58 })
            else {
                destroyNative(msg)
                throw NatsError(.client, "header \(field.name.debugDescription) holds a line break or a colon")
            }
            let status = natsMsgHeader_Add(msg, field.name, field.value)
            guard status == NATS_OK else {
                destroyNative(msg)
                throw NatsError.status(status, "setting header \(field.name)")
            }
        }
        return msg
    }
}
