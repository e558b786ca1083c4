import Contracts
import Foundation
import Messaging

/// What a chart may hold and how its parts are read from requests; every message names the field.
enum FlowRules {
    static let maxNodes = 5_000
    static let maxEdges = 10_000
    static let maxDataBytes = 65_536
    static let maxLabel = 1_000
    /// React Flow's own node types; any other `type` must be one of the tenant's node types.
    static let builtinNodeTypes: Set<String> = ["default", "input", "output", "group"]
    static let nodeFields: Set<String> = ["id", "type", "position", "width", "height", "data"]
    static let edgeFields: Set<String> = [
        "id", "source", "target", "sourceHandle", "targetHandle", "type", "label", "animated", "data",
    ]
    private static let coordinateLimit = 1e9

    /// A whole node (`type` defaults to `default`, `data` to `{}`).
    static func node(_ value: JSONValue, path: String, extra: Set<String> = []) throws -> FlowNode {
        let reader = try JSONObjectReader(value, path: path, allowed: nodeFields.union(extra))
        let id = try reader.requiredString("id")
        try ClientID.check(id, field: reader.path("id"))
        guard let position = try self.position(reader) else {
            throw ServiceError.badRequest("missing field `\(reader.path("position"))`")
        }
        let type = try reader.string("type") ?? "default"
        try checkTypeName(type, field: reader.path("type"))
        return FlowNode(
            id: id, type: type, position: position, width: try size(reader, "width"),
            height: try size(reader, "height"), data: try reader.freeObject("data", maxBytes: maxDataBytes) ?? [:])
    }

    /// A node's fields changed by a mutation (`id` stays).
    static func apply(_ reader: JSONObjectReader, to node: inout FlowNode) throws {
        if let type = try reader.string("type") {
            try checkTypeName(type, field: reader.path("type"))
            node.type = type
        }
        if let position = try position(reader) { node.position = position }
        if reader.has("width") { node.width = try size(reader, "width") }
        if reader.has("height") { node.height = try size(reader, "height") }
        if let data = try reader.freeObject("data", maxBytes: maxDataBytes) { node.data = data }
    }

    static func edge(_ value: JSONValue, path: String, extra: Set<String> = []) throws -> FlowEdge {
        let reader = try JSONObjectReader(value, path: path, allowed: edgeFields.union(extra))
        let id = try reader.requiredString("id")
        try ClientID.check(id, field: reader.path("id"))
        let source = try reader.requiredString("source")
        let target = try reader.requiredString("target")
        var edge = FlowEdge(id: id, source: source, target: target)
        try apply(reader, to: &edge)
        return edge
    }

    /// An edge's fields given in `reader`, checked.
    static func apply(_ reader: JSONObjectReader, to edge: inout FlowEdge) throws {
        if let source = try reader.string("source") { edge.source = source }
        if let target = try reader.string("target") { edge.target = target }
        try ClientID.check(edge.source, field: reader.path("source"))
        try ClientID.check(edge.target, field: reader.path("target"))
        for (name, keyPath) in [("sourceHandle", \FlowEdge.sourceHandle), ("targetHandle", \.targetHandle)] {
            if let handle = try reader.string(name) {
                try ClientID.check(handle, field: reader.path(name))
                edge[keyPath: keyPath] = handle
            }
        }
        if let type = try reader.string("type") {
            try checkTypeName(type, field: reader.path("type"))
            edge.type = type
        }
        if let label = try reader.string("label") {
            guard label.count <= maxLabel else {
                throw ServiceError.badRequest("`\(reader.path("label"))` must be at most \(maxLabel) characters")
            }
            edge.label = label
        }
        if let animated = try reader.bool("animated") { edge.animated = animated }
        if let data = try reader.freeObject("data", maxBytes: maxDataBytes) { edge.data = data }
    }

    /// Nodes of a chart body: ids unique, at most ``maxNodes``.
    static func nodes(_ values: [JSONValue]) throws -> [FlowNode] {
        try JSONObjectReader.uniqueList(values, field: "nodes", noun: "node", limit: maxNodes, id: \.id) {
            try node($0, path: $1)
        }
    }

    /// Edges of a chart body, ids unique; with `nodeIDs`, their endpoints checked against them.
    static func edges(_ values: [JSONValue], nodeIDs: Set<String>?) throws -> [FlowEdge] {
        let edges = try JSONObjectReader.uniqueList(values, field: "edges", noun: "edge", limit: maxEdges, id: \.id) {
            try edge($0, path: $1)
        }
        if let nodeIDs { try checkEndpoints(edges, nodeIDs: nodeIDs) }
        return edges
    }

    /// Every edge joins two of `nodeIDs` (the nodes its chart has), else 422 naming the edge.
    static func checkEndpoints(_ edges: [FlowEdge], nodeIDs: Set<String>, path: String = "edges") throws {
        for (index, edge) in edges.enumerated() {
            for (field, node) in [("source", edge.source), ("target", edge.target)] where !nodeIDs.contains(node) {
                throw ServiceError.unprocessable(
                    "`\(path)[\(index)].\(field)`: `\(node)` is not a node of this chart; an edge joins nodes of its own chart"
                )
            }
        }
    }

    static func checkChartName(_ name: String, field: String = "name") throws {
        try ClientID.checkName(name, field: field)
    }

    /// A node type's name: a letter, then letters, digits, `_` or `-`; at most 64.
    static func checkTypeName(_ name: String, field: String) throws {
        let bytes = name.utf8
        guard (1...64).contains(bytes.count), let first = bytes.first,
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first | 0x20),
            bytes.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            })
        else {
            throw ServiceError.badRequest(
                "`\(field)` must be 1-64 letters, digits, `_` or `-`, starting with a letter")
        }
    }

    private static func position(_ reader: JSONObjectReader) throws -> FlowNode.Position? {
        guard let position = try reader.object("position", allowed: ["x", "y"]) else { return nil }
        let x = try position.requiredNumber("x")
        let y = try position.requiredNumber("y")
        for (name, value) in [("x", x), ("y", y)] where abs(value) > coordinateLimit {
            throw ServiceError.badRequest("`\(position.path(name))` must be within ±1e9")
        }
        return .init(x: x, y: y)
    }

    private static func size(_ reader: JSONObjectReader, _ name: String) throws -> Double? {
        guard let value = try reader.number(name) else { return nil }
        guard value >= 0, value <= 1e6 else { throw ServiceError.badRequest("`\(reader.path(name))` must be 0 to 1e6") }
        return value
    }
}
