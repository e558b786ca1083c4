import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import ServiceKit

/// Establishes who is calling from the request's credentials: `x-admin-key`, a tenant API key
/// (`x-api-key` or `Authorization: Bearer tnnt_...`) or a user's access JWT (`Authorization: Bearer`).
struct Authenticator: Sendable {
    static let adminKeyHeader = HTTPField.Name("x-admin-key")!
    static let apiKeyHeader = HTTPField.Name("x-api-key")!

    let adminAPIKey: String
    let cache: AuthCache
    let keys: APIKeyRepository
    let tenants: TenantRepository
    let sessions: SessionRepository
    let tokens: AccessTokens

    /// The caller, or nil when the request carries no credentials at all.
    /// - Throws: a 401 problem for credentials that are present but wrong.
    func authenticate(_ request: Request) async throws -> Principal? {
        if let adminKey = request.headers.value(Self.adminKeyHeader) {
            guard Secrets.constantTimeEquals(adminKey, adminAPIKey) else {
                throw Problem.unauthorized("invalid admin key")
            }
            return .platformAdmin
        }
        if let key = request.headers.value(Self.apiKeyHeader) {
            return try await apiKey(key)
        }
        guard let authorization = request.headers.value(.authorization) else { return nil }
        guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
            throw Problem.unauthorized("the Authorization header must be `Bearer <token>`")
        }
        let token = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
        if token.hasPrefix("tnnt_") { return try await apiKey(token) }
        return try await user(token)
    }

    private func apiKey(_ key: String) async throws -> Principal {
        let digest = Secrets.digest(key)
        guard
            let resolved = try await cache.keys.value(
                digest,
                load: { key.hasPrefix("tnnt_") ? try await keys.resolve(hash: Secrets.hex(digest)) : nil })
        else {
            throw Problem.unauthorized("invalid API key")
        }
        return Principal(kind: .apiKey(id: resolved.id, role: resolved.role), tenant: resolved.tenant)
    }

    private func user(_ token: String) async throws -> Principal {
        guard let claims = await tokens.verify(token), let user = UUID(parsing: claims.sub.value),
            let tenantID = UUID(parsing: claims.tid), let session = UUID(parsing: claims.sid)
        else {
            throw Problem.unauthorized("invalid or expired access token")
        }
        guard let tenant = try await tenant(tenantID) else {
            throw Problem.unauthorized("the token's tenant no longer exists")
        }
        // A token counts while its session does: a role or module change, a password reset, a
        // logout or the user's deletion ends it at once, not when the token expires.
        let state = try await cache.sessions.value(session) { try await sessions.state(of: session) }
        guard let state, state.active, state.user == user else {
            throw Problem.unauthorized("the session has ended; sign in again")
        }
        guard tenant.modules.contains(.users) else {
            throw Problem.forbidden("the `users` module is disabled for this tenant")
        }
        return Principal(
            kind: .user(id: user, role: claims.role, session: session, modules: claims.mods), tenant: tenant)
    }

    /// The tenant a public route names by slug (nil when there is none).
    func tenant(slug: String) async throws -> Principal.TenantRef? {
        guard Tenant.isValidSlug(slug) else { return nil }
        return try await cache.tenantsBySlug.value(slug) {
            try await tenants.find(slug: slug).map {
                Principal.TenantRef(id: $0.id, slug: $0.slug, modules: $0.modules)
            }
        }
    }

    private func tenant(_ id: UUID) async throws -> Principal.TenantRef? {
        try await cache.tenants.value(id) {
            try await tenants.get(id).map { Principal.TenantRef(id: $0.id, slug: $0.slug, modules: $0.modules) }
        }
    }
}
