import Foundation
import TestSupport
import Testing

@Suite("Bad input: a 4xx, never a 5xx")
struct BadInputTests {
    /// Path parameters that name nothing, or cannot.
    static let identifiers = [UUID().uuidString.lowercased(), "not-a-uuid", String(repeating: "x", count: 300), "%00"]
    /// Bodies no operation accepts: malformed JSON, the wrong shapes, deep nesting, and bodies some
    /// operations would take but for a NUL character in their text (which PostgreSQL cannot store).
    static let bodies: [[UInt8]?] = [
        nil, Array("{".utf8), Array("[]".utf8), Array(#""text""#.utf8), Array(#"{"name": 123}"#.utf8),
        Array(("{\"data\": " + String(repeating: "[", count: 2_000) + String(repeating: "]", count: 2_000) + "}").utf8),
        Array(#"{"name": "a\u0000b"}"#.utf8), Array(#"{"type": "post", "title": "a\u0000b", "data": {}}"#.utf8),
        Array(#"{"name": "kind", "description": "a\u0000b", "schema": {"type": "object"}}"#.utf8),
    ]
    static let queries = ["", "?limit=-1", "?limit=abc", "?cursor=%25%25", "?from=yesterday&to=2020", "?type=%00"]

    @Test("every operation of the OpenAPI document, with ids, bodies and queries it cannot use")
    func neverAServerError() async throws {
        // Rate limits off: a 429 would answer before the code this test is after.
        try await TestGateway.run(environment: ["RATE_LIMIT_PER_MINUTE": "0", "RATE_LIMIT_ANONYMOUS_PER_MINUTE": "0"]) {
            gateway in
            for service in ["vault", "proxy", "usage"] { _ = try await gateway.launch(service) }
            _ = try await gateway.launch("content", overrides: ["CONTACT_RATE_LIMIT_PER_MINUTE": "10000"])
            let tenant = try await gateway.createTenant()
            let type = try await gateway.http.post(
                "/content-types", json: ["name": "post", "schema": ["type": "object"]],
                headers: ["x-api-key": tenant.key])
            #expect(type.status == 201, "\(type.text)")
            _ = try await gateway.register("prober", key: tenant.key)
            let login = try await gateway.http.post(
                "/auth/login",
                json: ["identifier": "prober", "password": "correct horse battery", "tenant": tenant.slug])
            let token = try #require(login.json["accessToken"] as? String, "\(login.text)")
            // The three kinds of caller: a tenant API key, the platform admin key, a signed-in user.
            let callers = [["x-api-key": tenant.key], gateway.adminHeaders, ["authorization": "Bearer \(token)"]]

            let paths = try #require(try await gateway.http.get("/openapi.json").json["paths"] as? [String: Any])
            var failures: [String] = []
            var sent = 0
            var limited = 0
            for (template, operations) in paths.sorted(by: { $0.key < $1.key }) {
                let methods = (operations as? [String: Any] ?? [:]).keys.map { $0.uppercased() }.sorted()
                let identifiers = template.contains("{") ? Self.identifiers : [""]
                for method in methods where method != "DELETE" || template.contains("{") {
                    for identifier in identifiers {
                        let path = template.replacingOccurrences(
                            of: #"\{[A-Za-z]+\}"#, with: identifier, options: .regularExpression)
                        let queries = method == "GET" ? Self.queries : [""]
                        let bodies = method == "POST" || method == "PATCH" ? Self.bodies : [nil]
                        for query in queries {
                            for body in bodies {
                                // A body goes as every caller (each may reach different code); a
                                // bodiless request as one of them, in turn.
                                let senders = body == nil ? [callers[sent % callers.count]] : callers
                                for headers in senders {
                                    sent += 1
                                    let response = try await gateway.http.send(
                                        method, path + query, raw: body, headers: headers)
                                    if response.status == 429 { limited += 1 }
                                    if response.status >= 500 {
                                        failures.append(
                                            "\(response.status) \(method) \(path.prefix(60))\(query) "
                                                + "\(String(decoding: (body ?? []).prefix(50), as: UTF8.self)): "
                                                + "\(response.text.prefix(160))")
                                    }
                                }
                            }
                        }
                    }
                }
            }
            #expect(sent > 1_000)
            #expect(limited == 0, "every request reached the code behind its route")
            #expect(
                failures.isEmpty, "\(failures.count) server errors:\n\(failures.prefix(20).joined(separator: "\n"))")
        }
    }
}
