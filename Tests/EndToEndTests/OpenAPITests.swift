import Foundation
import HTTPTypes
import Hummingbird
import TestSupport
import Testing

@testable import Gateway

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("every route the router serves is in the document, with its statuses, and nothing else")
    func matchesRouter() async throws {
        try await TestGateway.run { gateway in
            let response = try await gateway.http.get("/openapi.json")
            #expect(response.status == 200)
            let document = response.json
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented: Set<String> = []
            for (path, item) in paths {
                for (method, operation) in item {
                    documented.insert("\(method.uppercased()) \(path)")
                    let responses = try #require((operation as? [String: Any])?["responses"] as? [String: Any])
                    #expect(!responses.isEmpty, "\(method) \(path) documents its statuses")
                }
            }
            let served = Set(
                try await servedRoutes(gateway).map { route in
                    "\(route.method) \(route.path)"
                })
            #expect(served == documented)
            #expect(documented.contains("POST /tenants") && documented.contains("GET /users/{id}"))

            let register = try #require(paths["/auth/register"]?["post"] as? [String: Any])
            let statuses = Set((register["responses"] as? [String: Any] ?? [:]).keys)
            #expect(statuses.isSuperset(of: ["201", "400", "401", "403", "409", "413", "429"]))
        }
    }

    @Test("the document is valid OpenAPI 3.1 (openapi-spec-validator)")
    func validates() async throws {
        try await TestGateway.run { gateway in
            let response = try await gateway.http.get("/openapi.json")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("strongbox-openapi-\(UUID()).json")
            try Data(response.body).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let validator = try ChildProcess(
                try Executables.find("python3"), ["-m", "openapi_spec_validator", file.path], logName: "openapi")
            let status = await validator.waitForExit(timeout: .seconds(240))  // a bound, not a target: a loaded machine
            #expect(status == 0, "\(validator.output)")
        }
    }

    @Test("Swagger UI is served at /docs, every file of it by the gateway (nothing from another origin)")
    func swaggerUI() async throws {
        try await TestGateway.run { gateway in
            let page = try await gateway.http.get("/docs")
            #expect(page.status == 200)
            #expect(page.header("content-type")?.hasPrefix("text/html") == true)
            #expect(page.header("content-security-policy")?.contains("script-src 'self';") == true)
            #expect(
                !page.text.contains("http://") && !page.text.contains("https://") && !page.text.contains("<script>"))
            for file in ["swagger-ui-bundle.js", "docs.js", "swagger-ui.css"] {
                #expect(page.text.contains("/docs/assets/\(file)"))
                let asset = try await gateway.http.get("/docs/assets/\(file)")
                #expect(asset.status == 200 && asset.body.count > 100, "\(file): \(asset.status)")
            }
            let script = try await gateway.http.get("/docs/assets/docs.js")
            #expect(script.text.contains("SwaggerUIBundle") && script.text.contains("/openapi.json"))
        }
    }

    /// The routes registered on the Hummingbird router of a freshly built gateway.
    private func servedRoutes(_ gateway: TestGateway) async throws -> [(method: String, path: String)] {
        let router = try await gateway.buildRouter()
        return router.routes.map { route in
            (
                route.method.rawValue,
                route.path.description.hasPrefix("/") ? route.path.description : "/" + route.path.description
            )
        }
    }
}
