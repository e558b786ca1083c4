import Contracts
import Foundation
import Messaging

/// Reads and checks a scene's nodes: shapes and ranges as glTF 2.0 requires them (400 naming
/// the field), then the hierarchy (422 naming the node): parents in the scene, no cycles.
enum SceneGraph {
    static let maxNodes = 5_000
    static let maxExtrasBytes = 16_384
    /// How far from 1 a rotation's length may be before it is refused rather than normalised.
    static let unitTolerance = 1e-3
    static let nodeFields: Set<String> = [
        "id", "name", "parentId", "translation", "rotation", "scale", "mesh", "camera", "light", "extras",
    ]

    static func nodes(_ values: [JSONValue]) throws -> [SceneNode] {
        let nodes = try JSONObjectReader.uniqueList(values, field: "nodes", noun: "node", limit: maxNodes, id: \.id) {
            try node($0, path: $1)
        }
        try checkHierarchy(nodes)
        return nodes
    }

    /// Every parent is a node of the scene and following parents never comes back to a node.
    static func checkHierarchy(_ nodes: [SceneNode]) throws {
        let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.id, $0) })
        for (position, node) in nodes.enumerated() {
            guard let parent = node.parentId else { continue }
            guard index[parent] != nil else {
                throw ServiceError.unprocessable(
                    "`nodes[\(position)].parentId`: node `\(node.id)` has the parent `\(parent)`, which is not a node of this scene"
                )
            }
        }
        // 0: not seen, 1: on the current path, 2: known to reach a root.
        var state = [UInt8](repeating: 0, count: nodes.count)
        for start in nodes.indices where state[start] == 0 {
            var path: [Int] = []
            var current: Int? = start
            while let node = current, state[node] == 0 {
                state[node] = 1
                path.append(node)
                current = nodes[node].parentId.flatMap { index[$0] }
            }
            if let node = current, state[node] == 1 {
                throw ServiceError.unprocessable(
                    "`nodes[\(node)].parentId`: node `\(nodes[node].id)` is its own ancestor (a cycle in the hierarchy)"
                )
            }
            for node in path { state[node] = 2 }
        }
    }

    private static func node(_ value: JSONValue, path: String) throws -> SceneNode {
        let reader = try JSONObjectReader(value, path: path, allowed: nodeFields)
        let id = try reader.requiredString("id")
        try ClientID.check(id, field: reader.path("id"))
        let name = try reader.requiredString("name")
        try ClientID.checkName(name, field: reader.path("name"))
        let parent = try reader.string("parentId")
        if let parent { try ClientID.check(parent, field: reader.path("parentId")) }
        return SceneNode(
            id: id, name: name, parentId: parent,
            translation: try reader.numbers("translation", count: 3) ?? [0, 0, 0],
            rotation: try rotation(reader), scale: try reader.numbers("scale", count: 3) ?? [1, 1, 1],
            mesh: try mesh(reader), camera: try camera(reader), light: try light(reader),
            extras: try reader.freeObject("extras", maxBytes: maxExtrasBytes))
    }

    /// A quaternion of length 1 (within ``unitTolerance``), stored normalised.
    private static func rotation(_ reader: JSONObjectReader) throws -> [Double] {
        guard let rotation = try reader.numbers("rotation", count: 4) else { return [0, 0, 0, 1] }
        let length = rotation.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard abs(length - 1) <= unitTolerance else {
            throw ServiceError.badRequest(
                "`\(reader.path("rotation"))` must be a unit quaternion (x, y, z, w); its length is \(length)")
        }
        return rotation.map { $0 / length }
    }

    private static func mesh(_ reader: JSONObjectReader) throws -> SceneNode.Mesh? {
        guard let mesh = try reader.object("mesh", allowed: ["uri", "material"]) else { return nil }
        let uri = try mesh.requiredString("uri")
        try checkAssetURL(uri, field: mesh.path("uri"))
        var material: SceneNode.Material?
        if let reader = try mesh.object("material", allowed: ["baseColor", "metallic", "roughness"]) {
            let color = try reader.numbers("baseColor", count: 4) ?? [1, 1, 1, 1]
            try checkUnit(color, field: reader.path("baseColor"))
            let metallic = try reader.number("metallic") ?? 1
            let roughness = try reader.number("roughness") ?? 1
            try checkUnit([metallic], field: reader.path("metallic"))
            try checkUnit([roughness], field: reader.path("roughness"))
            material = .init(baseColor: color, metallic: metallic, roughness: roughness)
        }
        return .init(uri: uri, material: material)
    }

    /// glTF 2.0's camera rules: perspective needs `yfov` (0 < yfov < π) and `znear` > 0, with an
    /// optional `zfar` > znear and `aspectRatio` > 0; orthographic needs `xmag`, `ymag` (not 0),
    /// `znear` ≥ 0 and `zfar` > znear.
    private static func camera(_ reader: JSONObjectReader) throws -> SceneNode.Camera? {
        guard
            let camera = try reader.object(
                "camera", allowed: ["type", "yfov", "znear", "zfar", "aspectRatio", "xmag", "ymag"])
        else { return nil }
        let type = try camera.requiredString("type")
        let znear = try camera.requiredNumber("znear")
        let zfar = try camera.number("zfar")
        func fail(_ field: String, _ rule: String) -> ServiceError {
            .badRequest("`\(camera.path(field))` \(rule)")
        }
        switch type {
        case "perspective":
            for field in ["xmag", "ymag"] where camera.has(field) { throw fail(field, "is for orthographic cameras") }
            let yfov = try camera.requiredNumber("yfov")
            guard yfov > 0, yfov < Double.pi else { throw fail("yfov", "must be between 0 and π radians") }
            guard znear > 0 else { throw fail("znear", "must be greater than 0") }
            if let zfar, zfar <= znear { throw fail("zfar", "must be greater than znear") }
            let aspectRatio = try camera.number("aspectRatio")
            if let aspectRatio, aspectRatio <= 0 { throw fail("aspectRatio", "must be greater than 0") }
            return .init(type: type, yfov: yfov, znear: znear, zfar: zfar, aspectRatio: aspectRatio)
        case "orthographic":
            for field in ["yfov", "aspectRatio"] where camera.has(field) {
                throw fail(field, "is for perspective cameras")
            }
            let xmag = try camera.requiredNumber("xmag")
            let ymag = try camera.requiredNumber("ymag")
            guard xmag != 0 else { throw fail("xmag", "must not be 0") }
            guard ymag != 0 else { throw fail("ymag", "must not be 0") }
            guard znear >= 0 else { throw fail("znear", "must be at least 0") }
            guard let zfar else { throw ServiceError.badRequest("missing field `\(camera.path("zfar"))`") }
            guard zfar > znear else { throw fail("zfar", "must be greater than znear") }
            return .init(type: type, znear: znear, zfar: zfar, xmag: xmag, ymag: ymag)
        default:
            throw fail("type", "must be perspective or orthographic")
        }
    }

    /// `KHR_lights_punctual`: color in 0–1, intensity ≥ 0, range > 0 (not for directional
    /// lights), spot cone angles 0 ≤ inner < outer ≤ π/2.
    private static func light(_ reader: JSONObjectReader) throws -> SceneNode.Light? {
        guard
            let light = try reader.object("light", allowed: ["type", "color", "intensity", "range", "spot"])
        else { return nil }
        let type = try light.requiredString("type")
        guard ["directional", "point", "spot"].contains(type) else {
            throw ServiceError.badRequest("`\(light.path("type"))` must be directional, point or spot")
        }
        let color = try light.numbers("color", count: 3) ?? [1, 1, 1]
        try checkUnit(color, field: light.path("color"))
        let intensity = try light.number("intensity") ?? 1
        guard intensity >= 0 else { throw ServiceError.badRequest("`\(light.path("intensity"))` must be at least 0") }
        let range = try light.number("range")
        if let range {
            guard type != "directional" else {
                throw ServiceError.badRequest("`\(light.path("range"))`: a directional light has no range")
            }
            guard range > 0 else { throw ServiceError.badRequest("`\(light.path("range"))` must be greater than 0") }
        }
        var spot: SceneNode.Spot?
        if let cone = try light.object("spot", allowed: ["innerConeAngle", "outerConeAngle"]) {
            guard type == "spot" else {
                throw ServiceError.badRequest("`\(light.path("spot"))` is only for spot lights")
            }
            let inner = try cone.number("innerConeAngle") ?? 0
            let outer = try cone.number("outerConeAngle") ?? Double.pi / 4
            guard inner >= 0, inner < outer, outer <= Double.pi / 2 else {
                throw ServiceError.badRequest(
                    "`\(light.path("spot"))` needs 0 ≤ innerConeAngle < outerConeAngle ≤ π/2")
            }
            spot = .init(innerConeAngle: inner, outerConeAngle: outer)
        } else if type == "spot" {
            spot = .init(innerConeAngle: 0, outerConeAngle: Double.pi / 4)
        }
        return .init(type: type, color: color, intensity: intensity, range: range, spot: spot)
    }

    /// An absolute `http` or `https` URL with a host, at most 2048 characters.
    static func checkAssetURL(_ text: String, field: String) throws {
        guard text.utf8.count <= 2048, let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil
        else { throw ServiceError.badRequest("`\(field)` must be an http(s) URL of at most 2048 characters") }
    }

    private static func checkUnit(_ values: [Double], field: String) throws {
        guard values.allSatisfy({ (0...1).contains($0) }) else {
            throw ServiceError.badRequest("`\(field)` must be between 0 and 1")
        }
    }
}
