/// A tenant user's role, lowest to highest (the gateway puts it in `Principal-Role`).
public enum UserRole: String, Codable, CaseIterable, Sendable, Comparable {
    case user, elevated, moderator, admin

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: UserRole, rhs: UserRole) -> Bool { lhs.rank < rhs.rank }
}

/// A tenant API key's role: `admin` (everything in the tenant), `proxy` (only the AI proxy
/// routes: the key to embed in an application), `readonly` (GET only).
public enum KeyRole: String, Codable, CaseIterable, Sendable {
    case admin, proxy, readonly
}
