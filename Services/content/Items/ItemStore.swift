import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// Content items in `content.items`, every query scoped by tenant and, for reads, by what the
/// caller may see (`content.readable`, the one place the access rules are written).
struct ItemStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// A new row, checked and ready to insert.
    struct NewRow: Sendable {
        var id: UUID
        var tenant: UUID
        var type: ContentType
        var title: String?
        /// An explicit slug, or the base of a generated one.
        var slug: String?
        var slugGenerated: Bool
        var data: JSONValue
        var status: ItemStatus
        var accessType: AccessType
        var author: Author
        var parentID: UUID?
        /// `upvote`, `downvote` or `emoji:<emoji>` for a reaction.
        var reactionKey: String?
    }

    /// The caller's side of `content.readable(...)`.
    struct Reader: Sendable {
        var privileged: Bool
        var kind: String?
        var id: UUID?
        var elevated: Bool

        init(_ caller: Caller) {
            privileged = caller.isPrivileged
            kind = caller.author?.kind.rawValue
            id = caller.author?.id
            switch caller {
            case .user(_, let role): elevated = role >= .elevated
            case .apiKey: elevated = true
            case .anonymous, .platformAdmin: elevated = false
            }
        }

        /// Nobody in particular: what a public route may serve.
        static let anonymous = Reader(.anonymous)
    }

    static let columns = """
        i.id, t.name, i.type_id, i.title, i.slug, i.data, i.status, i.published_at, i.access_type, i.author_kind,
        i.author_id, i.parent_id, i.comment_count, i.upvotes, i.downvotes, i.emoji_counts, i.reaction_total, i.version,
        i.created_at, i.updated_at
        """

    // MARK: - Writing

    /// Inserts the item and, for a comment or a reaction, counts it on its parent, in one
    /// transaction. A reaction the author already made is not added again: the existing one comes
    /// back with `created` false. A generated slug taken by another item gets `-2`, `-3`, ...
    func insert(_ row: NewRow) async throws -> (item: ContentItem, created: Bool) {
        try await client.transaction(logger: logger) { connection in
            var slug = row.slug
            for attempt in 1...20 {
                let rows = try await connection.query(
                    """
                    INSERT INTO content.items (id, tenant_id, type_id, title, slug, data, status, published_at,
                        access_type, author_kind, author_id, parent_id, reaction_key)
                    VALUES (\(row.id), \(row.tenant), \(row.type.id), \(row.title), \(slug), \(row.data),
                        \(row.status.rawValue), CASE WHEN \(row.status.rawValue) = 'published' THEN now() END,
                        \(row.accessType.rawValue), \(row.author.kind.rawValue), \(row.author.id), \(row.parentID),
                        \(row.reactionKey))
                    ON CONFLICT DO NOTHING
                    RETURNING id
                    """, logger: logger)
                if try await rows.decode(UUID.self).collectAll().isEmpty == false {
                    try await countOnParent(row, delta: 1, connection)
                    return (try await Self.item(row.id, connection, logger), true)
                }
                if let key = row.reactionKey, let parent = row.parentID {
                    let existing = try await connection.query(
                        """
                        SELECT id FROM content.items
                        WHERE parent_id = \(parent) AND author_kind = \(row.author.kind.rawValue)
                          AND author_id = \(row.author.id) AND reaction_key = \(key)
                        """, logger: logger)
                    if let id = try await existing.decode(UUID.self).collectAll().first {
                        return (try await Self.item(id, connection, logger), false)
                    }
                    continue  // removed meanwhile: try again
                }
                guard row.slugGenerated, let base = row.slug else {
                    throw ServiceError.conflict("an item of type `\(row.type.name)` with slug `\(slug ?? "")` exists")
                }
                slug = "\(base)-\(attempt + 1)"
            }
            throw ServiceError.conflict("no free slug for `\(row.slug ?? "")`; give one")
        }
    }

    /// Applies changes with optimistic concurrency: the row is written only at `version`.
    func update(
        _ id: UUID, tenant: UUID, version: Int, title: String?, slug: String?, data: JSONValue?,
        status: ItemStatus?, accessType: AccessType?
    ) async throws -> ContentItem {
        do {
            return try await client.transaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    UPDATE content.items SET
                        title = COALESCE(\(title), title),
                        slug = COALESCE(\(slug), slug),
                        data = COALESCE(\(data), data),
                        published_at = CASE
                            WHEN \(status?.rawValue) = 'published' AND status = 'draft' THEN now()
                            WHEN \(status?.rawValue) = 'draft' THEN NULL
                            ELSE published_at END,
                        status = COALESCE(\(status?.rawValue), status),
                        access_type = COALESCE(\(accessType?.rawValue), access_type),
                        version = version + 1, updated_at = now()
                    WHERE tenant_id = \(tenant) AND id = \(id) AND version = \(version)
                    RETURNING id
                    """, logger: logger)
                guard try await !rows.decode(UUID.self).collectAll().isEmpty else {
                    throw ServiceError.conflict("the item changed meanwhile (it is no longer at version \(version))")
                }
                return try await Self.item(id, connection, logger)
            }
        } catch  where DatabaseErrors.uniqueViolation(error) != nil {
            throw ServiceError.conflict("another item of this type has the slug `\(slug ?? "")`")
        }
    }

    /// Deletes the item (its comments and reactions go with it) and uncounts it on its parent.
    func delete(_ item: ContentItem, tenant: UUID) async throws {
        try await client.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                "DELETE FROM content.items WHERE tenant_id = \(tenant) AND id = \(item.id) RETURNING reaction_key",
                logger: logger)
            guard let key = try await rows.decode(String?.self).collectAll().first else { return }
            guard let parent = item.parentId else { return }
            try await Self.count(
                parent: parent, comment: item.type == "comment", reactionKey: key, delta: -1, connection, logger)
        }
    }

    private func countOnParent(_ row: NewRow, delta: Int, _ connection: PostgresConnection) async throws {
        guard let parent = row.parentID else { return }
        try await Self.count(
            parent: parent, comment: row.type.name == "comment" && row.type.builtin, reactionKey: row.reactionKey,
            delta: delta, connection, logger)
    }

    /// Keeps a parent's counters in step with its children, in the child's transaction: the row
    /// lock on the parent orders concurrent changes, so the counts stay exact.
    private static func count(
        parent: UUID, comment: Bool, reactionKey: String?, delta: Int, _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        if comment {
            _ = try await connection.query(
                "UPDATE content.items SET comment_count = comment_count + \(delta) WHERE id = \(parent)",
                logger: logger)
        }
        guard let key = reactionKey else { return }
        let emoji = key.hasPrefix("emoji:") ? String(key.dropFirst(6)) : nil
        _ = try await connection.query(
            """
            UPDATE content.items SET
                upvotes = upvotes + CASE WHEN \(key) = 'upvote' THEN \(delta) ELSE 0 END,
                downvotes = downvotes + CASE WHEN \(key) = 'downvote' THEN \(delta) ELSE 0 END,
                emoji_counts = CASE
                    WHEN \(emoji)::text IS NULL THEN emoji_counts
                    WHEN COALESCE((emoji_counts ->> \(emoji))::int, 0) + \(delta) <= 0 THEN emoji_counts - \(emoji)::text
                    ELSE jsonb_set(emoji_counts, ARRAY[\(emoji)::text],
                        to_jsonb(COALESCE((emoji_counts ->> \(emoji))::int, 0) + \(delta)))
                    END,
                reaction_total = reaction_total + \(delta)
            WHERE id = \(parent)
            """, logger: logger)
    }

    // MARK: - Reading

    /// The item if the reader may see it.
    func get(_ id: UUID, tenant: UUID, reader: Reader) async throws -> ContentItem? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM content.items i JOIN content.types t ON t.id = i.type_id
            WHERE i.tenant_id = \(tenant) AND i.id = \(id)
              AND content.readable(i.status, i.access_type, i.author_kind, i.author_id, \(reader.privileged),
                                   \(reader.kind), \(reader.id), \(reader.elevated), false)
            """, logger: logger)
        return try await Self.decode(rows).first
    }

    struct ListFilter: Sendable {
        var typeID: UUID?
        /// Without a type, the built-in comment and reaction types are left out.
        var excludeBuiltins = true
        var status: ItemStatus?
        var parentID: UUID?
        var author: Author?
        var accessType: AccessType?
        var oldestFirst = false
    }

    /// A page of what the reader may see in lists (unlisted items only to their author and
    /// privileged readers).
    func list(tenant: UUID, reader: Reader, filter: ListFilter, page: PageQuery) async throws -> Page<ContentItem> {
        let direction = filter.oldestFirst ? "ASC" : "DESC"
        let comparison = filter.oldestFirst ? ">" : "<"
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM content.items i JOIN content.types t ON t.id = i.type_id
            WHERE i.tenant_id = \(tenant)
              AND (\(filter.typeID)::uuid IS NULL OR i.type_id = \(filter.typeID))
              AND (\(filter.typeID)::uuid IS NOT NULL OR NOT \(filter.excludeBuiltins) OR NOT t.builtin)
              AND (\(filter.status?.rawValue)::text IS NULL OR i.status = \(filter.status?.rawValue))
              AND (\(filter.parentID)::uuid IS NULL OR i.parent_id = \(filter.parentID))
              AND (\(filter.author?.id)::uuid IS NULL
                   OR (i.author_kind = \(filter.author?.kind.rawValue) AND i.author_id = \(filter.author?.id)))
              AND (\(filter.accessType?.rawValue)::text IS NULL OR i.access_type = \(filter.accessType?.rawValue))
              AND content.readable(i.status, i.access_type, i.author_kind, i.author_id, \(reader.privileged),
                                   \(reader.kind), \(reader.id), \(reader.elevated), true)
              AND (\(page.after)::uuid IS NULL OR i.id \(unescaped: comparison) \(page.after))
            ORDER BY i.id \(unescaped: direction) LIMIT \(page.limit + 1)
            """, logger: logger)
        return page.page(try await Self.decode(rows), id: \.id)
    }

    // The public routes are the most frequent reads, by anyone: their statements are prepared
    // (once per connection), so PostgreSQL does not parse and plan them again for every read.

    /// Published, public, top-level items of a type, newest first (the public routes).
    func listPublic(tenant: UUID, typeName: String, page: PageQuery) async throws -> Page<ContentItem> {
        let rows = try await client.execute(
            PublicItems(tenant: tenant, typeName: typeName, after: page.after, limit: page.limit + 1), logger: logger)
        return page.page(try await rows.collectAll(), id: \.id)
    }

    func getPublic(tenant: UUID, typeName: String, slug: String) async throws -> ContentItem? {
        try await client.execute(PublicItem(tenant: tenant, typeName: typeName, slug: slug), logger: logger)
            .collectAll().first
    }

    /// Whether the tenant has a type of this name (a public list of an unknown type is a 404).
    func typeExists(tenant: UUID, name: String) async throws -> Bool {
        try await !client.execute(TypeNamed(tenant: tenant, name: name), logger: logger).collectAll().isEmpty
    }

    private struct PublicItems: PostgresPreparedStatement {
        static let name = "content.public-items"
        static let sql = """
            SELECT \(columns) FROM content.items i JOIN content.types t ON t.id = i.type_id
            WHERE i.tenant_id = $1 AND t.name = $2 AND i.parent_id IS NULL
              AND i.status = 'published' AND i.access_type = 'public'
              AND ($3::uuid IS NULL OR i.id < $3)
            ORDER BY i.id DESC LIMIT $4
            """
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .text, .uuid, .int8]
        var tenant: UUID
        var typeName: String
        var after: UUID?
        var limit: Int

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 4)
            bindings.append(tenant)
            bindings.append(typeName)
            bindings.append(after)
            bindings.append(limit)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ContentItem { try ItemStore.item(row) }
    }

    private struct PublicItem: PostgresPreparedStatement {
        static let name = "content.public-item"
        static let sql = """
            SELECT \(columns) FROM content.items i JOIN content.types t ON t.id = i.type_id
            WHERE i.tenant_id = $1 AND t.name = $2 AND i.slug = $3
              AND i.status = 'published' AND i.access_type = 'public'
            """
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .text, .text]
        var tenant: UUID
        var typeName: String
        var slug: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(tenant)
            bindings.append(typeName)
            bindings.append(slug)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ContentItem { try ItemStore.item(row) }
    }

    private struct TypeNamed: PostgresPreparedStatement {
        static let name = "content.type-named"
        static let sql = "SELECT 1 FROM content.types WHERE tenant_id = $1 AND name = $2"
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .text]
        var tenant: UUID
        var name: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(tenant)
            bindings.append(name)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
    }

    // MARK: - Rows

    private static func item(_ id: UUID, _ connection: PostgresConnection, _ logger: Logger) async throws
        -> ContentItem
    {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: columns) FROM content.items i JOIN content.types t ON t.id = i.type_id
            WHERE i.id = \(id)
            """, logger: logger)
        return try await decode(rows)[0]
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [ContentItem] {
        var items: [ContentItem] = []
        for try await row in rows { items.append(try item(row)) }
        return items
    }

    /// An item from a row of ``columns``.
    static func item(_ row: PostgresRow) throws -> ContentItem {
        let columns = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T {
            try columns[index].decode(T.self, context: .default)
        }
        let emoji: [String: Int] =
            switch try value(15, JSONValue.self) {
            case .object(let counts):
                counts.compactMapValues { if case .number(let n) = $0 { Int(n) } else { nil } }
            default: [:]
            }
        return ContentItem(
            id: try value(0, UUID.self), type: try value(1, String.self), typeId: try value(2, UUID.self),
            title: try value(3, String?.self), slug: try value(4, String?.self), data: try value(5, JSONValue.self),
            status: ItemStatus(rawValue: try value(6, String.self)) ?? .draft, publishedAt: try value(7, Date?.self),
            accessType: AccessType(rawValue: try value(8, String.self)) ?? .private,
            author: Author(column: try value(9, String.self), id: try value(10, UUID.self)),
            parentId: try value(11, UUID?.self), commentCount: try value(12, Int.self),
            reactionCounts: ReactionCounts(
                upvote: try value(13, Int.self), downvote: try value(14, Int.self), emoji: emoji,
                total: try value(16, Int.self)),
            version: try value(17, Int.self), createdAt: try value(18, Date.self), updatedAt: try value(19, Date.self))
    }
}
