import PostgresNIO

/// Reads PostgreSQL's answer out of an error, looking inside transaction wrappers.
public enum DatabaseErrors {
    /// The unique constraint a statement violated (SQLSTATE 23505), if that is what failed.
    public static func uniqueViolation(_ error: any Error) -> String? {
        guard let error = serverError(error), error.serverInfo?[.sqlState] == "23505" else { return nil }
        return error.serverInfo?[.constraintName] ?? ""
    }

    /// True when a foreign key pointed at a row that is not there (SQLSTATE 23503).
    public static func isForeignKeyViolation(_ error: any Error) -> Bool {
        serverError(error)?.serverInfo?[.sqlState] == "23503"
    }

    /// True when PostgreSQL refused a value itself (data exception, constraint, size limit), so
    /// trying the same statement again would fail again.
    public static func isDataError(_ error: any Error) -> Bool {
        guard let state = serverError(error)?.serverInfo?[.sqlState] else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23") || state.hasPrefix("54")
    }

    private static func serverError(_ error: any Error) -> PSQLError? {
        if let error = error as? PSQLError { return error }
        if let error = error as? PostgresTransactionError {
            return (error.closureError ?? error.commitError).flatMap(serverError)
        }
        return nil
    }
}
