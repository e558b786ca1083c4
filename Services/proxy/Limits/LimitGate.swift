import Contracts
import Foundation
import Logging
import Messaging
import Metrics
import ServiceKit
import Synchronization

/// Admits each call against every limit of its tenant that covers it (docs/limits.md): a request
/// from each request count, an estimate from each token count and budget, all or none, from this
/// instance's ``Allowances``. A refusal is a 429 (`rate-limited` or `budget-exceeded`) with
/// `Retry-After`; a ledger that cannot be reached, once the slices are spent, a 503.
struct LimitGate: Sendable {
    let rules: TenantCache<[PreparedLimit]>
    let prices: TenantCache<PriceTable>
    let allowances: Allowances

    /// Output tokens reserved for a call that names no maximum (not for embeddings, which have none).
    static let defaultMaxTokens = 1024

    /// What a call took, for its usage event and its answer's headers.
    /// A class: it travels with the call through several steps, and a copy of it was an array's
    /// and a price table's references retained and released each time.
    final class Admission: Sendable {
        /// Each count taken, with what it counts.
        let taken: [Allowances.Taken]
        /// The usage service's prices, when a budget covers the call: its cost is settled with them.
        let prices: PriceTable?

        init(taken: [Allowances.Taken], prices: PriceTable?) {
            self.taken = taken
            self.prices = prices
        }

        /// What the call really used: its tokens, and its cost (priced like the usage service
        /// prices it, only when a budget covers the call), as its usage events say (a routed call
        /// has one event per attempt).
        func used(by events: some Sequence<UsageEvent>) -> (tokens: Int64, spent: Int64) {
            var used: (tokens: Int64, spent: Int64) = (0, 0)
            for event in events {
                used.tokens += Int64(event.totalTokens)
                used.spent +=
                    prices?.cost(
                        service: event.service, model: event.model, prompt: event.promptTokens,
                        completion: event.completionTokens, cached: event.cachedTokens) ?? 0
            }
            return used
        }

        /// Both admissions' counts, for the answer's headers (a routed call has the call's and the
        /// target's).
        static func merged(_ first: Admission?, _ second: Admission?) -> Admission? {
            guard let first, let second else { return first ?? second }
            return Admission(taken: first.taken + second.taken, prices: first.prices ?? second.prices)
        }

        /// The tightest request and token counts, for OpenAI's `x-ratelimit-*` headers.
        var rateLimits: UpstreamHead.RateLimits {
            var requests: Allowances.Taken?
            var tokens: Allowances.Taken?
            for item in taken {
                switch item.kind {
                case .requests where item.remaining < requests?.remaining ?? .max: requests = item
                case .tokens where item.remaining < tokens?.remaining ?? .max: tokens = item
                default: continue
                }
            }
            let now = Date()
            func count(_ taken: Allowances.Taken?) -> UpstreamHead.RateLimits.Count? {
                taken.map {
                    .init(
                        limit: $0.capacity, remaining: max(0, $0.remaining),
                        resetsIn: $0.resetsAt?.timeIntervalSince(now))
                }
            }
            return UpstreamHead.RateLimits(requests: count(requests), tokens: count(tokens))
        }
    }

    /// Which of the limits covering a call to admit it against.
    enum Scope {
        /// Every one (a call that is not routed).
        case all
        /// A routed call's own: those that name no service (the tenant's, a key's, a user's, the
        /// route's), taken once for the whole call.
        case call
        /// A routed call's attempt: those that name a service or `service/model`, taken for each
        /// attempt at a target they cover.
        case target

        func includes(_ rule: LimitRule) -> Bool {
            if case .all = self { return true }
            // Bytes, not Foundation's `contains` (a locale-aware search): this runs per rule and call.
            let namesService = rule.service != nil || rule.model?.utf8.contains(UInt8(ascii: "/")) == true
            return self == .target ? namesService : !namesService
        }
    }

    /// Nil when no limit covers the call.
    func admit(_ call: ProxyCall, scope: Scope = .all) async throws(ServiceError) -> Admission? {
        let limits = try await rules.value(for: call.tenant)
        // Each covering limit's counts, built in one pass over the tenant's limits (no list of the
        // covering ones, and what each count is for is in the demand: one array a call).
        var demands: [Allowances.Demand] = []
        // Worked out once a call, and only if a count needs them.
        var tokens = (prompt: 0, completion: 0, total: 0)
        var prices: PriceTable?
        var cost: Int64 = 0
        for limit in limits where Self.covers(limit.rule, call, scope) {
            if demands.isEmpty {
                demands.reserveCapacity(limits.reduce(0) { $0 + $1.meters.count })
                tokens = estimate(call)
            }
            for meter in limit.meters {
                let amount: Int64
                switch meter.kind {
                case .requests: amount = 1
                case .tokens: amount = Int64(tokens.total)
                case .spend:
                    if prices == nil {
                        let table = try await self.prices.value(for: nil)
                        cost = Self.cost(call, tokens, table)
                        prices = table
                    }
                    amount = cost
                }
                demands.append(
                    .init(
                        key: meter.key, unit: meter.unit, capacity: meter.capacity, amount: amount, kind: meter.kind,
                        tenant: call.tenant))
            }
        }
        guard !demands.isEmpty else { return nil }
        let taken: [Allowances.Taken]
        do {
            taken = try await allowances.take(demands)
        } catch {
            switch error {
            case .unavailable:
                Self.metrics.unavailable.increment()
                throw ServiceError.unavailable("the limits cannot be checked right now: their ledger is unreachable")
            case .exhausted(let index, let retryAfter):
                let kind = demands[index].kind
                Self.metrics.refused(kind)
                throw Self.refusal(Self.owner(of: index, in: limits, call, scope), kind, retryAfter: retryAfter)
            }
        }
        for item in taken { Self.metrics.admitted(item.kind) }
        return Admission(taken: taken, prices: prices)
    }

    private static func covers(_ rule: LimitRule, _ call: ProxyCall, _ scope: Scope) -> Bool {
        scope.includes(rule)
            && rule.covers(
                apiKey: call.routing.caller.apiKeyID, user: call.routing.caller.userID,
                service: call.route.provider.service, model: call.route.requestedModel, providerModel: call.route.model)
    }

    /// The limit whose count is `admit`'s demand `index` (a refusal names it).
    private static func owner(of index: Int, in limits: [PreparedLimit], _ call: ProxyCall, _ scope: Scope) -> LimitRule
    {
        var counted = 0
        for limit in limits where covers(limit.rule, call, scope) {
            counted += limit.meters.count
            if index < counted { return limit.rule }
        }
        preconditionFailure("demand \(index) belongs to no covering limit")
    }

    /// Settles what the call reserved with what its usage events say it used (a routed call has
    /// one event per attempt).
    func settle(_ admission: Admission?, with events: some Sequence<UsageEvent>) {
        guard let admission else { return }
        let used = admission.used(by: events)
        allowances.settle(admission.taken, tokens: used.tokens, spent: used.spent)
    }

    /// Hands back what a call reserved that never reached a provider (the client's mistake).
    func release(_ admission: Admission?) {
        guard let admission else { return }
        allowances.settle(admission.taken, tokens: 0, spent: 0)
    }

    private static func refusal(_ rule: LimitRule, _ kind: LimitKind, retryAfter: Int?) -> ServiceError {
        let name = "limit \(rule.id.lowercasedString)"
        switch kind {
        case .requests:
            return .rateLimited(
                "\(name) allows \(rule.requests ?? 0) requests a \(rule.window?.rawValue ?? "window"); none are left",
                retryAfter: retryAfter)
        case .tokens:
            return .rateLimited(
                "\(name) allows \(rule.tokens ?? 0) tokens a \(rule.window?.rawValue ?? "window"); this call's estimate does not fit in what is left",
                retryAfter: retryAfter)
        case .spend:
            let period = rule.period == .total ? "in total" : "a \(rule.period?.rawValue ?? "period")"
            return .rateLimited(
                "\(name): the budget of \(rule.budgetMicroUsd ?? 0) micro-USD \(period) is spent",
                retryAfter: retryAfter, kind: "budget-exceeded")
        }
    }

    // MARK: - Estimates

    /// Input bytes / 4, plus the client's maximum output or ``defaultMaxTokens``.
    func estimate(_ call: ProxyCall) -> (prompt: Int, completion: Int, total: Int) {
        let prompt = call.payload.bytes.count / 4
        let completion =
            call.payload.maxTokens.map { max(0, $0) }
            ?? (call.route.path.utf8.contains(utf8: "embeddings") ? 0 : Self.defaultMaxTokens)
        return (prompt, completion, max(1, prompt + completion))
    }

    /// The estimate priced with the usage service's table (at least 1 micro-USD, so a spent budget
    /// refuses every call; an unpriced model reserves that much).
    private static func cost(
        _ call: ProxyCall, _ tokens: (prompt: Int, completion: Int, total: Int), _ table: PriceTable
    ) -> Int64 {
        let cost = table.cost(
            service: call.route.provider.service, model: call.route.model, prompt: tokens.prompt,
            completion: tokens.completion, cached: 0)
        return max(1, cost ?? 1)
    }

    // MARK: - Metrics

    private static let metrics = LimitMetrics()
}

/// A limit with its counts' ledger keys made once, when the tenant's limits are read. A class:
/// every call walks its tenant's limits, and a copy of a rule is a dozen references retained.
final class PreparedLimit: Sendable {
    struct Meter: Sendable {
        var kind: LimitKind
        var unit: LimitUnit
        var capacity: Int64
        var key: String
    }

    let rule: LimitRule
    let meters: [Meter]

    init(_ rule: LimitRule) {
        self.rule = rule
        meters = rule.meters.map {
            Meter(kind: $0.kind, unit: $0.unit, capacity: $0.capacity, key: $0.kind.key(rule.id))
        }
    }
}

/// Admitted and refused calls per limit kind, and calls refused because the ledger was unreachable.
/// A counter per kind in a property, chosen by a switch: a dictionary keyed by the kind hashed its
/// name for each count of each call.
struct LimitMetrics: Sendable {
    private struct PerKind: Sendable {
        let requests: Counter, tokens: Counter, spend: Counter

        init(outcome: String) {
            func counter(_ kind: LimitKind) -> Counter {
                Counter(
                    label: "strongbox_limits_calls_total", dimensions: [("kind", kind.rawValue), ("outcome", outcome)])
            }
            (requests, tokens, spend) = (counter(.requests), counter(.tokens), counter(.spend))
        }

        func callAsFunction(_ kind: LimitKind) -> Counter {
            switch kind {
            case .requests: requests
            case .tokens: tokens
            case .spend: spend
            }
        }
    }

    private let admittedCounters = PerKind(outcome: "admitted")
    private let refusedCounters = PerKind(outcome: "refused")
    let unavailable = Counter(label: "strongbox_limits_unavailable_total")

    func admitted(_ kind: LimitKind) { admittedCounters(kind).increment() }
    func refused(_ kind: LimitKind) { refusedCounters(kind).increment() }
}

/// A value per tenant (or one for all, keyed nil) read from the usage service: kept fresh for
/// `lifetime` and dropped at once when the service announces a change. Once it is older than
/// that (and younger than twice that), calls go on with it while one read in the background
/// replaces it, so no call waits for the read but a tenant's first and one after a change (a
/// busy tenant's calls all waited for it before, once a lifetime). When the service cannot be
/// reached, the last value read is served (the limits hold either way: counts go through the
/// ledger).
final class TenantCache<Value: Sendable>: Sendable {
    /// What was read per tenant and when (fresh for `lifetime`); an announced change drops it and
    /// moves the generation, so that a read begun before the change does not put it back.
    private struct Known {
        var values: [UUID?: (value: Value, read: ContinuousClock.Instant)] = [:]
        var generation: UInt64 = 0
    }

    private let known = Mutex(Known())
    /// One read at a time per tenant: the calls that find no value young enough wait for it.
    private let reading = Mutex<[UUID?: OneShot<Result<Value, any Error>>]>([:])
    private let lifetime: Duration
    private let load: @Sendable (UUID?) async throws -> Value

    init(lifetime: Duration, load: @escaping @Sendable (UUID?) async throws -> Value) {
        self.lifetime = lifetime
        self.load = load
    }

    func value(for tenant: UUID?) async throws(ServiceError) -> Value {
        var recent: Value?
        if let last = known.withLock({ $0.values[tenant] }) {
            let age = ContinuousClock.now - last.read
            if age < lifetime { return last.value }
            if age < lifetime * 2 { recent = last.value }
        }
        let (read, first) = reading.withLock { reading in
            if let read = reading[tenant] { return (read, false) }
            let read = OneShot<Result<Value, any Error>>()
            reading[tenant] = read
            return (read, true)
        }
        if first {
            if let recent {
                Task { await self.read(tenant, into: read) }
                return recent
            }
            await self.read(tenant, into: read)
        }
        if let recent { return recent }
        switch await read.value() {
        case .success(let value):
            return value
        case .failure(let error):
            if let stale = known.withLock({ $0.values[tenant]?.value }) { return stale }
            throw ServiceError.unavailable(
                "the limits cannot be checked right now: the usage service is unreachable", underlying: error)
        }
    }

    /// Reads the tenant's value, keeps it, and hands the result to the callers waiting on `read`.
    private func read(_ tenant: UUID?, into read: OneShot<Result<Value, any Error>>) async {
        let generation = known.withLock { $0.generation }
        let result: Result<Value, any Error>
        do {
            let value = try await load(tenant)
            known.withLock { known in
                if known.generation == generation { known.values[tenant] = (value, ContinuousClock.now) }
            }
            result = .success(value)
        } catch {
            result = .failure(error)
        }
        reading.withLock { $0[tenant] = nil }
        _ = read.set(result)
    }

    func evict(_ tenant: UUID?) {
        known.withLock { known in
            known.generation &+= 1
            known.values[tenant] = nil
        }
    }
}
