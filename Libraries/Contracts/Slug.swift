import Foundation

/// URL slugs (tenants, content items): `[a-z0-9]` words joined by single hyphens.
public enum Slug {
    public static func isValid(_ slug: String, maxLength: Int) -> Bool {
        guard (1...maxLength).contains(slug.count), !slug.hasPrefix("-"), !slug.hasSuffix("-"), !slug.contains("--")
        else { return false }
        return slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// A slug made from a name or title ("Acme Corp." becomes "acme-corp"); empty when nothing of
    /// it is a letter or digit.
    public static func make(from name: String, maxLength: Int) -> String {
        var slug = ""
        for scalar in name.lowercased().folding(options: .diacriticInsensitive, locale: nil).unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug.append("-")
            }
        }
        return String(slug.prefix(maxLength)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
}
