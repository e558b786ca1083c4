import Contracts
import Foundation
import Messaging

enum SubscriberStatus: String, Codable, Sendable, CaseIterable { case pending, subscribed, unsubscribed }

/// A mailing-list subscriber of a tenant (addresses are unique per tenant, lowercased).
struct Subscriber: Encodable, Sendable {
    var id: UUID
    var email: String
    var status: SubscriberStatus
    var source: String?
    var metadata: JSONValue?
    var createdAt: Date
    var confirmedAt: Date?
    var unsubscribedAt: Date?
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, email, status, source, metadata, createdAt, confirmedAt, unsubscribedAt, updatedAt
    }

    /// Every field, absent ones as null.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(status, forKey: .status)
        try container.encode(source, forKey: .source)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(confirmedAt, forKey: .confirmedAt)
        try container.encode(unsubscribedAt, forKey: .unsubscribedAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    static let csvHeader = CSV.line([
        "id", "email", "status", "source", "created_at", "confirmed_at", "unsubscribed_at",
    ])

    var csvLine: String {
        CSV.line([
            id.lowercasedString, email, status.rawValue, source ?? "", createdAt.formatted(.iso8601),
            confirmedAt?.formatted(.iso8601) ?? "", unsubscribedAt?.formatted(.iso8601) ?? "",
        ])
    }
}

/// `POST /public/{tenantSlug}/mailing-list/subscribe`.
struct Subscription: JSONBody {
    static let fields: Set<String> = ["email", "source", "metadata"]
    var email: String
    var source: String?
    var metadata: JSONValue?
}
