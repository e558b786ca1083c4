/// A JetStream stream's configuration, as the JetStream API's JSON spells it.
public struct StreamConfig: Codable, Sendable, Equatable {
    public enum Retention: String, Codable, Sendable { case limits, interest, workqueue }
    public enum Storage: String, Codable, Sendable { case file, memory }

    public var name: String
    public var subjects: [String]
    public var retention: Retention
    public var storage: Storage
    /// Oldest message age kept, in nanoseconds (0: forever).
    public var maxAge: Int64
    public var maxBytes: Int64
    public var maxMsgs: Int64
    /// How long `Nats-Msg-Id` values are remembered for deduplication, in nanoseconds.
    public var duplicateWindow: Int64
    public var numReplicas: Int

    public init(
        name: String, subjects: [String], retention: Retention = .limits, storage: Storage = .file,
        maxAge: Duration = .zero, maxBytes: Int64 = -1, maxMsgs: Int64 = -1,
        duplicateWindow: Duration = .seconds(120), replicas: Int = 1
    ) {
        self.name = name
        self.subjects = subjects
        self.retention = retention
        self.storage = storage
        self.maxAge = maxAge.nanoseconds
        self.maxBytes = maxBytes
        self.maxMsgs = maxMsgs
        self.duplicateWindow = duplicateWindow.nanoseconds
        self.numReplicas = replicas
    }

    enum CodingKeys: String, CodingKey {
        case name, subjects, retention, storage
        case maxAge = "max_age"
        case maxBytes = "max_bytes"
        case maxMsgs = "max_msgs"
        case duplicateWindow = "duplicate_window"
        case numReplicas = "num_replicas"
    }
}

/// A durable pull consumer's configuration.
public struct ConsumerConfig: Codable, Sendable, Equatable {
    public var durableName: String
    public var filterSubject: String?
    public var ackPolicy: String
    /// How long the server waits for an ack before redelivering, in nanoseconds.
    public var ackWait: Int64
    /// Deliveries before the server gives up on a message (-1: never).
    public var maxDeliver: Int
    public var maxAckPending: Int
    public var deliverPolicy: String
    public var replayPolicy: String

    public init(
        durableName: String, filterSubject: String? = nil, ackWait: Duration = .seconds(30), maxDeliver: Int = -1,
        maxAckPending: Int = 20_000
    ) {
        self.durableName = durableName
        self.filterSubject = filterSubject
        self.ackPolicy = "explicit"
        self.ackWait = ackWait.nanoseconds
        self.maxDeliver = maxDeliver
        self.maxAckPending = maxAckPending
        self.deliverPolicy = "all"
        self.replayPolicy = "instant"
    }

    enum CodingKeys: String, CodingKey {
        case durableName = "durable_name"
        case filterSubject = "filter_subject"
        case ackPolicy = "ack_policy"
        case ackWait = "ack_wait"
        case maxDeliver = "max_deliver"
        case maxAckPending = "max_ack_pending"
        case deliverPolicy = "deliver_policy"
        case replayPolicy = "replay_policy"
    }
}

/// What JetStream answers to a publish.
public struct PublishAck: Codable, Sendable, Equatable {
    public var stream: String
    public var seq: UInt64
    /// True when the `Nats-Msg-Id` was seen within the duplicate window: nothing was stored.
    public var duplicate: Bool?

    public var isDuplicate: Bool { duplicate ?? false }
}

extension PublishAck {
    /// Reads the usual ack (`{"stream":"X","seq":N[,"duplicate":true]}`) without a JSON decoder,
    /// which is most of a publish's CPU; nil for anything else (an error, a domain), which the
    /// decoder then reads.
    init?(fastParsing bytes: [UInt8]) {
        guard Self.range(of: "\"error\"", in: bytes) == nil, Self.range(of: "\"domain\"", in: bytes) == nil,
            let stream = Self.value(of: "\"stream\"", in: bytes), stream.count >= 2, stream.first == UInt8(ascii: "\""),
            !stream.contains(UInt8(ascii: "\\")),
            let seqText = Self.value(of: "\"seq\"", in: bytes),
            let seq = UInt64(String(decoding: seqText, as: UTF8.self))
        else { return nil }
        let duplicate = Self.value(of: "\"duplicate\"", in: bytes).map { $0.elementsEqual("true".utf8) }
        self.init(
            stream: String(decoding: stream.dropFirst().dropLast(), as: UTF8.self), seq: seq, duplicate: duplicate)
    }

    private static func range(of needle: String, in bytes: [UInt8]) -> Range<Int>? {
        let needle = needle.utf8
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        for start in 0...(bytes.count - needle.count) where bytes[start] == first {
            if bytes[start..<(start + needle.count)].elementsEqual(needle) { return start..<(start + needle.count) }
        }
        return nil
    }

    /// The raw value of the member named `quotedKey` (`"seq"`): a quoted string or a bare literal,
    /// spaces trimmed.
    private static func value(of quotedKey: String, in bytes: [UInt8]) -> ArraySlice<UInt8>? {
        guard var index = range(of: quotedKey, in: bytes)?.upperBound else { return nil }
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
            guard let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            return bytes[start...close]
        }
        while index < bytes.count, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "}"),
            bytes[index] != 0x20
        {
            index += 1
        }
        return index > start ? bytes[start..<index] : nil
    }
}

/// The `error` object of a JetStream API reply.
struct JetStreamAPIError: Codable, Sendable {
    var code: Int
    var errCode: Int?
    var description: String?

    enum CodingKeys: String, CodingKey {
        case code
        case errCode = "err_code"
        case description
    }
}

/// Any JetStream API reply: either an error or a payload we decode separately.
struct JetStreamAPIResponse: Decodable {
    var error: JetStreamAPIError?
}

struct StreamInfoResponse: Decodable {
    var config: StreamConfig
}

struct ConsumerInfoResponse: Decodable {
    var config: ConsumerInfoConfig

    struct ConsumerInfoConfig: Decodable {
        var durableName: String?
        var filterSubject: String?

        enum CodingKeys: String, CodingKey {
            case durableName = "durable_name"
            case filterSubject = "filter_subject"
        }
    }
}

/// Codes the JetStream API uses for "does not exist".
enum JetStreamErrorCode {
    static let streamNotFound = 10059
    static let consumerNotFound = 10014
    static let consumerAlreadyExists = 10013
    static let consumerNameExists = 10148
    static let streamNameInUse = 10058
}
