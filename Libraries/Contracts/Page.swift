import Foundation

/// A page of a list: `{ "items": [...], "nextCursor": string|null }`.
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey { case items, nextCursor }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)  // null on the last page, never absent
    }
}

extension Page: Decodable where Item: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        items = try container.decode([Item].self, forKey: .items)
        nextCursor = try container.decodeIfPresent(String.self, forKey: .nextCursor)
    }
}

/// The opaque `?cursor=` of keyset pages over version 7 UUIDs (which sort by creation time):
/// the last id of a page, base64url, so pages stay stable while rows are added.
public enum PageCursor {
    /// On a reply that is one page of several (CSV exports over NATS): the cursor of the next.
    public static let header = "Next-Cursor"

    public static func encode(_ id: UUID) -> String {
        Data("v1:\(id.uppercasedString)".utf8).base64URLEncodedString
    }

    /// The id in a cursor this API issued; nil for anything else.
    public static func decode(_ cursor: String) -> UUID? {
        guard let data = Data(base64URLEncoded: cursor), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("v1:")
        else { return nil }
        return UUID(parsing: String(text.dropFirst(3)))
    }

    /// Turns up to `limit + 1` fetched rows into a page.
    public static func page<Item>(_ rows: [Item], limit: Int, id: (Item) -> UUID) -> Page<Item> {
        let items = Array(rows.prefix(limit))
        let next = rows.count > limit ? items.last.map { encode(id($0)) } : nil
        return Page(items: items, nextCursor: next)
    }
}
