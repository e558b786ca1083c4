import Contracts
import Foundation
import Logging
import Messaging
import Metrics
import Synchronization

/// Each tenant's routes by name, read from `proxy.routes` on a tenant's first call and again
/// after a change (`proxy.events.routes.changed.<tenant>`, which drops them at once) or
/// `PROXY_ROUTES_SECONDS`. Past that lifetime the routes known are served while they are read
/// again in the background, so no call waits for the database but a tenant's first (and the first
/// after a change); if they cannot be read, what was known stays in use.
final class RouteTable: Sendable {
    private struct Entry {
        var routes: [String: Route]
        var expires: ContinuousClock.Instant
        var refreshing = false
    }

    private struct State {
        var entries: [UUID: Entry] = [:]
        /// Moved by every eviction: a read that began before one does not store what it read.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    private let store: RouteStore
    private let lifetime: Duration
    private let logger: Logger

    init(store: RouteStore, lifetime: Duration, logger: Logger) {
        self.store = store
        self.lifetime = lifetime
        self.logger = logger
    }

    /// The tenant's route of this name, if the model a client sent can be one.
    func route(named model: String, tenant: UUID) async -> Route? {
        guard RouteName.isValid(model) else { return nil }
        return await routes(of: tenant)[model]
    }

    /// The tenant's route names, for `GET /v1/models`.
    func names(tenant: UUID) async -> [String] {
        await routes(of: tenant).keys.sorted()
    }

    func evict(_ tenant: UUID) {
        state.withLock { state in
            state.generation &+= 1
            state.entries[tenant] = nil
        }
    }

    /// The tenant's routes: as known while fresh; once stale, as known while one read in the
    /// background replaces them; read by every caller while none are known. None when they cannot
    /// be read and none are known: a call then goes on as a plain model rather than failing.
    private func routes(of tenant: UUID) async -> [String: Route] {
        let now = ContinuousClock.now
        let (known, generation, reads) = state.withLock { state -> ([String: Route]?, UInt64, Bool) in
            guard var entry = state.entries[tenant] else { return (nil, state.generation, true) }
            guard entry.expires <= now, !entry.refreshing else { return (entry.routes, state.generation, false) }
            entry.refreshing = true
            state.entries[tenant] = entry
            return (entry.routes, state.generation, true)
        }
        guard reads else { return known ?? [:] }
        guard let known else { return await read(tenant, generation: generation, known: nil) }
        Task { _ = await self.read(tenant, generation: generation, known: known) }
        return known
    }

    /// Reads the tenant's routes and keeps them, unless a change was announced meanwhile; on
    /// failure, `known` stays in use and is read again in a second.
    private func read(_ tenant: UUID, generation: UInt64, known: [String: Route]?) async -> [String: Route] {
        do {
            let routes = Dictionary(try await store.list(tenant: tenant).map { ($0.name, $0) }) { first, _ in first }
            state.withLock { state in
                guard state.generation == generation else { return }
                state.entries[tenant] = Entry(routes: routes, expires: ContinuousClock.now + lifetime)
            }
            return routes
        } catch {
            logger.warning(
                "the tenant's routes cannot be read; the ones known stay in use",
                metadata: ["tenant": "\(tenant)", "known": "\(known != nil)", "error": "\(error)"])
            state.withLock { state in
                if state.generation == generation, var entry = state.entries[tenant] {
                    entry.refreshing = false
                    entry.expires = ContinuousClock.now + .seconds(1)
                    state.entries[tenant] = entry
                }
            }
            return known ?? [:]
        }
    }
}

/// The targets' health, shared by every proxy instance: a target that failed cools down here and,
/// through `proxy.events.cooldowns.<tenant>`, on every other instance (docs/routes.md).
final class TargetHealth: Sendable {
    /// A target within its tenant.
    struct Slot: Hashable, Sendable {
        var service: String
        var credential: String
        var model: String

        init(_ target: Route.Target) {
            self.init(service: target.service.service, credential: target.credential, model: target.model)
        }

        init(service: String, credential: String, model: String) {
            self.service = service
            self.credential = credential
            self.model = model
        }
    }

    /// When each cooling target's cooldown ends, by tenant.
    private let until = Mutex<[UUID: [Slot: Date]]>([:])
    private let nats: NatsConnection?
    private let logger: Logger

    /// `nats` nil: this instance only (tests).
    init(nats: NatsConnection?, logger: Logger) {
        self.nats = nats
        self.logger = logger
    }

    /// When the target's cooldown ends, if it is cooling down at `now`.
    func coolsUntil(_ tenant: UUID, _ target: Route.Target, now: Date = Date()) -> Date? {
        until.withLock { $0[tenant]?[Slot(target)] }.flatMap { $0 > now ? $0 : nil }
    }

    /// Whether any target of the tenant may be cooling down at `now` (most calls find none and
    /// skip the per-target lookups).
    func anyCooling(_ tenant: UUID, now: Date = Date()) -> Bool {
        until.withLock { $0[tenant]?.values.contains { $0 > now } ?? false }
    }

    /// The target failed with `status`: it cools down for the route's cooldown or the provider's
    /// `Retry-After`, whichever is longer, here and on every other instance. A route with a
    /// cooldown of 0 has none.
    func cool(
        _ tenant: UUID, _ target: Route.Target, route: Route, status: Int, retryAfter: Int?, now: Date = Date()
    ) {
        guard route.cooldownSeconds > 0 else { return }
        let seconds = max(route.cooldownSeconds, min(retryAfter ?? 0, Route.cooldowns.upperBound))
        // In whole seconds, rounded up: the event's ISO 8601 time has no fraction, and every
        // instance must end the cooldown at the same instant, never before it is due.
        let until = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Double(seconds)).rounded(.up))
        let event = TargetCooldown(
            tenantId: tenant, service: target.service.service, credential: target.credential, model: target.model,
            status: status, until: until)
        record(event)
        RouteMetrics.cooldown(route: route.name, target: target.label)
        announce(RouteSubjects.cooldown(tenant: tenant), event)
    }

    /// An attempt at `target` ended with `status` (502: it could not be reached): 429, 5xx, 401
    /// and 403 cool the target down; 401 and 403 also announce a failing credential.
    func observed(_ target: Route.Target, of route: Route, status: Int, retryAfter: Int?) {
        guard status == 429 || status == 401 || status == 403 || (500...599).contains(status) else { return }
        cool(route.tenant, target, route: route, status: status, retryAfter: retryAfter)
        guard status == 401 || status == 403 else { return }
        announce(
            RouteSubjects.credentialFailing(tenant: route.tenant),
            CredentialFailingEvent(
                tenantId: route.tenant, service: target.service.service, credential: target.credential,
                status: status, route: route.name, at: Date()))
    }

    private func announce(_ subject: String, _ event: some Encodable) {
        do {
            try nats?.publish(subject, event: event)
        } catch {
            logger.warning("announcing a route event failed", metadata: ["subject": "\(subject)", "error": "\(error)"])
        }
    }

    /// Another instance's (or this one's own, echoed) cooldown.
    func heard(_ event: TargetCooldown) {
        record(event)
        RouteMetrics.heard.increment()
    }

    /// Keeps the later end; what has ended is dropped as the tenant's targets cool down again.
    private func record(_ event: TargetCooldown) {
        let slot = Slot(service: event.service, credential: event.credential, model: event.model)
        let now = Date()
        until.withLock { until in
            var slots = until[event.tenantId, default: [:]].filter { $0.value > now }
            slots[slot] = max(slots[slot] ?? .distantPast, event.until)
            until[event.tenantId] = slots
            if until.count > 10_000 { until = until.filter { $0.value.values.contains { $0 > now } } }
        }
    }
}

/// The order in which a routed call tries its targets: `fallback` in the route's order, `weighted`
/// one drawn by weight first (smooth weighted round robin: over any run of calls each target's
/// share is its weight's, to within one call), then the others in order; targets cooling down
/// come last, soonest-healthy first, so a call is never refused while a target is left to try.
final class RoutePlanner: Sendable {
    let health: TargetHealth
    /// The running scores of each weighted route's targets (reset when the route changes).
    private let scores = Mutex<[UUID: (version: Date, scores: [Int])]>([:])

    init(health: TargetHealth) {
        self.health = health
    }

    func plan(_ route: Route, now: Date = Date()) -> [Route.Target] {
        if route.strategy == .fallback, !health.anyCooling(route.tenant, now: now) { return route.targets }
        var healthy: [Int] = []
        var cooling: [(index: Int, until: Date)] = []
        for (index, target) in route.targets.enumerated() {
            if let until = health.coolsUntil(route.tenant, target, now: now) {
                cooling.append((index, until))
            } else {
                healthy.append(index)
            }
        }
        if route.strategy == .weighted, healthy.count > 1 {
            let first = draw(route, among: healthy)
            healthy = [first] + healthy.filter { $0 != first }
        }
        let order = healthy + cooling.sorted { $0.until < $1.until }.map(\.index)
        return order.map { route.targets[$0] }
    }

    /// Smooth weighted round robin among `candidates`: each gains its weight, the highest is
    /// drawn and loses the candidates' total.
    private func draw(_ route: Route, among candidates: [Int]) -> Int {
        scores.withLock { state in
            var scores =
                state[route.id].flatMap { $0.version == route.updatedAt ? $0.scores : nil }
                ?? Array(repeating: 0, count: route.targets.count)
            var total = 0
            var best = candidates[0]
            for index in candidates {
                scores[index] += route.targets[index].weight
                total += route.targets[index].weight
                if scores[index] > scores[best] { best = index }
            }
            scores[best] -= total
            state[route.id] = (route.updatedAt, scores)
            return best
        }
    }
}

/// Per route and target: attempts by outcome, calls that moved on, cooldowns started; and
/// cooldowns heard from any instance. Each series is made once and kept (the metrics factory's
/// lookup costs more than the rest of a routed call's bookkeeping).
enum RouteMetrics {
    static let heard = Counter(label: "strongbox_route_cooldowns_heard_total")

    private struct Key: Hashable {
        var label: String
        var route: String
        var target: String
        var outcome: String?
    }

    private static let series = Mutex<[Key: Counter]>([:])
    /// Beyond this many series (route names are the tenants' own), counters are made per use.
    private static let kept = 10_000

    private static func counter(_ key: Key) -> Counter {
        if let found = series.withLock({ $0[key] }) { return found }
        var dimensions = [("route", key.route), ("target", key.target)]
        if let outcome = key.outcome { dimensions.append(("outcome", outcome)) }
        let made = Counter(label: key.label, dimensions: dimensions)
        series.withLock { if $0.count < kept { $0[key] = made } }
        return made
    }

    static func attempt(route: String, target: String, outcome: String) {
        counter(Key(label: "strongbox_route_attempts_total", route: route, target: target, outcome: outcome))
            .increment()
    }

    static func fallback(route: String, from target: String) {
        counter(Key(label: "strongbox_route_fallbacks_total", route: route, target: target)).increment()
    }

    static func cooldown(route: String, target: String) {
        counter(Key(label: "strongbox_route_cooldowns_total", route: route, target: target)).increment()
    }
}
