import Logging
import Messaging
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Whether the service's database is there, found by a `SELECT 1` every quarter second. When one
/// gets no answer within a second, a fresh TCP connection to the database's address tells a
/// database that is gone (refused or unreachable: down) from one that is only slow: a loaded
/// database is never taken for an outage (its requests wait as they always did).
///
/// A service whose endpoints all need their database gives it to its ``MicroService``: while the
/// database is down they answer a 503 at once, and the requests waiting on it when it goes down are
/// answered so then, instead of waiting for their requester's timeout (the pool keeps trying to
/// connect and takes up again by itself).
public final class DatabaseHealth: MicroService.Dependency, Service {
    private struct State {
        var up = true
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let database: PostgresClient
    /// Where the database listens (nil for a Unix socket: then it is never taken for down).
    private let address: (host: String, port: Int)?
    private let logger: Logger
    private let interval: Duration
    private let timeout: Duration
    private let state = Mutex(State())

    public init(
        database: PostgresClient, configuration: PostgresClient.Configuration, logger: Logger,
        interval: Duration = .milliseconds(250), timeout: Duration = .seconds(1)
    ) {
        self.database = database
        address = configuration.host.map { ($0, configuration.port ?? 5432) }
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
        // One `SELECT 1` at a time, never cancelled (a query cancelled mid-flight can cost the pool
        // its connection): a round that finds it unanswered after `timeout` probes the address.
        var ping: OneShot<Bool>?
        while !Task.isCancelled {
            let current = ping ?? startPing()
            ping = current
            if let answered = await Self.waitAtMost(timeout, for: current) {
                ping = nil
                if answered {
                    record(up: true)
                } else if await !accepts() {
                    record(up: false)
                }
            } else if await !accepts() {
                record(up: false)
            }
            try? await Task.sleep(for: interval)
        }
        // Stopping: nobody waits for an outage any more.
        for waiter in state.withLock({ state in
            defer { state.waiters = [:] }; return state.waiters.values
        }) {
            waiter.resume()
        }
    }

    private func startPing() -> OneShot<Bool> {
        let shot = OneShot<Bool>()
        let (database, logger) = (database, logger)
        Task { shot.set((try? await database.query("SELECT 1", logger: logger)) != nil) }
        return shot
    }

    /// Whether the database's address takes a TCP connection within `timeout`.
    private func accepts() async -> Bool {
        guard let address else { return true }
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.nanoseconds(timeout.nanoseconds))
                .connect(host: address.host, port: address.port).get()
            try? await channel.close()
            return true
        } catch {
            return false
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

    /// `shot`'s value if it is set within `timeout`, else nil (the shot stays as it is).
    private static func waitAtMost<T: Sendable>(_ timeout: Duration, for shot: OneShot<T>) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await shot.wait() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
    }
}
