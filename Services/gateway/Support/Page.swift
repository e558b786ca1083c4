import Contracts
import Foundation
import Hummingbird

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
            guard let after = PageCursor.decode(cursor) else {
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
        PageCursor.page(rows, limit: limit, id: id)
    }
}
