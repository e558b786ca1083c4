import Contracts
import Foundation

/// A tenant as the API shows it.
struct Tenant: Codable, Sendable, Equatable {
    var id: UUID
    var name: String
    var slug: String
    var modules: [Module]
    var createdAt: Date
    var updatedAt: Date
}

extension Tenant {
    static let slugLength = 63

    /// `[a-z0-9]` words joined by single hyphens, at most 63 characters.
    static func isValidSlug(_ slug: String) -> Bool { Slug.isValid(slug, maxLength: slugLength) }

    /// A slug made from a name: "Acme Corp." becomes "acme-corp".
    static func slug(from name: String) -> String { Slug.make(from: name, maxLength: slugLength) }
}
