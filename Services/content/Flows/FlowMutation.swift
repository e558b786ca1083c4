import Contracts
import Foundation
import Messaging

/// One change of a `POST /flows/mutations` batch: `{type, collection, key?, value?}`.
struct FlowMutation: Sendable {
    enum Kind: String, CaseIterable, Sendable { case insert, update, remove }

    enum Collection: String, CaseIterable, Sendable {
        case chart = "flow_chart"
        case node = "flow_node"
        case edge = "flow_edge"
        case nodeType = "flow_node_type"
    }

    static let maxBatch = 1_000

    var index: Int
    var kind: Kind
    var collection: Collection
    var key: String?
    var value: JSONValue?

    /// `mutations[3]`, the prefix of every field this mutation names.
    var path: String { "mutations[\(index)]" }

    /// The body: a JSON array of 1–``maxBatch`` mutations, each with known fields only.
    static func parse(_ payload: [UInt8]) throws -> [FlowMutation] {
        guard !payload.isEmpty else { throw ServiceError.badRequest("a JSON body is required") }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(payload)) else {
            throw ServiceError.badRequest("the body is not valid JSON")
        }
        guard case .array(let items) = value else {
            throw ServiceError.badRequest("the body must be a JSON array of mutations")
        }
        guard (1...maxBatch).contains(items.count) else {
            throw ServiceError.badRequest("a batch holds 1 to \(maxBatch) mutations")
        }
        return try items.enumerated().map { index, item in
            let reader = try JSONObjectReader(
                item, path: "mutations[\(index)]", allowed: ["type", "collection", "key", "value"])
            let kindName = try reader.requiredString("type")
            guard let kind = Kind(rawValue: kindName) else {
                throw ServiceError.badRequest(
                    "`\(reader.path("type"))` must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let collectionName = try reader.requiredString("collection")
            guard let collection = Collection(rawValue: collectionName) else {
                throw ServiceError.badRequest(
                    "`\(reader.path("collection"))` must be one of \(Collection.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let mutation = FlowMutation(
                index: index, kind: kind, collection: collection, key: try reader.string("key"),
                value: reader.value("value"))
            if kind != .insert, mutation.key == nil {
                throw ServiceError.badRequest("`\(reader.path("key"))` is required to \(kind.rawValue)")
            }
            if let key = mutation.key, key.utf8.count > 128 {
                throw ServiceError.badRequest("`\(reader.path("key"))` must be at most 128 characters")
            }
            return mutation
        }
    }

    /// `key` as a UUID (chart and node type ids); nil when absent.
    func uuidKey() throws -> UUID? {
        guard let key else { return nil }
        guard let id = UUID(parsing: key) else { throw ServiceError.badRequest("`\(path).key` must be a UUID") }
        return id
    }

    /// `value` read with `allowed` fields (an empty object when absent).
    func reader(allowed: Set<String>) throws -> JSONObjectReader {
        try JSONObjectReader(value ?? [:], path: "\(path).value", allowed: allowed)
    }
}

/// What a batch did: the transaction id it committed in and each mutation's result, in order.
struct FlowMutationResults: Encodable, Sendable {
    struct Result: Encodable, Sendable {
        var type: FlowMutation.Kind.RawValue
        var collection: FlowMutation.Collection.RawValue
        var key: String
        /// The row afterwards; null for a removal.
        var value: (any Encodable & Sendable)?

        enum CodingKeys: String, CodingKey { case type, collection, key, value }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(type, forKey: .type)
            try container.encode(collection, forKey: .collection)
            try container.encode(key, forKey: .key)
            if let value {
                try container.encode(value, forKey: .value)
            } else {
                try container.encodeNil(forKey: .value)
            }
        }
    }

    /// PostgreSQL's id of the transaction (`pg_current_xact_id()`), for clients that match
    /// their optimistic state against a replication stream.
    var txid: Int64
    var results: [Result]
}
