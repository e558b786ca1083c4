import Foundation

/// The usage service's query subjects and messages (the gateway's `/usage`, `/analytics` and
/// `/proxy/stats` routes). The tenant travels in the `Tenant-Id` header.
public enum UsageQuerySubjects {
    public static let events = "usage.query.events"
    public static let summary = "usage.query.summary"
    public static let export = "usage.query.export"
    public static let analytics = "usage.query.analytics"
    public static let proxyStats = "usage.query.proxy-stats"
}

/// Filters shared by the event list, the summary and the export.
public struct UsageFilter: Codable, Sendable, Equatable {
    public var from: Date?
    public var to: Date?
    public var service: String?
    public var model: String?
    public var apiKeyId: UUID?

    public init(from: Date? = nil, to: Date? = nil, service: String? = nil, model: String? = nil, apiKeyId: UUID? = nil)
    {
        self.from = from
        self.to = to
        self.service = service
        self.model = model
        self.apiKeyId = apiKeyId
    }
}

public struct UsageEventsRequest: Codable, Sendable {
    public var filter: UsageFilter
    public var limit: Int
    /// The opaque cursor of the previous page.
    public var cursor: String?

    public init(filter: UsageFilter, limit: Int, cursor: String?) {
        self.filter = filter
        self.limit = limit
        self.cursor = cursor
    }
}

/// An event as `GET /usage` lists it: the proxy's event, priced.
public struct PricedUsageEvent: Codable, Sendable, Equatable {
    public var event: UsageEvent
    /// Micro-USD; nil when the model has no price.
    public var costMicroUsd: Int64?
    public var priceVersion: String?

    public init(event: UsageEvent, costMicroUsd: Int64?, priceVersion: String?) {
        self.event = event
        self.costMicroUsd = costMicroUsd
        self.priceVersion = priceVersion
    }

    enum CodingKeys: String, CodingKey { case event, costMicroUsd, priceVersion }

    /// An unknown cost is `null`, never absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .event)
        try container.encode(costMicroUsd, forKey: .costMicroUsd)
        try container.encode(priceVersion, forKey: .priceVersion)
    }
}

/// A page of `GET /usage`: `nextCursor` is `null` on the last page, never absent.
public typealias UsageEventsPage = Page<PricedUsageEvent>

/// One page of `GET /usage/export.csv`: events of the filter, oldest first, after `cursor`. The
/// reply is CSV (the header line on the first page) with ``PageCursor/header``.
public struct UsageExportRequest: Codable, Sendable {
    public var filter: UsageFilter
    public var cursor: String?

    public init(filter: UsageFilter, cursor: String?) {
        self.filter = filter
        self.cursor = cursor
    }
}

public struct UsageSummaryRequest: Codable, Sendable {
    public enum GroupBy: String, Codable, Sendable, CaseIterable {
        case service, model, day, apiKey
    }

    public var filter: UsageFilter
    public var groupBy: GroupBy

    public init(filter: UsageFilter, groupBy: GroupBy) {
        self.filter = filter
        self.groupBy = groupBy
    }
}

public struct UsageTotals: Codable, Sendable, Equatable {
    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public var costMicroUsd: Int
    /// Requests whose model had no price (their cost is not in `costMicroUsd`).
    public var unpricedRequests: Int

    public init(
        requests: Int, promptTokens: Int, completionTokens: Int, totalTokens: Int, costMicroUsd: Int,
        unpricedRequests: Int
    ) {
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
        self.costMicroUsd = costMicroUsd
        self.unpricedRequests = unpricedRequests
    }

    public static let zero = UsageTotals(
        requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costMicroUsd: 0, unpricedRequests: 0)

    public static func + (lhs: UsageTotals, rhs: UsageTotals) -> UsageTotals {
        UsageTotals(
            requests: lhs.requests + rhs.requests, promptTokens: lhs.promptTokens + rhs.promptTokens,
            completionTokens: lhs.completionTokens + rhs.completionTokens,
            totalTokens: lhs.totalTokens + rhs.totalTokens, costMicroUsd: lhs.costMicroUsd + rhs.costMicroUsd,
            unpricedRequests: lhs.unpricedRequests + rhs.unpricedRequests)
    }
}

public struct UsageSummary: Codable, Sendable {
    public struct Item: Codable, Sendable, Equatable {
        public var key: String
        public var requests: Int
        public var promptTokens: Int
        public var completionTokens: Int
        public var totalTokens: Int
        public var costMicroUsd: Int
        public var unpricedRequests: Int

        public init(key: String, totals: UsageTotals) {
            self.key = key
            requests = totals.requests
            promptTokens = totals.promptTokens
            completionTokens = totals.completionTokens
            totalTokens = totals.totalTokens
            costMicroUsd = totals.costMicroUsd
            unpricedRequests = totals.unpricedRequests
        }

        public var totals: UsageTotals {
            UsageTotals(
                requests: requests, promptTokens: promptTokens, completionTokens: completionTokens,
                totalTokens: totalTokens, costMicroUsd: costMicroUsd, unpricedRequests: unpricedRequests)
        }
    }

    public var items: [Item]
    public var totals: UsageTotals
    /// The price table version now in force.
    public var priceVersion: String

    public init(items: [Item], totals: UsageTotals, priceVersion: String) {
        self.items = items
        self.totals = totals
        self.priceVersion = priceVersion
    }
}

public struct AnalyticsRequest: Codable, Sendable {
    public var days: Int
    public init(days: Int) { self.days = days }
}
