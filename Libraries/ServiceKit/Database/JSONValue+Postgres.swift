import Contracts
import PostgresNIO

/// `JSONValue` is stored as `jsonb`.
extension JSONValue: PostgresCodable {}
