import Foundation
import TestSupport
import Testing

@Suite("2D flows")
struct FlowsTests {
    static var nodes: [[String: Any]] {
        [
            ["id": "1", "type": "input", "position": ["x": 0, "y": 0], "data": ["label": "Start"]],
            [
                "id": "node-2", "type": "default", "position": ["x": 100.5, "y": -80], "width": 150, "height": 40,
                "data": ["label": "Middle", "tags": ["a", "b"]],
            ],
            ["id": "3", "type": "output", "position": ["x": 200, "y": 160], "data": ["label": "End"]],
        ]
    }
    static var edges: [[String: Any]] {
        [
            ["id": "e1-2", "source": "1", "target": "node-2", "animated": true, "label": "go"],
            [
                "id": "e2-3", "source": "node-2", "target": "3", "sourceHandle": "a", "targetHandle": NSNull(),
                "type": "smoothstep", "data": ["weight": 2],
            ],
        ]
    }

    static func create(
        _ world: ContentWorld, name: String = "Chart", nodes: [[String: Any]] = nodes,
        edges: [[String: Any]] = edges, as headers: [String: String]? = nil
    ) async throws -> HTTPTestClient.Response {
        try await world.gateway.http.post(
            "/flows", json: ["name": name, "nodes": nodes, "edges": edges], headers: headers ?? world.admin)
    }

    /// `POST /flows/mutations` with a JSON array body.
    static func mutate(_ http: HTTPTestClient, _ items: [[String: Any]], headers: [String: String]) async throws
        -> HTTPTestClient.Response
    {
        try await http.send(
            "POST", "/flows/mutations", raw: Array(try JSONSerialization.data(withJSONObject: items)), headers: headers)
    }

    static func count(_ world: ContentWorld, _ table: String) async throws -> Int {
        try await world.gateway.count("SELECT count(*) FROM content.\(table)")
    }

    @Test("a chart in React Flow's shape is stored and read back as it was sent; PATCH replaces")
    func createAndReadBack() async throws {
        try await ContentWorld.run { world in
            let http = world.gateway.http
            let created = try await Self.create(world)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["version"] as? Int == 1)

            let chart = try await http.get("/flows/\(id)", headers: world.admin)
            #expect(chart.status == 200)
            let nodes = chart.json["nodes"] as? [[String: Any]] ?? []
            #expect(nodes.compactMap { $0["id"] as? String } == ["1", "node-2", "3"], "in the order sent")
            #expect(nodes.compactMap { $0["type"] as? String } == ["input", "default", "output"])
            let middle = nodes[1]
            #expect((middle["position"] as? [String: Any])?["x"] as? Double == 100.5)
            #expect((middle["position"] as? [String: Any])?["y"] as? Double == -80)
            #expect(middle["width"] as? Double == 150 && middle["height"] as? Double == 40)
            #expect((middle["data"] as? [String: Any])?["tags"] as? [String] == ["a", "b"])
            #expect(nodes[0]["width"] == nil, "absent fields stay absent, as React Flow expects")
            let edges = chart.json["edges"] as? [[String: Any]] ?? []
            #expect(edges.compactMap { $0["id"] as? String } == ["e1-2", "e2-3"])
            #expect(edges[0]["animated"] as? Bool == true && edges[0]["label"] as? String == "go")
            #expect(edges[0]["source"] as? String == "1" && edges[0]["target"] as? String == "node-2")
            #expect(edges[1]["sourceHandle"] as? String == "a" && edges[1]["targetHandle"] == nil)
            #expect(edges[1]["type"] as? String == "smoothstep")
            #expect((edges[1]["data"] as? [String: Any])?["weight"] as? Int == 2)

            let list = try await http.get("/flows", headers: world.admin)
            #expect(list.jsonArray.count == 1)
            #expect(list.jsonArray.first?["nodeCount"] as? Int == 3 && list.jsonArray.first?["edgeCount"] as? Int == 2)

            // Replacing the nodes without node 3 removes its edge; a stale version is refused.
            let patched = try await http.patch(
                "/flows/\(id)", json: ["name": "Renamed", "nodes": Array(Self.nodes.prefix(2)), "expectedVersion": 1],
                headers: world.admin)
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.json["name"] as? String == "Renamed" && patched.json["version"] as? Int == 2)
            #expect((patched.json["edges"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["e1-2"])
            let stale = try await http.patch(
                "/flows/\(id)", json: ["name": "x", "expectedVersion": 1], headers: world.admin)
            #expect(stale.status == 409)
            let edgesOnly = try await http.patch(
                "/flows/\(id)", json: ["edges": [["id": "back", "source": "node-2", "target": "1"]]],
                headers: world.admin)
            #expect(edgesOnly.status == 200, "\(edgesOnly.text)")
            #expect((edgesOnly.json["edges"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["back"])
            #expect((edgesOnly.json["nodes"] as? [[String: Any]])?.count == 2)

            // Bad input: 400 naming the field, nothing stored.
            let bad: [([[String: Any]], [[String: Any]], String)] = [
                (
                    [["id": "a", "position": ["x": 0, "y": 0], "data": [:] as [String: Any], "colour": 1]], [],
                    "nodes[0].colour"
                ),
                ([["id": "a b", "position": ["x": 0, "y": 0]]], [], "nodes[0].id"),
                ([["id": "a", "position": ["x": "0", "y": 0]]], [], "nodes[0].position.x"),
                ([["id": "a"]], [], "nodes[0].position"),
                (
                    [["id": "a", "position": ["x": 0, "y": 0]], ["id": "a", "position": ["x": 1, "y": 1]]], [],
                    "nodes[1].id"
                ),
                ([["id": "a", "position": ["x": 0, "y": 0], "data": "label"]], [], "nodes[0].data"),
                ([["id": "a", "position": ["x": 0, "y": 0]]], [["id": "e", "source": "a"]], "edges[0].target"),
                (
                    [["id": "a", "position": ["x": 0, "y": 0]]],
                    [["id": "e", "source": "a", "target": "a", "animated": "yes"]], "edges[0].animated"
                ),
                (
                    [["id": "a", "position": ["x": 0, "y": 0]]],
                    [["id": "e", "source": "a", "target": "a"], ["id": "e", "source": "a", "target": "a"]],
                    "edges[1].id"
                ),
            ]
            for (nodes, edges, field) in bad {
                let refused = try await Self.create(world, nodes: nodes, edges: edges)
                #expect(refused.status == 400, "\(field): \(refused.text)")
                #expect((refused.json["detail"] as? String ?? "").contains(field), "\(refused.text)")
            }
            let many = (0...5_000).map { ["id": "n\($0)", "position": ["x": $0, "y": 0]] as [String: Any] }
            let tooMany = try await Self.create(world, nodes: many, edges: [])
            #expect(tooMany.status == 400)
            #expect((tooMany.json["detail"] as? String ?? "").contains("`nodes` must hold at most 5000"))
            let unknownField = try await http.post(
                "/flows", json: ["name": "x", "viewport": [:] as [String: Any]], headers: world.admin)
            #expect(unknownField.status == 400)
            #expect(try await Self.count(world, "flow_charts") == 1)

            #expect(try await http.delete("/flows/\(id)", headers: world.admin).status == 204)
            #expect(try await http.get("/flows/\(id)", headers: world.admin).status == 404)
            #expect(try await Self.count(world, "flow_nodes") == 0, "nodes go with their chart")
        }
    }

    @Test("an edge to a node of another chart is refused, however it is sent")
    func edgesStayInTheirChart() async throws {
        try await ContentWorld.run { world in
            let http = world.gateway.http
            let a = try await Self.create(world, name: "A")
            let b = try await Self.create(
                world, name: "B", nodes: [["id": "b1", "position": ["x": 0, "y": 0], "data": [:] as [String: Any]]],
                edges: [])
            let aID = try #require(a.json["id"] as? String)
            let bID = try #require(b.json["id"] as? String)
            let edgesBefore = try await Self.count(world, "flow_edges")

            let created = try await Self.create(
                world, name: "C", nodes: [["id": "c1", "position": ["x": 0, "y": 0]]],
                edges: [["id": "x", "source": "c1", "target": "1"]])
            #expect(created.status == 422, "\(created.text)")
            #expect((created.json["detail"] as? String ?? "").contains("edges[0].target"))

            let patched = try await http.patch(
                "/flows/\(bID)", json: ["edges": [["id": "x", "source": "b1", "target": "1"]]], headers: world.admin)
            #expect(patched.status == 422, "\(patched.text)")
            #expect((patched.json["detail"] as? String ?? "").contains("edges[0].target"))

            let mutation = try await Self.mutate(
                http,
                [
                    [
                        "type": "insert", "collection": "flow_edge",
                        "value": ["id": "x", "chartId": bID, "source": "b1", "target": "node-2"],
                    ]
                ], headers: world.admin)
            #expect(mutation.status == 422, "\(mutation.text)")
            #expect((mutation.json["detail"] as? String ?? "").contains("mutations[0].value.target"))
            let moved = try await Self.mutate(
                http,
                [
                    [
                        "type": "update", "collection": "flow_edge", "key": "e1-2",
                        "value": ["chartId": aID, "target": "b1"],
                    ]
                ], headers: world.admin)
            #expect(moved.status == 422, "\(moved.text)")
            #expect(try await Self.count(world, "flow_edges") == edgesBefore)
            #expect(try await Self.count(world, "flow_charts") == 2)
        }
    }

    @Test("a mutation batch is all or nothing: one bad item changes nothing; a good one returns txid and results")
    func mutationBatches() async throws {
        try await ContentWorld.run { world in
            let http = world.gateway.http
            let existing = try await Self.create(world, name: "Existing")
            let existingID = try #require(existing.json["id"] as? String)
            let before = try await http.get("/flows/\(existingID)", headers: world.admin)
            let chartID = UUID().uuidString.lowercased()

            var batch: [[String: Any]] = [
                ["type": "insert", "collection": "flow_chart", "key": chartID, "value": ["name": "New"]],
                [
                    "type": "insert", "collection": "flow_node", "key": "a",
                    "value": ["chartId": chartID, "position": ["x": 0, "y": 0], "data": ["label": "A"]],
                ],
                [
                    "type": "insert", "collection": "flow_node",
                    "value": [
                        "id": "b", "chartId": chartID, "type": "output", "position": ["x": 50, "y": 50],
                        "data": [:] as [String: Any],
                    ],
                ],
                [
                    "type": "insert", "collection": "flow_edge",
                    "value": ["id": "a-b", "chartId": chartID, "source": "a", "target": "b"],
                ],
                [
                    "type": "update", "collection": "flow_node", "key": "1",
                    "value": ["chartId": existingID, "position": ["x": 9, "y": 9]],
                ],
                ["type": "remove", "collection": "flow_node", "key": "3", "value": ["chartId": existingID]],
                ["type": "update", "collection": "flow_chart", "key": existingID, "value": ["name": "Changed"]],
            ]
            let bad: [([String: Any], Int, String)] = [
                (
                    [
                        "type": "insert", "collection": "flow_edge",
                        "value": ["id": "z", "chartId": chartID, "source": "a", "target": "nope"],
                    ], 422, "mutations[7].value.target"
                ),
                (
                    [
                        "type": "insert", "collection": "flow_node",
                        "value": ["id": "a", "chartId": chartID, "position": ["x": 0, "y": 0]],
                    ], 409, "mutations[7]"
                ),
                (
                    ["type": "update", "collection": "flow_node", "key": "ghost", "value": ["chartId": existingID]],
                    404, "mutations[7]"
                ),
                (
                    [
                        "type": "insert", "collection": "flow_node",
                        "value": ["id": "q", "chartId": chartID, "type": "mystery", "position": ["x": 0, "y": 0]],
                    ], 422, "mutations[7].value.type"
                ),
                (["type": "upsert", "collection": "flow_node"], 400, "mutations[7].type"),
                (
                    [
                        "type": "insert", "collection": "flow_node",
                        "value": ["id": "q", "chartId": chartID, "position": ["x": 0, "y": 0], "extra": 1],
                    ], 400, "mutations[7].value.extra"
                ),
                (
                    [
                        "type": "insert", "collection": "flow_chart", "value": ["name": "x"],
                        "original": [:] as [String: Any],
                    ], 400, "mutations[7].original"
                ),
            ]
            for (item, status, field) in bad {
                let refused = try await Self.mutate(http, batch + [item], headers: world.admin)
                #expect(refused.status == status, "\(field): \(refused.text)")
                #expect((refused.json["detail"] as? String ?? "").contains(field), "\(refused.text)")
                #expect(
                    try await http.get("/flows/\(chartID)", headers: world.admin).status == 404, "nothing was created")
                let after = try await http.get("/flows/\(existingID)", headers: world.admin)
                #expect(
                    NSDictionary(dictionary: after.json).isEqual(to: before.json), "the existing chart is as it was")
            }
            // Ids and endpoints follow what the batch did before: an edge to a node it removed, a
            // node or edge it inserted twice.
            let nodeA = ["chartId": chartID, "position": ["x": 0, "y": 0]] as [String: Any]
            let sequences: [([[String: Any]], Int, String)] = [
                (
                    [
                        ["type": "remove", "collection": "flow_node", "key": "a", "value": ["chartId": chartID]],
                        [
                            "type": "insert", "collection": "flow_edge",
                            "value": ["id": "b-a", "chartId": chartID, "source": "b", "target": "a"],
                        ],
                    ], 422, "mutations[8].value.target"
                ),
                (
                    [
                        ["type": "remove", "collection": "flow_node", "key": "a", "value": ["chartId": chartID]],
                        ["type": "insert", "collection": "flow_node", "key": "a", "value": nodeA],
                        ["type": "insert", "collection": "flow_node", "key": "a", "value": nodeA],
                    ], 409, "mutations[9].value.id"
                ),
                (
                    [
                        [
                            "type": "insert", "collection": "flow_edge",
                            "value": ["id": "a-b", "chartId": chartID, "source": "b", "target": "a"],
                        ]
                    ], 409, "mutations[7].value.id"
                ),
            ]
            for (items, status, field) in sequences {
                let refused = try await Self.mutate(http, batch + items, headers: world.admin)
                #expect(refused.status == status, "\(field): \(refused.text)")
                #expect((refused.json["detail"] as? String ?? "").contains(field), "\(refused.text)")
            }
            #expect(try await Self.count(world, "flow_charts") == 1)
            #expect(try await Self.count(world, "flow_nodes") == 3)
            let notArray = try await http.post("/flows/mutations", json: ["type": "insert"], headers: world.admin)
            #expect(notArray.status == 400)

            batch.append(["type": "remove", "collection": "flow_edge", "key": "e1-2", "value": ["chartId": existingID]])
            // A node added to a chart that has nodes goes after them; an edge joins it to one of them.
            batch.append([
                "type": "insert", "collection": "flow_node", "key": "4",
                "value": ["chartId": existingID, "position": ["x": 4, "y": 4]],
            ])
            batch.append([
                "type": "insert", "collection": "flow_edge",
                "value": ["id": "1-4", "chartId": existingID, "source": "1", "target": "4"],
            ])
            let applied = try await Self.mutate(http, batch, headers: world.admin)
            #expect(applied.status == 200, "\(applied.text)")
            let txid = applied.json["txid"] as? Int ?? 0
            #expect(txid > 0)
            let results = applied.json["results"] as? [[String: Any]] ?? []
            #expect(results.count == batch.count)
            #expect((results.first?["key"] as? String)?.lowercased() == chartID)
            #expect(results[1]["collection"] as? String == "flow_node" && results[1]["key"] as? String == "a")
            #expect(((results[4]["value"] as? [String: Any])?["position"] as? [String: Any])?["x"] as? Int == 9)
            #expect(results[5]["value"] is NSNull)

            let created = try await http.get("/flows/\(chartID)", headers: world.admin)
            #expect(created.status == 200)
            #expect(created.json["name"] as? String == "New" && created.json["version"] as? Int == 1)
            #expect((created.json["nodes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["a", "b"])
            #expect((created.json["edges"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["a-b"])
            let changed = try await http.get("/flows/\(existingID)", headers: world.admin)
            #expect(changed.json["name"] as? String == "Changed")
            #expect(changed.json["version"] as? Int == 2, "one version per batch")
            #expect(
                (changed.json["nodes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["1", "node-2", "4"])
            #expect(
                (changed.json["edges"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["1-4"],
                "e2-3 went with node 3; e1-2 removed; 1-4 added")

            // Later batches get later transaction ids.
            let next = try await Self.mutate(
                http, [["type": "remove", "collection": "flow_chart", "key": chartID]], headers: world.admin)
            #expect(next.status == 200)
            #expect(next.json["txid"] as? Int ?? 0 > txid)
            #expect(try await http.get("/flows/\(chartID)", headers: world.admin).status == 404)
        }
    }

    @Test("node types: created by admins, used by nodes, an unknown type refused, one in use kept")
    func nodeTypes() async throws {
        try await ContentWorld.run { world in
            let http = world.gateway.http
            let created = try await http.post(
                "/flow-node-types", json: ["name": "decision", "label": "Decision", "description": "Two ways"],
                headers: world.admin)
            #expect(created.status == 201, "\(created.text)")
            let typeID = try #require(created.json["id"] as? String)
            #expect(created.json["label"] as? String == "Decision")
            #expect(
                try await http.post("/flow-node-types", json: ["name": "decision"], headers: world.admin).status == 409)
            #expect(
                try await http.post("/flow-node-types", json: ["name": "group"], headers: world.admin).status == 409)
            let badName = try await http.post("/flow-node-types", json: ["name": "9 lives"], headers: world.admin)
            #expect(badName.status == 400)
            #expect((badName.json["detail"] as? String ?? "").contains("`name`"))
            let user = try await world.user("drawer")
            #expect(
                try await http.post("/flow-node-types", json: ["name": "mine"], headers: user.headers).status == 403)
            let list = try await http.get("/flow-node-types", headers: user.headers)
            #expect(list.jsonArray.compactMap { $0["name"] as? String } == ["decision"])

            // Users draw with the tenant's types; an unknown type is refused, naming the node.
            let chart = try await Self.create(
                world,
                nodes: [["id": "d", "type": "decision", "position": ["x": 0, "y": 0], "data": [:] as [String: Any]]],
                edges: [], as: user.headers)
            #expect(chart.status == 201, "\(chart.text)")
            let chartID = try #require(chart.json["id"] as? String)
            let unknown = try await Self.create(
                world,
                nodes: [
                    ["id": "ok", "position": ["x": 0, "y": 0]],
                    ["id": "m", "type": "mystery", "position": ["x": 0, "y": 0]],
                ], edges: [])
            #expect(unknown.status == 422)
            #expect((unknown.json["detail"] as? String ?? "").contains("nodes[1].type"), "\(unknown.text)")

            // In use: kept. Unused: deleted, and no longer accepted.
            let inUse = try await http.delete("/flow-node-types/\(typeID)", headers: world.admin)
            #expect(inUse.status == 409)
            #expect(try await http.delete("/flow-node-types/\(typeID)", headers: user.headers).status == 403)
            #expect(try await http.delete("/flows/\(chartID)", headers: world.admin).status == 204)
            #expect(try await http.delete("/flow-node-types/\(typeID)", headers: world.admin).status == 204)
            let gone = try await Self.create(
                world, nodes: [["id": "d", "type": "decision", "position": ["x": 0, "y": 0]]], edges: [])
            #expect(gone.status == 422)

            // Types through mutations, in the same batch as the nodes that use them.
            let batch = try await Self.mutate(
                http,
                [
                    ["type": "insert", "collection": "flow_node_type", "value": ["name": "note"]],
                    [
                        "type": "insert", "collection": "flow_chart", "key": UUID().uuidString,
                        "value": ["name": "Notes"],
                    ],
                ], headers: world.admin)
            #expect(batch.status == 200, "\(batch.text)")

            // Who may delete a chart: its author, moderators and admins; readonly keys only read.
            let mine = try await Self.create(world, name: "Mine", as: user.headers)
            let mineID = try #require(mine.json["id"] as? String)
            let other = try await world.user("other")
            #expect(
                try await http.patch("/flows/\(mineID)", json: ["name": "Shared"], headers: other.headers).status == 200
            )
            #expect(try await http.delete("/flows/\(mineID)", headers: other.headers).status == 403)
            let readonly = try await world.gateway.createKey("readonly", adminKey: world.tenant.key)
            #expect(try await http.get("/flows/\(mineID)", headers: ["x-api-key": readonly.key]).status == 200)
            let readonlyBatch = try await Self.mutate(
                http, [["type": "remove", "collection": "flow_chart", "key": mineID]],
                headers: ["x-api-key": readonly.key])
            #expect(readonlyBatch.status == 403)
            #expect(try await http.delete("/flows/\(mineID)", headers: user.headers).status == 204)
        }
    }

    @Test("tenant B gets 404 for tenant A's charts and node types everywhere")
    func tenantIsolation() async throws {
        try await ContentWorld.run { world in
            let http = world.gateway.http
            let type = try await http.post("/flow-node-types", json: ["name": "decision"], headers: world.admin)
            let typeID = try #require(type.json["id"] as? String)
            let chart = try await Self.create(world)
            let id = try #require(chart.json["id"] as? String)
            let other = try await world.gateway.createTenant("Other flows tenant")
            let b = ["x-api-key": other.key]

            #expect(try await http.get("/flows/\(id)", headers: b).status == 404)
            #expect(try await http.patch("/flows/\(id)", json: ["name": "x"], headers: b).status == 404)
            #expect(try await http.delete("/flows/\(id)", headers: b).status == 404)
            #expect(try await http.get("/flows", headers: b).isEmptyPage)
            #expect(try await http.get("/flow-node-types", headers: b).isEmptyPage)
            #expect(try await http.delete("/flow-node-types/\(typeID)", headers: b).status == 404)
            for item: [String: Any] in [
                ["type": "update", "collection": "flow_chart", "key": id, "value": ["name": "x"]],
                ["type": "remove", "collection": "flow_chart", "key": id],
                [
                    "type": "insert", "collection": "flow_node",
                    "value": ["id": "x", "chartId": id, "position": ["x": 0, "y": 0]],
                ],
                ["type": "remove", "collection": "flow_node", "key": "1", "value": ["chartId": id]],
                ["type": "update", "collection": "flow_node_type", "key": typeID, "value": ["label": "x"]],
            ] {
                let refused = try await Self.mutate(http, [item], headers: b)
                #expect(refused.status == 404, "\(item): \(refused.text)")
            }
            let borrowed = try await Self.create(
                world, nodes: [["id": "d", "type": "decision", "position": ["x": 0, "y": 0]]], edges: [], as: b)
            #expect(borrowed.status == 422, "A's node types are not B's")
            let sameID = try await Self.mutate(
                http, [["type": "insert", "collection": "flow_chart", "key": id, "value": ["name": "Mine"]]], headers: b
            )
            #expect(sameID.status == 409, "a taken id, without saying whose")
            let again = try await http.get("/flows/\(id)", headers: world.admin)
            #expect(again.json["name"] as? String == "Chart" && again.json["version"] as? Int == 1)
        }
    }
}
