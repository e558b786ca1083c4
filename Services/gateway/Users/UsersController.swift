import Contracts
import Foundation
import Hummingbird
import Logging

/// `/users`: a tenant's users (moderators read, admins change), and `/user/settings` for oneself.
struct UsersController: Sendable {
    let users: UserRepository
    let sessions: SessionRepository
    let invalidator: CacheInvalidator
    let logger: Logger

    struct UpdateUser: RequestBody {
        static let fields: Set<String> = ["name", "bio", "avatarUrl", "role", "modules"]
        var name: String??
        var bio: String??
        var avatarUrl: String??
        var role: UserRole?
        var modules: [String]??

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodePatch(String.self, forKey: .name)
            bio = try container.decodePatch(String.self, forKey: .bio)
            avatarUrl = try container.decodePatch(String.self, forKey: .avatarUrl)
            role = try container.decodeIfPresent(UserRole.self, forKey: .role)
            modules = try container.decodePatch([String].self, forKey: .modules)
        }

        enum CodingKeys: String, CodingKey { case name, bio, avatarUrl, role, modules }
    }

    struct UpdateSettings: RequestBody {
        static let fields: Set<String> = ["name", "bio", "avatarUrl", "preferences"]
        var name: String??
        var bio: String??
        var avatarUrl: String??
        var preferences: [String: JSONValue]?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodePatch(String.self, forKey: .name)
            bio = try container.decodePatch(String.self, forKey: .bio)
            avatarUrl = try container.decodePatch(String.self, forKey: .avatarUrl)
            preferences = try container.decodeIfPresent([String: JSONValue].self, forKey: .preferences)
        }

        enum CodingKeys: String, CodingKey { case name, bio, avatarUrl, preferences }
    }

    func register(on api: API) {
        let tag = "Users and sessions"
        let profile: [(String, Schema)] = [
            ("name", .nullable(.string())), ("bio", .nullable(.string())),
            ("avatarUrl", .nullable(.string(format: "uri"))),
        ]
        api.add(
            Operation(
                method: .get, path: "/users", tag: tag, summary: "List the tenant's users",
                access: .tenant(module: .users, users: .moderator),
                query: TenantsController.pageParameters + [
                    .init(
                        name: "role", schema: .string(enumeration: UserRole.allCases.map(\.rawValue)),
                        description: "Only users with this role")
                ],
                success: .init(status: 200, description: "A page of users", schema: .ref("UserPage"))), list)
        api.add(
            Operation(
                method: .get, path: "/users/{id}", tag: tag, summary: "Get a user",
                access: .tenant(module: .users, users: .moderator),
                success: .init(status: 200, description: "The user", schema: .ref("User"))), get)
        api.add(
            Operation(
                method: .patch, path: "/users/{id}", tag: tag,
                summary: "Change a user's profile (moderator+), role or modules (admin)",
                access: .tenant(module: .users, users: .moderator),
                body: .object(
                    profile + [
                        ("role", .string(enumeration: UserRole.allCases.map(\.rawValue))),
                        ("modules", .nullable(Components.modules)),
                    ]),
                success: .init(status: 200, description: "The updated user", schema: .ref("User"))), update)
        api.add(
            Operation(
                method: .delete, path: "/users/{id}", tag: tag, summary: "Delete a user and their sessions",
                access: .tenant(module: .users, users: .admin), success: .init(status: 204, description: "Deleted")),
            delete)
        api.add(
            Operation(
                method: .get, path: "/user/settings", tag: tag, summary: "Your own profile and preferences",
                access: .tenant(module: .users, users: .user, keys: false),
                success: .init(status: 200, description: "Your settings", schema: .ref("UserSettings"))), settings)
        api.add(
            Operation(
                method: .patch, path: "/user/settings", tag: tag, summary: "Change your own profile and preferences",
                access: .tenant(module: .users, users: .user, keys: false),
                body: .object(profile + [("preferences", .anyObject)]),
                success: .init(status: 200, description: "Your settings", schema: .ref("UserSettings"))),
            updateSettings)
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let role = try request.uri.queryParameters["role"].map { text in
            guard let role = UserRole(rawValue: String(text)) else {
                throw Problem.badRequest(
                    "`role` must be one of \(UserRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return role
        }
        return try .json(try await users.list(tenant: try context.tenant.id, role: role, try PageRequest(request)))
    }

    @Sendable func get(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        guard let user = try await users.get(try context.parameters.id(), tenant: try context.tenant.id) else {
            throw Problem.notFound("no such user")
        }
        return try .json(user)
    }

    @Sendable func update(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let id = try context.parameters.id()
        let body = try await request.decodeBody(UpdateUser.self, context: context)
        if body.role != nil || body.modules != nil {
            guard Self.isAdmin(try context.caller) else {
                throw Problem.forbidden("changing a user's role or modules needs the admin role")
            }
        }
        let modules = try body.modules.map { try $0.map { try Module.parse($0, field: "modules") } }
        let tenant = try context.tenant.id
        let before = body.role != nil || modules != nil ? try await users.get(id, tenant: tenant) : nil
        let changes = UserRepository.Changes(
            name: try body.name.map { try UserFields.text($0, field: "name", max: 200) },
            bio: try body.bio.map { try UserFields.text($0, field: "bio", max: 2000) },
            avatarUrl: try body.avatarUrl.map { try UserFields.url($0, field: "avatarUrl") },
            role: body.role, modules: modules)
        guard let user = try await users.update(id, tenant: tenant, changes) else {
            throw Problem.notFound("no such user")
        }
        if let before, before.role != user.role || before.modules != user.modules {
            // Access tokens carry the role and modules: the user signs in again to get the new ones.
            try await sessions.revokeAll(user: id, reason: "role or modules changed")
            invalidator.sessionsEnded(user: id)
        }
        return try .json(user)
    }

    @Sendable func delete(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let id = try context.parameters.id()
        let tenant = try context.tenant.id
        guard try await users.delete(id, tenant: tenant) else { throw Problem.notFound("no such user") }
        invalidator.sessionsEnded(user: id)
        logger.info("user deleted", metadata: ["tenant.id": "\(tenant)", "user.id": "\(id)"])
        return .noContent()
    }

    @Sendable func settings(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try .json(try await currentSettings(context))
    }

    @Sendable func updateSettings(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let body = try await request.decodeBody(UpdateSettings.self, context: context)
        guard let id = try context.caller.userID else { throw Problem.forbidden("only a signed-in user has settings") }
        let changes = UserRepository.Changes(
            name: try body.name.map { try UserFields.text($0, field: "name", max: 200) },
            bio: try body.bio.map { try UserFields.text($0, field: "bio", max: 2000) },
            avatarUrl: try body.avatarUrl.map { try UserFields.url($0, field: "avatarUrl") },
            preferences: body.preferences)
        guard try await users.update(id, tenant: try context.tenant.id, changes) != nil else {
            throw Problem.unauthorized("the user no longer exists")
        }
        return try .json(try await currentSettings(context))
    }

    private func currentSettings(_ context: GatewayRequestContext) async throws -> UserSettings {
        guard let id = try context.caller.userID else { throw Problem.forbidden("only a signed-in user has settings") }
        let tenant = try context.tenant.id
        guard let user = try await users.get(id, tenant: tenant),
            let preferences = try await users.preferences(id, tenant: tenant)
        else {
            throw Problem.unauthorized("the user no longer exists")
        }
        return UserSettings(name: user.name, bio: user.bio, avatarUrl: user.avatarUrl, preferences: preferences)
    }

    private static func isAdmin(_ principal: Principal) -> Bool {
        switch principal.kind {
        case .apiKey(_, let role): role == .admin
        case .user(_, let role, _, _): role == .admin
        case .platformAdmin: false
        }
    }
}
