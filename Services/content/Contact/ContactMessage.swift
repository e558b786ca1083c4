import Contracts
import Foundation
import Messaging

/// Where a contact message is in the moderators' workflow: only forward, `new → read →
/// replied → archived` (a step may be skipped).
enum ContactStatus: String, Codable, Sendable, CaseIterable, Comparable {
    case new, read, replied, archived

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    static func < (lhs: ContactStatus, rhs: ContactStatus) -> Bool { lhs.rank < rhs.rank }
}

/// A message a visitor sent through the tenant's contact form.
struct ContactMessage: Encodable, Sendable {
    var id: UUID
    var name: String
    var email: String
    var subject: String?
    var message: String
    var category: String?
    var metadata: JSONValue?
    var status: ContactStatus
    var createdAt: Date
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, email, subject, message, category, metadata, status, createdAt, updatedAt
    }

    /// Every field, absent ones as null.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(email, forKey: .email)
        try container.encode(subject, forKey: .subject)
        try container.encode(message, forKey: .message)
        try container.encode(category, forKey: .category)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(status, forKey: .status)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

/// `POST /public/{tenantSlug}/contact`. `website` is the honeypot: people leave it empty.
struct ContactSubmission: JSONBody {
    static let fields: Set<String> = ["name", "email", "subject", "message", "category", "metadata", "website"]
    var name: String
    var email: String
    var subject: String?
    var message: String
    var category: String?
    var metadata: JSONValue?
    var website: String?
}

/// `PATCH /contact/{id}`.
struct ContactChange: JSONBody {
    static let fields: Set<String> = ["status"]
    var status: ContactStatus
}
