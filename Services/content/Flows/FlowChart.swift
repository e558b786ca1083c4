import Contracts
import Foundation
import Messaging

/// A 2D chart: React Flow's `{nodes, edges}` with a name and a version (+1 per change).
struct FlowChart: Encodable, Sendable {
    var id: UUID
    var name: String
    var nodes: [FlowNode]
    var edges: [FlowEdge]
    var author: Author
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// A chart in lists: counts instead of its nodes and edges.
struct FlowChartSummary: Encodable, Sendable {
    var id: UUID
    var name: String
    var nodeCount: Int
    var edgeCount: Int
    var author: Author
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// A node in React Flow's shape; the id is the client's, unique within its chart. Absent
/// optional fields are left out of the JSON, as React Flow expects.
struct FlowNode: Codable, Sendable, Equatable {
    struct Position: Codable, Sendable, Equatable {
        var x: Double
        var y: Double
    }

    var id: String
    var type: String
    var position: Position
    var width: Double?
    var height: Double?
    var data: JSONValue
}

/// An edge in React Flow's shape, joining two nodes of its chart.
struct FlowEdge: Codable, Sendable, Equatable {
    var id: String
    var source: String
    var target: String
    var sourceHandle: String?
    var targetHandle: String?
    var type: String?
    var label: String?
    var animated: Bool?
    var data: JSONValue?
}

/// A tenant's own node type (React Flow's `nodeTypes` key); the built-in ones need none.
struct FlowNodeType: Encodable, Sendable {
    var id: UUID
    var name: String
    var label: String?
    var description: String?
    var createdAt: Date
}

/// `POST /flows`.
struct NewFlowChart: JSONBody {
    static let fields: Set<String> = ["name", "nodes", "edges"]
    var name: String
    var nodes: [JSONValue]?
    var edges: [JSONValue]?
}

/// `PATCH /flows/{id}`: each field present replaces what is stored.
struct FlowChartChanges: JSONBody {
    static let fields: Set<String> = ["name", "nodes", "edges", "expectedVersion"]
    var name: String?
    var nodes: [JSONValue]?
    var edges: [JSONValue]?
    var expectedVersion: Int?
}

/// `POST /flow-node-types`.
struct NewFlowNodeType: JSONBody {
    static let fields: Set<String> = ["name", "label", "description"]
    var name: String
    var label: String?
    var description: String?
}
