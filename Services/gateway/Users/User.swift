import Contracts
import Foundation

/// A tenant user as the API shows it.
struct User: Codable, Sendable, Equatable {
    var id: UUID
    var email: String
    var username: String
    var name: String?
    var bio: String?
    var avatarUrl: String?
    var role: UserRole
    /// The modules this user may use, when narrower than the tenant's; null means all of them.
    var modules: [Module]?
    var createdAt: Date
    var updatedAt: Date
}

/// What a user may change about themselves: `GET|PATCH /user/settings`.
struct UserSettings: Codable, Sendable, Equatable {
    var name: String?
    var bio: String?
    var avatarUrl: String?
    /// Free-form preferences of the application (a JSON object).
    var preferences: [String: JSONValue]
}

/// Validation of the fields users send.
enum UserFields {
    static func email(_ value: String) throws -> String {
        let email = value.trimmingCharacters(in: .whitespaces)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !email.contains(where: \.isWhitespace)
        else {
            throw Problem.badRequest("`email` must be an email address")
        }
        return email
    }

    static func username(_ value: String) throws -> String {
        guard (3...32).contains(value.count),
            value.unicodeScalars.allSatisfy({
                CharacterSet.alphanumerics.contains($0) && $0.isASCII || "_.-".unicodeScalars.contains($0)
            })
        else {
            throw Problem.badRequest("`username` must be 3–32 characters from letters, digits, `_`, `.` and `-`")
        }
        return value
    }

    static func text(_ value: String?, field: String, max: Int) throws -> String? {
        guard let value else { return nil }
        guard value.count <= max else { throw Problem.badRequest("`\(field)` must have at most \(max) characters") }
        return value
    }

    static func url(_ value: String?, field: String) throws -> String? {
        guard let value, !value.isEmpty else { return value }
        guard value.count <= 2048, let url = URL(string: value),
            ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            url.host != nil
        else {
            throw Problem.badRequest("`\(field)` must be an http or https URL")
        }
        return value
    }
}
