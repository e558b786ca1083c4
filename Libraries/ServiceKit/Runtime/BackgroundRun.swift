import Logging
import Messaging
import PostgresNIO

/// Something that runs until cancelled (a database client's `run()`), in a task of its own, so
/// that stopping it can be waited for with a bound.
public struct BackgroundRun: Sendable {
    private let task: Task<Void, Never>
    private let ended: OneShot<Void>

    /// Starts `operation` and returns once it is underway.
    public init(_ operation: @escaping @Sendable () async -> Void) async {
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        let ended = OneShot<Void>()
        task = Task {
            signal.finish()
            await operation()
            ended.set(())
        }
        self.ended = ended
        for await _ in started {}
    }

    /// Cancels the operation and waits at most `timeout` for it to return; true if it did.
    public func stop(within timeout: Duration) async -> Bool {
        task.cancel()
        return (try? await withTimeout(timeout) { await ended.wait() != nil }) ?? false
    }
}

extension PostgresClient {
    /// Runs the client for the length of `body`, then stops it, waiting at most `timeout`.
    ///
    /// PostgresNIO 1.33's `run()` now and then never returns after its cancellation, when its
    /// keep-alive queries are on (``DatabaseSettings`` turns them off; docs/operations.md,
    /// "Stopping and restarting"). Such a client is left behind, with a warning, rather than keep a
    /// service from exiting or a test from ending.
    public func whileRunning<T>(
        stopWithin timeout: Duration = .seconds(5), logger: Logger, isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let run = await BackgroundRun { await self.run() }
        let result: Result<T, any Error>
        do { result = .success(try await body(self)) } catch { result = .failure(error) }
        if !(await run.stop(within: timeout)) {
            logger.warning("the database client did not close within \(timeout); stopping without it")
        }
        return try result.get()
    }
}
