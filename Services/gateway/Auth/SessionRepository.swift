import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ServiceKit

/// Sessions (refresh-token families), their rotating refresh tokens, and password resets.
/// Tokens are stored as SHA-256 hashes only.
struct SessionRepository: Sendable {
    let client: PostgresClient
    let logger: Logger
    let refreshLifetime: Duration

    /// Opens a session for a user; returns its id and first refresh token.
    func open(user: UUID, tenant: UUID) async throws -> (session: UUID, refreshToken: String) {
        let session = UUID()
        let token = Secrets.token(prefix: "rt_")
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                "INSERT INTO gateway.sessions (id, tenant_id, user_id) VALUES (\(session), \(tenant), \(user))",
                logger: logger)
            try await insertToken(token, session: session, on: connection)
        }
        return (session, token)
    }

    enum Rotation: Sendable {
        case rotated(session: UUID, user: UUID, refreshToken: String)
        /// A token that was already rotated came back: the whole session is now revoked.
        case reused
        case invalid
    }

    /// Trades a refresh token for a new one in the same session. The old one dies; presenting a
    /// dead one again revokes the session (someone else may hold a copy).
    func rotate(_ token: String) async throws -> Rotation {
        let hash = Secrets.sha256(token)
        let newToken = Secrets.token(prefix: "rt_")
        return try await client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT r.id, r.used_at, r.expires_at < now(), s.id, s.user_id, s.revoked_at
                FROM gateway.refresh_tokens r JOIN gateway.sessions s ON s.id = r.session_id
                WHERE r.token_hash = \(hash) FOR UPDATE OF r, s
                """, logger: logger)
            guard
                let (tokenID, usedAt, expired, session, user, revokedAt) = try await rows.decode(
                    (UUID, Date?, Bool, UUID, UUID, Date?).self
                ).collectAll().first
            else { return .invalid }
            if revokedAt != nil { return .invalid }
            if usedAt != nil {
                try await connection.query(
                    """
                    UPDATE gateway.sessions SET revoked_at = now(), revoked_reason = 'refresh token reused'
                    WHERE id = \(session)
                    """, logger: logger)
                return .reused
            }
            if expired { return .invalid }
            try await connection.query(
                "UPDATE gateway.refresh_tokens SET used_at = now() WHERE id = \(tokenID)", logger: logger)
            try await insertToken(newToken, session: session, on: connection)
            return .rotated(session: session, user: user, refreshToken: newToken)
        }
    }

    /// Revokes the session a refresh token belongs to (used or not); returns its user, nil for an
    /// unknown token.
    func revoke(refreshToken token: String, reason: String) async throws -> UUID? {
        let hash = Secrets.sha256(token)
        let rows = try await client.query(
            """
            UPDATE gateway.sessions SET revoked_at = COALESCE(revoked_at, now()),
                revoked_reason = COALESCE(revoked_reason, \(reason))
            WHERE id = (SELECT session_id FROM gateway.refresh_tokens WHERE token_hash = \(hash))
            RETURNING user_id
            """, logger: logger)
        return try await rows.decode(UUID.self).collectAll().first
    }

    /// A session's user and whether it is still active; nil when there is no such session (its
    /// user was deleted).
    func state(of session: UUID) async throws -> SessionState? {
        let rows = try await client.query(
            "SELECT user_id, revoked_at IS NULL FROM gateway.sessions WHERE id = \(session)", logger: logger)
        return try await rows.decode((UUID, Bool).self).collectAll().first.map {
            SessionState(user: $0.0, active: $0.1)
        }
    }

    func revokeAll(user: UUID, reason: String) async throws {
        try await client.query(
            """
            UPDATE gateway.sessions SET revoked_at = now(), revoked_reason = \(reason)
            WHERE user_id = \(user) AND revoked_at IS NULL
            """, logger: logger)
    }

    // MARK: - Password resets

    /// Stores a single-use reset token for a user, voiding the user's earlier ones (only the newest
    /// mail works); returns the token and when it expires.
    func createReset(user: UUID, lifetime: Duration) async throws -> (token: String, expiresAt: Date) {
        let token = Secrets.token(prefix: "prt_")
        let expiresAt = Date().addingTimeInterval(Double(lifetime.components.seconds))
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                "UPDATE gateway.password_resets SET used_at = now() WHERE user_id = \(user) AND used_at IS NULL",
                logger: logger)
            try await connection.query(
                """
                INSERT INTO gateway.password_resets (id, user_id, token_hash, expires_at)
                VALUES (\(UUID()), \(user), \(Secrets.sha256(token)), \(expiresAt))
                """, logger: logger)
        }
        return (token, expiresAt)
    }

    /// Uses up a reset token, and voids the user's other ones; returns its user if it was valid,
    /// unused and unexpired.
    func consumeReset(_ token: String) async throws -> UUID? {
        let rows = try await client.query(
            """
            WITH used AS (
                UPDATE gateway.password_resets SET used_at = now()
                WHERE token_hash = \(Secrets.sha256(token)) AND used_at IS NULL AND expires_at > now()
                RETURNING user_id
            ), voided AS (
                UPDATE gateway.password_resets SET used_at = now()
                WHERE user_id IN (SELECT user_id FROM used) AND used_at IS NULL
            )
            SELECT user_id FROM used
            """, logger: logger)
        return try await rows.decode(UUID.self).collectAll().first
    }

    private func insertToken(_ token: String, session: UUID, on connection: PostgresConnection) async throws {
        let expiresAt = Date().addingTimeInterval(Double(refreshLifetime.components.seconds))
        try await connection.query(
            """
            INSERT INTO gateway.refresh_tokens (id, session_id, token_hash, expires_at)
            VALUES (\(UUID()), \(session), \(Secrets.sha256(token)), \(expiresAt))
            """, logger: logger)
    }
}

/// Whether a session (a refresh-token family, and the access tokens issued in it) still counts.
struct SessionState: Sendable, Equatable {
    var user: UUID
    var active: Bool
}
