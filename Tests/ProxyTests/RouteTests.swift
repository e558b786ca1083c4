import Contracts
import Foundation
import Logging
import Messaging
import Testing

@testable import Proxy

@Suite("Routes: definitions and planning")
struct RouteTests {
    static let tenant = UUID()

    static func route(
        _ strategy: RouteStrategy, _ targets: [(String, String, Int)], cooldown: Int = 30
    ) throws -> Route {
        let write = RouteWrite(
            input: RouteInput(
                name: "smart", strategy: strategy.rawValue,
                targets: targets.map { service, credential, weight in
                    .object([
                        "service": .string(service), "model": .string("m-\(credential)"),
                        "credential": .string(credential), "weight": .number(Double(weight)),
                    ])
                }, cooldownSeconds: cooldown),
            credentials: targets.map { "\($0.0)/\($0.1)" })
        return try Route(write, tenant: tenant, changing: nil)
    }

    @Test("a new route takes the defaults: every retry outcome, a 30 s cooldown, credential default, weight 1")
    func defaults() throws {
        let write = RouteWrite(
            input: RouteInput(
                name: "smart", strategy: "fallback",
                targets: [.object(["service": .string("openai"), "model": .string("gpt-4o-mini")])]),
            credentials: ["openai/default"])
        let route = try Route(write, tenant: Self.tenant, changing: nil)
        #expect(route.retryOn == Set(RouteOutcome.allCases) && route.cooldownSeconds == 30)
        #expect(route.targets == [.init(service: .openAI, model: "gpt-4o-mini", credential: "default", weight: 1)])
        // A PATCH changes only what it names.
        let patched = try Route(
            RouteWrite(input: RouteInput(retryOn: ["429"]), credentials: []), tenant: Self.tenant, changing: route)
        #expect(patched.retryOn == [.rateLimited] && patched.targets == route.targets && patched.id == route.id)
    }

    @Test("fallback keeps the route's order; a cooling target goes last, whichever ends its cooldown first leading")
    func fallbackOrder() throws {
        let route = try Self.route(.fallback, [("openai", "a", 1), ("anthropic", "b", 1), ("groq", "c", 1)])
        let health = TargetHealth(nats: nil, logger: Logger(label: "test"))
        let planner = RoutePlanner(health: health)
        #expect(planner.plan(route).map(\.credential) == ["a", "b", "c"])
        health.cool(Self.tenant, route.targets[0], route: route, status: 429, retryAfter: 90)
        health.cool(Self.tenant, route.targets[1], route: route, status: 500, retryAfter: nil)
        #expect(planner.plan(route).map(\.credential) == ["c", "b", "a"])
        // Cooldowns end by themselves.
        #expect(planner.plan(route, now: Date() + 31).map(\.credential) == ["b", "c", "a"])
        #expect(planner.plan(route, now: Date() + 91).map(\.credential) == ["a", "b", "c"])
    }

    @Test("a cooldown is the route's or the provider's Retry-After, whichever is longer; a route with 0 has none")
    func cooldownLength() throws {
        let health = TargetHealth(nats: nil, logger: Logger(label: "test"))
        let route = try Self.route(.fallback, [("openai", "a", 1)], cooldown: 10)
        let now = Date(timeIntervalSince1970: 1_800_000_000.25)
        health.cool(Self.tenant, route.targets[0], route: route, status: 429, retryAfter: 3, now: now)
        // Whole seconds, rounded up (the event's time has no fraction).
        #expect(
            health.coolsUntil(Self.tenant, route.targets[0], now: now) == Date(timeIntervalSince1970: 1_800_000_011))
        health.cool(Self.tenant, route.targets[0], route: route, status: 429, retryAfter: 60, now: now)
        #expect(
            health.coolsUntil(Self.tenant, route.targets[0], now: now) == Date(timeIntervalSince1970: 1_800_000_061))
        #expect(health.coolsUntil(UUID(), route.targets[0], now: now) == nil, "another tenant's target is its own")
        let none = try Self.route(.fallback, [("groq", "a", 1)], cooldown: 0)
        health.cool(Self.tenant, none.targets[0], route: none, status: 429, retryAfter: 60, now: now)
        #expect(health.coolsUntil(Self.tenant, none.targets[0], now: now) == nil)
    }

    @Test("weighted draws each target its weight's share exactly, the rest following in order")
    func weightedShares() throws {
        let route = try Self.route(.weighted, [("openai", "a", 3), ("openai", "b", 1), ("openai", "c", 6)])
        let planner = RoutePlanner(health: TargetHealth(nats: nil, logger: Logger(label: "test")))
        var firsts: [String: Int] = [:]
        for _ in 0..<1000 {
            let plan = planner.plan(route)
            #expect(Set(plan.map(\.credential)) == ["a", "b", "c"], "every target stays in the plan")
            firsts[plan[0].credential, default: 0] += 1
        }
        #expect(firsts == ["a": 300, "b": 100, "c": 600])
        // Interleaved, not in runs: no target is drawn more than its share in any ten calls.
        let window = (0..<10).map { _ in planner.plan(route)[0].credential }
        #expect(window.filter { $0 == "c" }.count == 6 && window.filter { $0 == "b" }.count == 1)
    }

    @Test("weighted skips a cooling target in the draw and shares among the rest")
    func weightedCooling() throws {
        let route = try Self.route(.weighted, [("openai", "a", 3), ("openai", "b", 1), ("openai", "c", 1)])
        let health = TargetHealth(nats: nil, logger: Logger(label: "test"))
        let planner = RoutePlanner(health: health)
        health.cool(Self.tenant, route.targets[0], route: route, status: 429, retryAfter: nil)
        var firsts: [String: Int] = [:]
        for _ in 0..<100 {
            let plan = planner.plan(route)
            #expect(plan.last?.credential == "a")
            firsts[plan[0].credential, default: 0] += 1
        }
        #expect(firsts == ["b": 50, "c": 50])
    }

    @Test("a status moves a routed call on only when the route names its outcome")
    func outcomes() {
        #expect(CallHandler.routeOutcome(429) == .rateLimited)
        #expect(CallHandler.routeOutcome(503) == .serverError && CallHandler.routeOutcome(500) == .serverError)
        #expect(CallHandler.routeOutcome(401) == nil && CallHandler.routeOutcome(400) == nil)
        #expect(CallHandler.routeOutcome(200) == nil)
    }
}
