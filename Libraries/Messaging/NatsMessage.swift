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
        headers = HeaderBlock.read(msg) ?? Self.copyHeaders(msg)
    }

    /// Reads the headers through libnats's header functions (where ``HeaderBlock`` cannot).
    static func copyHeaders(_ msg: OpaquePointer) -> MessageHeaders {
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
        if HeaderBlock.layoutKnown {
            return try HeaderBlock.makeNative(subject: subject, reply: reply, headers: headers, payload: payload)
        }
        return try makeNativeWithHeaderMap(subject: subject, reply: reply, headers: headers, payload: payload)
    }

    /// Builds a libnats message with libnats's header functions (where ``HeaderBlock`` cannot).
    static func makeNativeWithHeaderMap(
        subject: String, reply: String?, headers: MessageHeaders, payload: UnsafeRawBufferPointer
    ) throws(NatsError) -> OpaquePointer {
        _ = try HeaderBlock.count(headers)  // refuses what would break the block, as on the other path
        var msg: OpaquePointer?
        let status = payload.withMemoryRebound(to: CChar.self) { bytes in
            natsMsg_Create(&msg, subject, reply, bytes.baseAddress, Int32(bytes.count))
        }
        try check(status, "creating a message for \(subject)")
        guard let msg else { throw NatsError(.client, "creating a message for \(subject)") }
        for field in headers.fields where !field.value.isEmpty {
            let status = natsMsgHeader_Add(msg, field.name, field.value)
            guard status == NATS_OK else {
                destroyNative(msg)
                throw NatsError.status(status, "setting header \(field.name)")
            }
        }
        return msg
    }
}
