import CNats

/// An error raised by the messaging layer.
///
/// Callers switch on ``code`` (`.noResponders` maps to HTTP 503, `.timeout` to 504);
/// ``message`` is safe to show and never contains payloads or credentials.
public struct NatsError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable {
            case noResponders
            case timeout
            case connectionClosed
            case notConnected
            case permissionDenied
            case invalidArgument
            case streamInterrupted
            case jetStream
            case client
        }

        fileprivate let base: Base

        /// Nobody subscribes to the subject: the service is down.
        public static let noResponders = Code(base: .noResponders)
        /// The request was delivered but no reply came in time.
        public static let timeout = Code(base: .timeout)
        /// The connection was closed (drained, or closed by the application).
        public static let connectionClosed = Code(base: .connectionClosed)
        /// The connection is reconnecting or never connected.
        public static let notConnected = Code(base: .notConnected)
        /// The server refused the operation for this user.
        public static let permissionDenied = Code(base: .permissionDenied)
        /// The caller passed something libnats or the server cannot take.
        public static let invalidArgument = Code(base: .invalidArgument)
        /// A streamed reply lost messages or stopped without its end marker.
        public static let streamInterrupted = Code(base: .streamInterrupted)
        /// The JetStream API answered with an error.
        public static let jetStream = Code(base: .jetStream)
        /// Any other libnats failure.
        public static let client = Code(base: .client)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static let noResponders = NatsError(.noResponders, "no responders available for the request")
    public static let timeout = NatsError(.timeout, "request timed out")
    public static let connectionClosed = NatsError(.connectionClosed, "connection closed")
    /// The connection lost its server while a reply was awaited (it reconnects by itself).
    public static let disconnected = NatsError(.notConnected, "the connection to NATS dropped while awaiting a reply")

    /// Maps a libnats status to an error; `context` says what was being done.
    static func status(_ status: natsStatus, _ context: String) -> NatsError {
        let text = String(cString: natsStatus_GetText(status))
        let code: Code =
            switch status {
            case NATS_TIMEOUT: .timeout
            case NATS_NO_RESPONDERS: .noResponders
            case NATS_CONNECTION_CLOSED, NATS_DRAINING: .connectionClosed
            case NATS_NOT_YET_CONNECTED, NATS_CONNECTION_DISCONNECTED, NATS_NO_SERVER: .notConnected
            case NATS_NOT_PERMITTED: .permissionDenied
            case NATS_INVALID_ARG, NATS_INVALID_SUBJECT, NATS_INVALID_SUBSCRIPTION, NATS_MAX_PAYLOAD: .invalidArgument
            default: .client
            }
        return NatsError(code, "\(context): \(text)")
    }
}

/// Throws a ``NatsError`` unless `status` is `NATS_OK`.
@inline(__always)
func check(_ status: natsStatus, _ context: @autoclosure () -> String) throws(NatsError) {
    guard status == NATS_OK else { throw NatsError.status(status, context()) }
}
