import Contracts
import Foundation
import Messaging
import ProviderStandIn
import TestSupport
import Testing

/// Routes through the whole chain: the Routes API, fallbacks across two stand-in providers,
/// weights, cooldowns shared by two proxy instances, streams, and the usage of every attempt.
@Suite("Routes")
struct RoutesTests {
    static var ask: [[String: Any]] { [["role": "user", "content": "Hi"]] }
    static let haiku = "claude-3-5-haiku"

    @Test("the Routes API creates, lists, changes and removes routes, checking every field and target")
    func api() async throws {
        try await ProxyHarness.run { harness in
            let http = harness.http
            try await harness.store("openai", key: "sk-provider-openai-secret")
            try await harness.store("anthropic", key: "sk-provider-anthropic-secret")
            let created = try await http.post(
                "/routes",
                json: [
                    "name": "smart", "strategy": "fallback",
                    "targets": [
                        ["service": "openai", "model": "gpt-4o-mini"],
                        ["service": "anthropic", "model": Self.haiku, "weight": 2],
                    ],
                ], headers: harness.auth)
            #expect(created.status == 201, "\(created.text)")
            let route = created.json
            #expect(route["name"] as? String == "smart" && route["strategy"] as? String == "fallback")
            #expect(route["retryOn"] as? [String] == ["429", "5xx", "timeout", "connect"])
            #expect(route["cooldownSeconds"] as? Int == 30)
            let targets = try #require(route["targets"] as? [[String: Any]])
            #expect(targets.map { $0["credential"] as? String } == ["default", "default"])
            #expect(targets.map { $0["weight"] as? Int } == [1, 2])
            let id = try #require(route["id"] as? String)

            let again = try await http.post(
                "/routes",
                json: ["name": "smart", "strategy": "weighted", "targets": [["service": "openai", "model": "x"]]],
                headers: harness.auth)
            #expect(again.status == 409)

            // Each mistake is named.
            let mistakes: [([String: Any], Int, String)] = [
                (
                    ["name": "a/b", "strategy": "fallback", "targets": [["service": "openai", "model": "x"]]], 400,
                    "`name`"
                ),
                (
                    ["name": "b", "strategy": "random", "targets": [["service": "openai", "model": "x"]]], 400,
                    "`strategy`"
                ),
                (["name": "b", "strategy": "fallback", "targets": []], 400, "`targets`"),
                (["name": "b", "strategy": "fallback", "targets": "openai"], 400, "`targets`"),
                (
                    ["name": "", "strategy": "fallback", "targets": [["service": "openai", "model": "x"]]], 400,
                    "`name`"
                ),
                (
                    [
                        "name": "b", "strategy": "weighted",
                        "targets": [["service": "openai", "model": "x", "weight": 2.5]],
                    ],
                    400, "`targets[0].weight`"
                ),
                (
                    ["name": "b", "strategy": "fallback", "targets": [["service": "openai", "model": ""]]], 400,
                    "`targets[0].model`"
                ),
                (["name": "b", "strategy": "fallback"], 400, "`targets`"),
                (
                    ["name": "b", "strategy": "fallback", "targets": [["service": "nope", "model": "x"]]], 400,
                    "`targets[0].service`"
                ),
                (
                    [
                        "name": "b", "strategy": "weighted",
                        "targets": [["service": "openai", "model": "x", "weight": 0]],
                    ],
                    400, "`targets[0].weight`"
                ),
                (
                    [
                        "name": "b", "strategy": "fallback",
                        "targets": [["service": "openai", "model": "x", "region": "eu"]],
                    ],
                    400, "`targets[0].region`"
                ),
                (
                    [
                        "name": "b", "strategy": "fallback",
                        "targets": [["service": "openai", "model": "x"], ["service": "openai", "model": "x"]],
                    ], 400, "`targets[1]` repeats `targets[0]`"
                ),
                (
                    [
                        "name": "b", "strategy": "fallback", "targets": [["service": "openai", "model": "x"]],
                        "retryOn": ["404"],
                    ],
                    400, "`retryOn[0]`"
                ),
                (
                    [
                        "name": "b", "strategy": "fallback", "targets": [["service": "openai", "model": "x"]],
                        "cooldownSeconds": 4000,
                    ], 400, "`cooldownSeconds`"
                ),
                (
                    [
                        "name": "b", "strategy": "fallback", "targets": [["service": "openai", "model": "x"]],
                        "extra": 1,
                    ], 400, "`extra`"
                ),
                (
                    [
                        "name": "b", "strategy": "fallback",
                        "targets": [
                            ["service": "openai", "model": "x"],
                            ["service": "openai", "model": "x", "credential": "backup"],
                        ],
                    ], 422, "`targets[1]` names the openai credential `backup`"
                ),
                (
                    ["name": "b", "strategy": "fallback", "targets": [["service": "cohere", "model": "command-r"]]],
                    422,
                    "`targets[0]` names the cohere credential `default`"
                ),
            ]
            for (body, status, named) in mistakes {
                let response = try await http.post("/routes", json: body, headers: harness.auth)
                #expect(response.status == status, "\(body): \(response.text)")
                #expect((response.json["detail"] as? String)?.contains(named) == true, "\(response.text)")
            }

            // Pages, by id.
            let second = try await http.post(
                "/routes",
                json: [
                    "name": "cheap", "strategy": "weighted",
                    "targets": [["service": "openai", "model": "gpt-4o-mini"]],
                ],
                headers: harness.auth)
            #expect(second.status == 201)
            let first = try await http.get("/routes?limit=1", headers: harness.auth)
            #expect(first.jsonArray.map { $0["name"] as? String } == ["smart"])
            let cursor = try #require(first.json["nextCursor"] as? String)
            let rest = try await http.get("/routes?limit=1&cursor=\(cursor)", headers: harness.auth)
            #expect(rest.jsonArray.map { $0["name"] as? String } == ["cheap"])
            #expect(rest.json["nextCursor"] is NSNull)

            // A PATCH changes what it names; targets are checked again.
            let patched = try await http.patch("/routes/\(id)", json: ["cooldownSeconds": 5], headers: harness.auth)
            #expect(patched.status == 200 && patched.json["cooldownSeconds"] as? Int == 5)
            #expect((patched.json["targets"] as? [Any])?.count == 2)
            let badPatch = try await http.patch(
                "/routes/\(id)", json: ["targets": [["service": "openai", "model": "x", "credential": "gone"]]],
                headers: harness.auth)
            #expect(badPatch.status == 422)
            let renamed = try await http.patch("/routes/\(id)", json: ["name": "cheap"], headers: harness.auth)
            #expect(renamed.status == 409)

            // `/v1/models` lists the route names beside the providers' models.
            let models = try await http.get("/v1/models", headers: harness.auth)
            let listed = (models.json["data"] as? [[String: Any]]) ?? []
            #expect(listed.contains { $0["id"] as? String == "smart" && $0["owned_by"] as? String == "route" })
            #expect(listed.contains { $0["id"] as? String == "cheap" && $0["owned_by"] as? String == "route" })
            #expect(listed.contains { $0["id"] as? String == "openai/gpt-4o-mini" }, "beside the providers' models")

            // A route answers in each client API: Anthropic's Messages (translated for the OpenAI
            // target) and OpenAI's embeddings.
            let messages = try await http.post(
                "/v1/messages", json: ["model": "smart", "max_tokens": 16, "messages": Self.ask], headers: harness.auth)
            #expect(messages.status == 200 && messages.json["type"] as? String == "message", "\(messages.text)")
            #expect(messages.header("x-route") == "smart" && messages.header("x-served-by") == "openai/gpt-4o-mini")
            let embedded = try await http.post(
                "/routes",
                json: [
                    "name": "cheap-embeddings", "strategy": "fallback",
                    "targets": [["service": "openai", "model": "text-embedding-3-small"]],
                ], headers: harness.auth)
            #expect(embedded.status == 201)
            let embeddings = try await http.post(
                "/v1/embeddings", json: ["model": "cheap-embeddings", "input": "Hi"], headers: harness.auth)
            #expect(embeddings.status == 200 && embeddings.header("x-attempts") == "1", "\(embeddings.text)")
            #expect(harness.standIn.requests.last?.json["model"] as? String == "text-embedding-3-small")

            // Another tenant sees nothing; a proxy key may call routes but not change them.
            let other = try await harness.gateway.createTenant()
            #expect(try await http.get("/routes/\(id)", headers: ["x-api-key": other.key]).status == 404)
            #expect(try await http.get("/routes", headers: ["x-api-key": other.key]).isEmptyPage)
            let proxyKey = try await harness.gateway.createKey("proxy", adminKey: harness.tenant.key)
            let refused = try await http.post(
                "/routes", json: ["name": "x", "strategy": "fallback", "targets": []],
                headers: ["x-api-key": proxyKey.key])
            #expect(refused.status == 403)

            let unknown = "/routes/\(UUID().uuidString.lowercased())"
            #expect(try await http.patch(unknown, json: ["cooldownSeconds": 1], headers: harness.auth).status == 404)
            #expect(try await http.send("POST", "/routes", raw: Array("{".utf8), headers: harness.auth).status == 400)
            #expect(try await http.delete("/routes/\(id)", headers: harness.auth).status == 204)
            #expect(try await http.get("/routes/\(id)", headers: harness.auth).status == 404)
        }
    }

    @Test(
        "a fallback route serves from its second target when the first fails, and meters each attempt",
        arguments: [("429", 429), ("500", 500), ("hang", 504), ("connect", 502)])
    func fallback(trigger: String, firstStatus: Int) async throws {
        // Only the hanging provider needs a short timeout; the others keep the default, so a loaded
        // machine's slow answer is never taken for a timeout. The second target has the same
        // timeout: 10 s, since 4 s was once too short for its answer while the whole suite
        // started (the call got the second attempt's 504).
        let timeouts = trigger == "hang" ? ["PROXY_TIMEOUT_MS": "10000", "PROXY_READ_TIMEOUT_MS": "10000"] : [:]
        try await ProxyHarness.run(standIns: 2, proxyEnvironment: timeouts) { harness in
            let second = try #require(harness.secondStandIn)
            let failing: [String: Any] =
                trigger == "connect"
                ? ["baseUrl": "http://127.0.0.1:9"] : ["headers": ["x-stand-in-fail": trigger]]
            try await harness.store("openai", key: "sk-provider-openai-secret", name: "failing", meta: failing)
            try await harness.store("anthropic", key: "sk-provider-anthropic-secret", meta: ["baseUrl": second.url])
            try await harness.createRoute([
                "name": "smart", "strategy": "fallback",
                "targets": [
                    ["service": "openai", "model": "gpt-4o-mini", "credential": "failing"],
                    ["service": "anthropic", "model": Self.haiku],
                ],
            ])
            let response = try await harness.http.post(
                "/v1/chat/completions", json: ["model": "smart", "messages": Self.ask, "max_tokens": 16],
                headers: harness.auth.merging(["x-request-id": "routed-\(trigger)"]) { $1 })
            #expect(response.status == 200, "\(response.text)")
            #expect(response.header("x-route") == "smart")
            #expect(response.header("x-served-by") == "anthropic/\(Self.haiku)")
            #expect(response.header("x-attempts") == "2")
            // The Anthropic target's answer, in OpenAI's shape.
            let choice = try #require((response.json["choices"] as? [[String: Any]])?.first)
            let message = try #require(choice["message"] as? [String: Any])
            #expect((message["content"] as? String)?.contains("stand-in") == true)
            #expect(second.log.requests.map(\.path) == ["/v1/messages"])
            #expect(harness.standIn.requests.count == (trigger == "connect" ? 0 : 1))

            let events = try await harness.usageEvents(2, timeout: .seconds(20))
                .sorted { ($0.attempt ?? 0) < ($1.attempt ?? 0) }
            #expect(events.map(\.attempt) == [1, 2])
            #expect(events.map(\.route) == ["smart", "smart"])
            #expect(events.map(\.requestId) == ["routed-\(trigger)", "routed-\(trigger)"])
            #expect(events.map(\.status) == [firstStatus, 200])
            #expect(events.map(\.service) == ["openai", "anthropic"])
            #expect(events[1].translated == true)
            #expect(events[1].completionTokens == StandInProvider.Tokens.anthropicOutput)
            if trigger == "429" || trigger == "500" || trigger == "connect" {
                #expect(events[0].totalTokens == 0 && !events[0].estimated, "a failed answer costs nothing")
            }

            // Stored and priced: only the attempt that answered costs anything (a timed-out one is
            // estimated, as every timed-out call is: the provider may have worked on it).
            let stored = try await harness.storedUsage(count: 2).sorted {
                ($0["event"] as? [String: Any])?["attempt"] as? Int ?? 0
                    < ($1["event"] as? [String: Any])?["attempt"] as? Int ?? 0
            }
            #expect(stored.map { ($0["event"] as? [String: Any])?["route"] as? String } == ["smart", "smart"])
            #expect(stored.map { ($0["event"] as? [String: Any])?["attempt"] as? Int } == [1, 2])
            let costs = stored.map { $0["costMicroUsd"] as? Int }
            if trigger != "hang" { #expect(costs[0] == 0) }
            #expect((costs[1] ?? 0) > 0)
        }
    }

    @Test("a weighted route over two keys of one service splits 300 calls 3:1")
    func weighted() async throws {
        try await ProxyHarness.run { harness in
            try await harness.store("openai", key: "sk-provider-key-a", name: "a")
            try await harness.store("openai", key: "sk-provider-key-b", name: "b")
            try await harness.createRoute([
                "name": "shared", "strategy": "weighted",
                "targets": [
                    ["service": "openai", "model": "gpt-4o-mini", "credential": "a", "weight": 3],
                    ["service": "openai", "model": "gpt-4o-mini", "credential": "b", "weight": 1],
                ],
            ])
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        var served = 0
                        for _ in 0..<50 {
                            let response = try await harness.http.post(
                                "/v1/chat/completions", json: ["model": "shared", "messages": Self.ask],
                                headers: harness.auth)
                            if response.status == 200 && response.header("x-attempts") == "1" { served += 1 }
                        }
                        return served
                    }
                }
                var served = 0
                for try await count in group { served += count }
                #expect(served == 300)
            }
            let keys = harness.standIn.requests.compactMap { $0.header("authorization") }
            let a = keys.filter { $0 == "Bearer sk-provider-key-a" }.count
            let b = keys.filter { $0 == "Bearer sk-provider-key-b" }.count
            #expect(a + b == 300)
            #expect(abs(a - 225) <= 22, "key a served \(a) of 300, key b \(b)")
        }
    }

    @Test("a target cooled down by a 429 on one proxy instance is skipped by the other until the cooldown ends")
    func sharedCooldown() async throws {
        try await ProxyHarness.run(proxies: 2) { harness in
            try await harness.store(
                "openai", key: "sk-provider-limited", name: "limited",
                meta: ["headers": ["x-stand-in-fail": "ratelimited-1"]])
            try await harness.store("openai", key: "sk-provider-openai-secret")
            try await harness.createRoute([
                "name": "smart", "strategy": "fallback", "cooldownSeconds": 4,
                "targets": [
                    ["service": "openai", "model": "gpt-4o", "credential": "limited"],
                    ["service": "openai", "model": "gpt-4o-mini"],
                ],
            ])
            let observer = try await harness.gateway.cluster.connect(as: "operator")
            let cooldowns = try observer.subscribe(RouteSubjects.cooldownAll)
            try await observer.flush()
            let call: @Sendable () async throws -> HTTPTestClient.Response = {
                try await harness.http.post(
                    "/v1/chat/completions", json: ["model": "smart", "messages": Self.ask], headers: harness.auth)
            }
            let firstStarted = Date()
            let first = try await call()
            #expect(first.status == 200 && first.header("x-attempts") == "2")
            #expect(first.header("x-served-by") == "openai/gpt-4o-mini")
            let message = try #require(await cooldowns.next(within: .seconds(10)), "the cooldown was announced")
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let cooldown = try decoder.decode(TargetCooldown.self, from: Data(message.payload))
            #expect(cooldown.model == "gpt-4o" && cooldown.credential == "limited" && cooldown.status == 429)
            #expect(
                cooldown.until.timeIntervalSince(firstStarted) >= 3.9, "the route's 4 s, longer than Retry-After: 1")
            // Every instance has heard it (counted on each one's /metrics) before the calls that
            // must skip the target.
            for (index, ops) in harness.proxyOps.enumerated() {
                #expect(try await Self.heardCooldowns(ops, reaches: 1) >= 1, "proxy \(index + 1) heard the cooldown")
            }

            // Calls go to both instances (counted from their discovery stats) while it lasts: none
            // tries the cooled target.
            let before = try await Self.callsServed(observer)
            #expect(before.count == 2, "two proxy instances answer discovery")
            var after = before
            for _ in 0..<8 where !before.allSatisfy({ id, count in (after[id] ?? 0) - count >= 2 }) {
                for _ in 0..<5 {
                    let response = try await call()
                    #expect(response.status == 200)
                    // Answered before the cooldown's end, so planned before it too (a loaded run
                    // may take longer than the cooldown: later calls prove nothing).
                    if Date() < cooldown.until {
                        #expect(response.header("x-attempts") == "1", "the cooled target was skipped")
                        #expect(response.header("x-served-by") == "openai/gpt-4o-mini")
                    }
                }
                after = try await Self.callsServed(observer)
            }
            #expect(before.allSatisfy { id, count in (after[id] ?? 0) - count >= 2 }, "both instances served calls")
            let limitedCalls = harness.standIn.requests.filter {
                $0.header("authorization") == "Bearer sk-provider-limited"
            }
            // The cooldown may have ended during a slow run; every try before it was the first call's.
            #expect(limitedCalls.count == 1 || Date() > cooldown.until)

            // Once it ends, the target is tried again (and cools down again).
            var triedAgain = false
            for _ in 0..<100 where !triedAgain {
                let response = try await call()
                if response.header("x-attempts") == "2" {
                    triedAgain = true
                    #expect(Date() > cooldown.until, "not before the cooldown ended")
                } else {
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            #expect(triedAgain)
        }
    }

    @Test("a 401 does not move on, but cools the target down and announces credential.failing")
    func failingCredential() async throws {
        try await ProxyHarness.run { harness in
            try await harness.store(
                "openai", key: "sk-provider-revoked", name: "revoked", meta: ["headers": ["x-stand-in-fail": "401"]])
            try await harness.store("openai", key: "sk-provider-openai-secret")
            try await harness.createRoute([
                "name": "smart", "strategy": "fallback",
                "targets": [
                    ["service": "openai", "model": "gpt-4o", "credential": "revoked"],
                    ["service": "openai", "model": "gpt-4o-mini"],
                ],
            ])
            let observer = try await harness.gateway.cluster.connect(as: "operator")
            let failing = try observer.subscribe(RouteSubjects.credentialFailingAll)
            try await observer.flush()
            let refused = try await harness.http.post(
                "/v1/chat/completions", json: ["model": "smart", "messages": Self.ask], headers: harness.auth)
            #expect(refused.status == 401)
            #expect(refused.header("x-attempts") == "1" && refused.header("x-served-by") == "openai/gpt-4o")
            let message = try #require(await failing.next(within: .seconds(10)))
            let event = try #require(try JSONSerialization.jsonObject(with: Data(message.payload)) as? [String: Any])
            #expect(event["type"] as? String == "credential.failing")
            #expect(event["credential"] as? String == "revoked" && event["service"] as? String == "openai")
            #expect((event["tenantId"] as? String)?.lowercased() == harness.tenant.id.lowercased())
            #expect(
                !String(decoding: message.payload, as: UTF8.self).contains("sk-provider"),
                "the event never carries the key")
            let next = try await harness.http.post(
                "/v1/chat/completions", json: ["model": "smart", "messages": Self.ask], headers: harness.auth)
            #expect(next.status == 200 && next.header("x-attempts") == "1")
            #expect(next.header("x-served-by") == "openai/gpt-4o-mini")
        }
    }

    @Test("a stream falls back when its first target fails before the first event, and not after")
    func streams() async throws {
        try await ProxyHarness.run(standIns: 2, chunkDelay: .milliseconds(1)) { harness in
            let second = try #require(harness.secondStandIn)
            try await harness.store(
                "openai", key: "sk-provider-failing", name: "failing", meta: ["headers": ["x-stand-in-fail": "500"]])
            try await harness.store("openai", key: "sk-provider-openai-secret")
            try await harness.store("anthropic", key: "sk-provider-anthropic-secret", meta: ["baseUrl": second.url])
            try await harness.createRoute([
                "name": "early", "strategy": "fallback",
                "targets": [
                    ["service": "openai", "model": "gpt-4o-mini", "credential": "failing"],
                    ["service": "anthropic", "model": Self.haiku],
                ],
            ])
            try await harness.createRoute([
                "name": "late", "strategy": "fallback",
                "targets": [
                    ["service": "openai", "model": "broken-stream"], ["service": "anthropic", "model": Self.haiku],
                ],
            ])
            let early = try await harness.http.stream(
                "POST", "/v1/chat/completions", json: ["model": "early", "stream": true, "messages": Self.ask],
                headers: harness.auth)
            #expect(early.status == 200)
            #expect(early.header("content-type") == "text/event-stream")
            #expect(early.header("x-attempts") == "2" && early.header("x-served-by") == "anthropic/\(Self.haiku)")
            #expect(early.text.contains("\"content\":\"Hello\"") && early.text.hasSuffix("data: [DONE]\n\n"))

            let late = try await harness.http.stream(
                "POST", "/v1/chat/completions", json: ["model": "late", "stream": true, "messages": Self.ask],
                headers: harness.auth, keepBrokenBody: true)
            #expect(late.status == 200)
            #expect(late.header("x-attempts") == "1" && late.header("x-served-by") == "openai/broken-stream")
            #expect(late.text.contains("\"role\":\"assistant\""), "the first event reached the client")
            #expect(late.brokeOff && !late.text.contains("[DONE]"), "the stream ended where the provider's broke off")
            #expect(second.log.requests.count == 1, "only the early stream reached the second target")
            let events = try await harness.usageEvents(3, timeout: .seconds(20))
            #expect(events.filter { $0.route == "late" }.map(\.status) == [502])
        }
    }

    @Test("a limit on the route's name counts calls, not attempts")
    func routeLimit() async throws {
        try await ProxyHarness.run { harness in
            try await harness.store(
                "openai", key: "sk-provider-failing", name: "failing", meta: ["headers": ["x-stand-in-fail": "503"]])
            try await harness.store("openai", key: "sk-provider-openai-secret")
            try await harness.createRoute([
                "name": "smart", "strategy": "fallback", "cooldownSeconds": 0,
                "targets": [
                    ["service": "openai", "model": "gpt-4o", "credential": "failing"],
                    ["service": "openai", "model": "gpt-4o-mini"],
                ],
            ])
            let limit = try await harness.http.post(
                "/limits", json: ["model": "smart", "window": "day", "requests": 2], headers: harness.auth)
            #expect(limit.status == 201)
            for remaining in ["1", "0"] {
                let response = try await harness.http.post(
                    "/v1/chat/completions", json: ["model": "smart", "messages": Self.ask], headers: harness.auth)
                #expect(response.status == 200 && response.header("x-attempts") == "2")
                #expect(response.header("x-ratelimit-limit-requests") == "2")
                #expect(response.header("x-ratelimit-remaining-requests") == remaining, "one request a call")
            }
            let third = try await harness.http.post(
                "/v1/chat/completions", json: ["model": "smart", "messages": Self.ask], headers: harness.auth)
            #expect(third.status == 429)
            #expect((third.json["type"] as? String)?.hasSuffix("rate-limited") == true)
        }
    }

    // MARK: - Helpers

    /// `strongbox_route_cooldowns_heard_total` of one proxy instance, once it reaches `count` (looking
    /// every 100 ms, up to 100 looks).
    static func heardCooldowns(_ ops: HTTPTestClient, reaches count: Int) async throws -> Int {
        var heard = 0
        for _ in 0..<100 {
            let metrics = try await ops.get("/metrics").text
            heard = metrics.split(separator: "\n")
                .filter { $0.hasPrefix("strongbox_route_cooldowns_heard_total") }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
                .reduce(0) { $0 + Int($1) }
            if heard >= count { return heard }
            try await Task.sleep(for: .milliseconds(100))
        }
        return heard
    }

    /// Calls each proxy instance has served, by instance id (`$SRV.STATS`).
    static func callsServed(_ connection: NatsConnection) async throws -> [String: Int] {
        var served: [String: Int] = [:]
        for reply in try await connection.collectReplies("$SRV.STATS.proxy", window: .milliseconds(200)) {
            guard let stats = try JSONSerialization.jsonObject(with: Data(reply.payload)) as? [String: Any],
                let id = stats["id"] as? String, let endpoints = stats["endpoints"] as? [[String: Any]]
            else { continue }
            served[id] = endpoints.first { $0["name"] as? String == "call" }?["num_requests"] as? Int ?? 0
        }
        return served
    }
}

extension ProxyHarness {
    func createRoute(_ body: [String: Any]) async throws {
        let response = try await http.post("/routes", json: body, headers: auth)
        guard response.status == 201 else { throw TestInfrastructureError("creating a route: \(response.text)") }
    }

    /// The tenant's stored usage events (`GET /usage`), once `count` of them are stored (looking
    /// every 100 ms, up to 300 looks).
    func storedUsage(count: Int) async throws -> [[String: Any]] {
        for _ in 0..<300 {
            let page = try await http.get("/usage", headers: auth)
            if page.jsonArray.count >= count { return page.jsonArray }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestInfrastructureError("fewer than \(count) usage events were stored")
    }
}
