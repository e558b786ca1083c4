import Foundation
import Hummingbird

/// A page of a list: `{ "items": [...], "nextCursor": string|null }`.
struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey { case items, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)  // null on the last page, never absent
    }
}

/// `?limit=` (1–200, default 50) and the opaque `?cursor=` of a list request.
///
/// Ids are version 7 UUIDs, which sort by creation time: lists are ordered by id, and the
/// cursor carries the last id of a page, so pages stay stable while rows are added.
struct PageRequest: Sendable {
    var limit: Int
    var after: UUID?

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        limit = try Self.limit(request)
        if let cursor = query["cursor"].map(String.init), !cursor.isEmpty {
            guard let after = Self.decode(cursor) else {
                throw Problem.badRequest("`cursor` is not a cursor this API issued")
            }
            self.after = after
        }
    }

    /// `?limit=`: 1–200, default 50.
    static func limit(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters["limit"].map(String.init) else { return 50 }
        guard let limit = Int(text), (1...200).contains(limit) else {
            throw Problem.badRequest("`limit` must be an integer from 1 to 200")
        }
        return limit
    }

    /// Turns up to `limit + 1` fetched rows into a page.
    func page<Item>(_ rows: [Item], id: (Item) -> UUID) -> Page<Item> {
        let items = Array(rows.prefix(limit))
        let next = rows.count > limit ? items.last.map { Self.encode(id($0)) } : nil
        return Page(items: items, nextCursor: next)
    }

    static func encode(_ id: UUID) -> String {
        Data("v1:\(id.uuidString)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func decode(_ cursor: String) -> UUID? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("v1:")
        else { return nil }
        return UUID(uuidString: String(text.dropFirst(3)))
    }
}
