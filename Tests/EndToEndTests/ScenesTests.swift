import Foundation
import TestSupport
import Testing

@Suite("3D scenes")
struct ScenesTests {
    /// A small scene: a world with a car (a mesh with a material, a wheel and a spot lamp under
    /// it), a camera and a sun.
    static var nodes: [[String: Any]] {
        [
            ["id": "world", "name": "World"],
            [
                "id": "car", "name": "Car", "parentId": "world", "translation": [1, 0, -2.5],
                "rotation": [0, 0.7071068, 0, 0.7071068], "scale": [2, 2, 2],
                "mesh": [
                    "uri": "https://assets.example.com/car.glb",
                    "material": ["baseColor": [1, 0, 0, 1], "metallic": 0.5, "roughness": 0.25],
                ],
                "extras": ["sku": "C-1"],
            ],
            [
                "id": "wheel", "name": "Wheel", "parentId": "car", "translation": [0.5, -0.5, 0],
                "mesh": ["uri": "https://assets.example.com/wheel.glb"],
            ],
            [
                "id": "lamp", "name": "Lamp", "parentId": "car",
                "light": ["type": "spot", "color": [1, 0.9, 0.8], "intensity": 20, "range": 10],
            ],
            [
                "id": "cam", "name": "Camera", "translation": [0, 2, 10],
                "camera": ["type": "perspective", "yfov": 0.8, "znear": 0.1, "zfar": 100, "aspectRatio": 1.5],
            ],
            [
                "id": "sun", "name": "Sun", "rotation": [-0.3826834, 0, 0, 0.9238795],
                "light": ["type": "directional", "intensity": 3],
            ],
        ]
    }

    static func create(
        _ world: ContentWorld, name: String = "Garage", nodes: [[String: Any]] = nodes, isPublic: Bool = false,
        as headers: [String: String]? = nil
    ) async throws -> HTTPTestClient.Response {
        try await world.gateway.http.post(
            "/scenes", json: ["name": name, "nodes": nodes, "public": isPublic], headers: headers ?? world.admin)
    }

    @Test("create, read, change, list and delete a scene; TRS defaults and a normalised rotation")
    func crud() async throws {
        try await ContentWorld.run { world in
            let http = world.gateway.http
            let created = try await Self.create(world)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["public"] as? Bool == false && created.json["version"] as? Int == 1)

            let scene = try await http.get("/scenes/\(id)", headers: world.admin)
            let nodes = scene.json["nodes"] as? [[String: Any]] ?? []
            #expect(nodes.compactMap { $0["id"] as? String } == ["world", "car", "wheel", "lamp", "cam", "sun"])
            #expect(nodes[0]["translation"] as? [Double] == [0, 0, 0])
            #expect(nodes[0]["rotation"] as? [Double] == [0, 0, 0, 1])
            #expect(nodes[0]["scale"] as? [Double] == [1, 1, 1])
            #expect(nodes[0]["parentId"] == nil)
            #expect(nodes[1]["parentId"] as? String == "world")
            let rotation = nodes[1]["rotation"] as? [Double] ?? []
            #expect(abs(rotation.reduce(0) { $0 + $1 * $1 } - 1) < 1e-12, "stored normalised: \(rotation)")
            #expect((nodes[1]["extras"] as? [String: Any])?["sku"] as? String == "C-1")
            let material = (nodes[1]["mesh"] as? [String: Any])?["material"] as? [String: Any]
            #expect(material?["roughness"] as? Double == 0.25)
            let lamp = nodes[3]["light"] as? [String: Any]
            #expect(
                (lamp?["spot"] as? [String: Any])?["outerConeAngle"] as? Double == Double.pi / 4, "glTF's default cone")
            #expect((nodes[5]["light"] as? [String: Any])?["color"] as? [Double] == [1, 1, 1])

            let renamed = try await http.patch(
                "/scenes/\(id)",
                json: ["name": "Showroom", "nodes": [["id": "only", "name": "Only"]], "expectedVersion": 1],
                headers: world.admin)
            #expect(renamed.status == 200, "\(renamed.text)")
            #expect(renamed.json["version"] as? Int == 2)
            #expect((renamed.json["nodes"] as? [[String: Any]])?.count == 1)
            #expect(
                try await http.patch("/scenes/\(id)", json: ["name": "x", "expectedVersion": 1], headers: world.admin)
                    .status
                    == 409)
            let list = try await http.get("/scenes", headers: world.admin)
            #expect(list.jsonArray.first?["name"] as? String == "Showroom")
            #expect(list.jsonArray.first?["nodeCount"] as? Int == 1)

            // Bad nodes: 400 naming the field; nothing stored.
            func node(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
                var node: [String: Any] = ["id": "n", "name": "N"]
                change(&node)
                return node
            }
            let bad: [([String: Any], String)] = [
                (node { $0["rotation"] = [0, 0, 0, 2] }, "nodes[0].rotation"),
                (node { $0["rotation"] = [0, 0, 0] }, "nodes[0].rotation"),
                (node { $0["translation"] = [0, "1", 0] }, "nodes[0].translation"),
                (node { $0["colour"] = "red" }, "nodes[0].colour"),
                (node { $0["name"] = nil }, "nodes[0].name"),
                (node { $0["mesh"] = ["uri": "ftp://assets.example.com/a.glb"] }, "nodes[0].mesh.uri"),
                (node { $0["mesh"] = ["uri": "file:///etc/passwd"] }, "nodes[0].mesh.uri"),
                (
                    node { $0["mesh"] = ["uri": "https://a.example/x.glb", "material": ["metallic": 2]] },
                    "nodes[0].mesh.material.metallic"
                ),
                (node { $0["camera"] = ["type": "perspective", "znear": 0.1] }, "nodes[0].camera.yfov"),
                (node { $0["camera"] = ["type": "perspective", "yfov": 1, "znear": 0] }, "nodes[0].camera.znear"),
                (
                    node { $0["camera"] = ["type": "perspective", "yfov": 1, "znear": 1, "zfar": 0.5] },
                    "nodes[0].camera.zfar"
                ),
                (
                    node { $0["camera"] = ["type": "orthographic", "xmag": 1, "ymag": 1, "znear": 0] },
                    "nodes[0].camera.zfar"
                ),
                (
                    node { $0["camera"] = ["type": "orthographic", "xmag": 0, "ymag": 1, "znear": 0, "zfar": 1] },
                    "nodes[0].camera.xmag"
                ),
                (node { $0["camera"] = ["type": "fisheye", "znear": 1] }, "nodes[0].camera.type"),
                (node { $0["light"] = ["type": "directional", "range": 5] }, "nodes[0].light.range"),
                (node { $0["light"] = ["type": "point", "color": [2, 0, 0]] }, "nodes[0].light.color"),
                (node { $0["light"] = ["type": "area"] }, "nodes[0].light.type"),
            ]
            for (node, field) in bad {
                let refused = try await Self.create(world, nodes: [node])
                #expect(refused.status == 400, "\(field): \(refused.text)")
                #expect((refused.json["detail"] as? String ?? "").contains(field), "\(refused.text)")
            }
            let orthographic = try await Self.create(
                world,
                nodes: [node { $0["camera"] = ["type": "orthographic", "xmag": 2, "ymag": 1, "znear": 0, "zfar": 50] }])
            #expect(orthographic.status == 201, "\(orthographic.text)")
            #expect(
                try await http.delete("/scenes/\(orthographic.json["id"] as? String ?? "")", headers: world.admin)
                    .status == 204)
            #expect(try await world.gateway.count("SELECT count(*) FROM content.scenes") == 1)

            #expect(try await http.delete("/scenes/\(id)", headers: world.admin).status == 204)
            #expect(try await http.get("/scenes/\(id)", headers: world.admin).status == 404)
        }
    }

    @Test("the hierarchy: a cycle, a missing parent and a repeated id are refused, naming the node")
    func hierarchy() async throws {
        try await ContentWorld.run { world in
            let cycle = try await Self.create(
                world,
                nodes: [
                    ["id": "root", "name": "Root"], ["id": "a", "name": "A", "parentId": "c"],
                    ["id": "b", "name": "B", "parentId": "a"], ["id": "c", "name": "C", "parentId": "b"],
                ])
            #expect(cycle.status == 422, "\(cycle.text)")
            let detail = cycle.json["detail"] as? String ?? ""
            #expect(detail.contains("cycle") && detail.contains("nodes[1]") && detail.contains("`a`"), "\(detail)")
            let selfParent = try await Self.create(world, nodes: [["id": "a", "name": "A", "parentId": "a"]])
            #expect(selfParent.status == 422)
            let orphan = try await Self.create(world, nodes: [["id": "a", "name": "A", "parentId": "ghost"]])
            #expect(orphan.status == 422)
            #expect((orphan.json["detail"] as? String ?? "").contains("ghost"))
            let twice = try await Self.create(world, nodes: [["id": "a", "name": "A"], ["id": "a", "name": "B"]])
            #expect(twice.status == 400)
            #expect((twice.json["detail"] as? String ?? "").contains("nodes[1].id"))
            let created = try await Self.create(
                world, nodes: [["id": "a", "name": "A"], ["id": "b", "name": "B", "parentId": "a"]])
            let id = try #require(created.json["id"] as? String)
            let patched = try await world.gateway.http.patch(
                "/scenes/\(id)",
                json: [
                    "nodes": [["id": "a", "name": "A", "parentId": "b"], ["id": "b", "name": "B", "parentId": "a"]]
                ],
                headers: world.admin)
            #expect(patched.status == 422)
            #expect(try await world.gateway.count("SELECT count(*) FROM content.scenes") == 1)
        }
    }

    @Test("the glTF export loads with pygltflib and matches the scene: hierarchy, names, TRS, cameras, lights")
    func gltfExport() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: SDKTests.python),
            "no SDK virtualenv at \(SDKTests.python): `make test` creates it (scripts/sdk-venv.sh)")
        try await ContentWorld.run { world in
            let created = try await Self.create(world)
            let id = try #require(created.json["id"] as? String)
            let export = try await world.gateway.http.get("/scenes/\(id)/gltf", headers: world.admin)
            #expect(export.status == 200)
            #expect(export.header("content-type") == "model/gltf+json")
            let document = export.json
            #expect((document["asset"] as? [String: Any])?["version"] as? String == "2.0")
            let nodes = document["nodes"] as? [[String: Any]] ?? []
            #expect(nodes.compactMap { $0["name"] as? String } == ["World", "Car", "Wheel", "Lamp", "Camera", "Sun"])
            #expect(nodes[0]["children"] as? [Int] == [1])
            #expect(nodes[1]["children"] as? [Int] == [2, 3])
            #expect((document["scenes"] as? [[String: Any]])?.first?["nodes"] as? [Int] == [0, 4, 5])

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("strongbox-\(UUID()).gltf")
            try Data(export.body).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let script = TestCluster.repositoryRoot.appendingPathComponent("Tests/sdk/check_gltf.py").path
            let run = try ChildProcess(SDKTests.python, [script, file.path], logName: "gltf")
            #expect(await run.waitForExit(timeout: .seconds(60)) == 0, "\(run.output)")
            let line = try #require(run.output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(run.output)")
            let loaded = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(loaded["version"] as? String == "2.0")
            #expect(loaded["roots"] as? [String] == ["World", "Camera", "Sun"])
            #expect(loaded["extensionsUsed"] as? [String] == ["KHR_lights_punctual"])
            #expect(loaded["lights"] as? [String] == ["spot", "directional"])
            #expect(loaded["cameras"] as? [String] == ["perspective"])
            let described = loaded["nodes"] as? [[String: Any]] ?? []
            #expect(
                described.compactMap { $0["name"] as? String } == ["World", "Car", "Wheel", "Lamp", "Camera", "Sun"])
            #expect(described[0]["children"] as? [String] == ["Car"])
            #expect(described[1]["children"] as? [String] == ["Wheel", "Lamp"])
            #expect(described[1]["translation"] as? [Double] == [1, 0, -2.5])
            #expect(described[1]["scale"] as? [Double] == [2, 2, 2])
            let rotation = described[1]["rotation"] as? [Double] ?? []
            #expect(rotation.count == 4 && abs(rotation[1] - 0.7071068) < 1e-6 && abs(rotation[3] - 0.7071068) < 1e-6)
            #expect(described[1]["bufferUri"] as? String == "https://assets.example.com/car.glb")
            #expect((described[1]["material"] as? [String: Any])?["baseColor"] as? [Double] == [1, 0, 0, 1])
            #expect((described[1]["material"] as? [String: Any])?["metallic"] as? Double == 0.5)
            #expect(described[2]["bufferUri"] as? String == "https://assets.example.com/wheel.glb")
            #expect(described[3]["light"] as? String == "spot")
            #expect(described[4]["camera"] as? String == "perspective")
            #expect(described[4]["translation"] as? [Double] == [0, 2, 10])
            #expect(described[5]["light"] as? String == "directional")

            // An empty scene is a valid document too.
            let empty = try await Self.create(world, name: "Empty", nodes: [])
            let emptyExport = try await world.gateway.http.get(
                "/scenes/\(empty.json["id"] as? String ?? "")/gltf", headers: world.admin)
            try Data(emptyExport.body).write(to: file)
            let emptyRun = try ChildProcess(SDKTests.python, [script, file.path], logName: "gltf")
            #expect(await emptyRun.waitForExit(timeout: .seconds(60)) == 0, "\(emptyRun.output)")
        }
    }

    @Test("public scenes are served without a key, cached with ETag/304, and only while public")
    func publicServing() async throws {
        try await ContentWorld.run { world in
            let http = world.gateway.http
            let slug = world.tenant.slug
            let author = try await world.user("modeller")
            let created = try await Self.create(world, as: author.headers)
            let id = try #require(created.json["id"] as? String)
            #expect(try await http.get("/public/\(slug)/scenes/\(id)").status == 404)
            #expect(try await http.get("/public/\(slug)/scenes/\(id)/gltf").status == 404)

            // Only the author (or a moderator) makes it public; others may still rename it.
            let other = try await world.user("bystander")
            #expect(try await http.patch("/scenes/\(id)", json: ["public": true], headers: other.headers).status == 403)
            #expect(
                try await http.patch("/scenes/\(id)", json: ["name": "Shared"], headers: other.headers).status == 200)
            #expect(try await http.delete("/scenes/\(id)", headers: other.headers).status == 403)
            let published = try await http.patch("/scenes/\(id)", json: ["public": true], headers: author.headers)
            #expect(published.status == 200, "\(published.text)")

            let scene = try await http.get("/public/\(slug)/scenes/\(id)")
            #expect(scene.status == 200, "\(scene.text)")
            #expect(scene.json["name"] as? String == "Shared")
            #expect(scene.json["author"] == nil && scene.json["public"] == nil, "the public shape")
            #expect((scene.json["nodes"] as? [[String: Any]])?.count == 6)
            let etag = try #require(scene.header("etag"))
            #expect(scene.header("cache-control") == "public, max-age=60")
            let notModified = try await http.get("/public/\(slug)/scenes/\(id)", headers: ["if-none-match": etag])
            #expect(notModified.status == 304)
            let gltf = try await http.get("/public/\(slug)/scenes/\(id)/gltf")
            #expect(gltf.status == 200)
            #expect(gltf.header("content-type") == "model/gltf+json")
            #expect((gltf.json["asset"] as? [String: Any])?["version"] as? String == "2.0")
            #expect(gltf.header("etag") != etag)

            // A change shows at once; private again, it is gone.
            let renamed = try await http.patch("/scenes/\(id)", json: ["name": "Renamed"], headers: author.headers)
            #expect(renamed.status == 200)
            let fresh = try await http.get("/public/\(slug)/scenes/\(id)", headers: ["if-none-match": etag])
            #expect(fresh.status == 200)
            #expect(fresh.json["name"] as? String == "Renamed")
            #expect(
                try await http.patch("/scenes/\(id)", json: ["public": false], headers: author.headers).status == 200)
            #expect(try await http.get("/public/\(slug)/scenes/\(id)").status == 404)
            #expect(try await http.get("/public/\(slug)/scenes/\(id)/gltf").status == 404)
            #expect(
                try await http.get("/public/no-such-tenant-\(UUID().uuidString.prefix(6).lowercased())/scenes/\(id)")
                    .status == 404)
        }
    }

    @Test("tenant B gets 404 for tenant A's scenes everywhere, public routes included")
    func tenantIsolation() async throws {
        try await ContentWorld.run { world in
            let http = world.gateway.http
            let created = try await Self.create(world, isPublic: true)
            let id = try #require(created.json["id"] as? String)
            let other = try await world.gateway.createTenant("Other scenes tenant")
            let b = ["x-api-key": other.key]

            #expect(try await http.get("/scenes/\(id)", headers: b).status == 404)
            #expect(try await http.get("/scenes/\(id)/gltf", headers: b).status == 404)
            #expect(try await http.patch("/scenes/\(id)", json: ["name": "x"], headers: b).status == 404)
            #expect(try await http.delete("/scenes/\(id)", headers: b).status == 404)
            #expect(try await http.get("/scenes", headers: b).isEmptyPage)
            #expect(try await http.get("/public/\(other.slug)/scenes/\(id)").status == 404)
            #expect(try await http.get("/public/\(other.slug)/scenes/\(id)/gltf").status == 404)
            #expect(try await http.get("/public/\(world.tenant.slug)/scenes/\(id)").status == 200)
            let again = try await http.get("/scenes/\(id)", headers: world.admin)
            #expect(again.json["name"] as? String == "Garage" && again.json["version"] as? Int == 1)

            let noScenes = try await world.gateway.createTenant("No scenes", modules: ["content", "flows"])
            let refused = try await http.get("/scenes", headers: ["x-api-key": noScenes.key])
            #expect(refused.status == 403)
            #expect(try await http.get("/public/\(noScenes.slug)/scenes/\(id)").status == 403)
        }
    }
}
