import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO

extension MicroService.Endpoint {
    /// `<service>.health`: answers with a ``HealthReply`` when this instance can reach its
    /// database, with a 503 service error when it cannot.
    static func health(_ service: ServiceName, instance: String, database: PostgresClient, logger: Logger) -> Self {
        .request("health", subject: Subjects.health(service), queueGroup: Subjects.queueGroup(service)) { _ in
            do {
                try await database.ping(logger: logger)
            } catch {
                logger.warning(
                    "health check: database unreachable", metadata: ["error": "\(String(reflecting: error))"])
                throw ServiceError.unavailable("\(service.rawValue): database unavailable")
            }
            let reply = HealthReply(
                service: service.rawValue, instance: instance, version: ProductVersion.current, status: "ok",
                database: "ok")
            return Reply(payload: Array(try JSONEncoder().encode(reply)))
        }
    }
}

/// Runs `operation`, throwing a `CancellationError` if it takes longer than `timeout`.
public func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let result = try await group.next(), let value = result else { throw CancellationError() }
        return value
    }
}
