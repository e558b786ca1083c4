import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// What the public forms (contact, mailing-list sign-up) share: the per-address rate limit,
/// kept in the database so every instance counts the same submissions, and input checks.
struct PublicForms: Sendable {
    let limitPerMinute: Int
    let logger: Logger

    /// Counts a submission from `address` inside the caller's transaction, or throws a 429 when
    /// the address used up its minute. A transaction-scoped advisory lock on the tenant and
    /// address makes concurrent submissions count one after another, so the limit is exact.
    func admit(tenant: UUID, address: String, _ connection: PostgresConnection) async throws {
        let key = "\(tenant.uppercasedString)|\(address)"
        _ = try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))", logger: logger)
        _ = try await connection.query(
            """
            DELETE FROM content.public_submissions
            WHERE tenant_id = \(tenant) AND client_address = \(address) AND at < now() - interval '1 minute'
            """, logger: logger)
        let rows = try await connection.query(
            """
            SELECT count(*)::int, COALESCE(ceil(extract(epoch FROM min(at) + interval '1 minute' - now())), 0)::int
            FROM content.public_submissions WHERE tenant_id = \(tenant) AND client_address = \(address)
            """, logger: logger)
        for try await (count, wait) in rows.decode((Int, Int).self) where count >= limitPerMinute {
            throw ServiceError.rateLimited(
                "at most \(limitPerMinute) submissions a minute from one address", retryAfter: max(1, wait))
        }
        _ = try await connection.query(
            "INSERT INTO content.public_submissions (tenant_id, client_address) VALUES (\(tenant), \(address))",
            logger: logger)
    }

    /// A plausible address: one `@`, a local part and a dotted domain, no spaces; at most 254
    /// characters. Lowercased and trimmed.
    static func email(_ text: String, field: String = "email") throws -> String {
        let email = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64,
            parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains(".."),
            email.unicodeScalars.allSatisfy({
                $0.value > 0x20 && $0.value != 0x7f && !"<>()[],;:\\\"".unicodeScalars.contains($0)
            })
        else { throw ServiceError.badRequest("`\(field)` must be an email address") }
        return email
    }

    /// A required text of 1...`maximum` characters (trimmed), without control characters other
    /// than newlines and tabs.
    static func text(_ value: String, _ field: String, maximum: Int) throws -> String {
        let value = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw ServiceError.badRequest("`\(field)` must not be empty") }
        return try optionalText(value, field, maximum: maximum)!
    }

    static func optionalText(_ value: String?, _ field: String, maximum: Int) throws -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        guard value.count <= maximum else {
            throw ServiceError.badRequest("`\(field)` must be at most \(maximum) characters")
        }
        guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 || $0 == "\n" || $0 == "\t" || $0 == "\r" }),
            !value.unicodeScalars.contains(where: { $0.value == 0x7f })
        else { throw ServiceError.badRequest("`\(field)` must not contain control characters") }
        return value
    }

    /// Free-form metadata: an object of at most 4 KiB as JSON.
    static func metadata(_ value: JSONValue?, _ field: String = "metadata") throws -> JSONValue? {
        guard let value, value != .null else { return nil }
        guard case .object = value else { throw ServiceError.badRequest("`\(field)` must be an object") }
        guard let size = try? JSONEncoder().encode(value).count, size <= 4096 else {
            throw ServiceError.badRequest("`\(field)` must be at most 4096 bytes of JSON")
        }
        return value
    }
}
