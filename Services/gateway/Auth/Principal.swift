import Contracts
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

    /// The key's or user's id (nil for the platform admin).
    var id: UUID? {
        switch kind {
        case .platformAdmin: nil
        case .apiKey(let id, _), .user(let id, _, _, _): id
        }
    }

    /// The caller as services see it.
    var caller: Caller {
        switch kind {
        case .platformAdmin: .platformAdmin
        case .apiKey(let id, let role): .apiKey(id: id, role: role)
        case .user(let id, let role, _, _): .user(id: id, role: role)
        }
    }

    var userID: UUID? {
        if case .user(let id, _, _, _) = kind { id } else { nil }
    }
}
