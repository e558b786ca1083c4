import Logging
import PostgresNIO

extension PostgresClient {
    /// `withTransaction`, but an error the body threw comes out as itself (a `ServiceError` stays
    /// a 404 or a 409) once the rollback succeeded; only a failed BEGIN, COMMIT or rollback
    /// comes out wrapped.
    public func transaction<Result>(
        logger: Logger, isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        do {
            return try await withTransaction(logger: logger, isolation: isolation, body)
        } catch let error as PostgresTransactionError {
            if let cause = error.closureError, error.rollbackError == nil { throw cause }
            throw error
        }
    }
}
