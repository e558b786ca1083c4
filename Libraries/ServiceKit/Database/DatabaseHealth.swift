import Logging
import Messaging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Whether the service's database answers, found by a `SELECT 1` every quarter second (down when
/// one takes longer than a second). A service whose endpoints all need their database gives it to
/// its ``MicroService``: while the database is down they answer a 503 at once, and the requests
/// waiting on it when it goes down are answered so then, instead of waiting for their requester's
/// timeout (the pool keeps trying to connect and takes up again by itself).
public final class DatabaseHealth: MicroService.Dependency, Service {
    private struct State {
        var up = true
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let database: PostgresClient
    private let logger: Logger
    private let interval: Duration
    private let timeout: Duration
    private let state = Mutex(State())

    public init(
        database: PostgresClient, logger: Logger, interval: Duration = .milliseconds(250),
        timeout: Duration = .seconds(1)
    ) {
        self.database = database
        self.logger = logger
        self.interval = interval
        self.timeout = timeout
    }

    public var outage: ServiceError? {
        state.withLock { $0.up } ? nil : .unavailable("the service's database is unreachable; try again shortly")
    }

    public func waitUntilDown() async {
        let id = state.withLock { state in
            defer { state.nextWaiter &+= 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let waiting = state.withLock { state in
                    guard state.up, !Task.isCancelled else { return false }
                    state.waiters[id] = continuation
                    return true
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    public func run() async throws {
        // Stopped after the endpoints (it starts before them): at the graceful shutdown's turn.
        await cancelWhenGracefulShutdown { await self.watch() }
    }

    private func watch() async {
        while !Task.isCancelled {
            let answered: Bool
            do {
                try await database.ping(timeout: timeout, logger: logger)
                answered = true
            } catch {
                answered = false
            }
            record(up: answered)
            try? await Task.sleep(for: interval)
        }
        // Stopping: nobody waits for an outage any more.
        for waiter in state.withLock({ state in
            defer { state.waiters = [:] }; return state.waiters.values
        }) {
            waiter.resume()
        }
    }

    private func record(up: Bool) {
        let (changed, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
            guard state.up != up else { return (false, []) }
            state.up = up
            guard !up else { return (true, []) }
            defer { state.waiters = [:] }
            return (true, Array(state.waiters.values))
        }
        guard changed else { return }
        if up {
            logger.info("the database answers again")
        } else {
            logger.error("the database does not answer: its endpoints answer 503 until it does")
        }
        for waiter in waiters { waiter.resume() }
    }
}
