import Foundation
import Synchronization

/// What the stand-in provider received, for tests to inspect.
public struct StandInRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String?
    public var headers: [String: String]
    public var body: [UInt8]

    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The requests received and the streams the client abandoned.
public final class StandInLog: Sendable {
    private let state = Mutex<
        (requests: [StandInRequest], abandoned: Int, attempts: [String: Int], chunks: [ContinuousClock.Instant])
    >(([], 0, [:], []))

    public init() {}

    public var requests: [StandInRequest] { state.withLock { $0.requests } }
    /// Streams whose client went away before the stand-in finished them.
    public var abandonedStreams: Int { state.withLock { $0.abandoned } }

    /// When each chunk of the streams was written (for first-event timing).
    public var chunkTimes: [ContinuousClock.Instant] { state.withLock { $0.chunks } }

    func record(_ request: StandInRequest) { state.withLock { $0.requests.append(request) } }
    func wroteChunk() { state.withLock { $0.chunks.append(.now) } }
    func abandoned() { state.withLock { $0.abandoned += 1 } }

    /// Counts calls per key (for the "fails once, then works" models).
    func attempt(_ key: String) -> Int {
        state.withLock { state in
            state.attempts[key, default: 0] += 1
            return state.attempts[key]!
        }
    }
}
