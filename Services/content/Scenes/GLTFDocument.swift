import Contracts
import Foundation

/// A scene as a glTF 2.0 JSON document: one glTF scene whose `nodes` are the roots; each node
/// with its name, TRS and `children` indices (a node's index is its position in the scene's
/// `nodes`); cameras; a `pbrMetallicRoughness` material per mesh that has one; lights through
/// `KHR_lights_punctual`.
///
/// glTF cannot point a mesh at a whole external model, so each asset URL becomes an external
/// buffer (`buffers[i].uri`) that a minimal placeholder primitive reads from: one 12-byte
/// bufferView, one `VEC3`/`FLOAT` POSITION accessor of one point (mode POINTS). The document
/// validates as it is; the asset URL is also in the mesh's `extras.uri`, where a viewer that
/// knows this convention loads the real model from.
struct GLTFDocument {
    let json: JSONValue

    init(_ scene: Scene) {
        let index = Dictionary(uniqueKeysWithValues: scene.nodes.enumerated().map { ($1.id, $0) })
        var children = [[Int]](repeating: [], count: scene.nodes.count)
        var roots: [Int] = []
        for (position, node) in scene.nodes.enumerated() {
            if let parent = node.parentId.flatMap({ index[$0] }) {
                children[parent].append(position)
            } else {
                roots.append(position)
            }
        }

        var nodes: [JSONValue] = []
        var meshes: [JSONValue] = []
        var materials: [JSONValue] = []
        var cameras: [JSONValue] = []
        var lights: [JSONValue] = []
        var buffers: [JSONValue] = []
        var accessorOfURI: [String: Int] = [:]
        for (position, node) in scene.nodes.enumerated() {
            var object: [String: JSONValue] = [
                "name": .string(node.name),
                "translation": Self.numbers(node.translation),
                "rotation": Self.numbers(node.rotation),
                "scale": Self.numbers(node.scale),
            ]
            if !children[position].isEmpty { object["children"] = Self.indices(children[position]) }
            if let mesh = node.mesh {
                let accessor: Int
                if let existing = accessorOfURI[mesh.uri] {
                    accessor = existing
                } else {
                    accessor = buffers.count
                    accessorOfURI[mesh.uri] = accessor
                    buffers.append(["uri": .string(mesh.uri), "byteLength": 12])
                }
                var primitive: [String: JSONValue] = ["attributes": ["POSITION": .number(Double(accessor))], "mode": 0]
                if let material = mesh.material {
                    primitive["material"] = .number(Double(materials.count))
                    materials.append([
                        "pbrMetallicRoughness": [
                            "baseColorFactor": Self.numbers(material.baseColor),
                            "metallicFactor": .number(material.metallic),
                            "roughnessFactor": .number(material.roughness),
                        ]
                    ])
                }
                object["mesh"] = .number(Double(meshes.count))
                meshes.append([
                    "name": .string(node.name), "primitives": [.object(primitive)],
                    "extras": ["uri": .string(mesh.uri)],
                ])
            }
            if let camera = node.camera {
                object["camera"] = .number(Double(cameras.count))
                cameras.append(Self.camera(camera))
            }
            if let light = node.light {
                object["extensions"] = ["KHR_lights_punctual": ["light": .number(Double(lights.count))]]
                lights.append(Self.light(light, name: node.name))
            }
            if let extras = node.extras { object["extras"] = extras }
            nodes.append(.object(object))
        }

        var document: [String: JSONValue] = [
            "asset": ["version": "2.0", "generator": "strongbox"],
            "scene": 0,
        ]
        // A glTF scene lists at least one root node, or none at all.
        var root: [String: JSONValue] = ["name": .string(scene.name)]
        if !roots.isEmpty { root["nodes"] = Self.indices(roots) }
        document["scenes"] = [.object(root)]
        if !nodes.isEmpty { document["nodes"] = .array(nodes) }
        if !meshes.isEmpty {
            document["meshes"] = .array(meshes)
            document["buffers"] = .array(buffers)
            document["bufferViews"] = .array(
                buffers.indices.map { ["buffer": .number(Double($0)), "byteOffset": 0, "byteLength": 12] })
            document["accessors"] = .array(
                buffers.indices.map {
                    [
                        "bufferView": .number(Double($0)), "componentType": 5126, "count": 1, "type": "VEC3",
                        "min": [0, 0, 0], "max": [0, 0, 0],
                    ]
                })
        }
        if !materials.isEmpty { document["materials"] = .array(materials) }
        if !cameras.isEmpty { document["cameras"] = .array(cameras) }
        if !lights.isEmpty {
            document["extensionsUsed"] = ["KHR_lights_punctual"]
            document["extensions"] = ["KHR_lights_punctual": ["lights": .array(lights)]]
        }
        json = .object(document)
    }

    private static func camera(_ camera: SceneNode.Camera) -> JSONValue {
        var details: [String: JSONValue] = ["znear": .number(camera.znear)]
        if let zfar = camera.zfar { details["zfar"] = .number(zfar) }
        if camera.type == "perspective" {
            details["yfov"] = .number(camera.yfov ?? 1)
            if let aspectRatio = camera.aspectRatio { details["aspectRatio"] = .number(aspectRatio) }
        } else {
            details["xmag"] = .number(camera.xmag ?? 1)
            details["ymag"] = .number(camera.ymag ?? 1)
        }
        var object: [String: JSONValue] = ["type": .string(camera.type)]
        object[camera.type] = .object(details)
        return .object(object)
    }

    private static func light(_ light: SceneNode.Light, name: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name), "type": .string(light.type), "color": numbers(light.color),
            "intensity": .number(light.intensity),
        ]
        if let range = light.range { object["range"] = .number(range) }
        if let spot = light.spot {
            object["spot"] = [
                "innerConeAngle": .number(spot.innerConeAngle), "outerConeAngle": .number(spot.outerConeAngle),
            ]
        }
        return .object(object)
    }

    private static func numbers(_ values: [Double]) -> JSONValue { .array(values.map(JSONValue.number)) }
    private static func indices(_ values: [Int]) -> JSONValue { .array(values.map { .number(Double($0)) }) }
}
