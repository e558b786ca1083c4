import Contracts
import Foundation
import Messaging
import TestSupport
import Testing

@Suite("Tenants (platform admin)")
struct TenantsTests {
    @Test("create, list, get, update, regenerate key; keys are never listed")
    func lifecycle() async throws {
        try await TestGateway.run { gateway in
            let http = gateway.http
            let created = try await http.post(
                "/tenants", json: ["name": "Acme Corp", "modules": ["content", "users"]], headers: gateway.adminHeaders)
            #expect(created.status == 201)
            #expect(created.json["slug"] as? String == "acme-corp")
            #expect(created.json["modules"] as? [String] == ["content", "users"])
            let key = try #require(created.json["apiKey"] as? String)
            #expect(key.hasPrefix("tnnt_") && key.count >= 37)
            let id = try #require(created.json["id"] as? String)

            let everything = try await http.post("/tenants", json: ["name": "Globex"], headers: gateway.adminHeaders)
            #expect((everything.json["modules"] as? [String])?.count == 7, "no modules given: all of them")

            let list = try await http.get("/tenants", headers: gateway.adminHeaders)
            #expect(list.status == 200)
            #expect(list.jsonArray.map { $0["name"] as? String } == ["Acme Corp", "Globex"])
            #expect(!list.text.contains("tnnt_"), "GET /tenants never contains a key")
            #expect(list.json["nextCursor"] is NSNull)

            let fetched = try await http.get("/tenants/\(id)", headers: gateway.adminHeaders)
            #expect(fetched.json["name"] as? String == "Acme Corp")
            #expect(!fetched.text.contains("tnnt_"))

            let updated = try await http.patch(
                "/tenants/\(id)", json: ["name": "Acme Inc", "modules": ["content"]], headers: gateway.adminHeaders)
            #expect(updated.status == 200)
            #expect(updated.json["name"] as? String == "Acme Inc")
            #expect(updated.json["slug"] as? String == "acme-corp", "the slug stays")
            #expect(updated.json["modules"] as? [String] == ["content"])

            let regenerated = try await http.post("/tenants/\(id)/regenerate-key", headers: gateway.adminHeaders)
            #expect(regenerated.status == 200)
            let newKey = try #require(regenerated.json["apiKey"] as? String)
            #expect(newKey != key)
            #expect(
                try await http.get("/api-keys", headers: ["x-api-key": key]).status == 401,
                "the old admin key is revoked")
            #expect(try await http.get("/api-keys", headers: ["x-api-key": newKey]).status == 200)
        }
    }

    @Test("paginates with limit and an opaque cursor")
    func pagination() async throws {
        try await TestGateway.run { gateway in
            for index in 0..<5 { _ = try await gateway.createTenant("Tenant \(index)") }
            var names: [String] = []
            var cursor: String?
            repeat {
                let page = try await gateway.http.get(
                    "/tenants?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), headers: gateway.adminHeaders)
                #expect(page.status == 200)
                #expect(page.jsonArray.count <= 2)
                names += page.jsonArray.compactMap { $0["name"] as? String }
                cursor = page.json["nextCursor"] as? String
            } while cursor != nil
            #expect(names == (0..<5).map { "Tenant \($0)" })
            for bad in ["limit=0", "limit=201", "limit=ten", "cursor=garbage!"] {
                let response = try await gateway.http.get("/tenants?\(bad)", headers: gateway.adminHeaders)
                #expect(response.status == 400, "\(bad)")
            }
        }
    }

    @Test("bad input gets a 4xx naming the problem")
    func badInput() async throws {
        try await TestGateway.run { gateway in
            let http = gateway.http
            let admin = gateway.adminHeaders
            _ = try await gateway.createTenant("Taken")
            let cases: [([String: Any], Int, String)] = [
                (["name": ""], 400, "`name`"),
                (["slug": "x"], 400, "missing field `name`"),
                (["name": "Fine", "slug": "Not A Slug"], 400, "`slug`"),
                (["name": "Fine", "modules": ["content", "teleport"]], 400, "teleport"),
                (["name": "Fine", "colour": "red"], 400, "unknown field `colour`"),
                (["name": 42], 400, "`name` must be a string"),
                (["name": "Taken"], 409, "name already exists"),
                (["name": "Other", "slug": "taken"], 409, "slug already exists"),
            ]
            for (body, status, detail) in cases {
                let response = try await http.post("/tenants", json: body, headers: admin)
                #expect(response.status == status, "\(body): \(response.text)")
                #expect(response.header("content-type") == "application/problem+json")
                #expect((response.json["detail"] as? String)?.contains(detail) == true, "\(body): \(response.text)")
            }
            let notJSON = try await http.send("POST", "/tenants", raw: Array("{nope".utf8), headers: admin)
            #expect(notJSON.status == 400)
            #expect(try await http.get("/tenants/not-a-uuid", headers: admin).status == 404)
            #expect(try await http.get("/tenants/\(UUID())", headers: admin).status == 404)
            #expect(try await http.patch("/tenants/\(UUID())", json: ["name": "x"], headers: admin).status == 404)
        }
    }

    @Test("the admin key is required and compared exactly")
    func adminKey() async throws {
        try await TestGateway.run { gateway in
            #expect(try await gateway.http.get("/tenants").status == 401)
            let wrong = try await gateway.http.get("/tenants", headers: ["x-admin-key": TestCluster.adminAPIKey + "x"])
            #expect(wrong.status == 401)
            #expect(wrong.json["detail"] as? String == "invalid admin key")
            let tenant = try await gateway.createTenant()
            let asTenant = try await gateway.http.get("/tenants", headers: ["x-api-key": tenant.key])
            #expect(asTenant.status == 403, "a tenant key is not the platform admin")
        }
    }

    @Test("deleting a tenant purges its events from the streams; its events still on their way store nothing")
    func deletionPurgesEvents() async throws {
        try await TestGateway.run { gateway in
            for service in ["vault", "proxy", "content", "usage"] { _ = try await gateway.launch(service) }
            let doomed = try await gateway.createTenant()
            let kept = try await gateway.createTenant()
            let doomedID = try #require(UUID(uuidString: doomed.id))
            let operator_ = try await gateway.cluster.connect(as: "operator")
            let feed = UsageFeed(connection: operator_)
            try await feed.publish([
                UsageFeed.event("doomed-1", tenant: doomed.id), UsageFeed.event("kept-1", tenant: kept.id),
            ])
            _ = try await gateway.register("doomed-user", key: doomed.key)
            let reset = try await gateway.http.post(
                "/auth/reset-password/request", json: ["identifier": "doomed-user", "tenant": doomed.slug])
            #expect(reset.status == 202)
            let contact = try await gateway.http.post(
                "/public/\(doomed.slug)/contact",
                json: ["name": "Ann", "email": "ann@example.com", "message": "Delete me with the rest"])
            #expect(contact.status == 202, "\(contact.text)")
            // A budget's threshold event, as the usage service publishes it.
            try await operator_.jetStream.ensureStream(LimitSubjects.stream)
            let threshold = BudgetThresholdEvent(
                tenantId: doomedID, limitId: UUID(), percent: 80, spentMicroUsd: 80, budgetMicroUsd: 100,
                period: Date(),
                at: Date())
            try await operator_.jetStream.publish(
                LimitSubjects.events(tenant: doomedID), payload: try JSONEncoder().encode(threshold))
            // Every kind of the tenant's events is in its stream before the deletion.
            for (stream, subject) in Subjects.tenantEvents(doomedID) {
                var count = 0
                for _ in 0..<100 where count == 0 {
                    count = try await operator_.streamMessages(stream, subject: subject)
                    if count == 0 { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(count > 0, "\(stream) holds \(subject) before the deletion")
            }
            #expect(try await gateway.waitForCount("SELECT count(*)::int FROM usage.events", 2) == 2)

            let deleted = try await gateway.http.delete("/tenants/\(doomed.id)", headers: gateway.adminHeaders)
            #expect(deleted.status == 204, "\(deleted.text)")
            for (stream, subject) in Subjects.tenantEvents(doomedID) {
                #expect(try await operator_.streamMessages(stream, subject: subject) == 0, "\(stream) is purged")
            }
            #expect(
                try await operator_.streamMessages("USAGE", subject: "usage.events.\(kept.id.lowercased())") == 1,
                "other tenants keep theirs")

            // An event of the deleted tenant still on its way (a proxy's outbox, say) writes no row.
            try await feed.publish([
                UsageFeed.event("doomed-late", tenant: doomed.id), UsageFeed.event("kept-late", tenant: kept.id),
            ])
            #expect(
                try await gateway.waitForCount("SELECT count(*)::int FROM usage.events WHERE id = 'kept-late'", 1) == 1)
            #expect(
                try await gateway.count(
                    "SELECT count(*)::int FROM usage.events WHERE tenant_id = '\(doomed.id)'") == 0)
            #expect(
                try await gateway.count(
                    "SELECT count(*)::int FROM usage.rollups WHERE tenant_id = '\(doomed.id)'") == 0)
        }
    }

    @Test("deleting a tenant removes it everywhere; its keys stop working at once")
    func deletion() async throws {
        try await TestGateway.run { gateway in
            let tenant = try await gateway.createTenant()
            _ = try await gateway.register("doomed", key: tenant.key)
            #expect(try await gateway.http.get("/api-keys", headers: ["x-api-key": tenant.key]).status == 200)

            // Without the other services the data cannot be deleted everywhere: 503, tenant disabled.
            let refused = try await gateway.http.delete("/tenants/\(tenant.id)", headers: gateway.adminHeaders)
            #expect(refused.status == 503)
            #expect((refused.json["detail"] as? String)?.contains("content") == true)
            #expect(try await gateway.http.get("/api-keys", headers: ["x-api-key": tenant.key]).status == 401)
            #expect(try await gateway.http.get("/tenants/\(tenant.id)", headers: gateway.adminHeaders).status == 404)

            let services = try ["vault", "proxy", "content", "usage"].map { try gateway.cluster.launch($0) }
            let deadline = ContinuousClock.now + .seconds(30)
            var deleted = try await gateway.http.delete("/tenants/\(tenant.id)", headers: gateway.adminHeaders)
            while deleted.status == 503 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                deleted = try await gateway.http.delete("/tenants/\(tenant.id)", headers: gateway.adminHeaders)
            }
            #expect(deleted.status == 204, "\(deleted.text)")
            #expect(try await gateway.databaseDump().isEmpty, "no row of the tenant is left in the gateway")
            #expect(try await gateway.http.delete("/tenants/\(tenant.id)", headers: gateway.adminHeaders).status == 404)
            for service in services { await service.stop() }
        }
    }
}
