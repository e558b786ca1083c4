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
    private let gate = Mutex<(held: Bool, released: Bool, timedOut: Bool)>((false, false, false))
    private let ticks = Mutex<(count: Int, last: ContinuousClock.Instant?)>((0, nil))

    public init() {}

    public var requests: [StandInRequest] { state.withLock { $0.requests } }
    /// Streams whose client went away before the stand-in finished them.
    public var abandonedStreams: Int { state.withLock { $0.abandoned } }

    /// When each chunk of the streams was written (for first-event timing).
    public var chunkTimes: [ContinuousClock.Instant] { state.withLock { $0.chunks } }

    /// Makes the next delayed stream hold its second chunk until ``releaseSecondChunk()`` (at
    /// most `StandInLog.gateTimeout`): a chain that buffered the stream would never release it.
    public func holdSecondChunk() { gate.withLock { $0 = (true, false, false) } }

    public func releaseSecondChunk() { gate.withLock { $0.released = true } }

    /// True when a held second chunk was sent only because nobody released it in time.
    public var secondChunkTimedOut: Bool { gate.withLock { $0.timedOut } }

    static let gateTimeout = Duration.seconds(10)

    /// Waits, if a test holds the second chunk, until it is released (or the timeout).
    func waitForRelease() async throws {
        guard gate.withLock({ $0.held }) else { return }
        let deadline = ContinuousClock.now + Self.gateTimeout
        while !gate.withLock({ $0.released }) {
            guard ContinuousClock.now < deadline else {
                gate.withLock { $0.timedOut = true }
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        gate.withLock { $0.held = false }
    }

    /// What the `endless` streams wrote: how many ticks, and when the last one went out.
    public var endlessTicks: (count: Int, last: ContinuousClock.Instant?) { ticks.withLock { $0 } }

    func wroteTick() { ticks.withLock { $0 = ($0.count + 1, .now) } }

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
