import Logging
import PostgresNIO

extension PostgresClient {
    /// A `SELECT 1` round trip; throws when the database does not answer within `timeout`.
    /// Returns how long it took.
    @discardableResult
    public func ping(timeout: Duration = .seconds(2), logger: Logger) async throws -> Duration {
        let started = ContinuousClock.now
        _ = try await withTimeout(timeout) { try await self.query("SELECT 1", logger: logger) }
        return ContinuousClock.now - started
    }
}
