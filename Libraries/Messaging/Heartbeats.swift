@preconcurrency import Dispatch
import Synchronization

/// The streams a connection answers whose requester asked for heartbeats
/// (`Nats-Stream-Heartbeat: <milliseconds>`): each gets an empty message carrying that header and
/// no number, on its stream channel, whenever it has sent nothing for its interval. A requester
/// can then tell a responder still working on a slow answer from a request or an answer lost
/// inside the cluster (a node gone), which otherwise look alike until the request's deadline.
/// A stream that answers within its interval costs a table entry and nothing on the wire. The
/// timer ticks every 100 ms while some stream is registered and sleeps when none is.
final class Heartbeats: Sendable {
    private struct Beat {
        var subject: String
        var interval: UInt64
        var last: UInt64
    }

    private struct State {
        var beats: [UInt64: Beat] = [:]
        var next: UInt64 = 0
    }

    /// The shortest and longest interval a requester may ask for.
    static let intervals: ClosedRange<Int> = 100...60_000

    private let state = Mutex(State())
    /// Asleep while no stream is registered.
    private let timer = IdleTimer(label: "messaging.heartbeats", every: .milliseconds(100), leeway: .milliseconds(20))
    /// Publishes one heartbeat to a stream channel (set by the connection once it exists).
    let send = Mutex<(@Sendable (String) -> Void)?>(nil)

    init() {
        timer.onTick { [weak self] in self?.beat(now: DispatchTime.now().uptimeNanoseconds) }
    }

    /// Starts beating on `subject` every `interval` of silence; returns the id ``wrote(_:)`` and
    /// ``stop(_:)`` take.
    func start(subject: String, interval: Duration) -> UInt64 {
        let now = DispatchTime.now().uptimeNanoseconds
        return state.withLock { state in
            state.next &+= 1
            state.beats[state.next] = Beat(subject: subject, interval: UInt64(interval.nanoseconds), last: now)
            timer.wake()
            return state.next
        }
    }

    /// The stream sent a message: its silence starts again.
    func wrote(_ id: UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { $0.beats[id]?.last = now }
    }

    func stop(_ id: UInt64) {
        _ = state.withLock { $0.beats.removeValue(forKey: id) }
    }

    private func beat(now: UInt64) {
        let due = state.withLock { state -> [String] in
            var due: [String] = []
            for (id, beat) in state.beats where now &- beat.last >= beat.interval {
                state.beats[id]?.last = now
                due.append(beat.subject)
            }
            if state.beats.isEmpty { timer.sleep() }
            return due
        }
        guard !due.isEmpty, let send = send.withLock({ $0 }) else { return }
        for subject in due { send(subject) }
    }
}
