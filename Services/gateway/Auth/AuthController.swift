import Contracts
import Foundation
import Hummingbird
import Logging
import Messaging

/// `/auth/*`: registration, login, token refresh and logout, password reset (module `users`).
struct AuthController: Sendable {
    let users: UserRepository
    let sessions: SessionRepository
    let tenants: TenantRepository
    let hasher: PasswordHasher
    let tokens: AccessTokens
    let resets: PasswordResets
    let invalidator: CacheInvalidator
    let logger: Logger

    struct Register: RequestBody {
        static let fields: Set<String> = ["email", "username", "password", "name"]
        var email: String
        var username: String
        var password: String
        var name: String?
    }

    struct Login: RequestBody {
        static let fields: Set<String> = ["identifier", "password", "tenant"]
        var identifier: String
        var password: String
        var tenant: String
    }

    struct RefreshToken: RequestBody {
        static let fields: Set<String> = ["refreshToken"]
        var refreshToken: String
    }

    struct ResetRequest: RequestBody {
        static let fields: Set<String> = ["identifier", "tenant"]
        var identifier: String
        var tenant: String
    }

    struct ResetConfirm: RequestBody {
        static let fields: Set<String> = ["token", "password"]
        var token: String
        var password: String
    }

    struct SessionTokens: Encodable {
        var user: User
        var accessToken: String
        var refreshToken: String
        var tokenType = "Bearer"
        var expiresIn: Int
    }

    struct Me: Encodable {
        struct KeyRef: Encodable {
            var id: UUID
            var role: KeyRole
        }

        var kind: String
        var tenant: TenantRef
        var user: User?
        var apiKey: KeyRef?

        struct TenantRef: Encodable {
            var id: UUID
            var slug: String
            var modules: [Module]
        }
    }

    func register(on api: API) {
        let tag = "Users and sessions"
        api.add(
            Operation(
                method: .post, path: "/auth/register", tag: tag,
                summary: "Register a user in the tenant of the API key (admin or proxy key)",
                access: .tenant(module: .users, proxyRoute: true),
                body: .object(
                    [
                        ("email", .string(format: "email")), ("username", .string()),
                        ("password", .string(description: "8 to 72 bytes")), ("name", .string()),
                    ], required: ["email", "username", "password"]),
                success: .init(status: 201, description: "Registered and signed in", schema: .ref("Session")),
                errors: [409: "The email or username is taken in this tenant"]), register)
        api.add(
            Operation(
                method: .post, path: "/auth/login", tag: tag, summary: "Sign in with email or username",
                access: .anonymous,
                body: .object(
                    [
                        ("identifier", .string(description: "Email or username")), ("password", .string()),
                        ("tenant", .string(description: "The tenant's slug")),
                    ], required: ["identifier", "password", "tenant"]),
                success: .init(status: 200, description: "Signed in", schema: .ref("Session")),
                errors: [401: "Wrong identifier, password or tenant", 403: "The tenant's users module is disabled"]),
            login)
        api.add(
            Operation(
                method: .post, path: "/auth/refresh", tag: tag,
                summary: "Trade a refresh token for new tokens (the old one dies; reusing it revokes the session)",
                access: .anonymous, body: .object([("refreshToken", .string())], required: ["refreshToken"]),
                success: .init(status: 200, description: "New tokens", schema: .ref("Session")),
                errors: [401: "Unknown, expired, revoked or reused refresh token"]), refresh)
        api.add(
            Operation(
                method: .post, path: "/auth/logout", tag: tag, summary: "End the session of a refresh token",
                access: .anonymous, body: .object([("refreshToken", .string())], required: ["refreshToken"]),
                success: .init(status: 204, description: "Signed out"), errors: [401: "Unknown refresh token"]), logout)
        api.add(
            Operation(
                method: .get, path: "/auth/me", tag: tag, summary: "Who am I: the signed-in user, or the API key",
                access: .tenant(users: .user, proxyRoute: true),
                success: .init(status: 200, description: "The caller", schema: .ref("Me"))), me)
        api.add(
            Operation(
                method: .post, path: "/auth/reset-password/request", tag: tag,
                summary: "Send a password reset token by mail (always 202: no user enumeration)", access: .anonymous,
                body: .object(
                    [("identifier", .string(description: "Email or username")), ("tenant", .string())],
                    required: ["identifier", "tenant"]),
                success: .init(status: 202, description: "Accepted")), requestReset)
        api.add(
            Operation(
                method: .post, path: "/auth/reset-password/confirm", tag: tag,
                summary: "Set a new password with a reset token (signs out every session)", access: .anonymous,
                body: .object([("token", .string()), ("password", .string())], required: ["token", "password"]),
                success: .init(status: 204, description: "Password changed"),
                errors: [400: "Invalid, used or expired token, or a weak password"]), confirmReset)
    }

    @Sendable func register(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let body = try await request.decodeBody(Register.self, context: context)
        let email = try UserFields.email(body.email)
        let username = try UserFields.username(body.username)
        let name = try UserFields.text(body.name, field: "name", max: 200)
        try PasswordHasher.validate(body.password)
        let tenant = try context.tenant
        let user = try await users.create(
            tenant: tenant.id, email: email, username: username, name: name,
            passwordHash: await hasher.hash(body.password))
        logger.info("user registered", metadata: ["tenant.id": "\(tenant.id)", "user.id": "\(user.id)"])
        return try .json(try await signIn(user, tenant: tenant.id), status: .created)
    }

    @Sendable func login(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try .json(try await signIn(try await request.decodeBody(Login.self, context: context)))
    }

    @Sendable func refresh(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try .json(try await rotate(try await request.decodeBody(RefreshToken.self, context: context).refreshToken))
    }

    @Sendable func logout(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try await signOut(try await request.decodeBody(RefreshToken.self, context: context).refreshToken)
        return .noContent()
    }

    // MARK: - Sessions (also the console's, which carries the refresh token in a cookie)

    /// Checks a user's password and opens a session.
    func signIn(_ body: Login) async throws -> SessionTokens {
        let found = try await users.credentials(tenantSlug: body.tenant, identifier: body.identifier)
        guard await hasher.verify(body.password, hash: found?.passwordHash), let found else {
            throw Problem.unauthorized("wrong identifier, password or tenant")
        }
        guard found.tenant.modules.contains(.users) else {
            throw Problem.forbidden("the `users` module is disabled for this tenant")
        }
        return try await signIn(found.user, tenant: found.tenant.id)
    }

    /// Trades a refresh token for new tokens; the old one dies.
    func rotate(_ refreshToken: String) async throws -> SessionTokens {
        switch try await sessions.rotate(refreshToken) {
        case .invalid:
            throw Problem.unauthorized("unknown, expired or revoked refresh token")
        case .reused:
            logger.warning("a rotated refresh token was reused; its session is revoked")
            throw Problem.unauthorized("this refresh token was already used; the session is revoked, sign in again")
        case .rotated(let session, let userID, let refreshToken):
            guard let credentials = try await users.find(userID) else {
                throw Problem.unauthorized("the user no longer exists")
            }
            guard try await tenants.get(credentials.tenant)?.modules.contains(.users) == true else {
                _ = try await sessions.revoke(refreshToken: refreshToken, reason: "users module disabled")
                throw Problem.forbidden("the `users` module is disabled for this tenant")
            }
            let accessToken = try await tokens.issue(
                user: userID, tenant: credentials.tenant, session: session, role: credentials.user.role,
                modules: credentials.user.modules)
            return SessionTokens(
                user: credentials.user, accessToken: accessToken, refreshToken: refreshToken,
                expiresIn: tokens.lifetimeSeconds)
        }
    }

    /// Ends the session of a refresh token.
    func signOut(_ refreshToken: String) async throws {
        guard let user = try await sessions.revoke(refreshToken: refreshToken, reason: "logout") else {
            throw Problem.unauthorized("unknown refresh token")
        }
        invalidator.sessionsEnded(user: user)
    }

    @Sendable func me(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let principal = try context.caller
        let tenant = try context.tenant
        let tenantRef = Me.TenantRef(id: tenant.id, slug: tenant.slug, modules: tenant.modules)
        switch principal.kind {
        case .user(let id, _, _, _):
            guard let user = try await users.get(id, tenant: tenant.id) else {
                throw Problem.unauthorized("the user no longer exists")
            }
            return try .json(Me(kind: "user", tenant: tenantRef, user: user))
        case .apiKey(let id, let role):
            return try .json(Me(kind: "apiKey", tenant: tenantRef, apiKey: .init(id: id, role: role)))
        case .platformAdmin:
            throw Problem.forbidden("the platform admin has no tenant")
        }
    }

    /// Answers before anything is looked up: the work happens in ``PasswordResets``, so the answer
    /// and its timing are the same whether or not the account exists.
    @Sendable func requestReset(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let body = try await request.decodeBody(ResetRequest.self, context: context)
        resets.submit(.init(tenantSlug: body.tenant, identifier: body.identifier, requestID: context.requestID))
        return try .json(["message": "if the account exists, a reset token is on its way"], status: .accepted)
    }

    @Sendable func confirmReset(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let body = try await request.decodeBody(ResetConfirm.self, context: context)
        try PasswordHasher.validate(body.password)
        guard let userID = try await sessions.consumeReset(body.token) else {
            throw Problem.badRequest("invalid, used or expired reset token")
        }
        try await users.setPassword(userID, hash: await hasher.hash(body.password))
        try await sessions.revokeAll(user: userID, reason: "password reset")
        invalidator.sessionsEnded(user: userID)
        logger.info("password reset", metadata: ["user.id": "\(userID)"])
        return .noContent()
    }

    // MARK: -

    private func signIn(_ user: User, tenant: UUID) async throws -> SessionTokens {
        let (session, refreshToken) = try await sessions.open(user: user.id, tenant: tenant)
        let accessToken = try await tokens.issue(
            user: user.id, tenant: tenant, session: session, role: user.role, modules: user.modules)
        return SessionTokens(
            user: user, accessToken: accessToken, refreshToken: refreshToken, expiresIn: tokens.lifetimeSeconds)
    }
}
