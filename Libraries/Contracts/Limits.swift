import Foundation
import Messaging

/// Request and token limits per UTC window, and spend budgets per UTC period, owned by the usage
/// service (definitions and the ledger in PostgreSQL) and enforced by the proxy (docs/limits.md).
public enum LimitSubjects {
    /// The gateway's Limits API (`Tenant-Id` names the tenant, `Resource-Id` the limit; a limit
    /// the platform admin creates is `platform`-owned). Create and update carry a ``LimitInput``.
    public static let create = "usage.limits.create"
    public static let list = "usage.limits.list"
    public static let get = "usage.limits.get"
    public static let update = "usage.limits.update"
    public static let delete = "usage.limits.delete"
    /// The proxy asks for a tenant's rules (``LimitRule``s) to match calls against.
    public static let rules = "usage.limits.rules"
    /// The price table budgets reserve with (the usage service's, ``PriceTable``).
    public static let prices = "usage.limits.prices"
    /// Borrow slices of allowance and hand back what was not used (``AllowanceExchange``).
    public static let exchange = "usage.limits.exchange"

    /// The ledger found a borrow short while other instances hold slices of its window: every
    /// instance hands back at once what it is not spending of the counts named
    /// (``AllowanceReclaim``, core NATS), rather than with its next tick.
    public static let reclaim = "limits.reclaim"

    /// A tenant's limits changed: instances that cached its rules drop them (core NATS).
    public static func changed(tenant: UUID) -> String { "limits.changed.\(tenant.lowercasedString)" }
    public static let changedAll = "limits.changed.*"

    /// `budget.threshold` events for billing systems (JetStream stream `LIMITS`).
    public static func events(tenant: UUID) -> String { "limits.events.\(tenant.lowercasedString)" }
    public static let events = "limits.events.>"
    public static let stream = StreamConfig(
        name: "LIMITS", subjects: [events], maxAge: .seconds(90 * 24 * 3600), duplicateWindow: .seconds(600))
}

/// A UTC calendar unit a count resets with: request and token windows are minutes, hours or days;
/// budget periods days, months or `total` (never resets).
public enum LimitUnit: String, Codable, Sendable, CaseIterable {
    case minute, hour, day, month, total

    public static let windows: [LimitUnit] = [.minute, .hour, .day]
    public static let periods: [LimitUnit] = [.day, .month, .total]

    /// The start of the unit that holds `date`, in seconds since 1970 (0 for `total`), and when it
    /// ends (nil for `total`).
    public func window(at date: Date) -> (start: Int64, end: Date?) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        switch self {
        case .minute: return Self.span(seconds - seconds.mod(60), 60)
        case .hour: return Self.span(seconds - seconds.mod(3600), 3600)
        case .day: return Self.span(seconds - seconds.mod(86400), 86400)
        case .month:
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let parts = calendar.dateComponents([.year, .month], from: date)
            let start = calendar.date(from: parts)!
            let end = calendar.date(byAdding: .month, value: 1, to: start)!
            return (Int64(start.timeIntervalSince1970), end)
        case .total: return (0, nil)
        }
    }

    private static func span(_ start: Int64, _ length: Int64) -> (start: Int64, end: Date?) {
        (start, Date(timeIntervalSince1970: Double(start + length)))
    }
}

extension Int64 {
    fileprivate func mod(_ divisor: Int64) -> Int64 { ((self % divisor) + divisor) % divisor }
}

/// What a limit counts.
public enum LimitKind: String, Codable, Sendable, CaseIterable {
    case requests, tokens, spend

    /// The ledger key of a limit's count of this kind.
    public func key(_ limit: UUID) -> String { "\(limit.lowercasedString)/\(rawValue)" }
}

/// A limit as the proxy matches calls against it: who and what it covers, and its counts.
public struct LimitRule: Codable, Sendable, Equatable {
    public var id: UUID
    public var apiKeyId: UUID?
    public var userId: UUID?
    public var service: String?
    /// `service/model`, or a name the client sends as its model (a route's).
    public var model: String?
    public var window: LimitUnit?
    public var requests: Int64?
    public var tokens: Int64?
    public var period: LimitUnit?
    public var budgetMicroUsd: Int64?

    public init(
        id: UUID, apiKeyId: UUID? = nil, userId: UUID? = nil, service: String? = nil, model: String? = nil,
        window: LimitUnit? = nil, requests: Int64? = nil, tokens: Int64? = nil, period: LimitUnit? = nil,
        budgetMicroUsd: Int64? = nil
    ) {
        self.id = id
        self.apiKeyId = apiKeyId
        self.userId = userId
        self.service = service
        self.model = model
        self.window = window
        self.requests = requests
        self.tokens = tokens
        self.period = period
        self.budgetMicroUsd = budgetMicroUsd
    }

    /// Whether a call by this key or user, to this service, asking for this model, is covered.
    /// `model` is what the client sent; `providerModel` the model as the provider knows it.
    public func covers(apiKey: UUID?, user: UUID?, service: String, model: String?, providerModel: String?) -> Bool {
        if let apiKeyId, apiKeyId != apiKey { return false }
        if let userId, userId != user { return false }
        if let required = self.service, required != service { return false }
        guard let required = self.model else { return true }
        if let slash = required.firstIndex(of: "/") {
            return required[..<slash] == service
                && providerModel.map { required[required.index(after: slash)...] == $0 }
                    == true
        }
        return required == model
    }

    /// Its counts: (kind, capacity, unit).
    public var meters: [(kind: LimitKind, capacity: Int64, unit: LimitUnit)] {
        var meters: [(kind: LimitKind, capacity: Int64, unit: LimitUnit)] = []
        if let requests, let window { meters.append((.requests, requests, window)) }
        if let tokens, let window { meters.append((.tokens, tokens, window)) }
        if let budgetMicroUsd, let period { meters.append((.spend, budgetMicroUsd, period)) }
        return meters
    }
}

/// The rules of one tenant, for the proxy.
public struct LimitRules: Codable, Sendable {
    public var rules: [LimitRule]

    public init(rules: [LimitRule]) { self.rules = rules }
}

/// One round trip to the ledger: changes to windows' counts, then slices borrowed.
///
/// A window's count has three parts: `lent` (out in instances' slices, not yet spent), `held`
/// (reserved by calls in flight, settled from their usage events) and `used` (final). A borrow is
/// granted only from what the capacity leaves beyond all three.
public struct AllowanceExchange: Codable, Sendable {
    /// Signed changes to a window's parts: a slice's spent requests (`lent` −n, `used` +n), a
    /// slice's spent reservations (`lent` −n, `held` +n), reservations settled (`held` −n, `used`
    /// +what the calls used), an unused part handed back (`lent` −n).
    public struct Adjustment: Codable, Sendable, Equatable {
        public var key: String
        public var window: Int64
        public var lent: Int64
        public var held: Int64
        public var used: Int64

        public init(key: String, window: Int64, lent: Int64 = 0, held: Int64 = 0, used: Int64 = 0) {
            self.key = key
            self.window = window
            self.lent = lent
            self.held = held
            self.used = used
        }
    }

    /// Asks for `need` (what callers wait for now) and up to `want` in all (what the rate says the
    /// next slice will use). The ledger grants the need first, then at most half of what is left
    /// beyond it, so slices shrink near the limit.
    public struct Borrow: Codable, Sendable, Equatable {
        public var key: String
        public var window: Int64
        /// When the window ends (nil: never); the ledger drops counts some time after.
        public var resetsAt: Date?
        public var tenant: UUID?
        public var capacity: Int64
        public var need: Int64
        public var want: Int64
        /// What the borrowing instance itself holds of the window (its slice): the rest of what
        /// is lent is in other instances' slices. Nil from instances older than this field.
        public var holds: Int64?

        public init(
            key: String, window: Int64, resetsAt: Date?, tenant: UUID?, capacity: Int64, need: Int64, want: Int64,
            holds: Int64? = nil
        ) {
            self.key = key
            self.window = window
            self.resetsAt = resetsAt
            self.tenant = tenant
            self.capacity = capacity
            self.need = need
            self.want = want
            self.holds = holds
        }

        /// Whether `grant` left this borrow short of its need while other instances hold slices of
        /// the window: the ledger then asks them for what they are not spending
        /// (``LimitSubjects/reclaim``).
        public func isShortWhileLentElsewhere(_ grant: Grant) -> Bool {
            grant.granted < need && grant.lent - grant.granted - (holds ?? 0) > 0
        }
    }

    public struct Grant: Codable, Sendable, Equatable {
        public var key: String
        public var window: Int64
        public var granted: Int64
        /// What is left to borrow after this grant.
        public var left: Int64
        /// What is out in slices after this grant, this one included.
        public var lent: Int64

        public init(key: String, window: Int64, granted: Int64, left: Int64, lent: Int64) {
            self.key = key
            self.window = window
            self.granted = granted
            self.left = left
            self.lent = lent
        }
    }

    /// Names the exchange for the ledger, which applies it once and answers a repeat with the
    /// grants it gave the first time: an instance that got no answer sends the same exchange
    /// again. Nil (instances older than this field): applied each time it arrives.
    public var id: UUID?
    public var adjustments: [Adjustment]
    public var borrows: [Borrow]

    public init(id: UUID? = nil, adjustments: [Adjustment] = [], borrows: [Borrow] = []) {
        self.id = id
        self.adjustments = adjustments
        self.borrows = borrows
    }
}

/// The ledger's answer to an ``AllowanceExchange``: one grant per borrow, in order.
public struct AllowanceGrants: Codable, Sendable {
    public var grants: [AllowanceExchange.Grant]

    public init(grants: [AllowanceExchange.Grant]) { self.grants = grants }
}

/// Published by the ledger on ``LimitSubjects/reclaim``: counts some instance is short of while
/// others hold slices of them.
public struct AllowanceReclaim: Codable, Sendable, Equatable {
    public struct Count: Codable, Sendable, Equatable, Hashable {
        public var key: String
        public var window: Int64

        public init(key: String, window: Int64) {
            self.key = key
            self.window = window
        }
    }

    public var counts: [Count]

    public init(counts: [Count]) { self.counts = counts }
}

/// Published on ``LimitSubjects/events(tenant:)`` when a budget's spend first reaches 80 % and
/// 100 % in a period (once per limit, threshold and period).
public struct BudgetThresholdEvent: Codable, Sendable, Equatable {
    public var type = "budget.threshold"
    public var tenantId: UUID
    public var limitId: UUID
    public var percent: Int
    public var spentMicroUsd: Int64
    public var budgetMicroUsd: Int64
    /// The period's start.
    public var period: Date
    public var at: Date

    public init(
        tenantId: UUID, limitId: UUID, percent: Int, spentMicroUsd: Int64, budgetMicroUsd: Int64, period: Date,
        at: Date
    ) {
        self.tenantId = tenantId
        self.limitId = limitId
        self.percent = percent
        self.spentMicroUsd = spentMicroUsd
        self.budgetMicroUsd = budgetMicroUsd
        self.period = period
        self.at = at
    }

    /// The JetStream message id: one event per limit, threshold and period, however often it is
    /// published.
    public var messageID: String {
        "budget.threshold.\(limitId.lowercasedString).\(Int64(period.timeIntervalSince1970)).\(percent)"
    }
}

/// `POST /limits` and `PATCH /limits/{id}` bodies: a PATCH changes the fields it names (`null`
/// clears one); a POST is a PATCH of nothing. The usage service checks the result as a whole.
public struct LimitInput: JSONBody, Codable, Equatable {
    public static let fields: Set<String> = [
        "name", "apiKeyId", "userId", "service", "model", "window", "requests", "tokens", "period", "budgetMicroUsd",
    ]

    public var name: String?
    public var apiKeyId: UUID?
    public var userId: UUID?
    public var service: String?
    public var model: String?
    public var window: String?
    public var requests: Int64?
    public var tokens: Int64?
    public var period: String?
    public var budgetMicroUsd: Int64?
    /// The fields sent as `null`.
    public var cleared: Set<String> = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, apiKeyId, userId, service, model, window, requests, tokens, period, budgetMicroUsd, cleared
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys) throws -> T? {
            if container.contains(key), try container.decodeNil(forKey: key) {
                cleared.insert(key.stringValue)
                return nil
            }
            return try container.decodeIfPresent(T.self, forKey: key)
        }
        cleared = try container.decodeIfPresent(Set<String>.self, forKey: .cleared) ?? []
        name = try read(.name)
        apiKeyId = try read(.apiKeyId)
        userId = try read(.userId)
        service = try read(.service)
        model = try read(.model)
        window = try read(.window)
        requests = try read(.requests)
        tokens = try read(.tokens)
        period = try read(.period)
        budgetMicroUsd = try read(.budgetMicroUsd)
    }
}
