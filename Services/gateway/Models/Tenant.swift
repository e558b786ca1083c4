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
    /// `[a-z0-9]` words joined by single hyphens, at most 63 characters.
    static func isValidSlug(_ slug: String) -> Bool {
        guard (1...63).contains(slug.count), !slug.hasPrefix("-"), !slug.hasSuffix("-"), !slug.contains("--") else {
            return false
        }
        return slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// A slug made from a name: "Acme Corp." becomes "acme-corp".
    static func slug(from name: String) -> String {
        var slug = ""
        for scalar in name.lowercased().folding(options: .diacriticInsensitive, locale: nil).unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return String(slug.prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
}
