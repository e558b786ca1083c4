import Synchronization

/// Counters for one endpoint, reported by `$SRV.STATS`.
final class EndpointStats: Sendable {
    struct Snapshot: Sendable {
        var requests = 0
        var errors = 0
        var lastError = ""
        var processingNanoseconds: Int64 = 0
    }

    private let state = Mutex(Snapshot())

    func record(duration: Duration, error: ServiceError?) {
        state.withLock { state in
            state.requests += 1
            state.processingNanoseconds += duration.nanoseconds
            if let error {
                state.errors += 1
                state.lastError = error.description
            }
        }
    }

    var snapshot: Snapshot { state.withLock { $0 } }
}
