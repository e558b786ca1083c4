import Contracts
import Foundation
import Messaging

enum ItemStatus: String, Codable, Sendable, CaseIterable { case draft, published }

/// Who may read an item (drafts are only ever seen by their author and privileged callers):
/// `public` everyone, including the public routes; `unlisted` anyone in the tenant who knows its
/// id, but it is left out of lists; `restricted` users of role elevated or higher; `private` its
/// author. API keys, moderators and admins see everything in their tenant.
enum AccessType: String, Codable, Sendable, CaseIterable { case `public`, `private`, unlisted, restricted }

/// Reaction counts of an item: `{upvote, downvote, emoji: {"👍": n}, total}`.
struct ReactionCounts: Codable, Sendable, Equatable {
    var upvote: Int
    var downvote: Int
    var emoji: [String: Int]
    var total: Int
}

/// A content item: an entry of a tenant's type, or a comment or reaction on another item.
struct ContentItem: Encodable, Sendable {
    var id: UUID
    var type: String
    var typeId: UUID
    var title: String?
    var slug: String?
    var data: JSONValue
    var status: ItemStatus
    var publishedAt: Date?
    var accessType: AccessType
    var author: Author
    var parentId: UUID?
    var commentCount: Int
    var reactionCounts: ReactionCounts
    var version: Int
    var createdAt: Date
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, type, typeId, title, slug, data, status, publishedAt, accessType, author, parentId, commentCount
        case reactionCounts, version, createdAt, updatedAt
    }

    /// Every field, absent ones as null (a client can rely on the shape).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(typeId, forKey: .typeId)
        try container.encode(title, forKey: .title)
        try container.encode(slug, forKey: .slug)
        try container.encode(data, forKey: .data)
        try container.encode(status, forKey: .status)
        try container.encode(publishedAt, forKey: .publishedAt)
        try container.encode(accessType, forKey: .accessType)
        try container.encode(author, forKey: .author)
        try container.encode(parentId, forKey: .parentId)
        try container.encode(commentCount, forKey: .commentCount)
        try container.encode(reactionCounts, forKey: .reactionCounts)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    /// What the public routes serve: the item without its author.
    var published: PublicItem {
        PublicItem(
            id: id, type: type, title: title, slug: slug, data: data, publishedAt: publishedAt,
            commentCount: commentCount, reactionCounts: reactionCounts, updatedAt: updatedAt)
    }
}

struct PublicItem: Encodable, Sendable {
    var id: UUID
    var type: String
    var title: String?
    var slug: String?
    var data: JSONValue
    var publishedAt: Date?
    var commentCount: Int
    var reactionCounts: ReactionCounts
    var updatedAt: Date
}

/// `POST /content`.
struct NewItem: JSONBody {
    static let fields: Set<String> = ["type", "title", "slug", "data", "status", "accessType", "parentId"]
    /// The type's name or id.
    var type: String
    var title: String?
    var slug: String?
    var data: JSONValue
    var status: ItemStatus?
    var accessType: AccessType?
    var parentId: UUID?
}

/// `PATCH /content/{id}`: `data` is replaced as a whole and validated again.
struct ItemChanges: JSONBody {
    static let fields: Set<String> = ["title", "slug", "data", "status", "accessType", "expectedVersion"]
    var title: String?
    var slug: String?
    var data: JSONValue?
    var status: ItemStatus?
    var accessType: AccessType?
    var expectedVersion: Int?
}

extension Slug {
    /// An item's slug: at most 200 characters, unique per tenant and type.
    static func check(_ slug: String) throws {
        guard isValid(slug, maxLength: 200) else {
            throw ServiceError.badRequest(
                "`slug` must be lowercase letters and digits in words joined by single hyphens, at most 200 characters")
        }
    }

    /// A slug made from a title (at most 180 characters, leaving room for a `-2` suffix); nil
    /// when nothing is left.
    static func from(title: String) -> String? {
        let slug = make(from: title, maxLength: 180)
        return slug.isEmpty ? nil : slug
    }
}
