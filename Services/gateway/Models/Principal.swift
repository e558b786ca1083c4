import Foundation

/// Who is calling, as established by authentication.
struct Principal: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// The platform admin (`x-admin-key`): manages tenants, belongs to none.
        case platformAdmin
        case apiKey(id: UUID, role: KeyRole)
        case user(id: UUID, role: UserRole, session: UUID, modules: [Module]?)
    }

    var kind: Kind
    /// The tenant every query is scoped by; nil only for the platform admin.
    var tenant: TenantRef?

    /// The identity the tenant-scoped parts of the system see.
    struct TenantRef: Sendable, Equatable {
        var id: UUID
        var slug: String
        var modules: [Module]
    }

    static let platformAdmin = Principal(kind: .platformAdmin, tenant: nil)

    /// For logs, rate limits and NATS headers: `admin`, `key:<id>` or `user:<id>`.
    var identifier: String {
        switch kind {
        case .platformAdmin: "admin"
        case .apiKey(let id, _): "key:\(id.uuidString.lowercased())"
        case .user(let id, _, _, _): "user:\(id.uuidString.lowercased())"
        }
    }

    var userID: UUID? {
        if case .user(let id, _, _, _) = kind { id } else { nil }
    }
}
