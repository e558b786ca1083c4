import Contracts
import Foundation
import Messaging

/// A 3D scene: a graph of nodes (a forest: each node has at most one parent, in the same
/// scene), kept whole; `public` scenes are served without a key.
struct Scene: Encodable, Sendable {
    var id: UUID
    var name: String
    var `public`: Bool
    var nodes: [SceneNode]
    var author: Author
    var version: Int
    var createdAt: Date
    var updatedAt: Date

    /// What the public route serves.
    var published: PublicScene { PublicScene(id: id, name: name, nodes: nodes, updatedAt: updatedAt) }
}

struct PublicScene: Encodable, Sendable {
    var id: UUID
    var name: String
    var nodes: [SceneNode]
    var updatedAt: Date
}

/// A scene in lists: its node count instead of its nodes.
struct SceneSummary: Encodable, Sendable {
    var id: UUID
    var name: String
    var `public`: Bool
    var nodeCount: Int
    var author: Author
    var version: Int
    var createdAt: Date
    var updatedAt: Date
}

/// A node: TRS always present (defaults filled in, rotation normalised), the rest when given.
struct SceneNode: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var parentId: String?
    var translation: [Double]
    /// A unit quaternion `x, y, z, w`.
    var rotation: [Double]
    var scale: [Double]
    var mesh: Mesh?
    var camera: Camera?
    var light: Light?
    var extras: JSONValue?

    /// An asset by URL, with a metallic-roughness material.
    struct Mesh: Codable, Sendable, Equatable {
        var uri: String
        var material: Material?
    }

    struct Material: Codable, Sendable, Equatable {
        var baseColor: [Double]
        var metallic: Double
        var roughness: Double
    }

    /// glTF's camera: `perspective` (yfov, znear, zfar?, aspectRatio?) or `orthographic`
    /// (xmag, ymag, znear, zfar).
    struct Camera: Codable, Sendable, Equatable {
        var type: String
        var yfov: Double?
        var znear: Double
        var zfar: Double?
        var aspectRatio: Double?
        var xmag: Double?
        var ymag: Double?
    }

    /// `KHR_lights_punctual`'s light; `spot` only for spot lights.
    struct Light: Codable, Sendable, Equatable {
        var type: String
        var color: [Double]
        var intensity: Double
        var range: Double?
        var spot: Spot?
    }

    struct Spot: Codable, Sendable, Equatable {
        var innerConeAngle: Double
        var outerConeAngle: Double
    }
}

/// `POST /scenes`.
struct NewScene: JSONBody {
    static let fields: Set<String> = ["name", "public", "nodes"]
    var name: String
    var `public`: Bool?
    var nodes: [JSONValue]?
}

/// `PATCH /scenes/{id}`: `nodes` replaces the whole graph.
struct SceneChanges: JSONBody {
    static let fields: Set<String> = ["name", "public", "nodes", "expectedVersion"]
    var name: String?
    var `public`: Bool?
    var nodes: [JSONValue]?
    var expectedVersion: Int?
}
