import Contracts
import Foundation
import Logging
import Messaging
import Metrics
import ServiceKit
import Synchronization

/// The Limits API behind the gateway (`usage.limits.*`), the rules and prices the proxy matches
/// and reserves with, and the ledger's exchange.
struct LimitHandlers: Sendable {
    let store: LimitStore
    let ledger: AllowanceLedger
    let prices: PriceTable
    let nats: NatsConnection
    let logger: Logger
    let reclaimNotices = ReclaimNotices()

    var endpoints: [MicroService.Endpoint] {
        let group = Subjects.queueGroup(.usage)
        return [
            .request("limits.create", subject: LimitSubjects.create, queueGroup: group) { request in
                let routing = try request.routing()
                let tenant = try routing.requireTenant()
                let blank = LimitDefinition(
                    blank: tenant, owner: routing.caller == .platformAdmin ? .platform : .tenant)
                let limit = try LimitDefinition(try request.decodeMessage(LimitInput.self), changing: blank)
                try await store.insert(limit)
                changed(tenant)
                return try .json(try await store.records([limit])[0])
            },
            .request("limits.list", subject: LimitSubjects.list, queueGroup: group) { request in
                let limits = try await store.list(tenant: try request.tenantID())
                return try .json(["items": try await store.records(limits)])
            },
            .request("limits.get", subject: LimitSubjects.get, queueGroup: group) { request in
                let limit = try await find(request)
                return try .json(try await store.records([limit])[0])
            },
            .request("limits.update", subject: LimitSubjects.update, queueGroup: group) { request in
                let existing = try await find(request, mayChange: true)
                var limit = try LimitDefinition(try request.decodeMessage(LimitInput.self), changing: existing)
                limit.updatedAt = Date()
                try await store.update(limit)
                changed(limit.tenant)
                return try .json(try await store.records([limit])[0])
            },
            .request("limits.delete", subject: LimitSubjects.delete, queueGroup: group) { request in
                let limit = try await find(request, mayChange: true)
                try await store.delete(limit)
                changed(limit.tenant)
                return Reply()
            },
            .request("limits.rules", subject: LimitSubjects.rules, queueGroup: group) { request in
                try .json(LimitRules(rules: try await store.list(tenant: try request.tenantID()).map(\.rule)))
            },
            .request("limits.prices", subject: LimitSubjects.prices, queueGroup: group) { _ in
                try .json(prices)
            },
            .request("limits.exchange", subject: LimitSubjects.exchange, queueGroup: group, maxConcurrency: 256) {
                request in
                let started = ContinuousClock.now
                let exchange = try request.decodeMessage(AllowanceExchange.self)
                let (grants, crossings) = try await ledger.exchange(exchange)
                Self.exchangeTime.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
                if !crossings.isEmpty { Task { await announce(crossings) } }
                reclaim(zip(exchange.borrows, grants).filter { $0.0.isShortWhileLentElsewhere($0.1) }.map(\.0))
                return try .json(AllowanceGrants(grants: grants))
            },
        ]
    }

    /// The limit the request names, of the request's tenant (404 otherwise); one the platform owns
    /// may be changed only by the platform admin (403).
    private func find(_ request: NatsMessage, mayChange: Bool = false) async throws -> LimitDefinition {
        let routing = try request.routing()
        let id = try routing.requireResource()
        guard let limit = try await store.find(id, tenant: try routing.requireTenant()) else {
            throw ServiceError.notFound("no limit \(id.lowercasedString)")
        }
        if mayChange && limit.owner == .platform && routing.caller != .platformAdmin {
            throw ServiceError.forbidden("this limit is set by the platform operator; only they can change it")
        }
        return limit
    }

    /// Publishes `budget.threshold` for each budget that crossed 80 % or 100 % (the ledger marked
    /// it, so it is announced once; the message id makes a re-publish harmless).
    private func announce(_ crossings: [AllowanceLedger.Crossing]) async {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        for crossing in crossings {
            guard let slash = crossing.key.firstIndex(of: "/"),
                let limit = UUID(parsing: String(crossing.key[..<slash]))
            else { continue }
            for (bit, percent) in [(1, 80), (2, 100)] where crossing.thresholds & bit != 0 {
                let event = BudgetThresholdEvent(
                    tenantId: crossing.tenant, limitId: limit, percent: percent, spentMicroUsd: crossing.spent,
                    budgetMicroUsd: crossing.budget, period: Date(timeIntervalSince1970: Double(crossing.window)),
                    at: Date())
                for attempt in 1...3 {
                    do {
                        try await nats.jetStream.publish(
                            LimitSubjects.events(tenant: crossing.tenant), payload: try encoder.encode(event),
                            messageID: event.messageID)
                        break
                    } catch {
                        logger.error(
                            "publishing a budget threshold failed",
                            metadata: ["limit": "\(limit)", "attempt": "\(attempt)", "error": "\(error)"])
                        try? await Task.sleep(for: .milliseconds(200 * attempt))
                    }
                }
            }
        }
    }

    /// Asks every instance for what it is not spending of the counts these borrows were short of
    /// (each count at most once per ``ReclaimNotices/interval`` from this instance: a flood of
    /// refused calls asks no more often).
    private func reclaim(_ short: [AllowanceExchange.Borrow]) {
        guard !short.isEmpty else { return }
        let counts = reclaimNotices.due(short.map { .init(key: $0.key, window: $0.window) })
        guard !counts.isEmpty else { return }
        do {
            try nats.publish(LimitSubjects.reclaim, payload: try JSONEncoder().encode(AllowanceReclaim(counts: counts)))
            Self.reclaims.increment()
        } catch {
            logger.warning("asking instances to hand back their slices failed", metadata: ["error": "\(error)"])
        }
    }

    /// Tells every proxy that cached the tenant's rules to read them again.
    private func changed(_ tenant: UUID) {
        do {
            try nats.publish(LimitSubjects.changed(tenant: tenant), payload: [UInt8]())
        } catch {
            logger.warning("announcing a limit change failed", metadata: ["error": "\(error)"])
        }
    }

    private static let exchangeTime = Timer(label: "strongbox_limits_ledger_exchange_seconds")
    private static let reclaims = Counter(label: "strongbox_limits_reclaims_sent_total")
}

/// When each count was last named on ``LimitSubjects/reclaim`` by this instance.
final class ReclaimNotices: Sendable {
    /// A count is named again only after this long: its holders' hand-back takes a round trip.
    static let interval = Duration.milliseconds(100)
    private let sent = Mutex<[AllowanceReclaim.Count: ContinuousClock.Instant]>([:])

    /// The counts not named within the interval (each once), marked named now.
    func due(_ counts: [AllowanceReclaim.Count], now: ContinuousClock.Instant = .now) -> [AllowanceReclaim.Count] {
        sent.withLock { sent in
            if sent.count > 10_000 { sent = sent.filter { now - $0.value < Self.interval } }
            return counts.filter { count in
                guard sent[count].map({ now - $0 >= Self.interval }) ?? true else { return false }
                sent[count] = now
                return true
            }
        }
    }
}
