import Contracts
import Foundation
import Messaging
import ServiceKit

/// The usage queries the gateway sends (`usage.query.*`).
struct QueryHandlers: Sendable {
    let reports: UsageReports
    let prices: PriceTable

    /// Events per export page: a page is one NATS reply, well under the payload limit.
    static let exportPage = 500

    var endpoints: [MicroService.Endpoint] {
        let group = Subjects.queueGroup(.usage)
        return [
            .request("query.events", subject: UsageQuerySubjects.events, queueGroup: group) { request in
                let ask = try request.decodeMessage(UsageEventsRequest.self)
                return try .json(
                    try await reports.events(
                        tenant: try request.tenantID(), filter: ask.filter, limit: min(ask.limit, 200),
                        cursor: ask.cursor))
            },
            .request("query.summary", subject: UsageQuerySubjects.summary, queueGroup: group) { request in
                try .json(
                    try await reports.summary(
                        tenant: try request.tenantID(), request.decodeMessage(UsageSummaryRequest.self),
                        priceVersion: prices.version))
            },
            .request("query.analytics", subject: UsageQuerySubjects.analytics, queueGroup: group) { request in
                try .json(
                    try await analytics(
                        tenant: try request.tenantID(), days: request.decodeMessage(AnalyticsRequest.self).days))
            },
            .request("query.proxy-stats", subject: UsageQuerySubjects.proxyStats, queueGroup: group) { request in
                try .json(try await proxyStats(tenant: try request.tenantID()))
            },
            .request("query.export", subject: UsageQuerySubjects.export, queueGroup: group) { request in
                let ask = try request.decodeMessage(UsageExportRequest.self)
                let page = try await reports.events(
                    tenant: try request.tenantID(), filter: ask.filter, limit: Self.exportPage, cursor: ask.cursor,
                    oldestFirst: true)
                var csv = ask.cursor == nil ? UsageCSV.header : ""
                for event in page.items { csv += UsageCSV.line(event) }
                var reply = Reply(payload: Array(csv.utf8))
                if let next = page.nextCursor { reply.headers[PageCursor.header] = next }
                return reply
            },
        ]
    }

    // MARK: - Analytics

    struct Analytics: Encodable {
        struct Timeframe: Encodable {
            var startDate: String
            var endDate: String
            var days: Int
        }

        struct Summary: Encodable {
            var totalTokens = 0
            var promptTokens = 0
            var completionTokens = 0
            /// USD.
            var estimatedCost = 0.0
            var timeframe: Timeframe
        }

        struct Tokens: Encodable {
            var promptTokens = 0
            var completionTokens = 0
            var totalTokens = 0
            var requestCount = 0

            mutating func add(prompt: Int, completion: Int, total: Int, requests: Int) {
                promptTokens += prompt
                completionTokens += completion
                totalTokens += total
                requestCount += requests
            }
        }

        struct ModelTokens: Encodable {
            var model: String
            var promptTokens: Int
            var completionTokens: Int
            var totalTokens: Int
            var requestCount: Int
        }

        struct DayTokens: Encodable {
            var date: String
            var promptTokens: Int
            var completionTokens: Int
            var totalTokens: Int
            var requestCount: Int
        }

        struct ServiceTokens: Encodable {
            var promptTokens = 0
            var completionTokens = 0
            var totalTokens = 0
            var requestCount = 0
            var models: [String] = []
        }

        var summary: Summary
        var byModel: [ModelTokens]
        var byDay: [DayTokens]
        var byService: [String: ServiceTokens]
    }

    /// `GET /analytics/tokens?days=N`: the original service's shape, every day of the range listed.
    private func analytics(tenant: UUID, days: Int) async throws -> Analytics {
        guard (1...365).contains(days) else { throw ServiceError.badRequest("`days` must be from 1 to 365") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.startOfDay(for: Date())
        let start = calendar.date(byAdding: .day, value: -(days - 1), to: today)!
        let end = calendar.date(byAdding: .day, value: 1, to: today)!
        let totals = try await reports.serviceModelTotals(tenant: tenant, from: start, to: end)
        let daily = try await reports.dailyTotals(tenant: tenant, from: start, to: end)

        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        let byDay = (0..<days).map { offset in
            let day = formatter.string(from: calendar.date(byAdding: .day, value: offset, to: start)!)
            let (prompt, completion, total, requests) = daily[day] ?? (0, 0, 0, 0)
            return Analytics.DayTokens(
                date: day, promptTokens: prompt, completionTokens: completion, totalTokens: total,
                requestCount: requests)
        }
        var summary = Analytics.Summary(
            timeframe: .init(
                startDate: formatter.string(from: start), endDate: formatter.string(from: today), days: days))
        var byModel: [String: Analytics.Tokens] = [:]
        var byService: [String: Analytics.ServiceTokens] = [:]
        var cost = 0
        for row in totals {
            summary.promptTokens += row.prompt
            summary.completionTokens += row.completion
            summary.totalTokens += row.total
            cost += row.costMicroUsd
            let model = row.model.isEmpty ? "(unknown)" : "\(row.service)/\(row.model)"
            byModel[model, default: .init()].add(
                prompt: row.prompt, completion: row.completion, total: row.total, requests: row.requests)
            var service = byService[row.service] ?? .init()
            service.promptTokens += row.prompt
            service.completionTokens += row.completion
            service.totalTokens += row.total
            service.requestCount += row.requests
            if !row.model.isEmpty { service.models.append(row.model) }
            byService[row.service] = service
        }
        summary.estimatedCost = Double(cost) / 1_000_000
        return Analytics(
            summary: summary,
            byModel: byModel.keys.sorted().map { model in
                let tokens = byModel[model]!
                return Analytics.ModelTokens(
                    model: model, promptTokens: tokens.promptTokens, completionTokens: tokens.completionTokens,
                    totalTokens: tokens.totalTokens, requestCount: tokens.requestCount)
            },
            byDay: byDay, byService: byService)
    }

    // MARK: - Proxy stats

    struct ProxyStats: Encodable {
        var totalRequests = 0
        var successfulRequests = 0
        var failedRequests = 0
        var avgResponseMs = 0
        var totalTokens = 0
        var promptTokens = 0
        var completionTokens = 0
        var costMicroUsd = 0
        /// The same figures per service (on the tenant's totals only).
        var byService: [String: ProxyStats]?

        init(_ rows: [UsageReports.ServiceModelTotals]) {
            var latency = 0
            for row in rows {
                totalRequests += row.requests
                successfulRequests += row.successful
                totalTokens += row.total
                promptTokens += row.prompt
                completionTokens += row.completion
                costMicroUsd += row.costMicroUsd
                latency += row.latencyMs
            }
            failedRequests = totalRequests - successfulRequests
            avgResponseMs = totalRequests == 0 ? 0 : latency / totalRequests
        }
    }

    /// `GET /proxy/stats`: the original service's figures for the tenant, all time, and per service.
    private func proxyStats(tenant: UUID) async throws -> ProxyStats {
        let rows = try await reports.serviceModelTotals(tenant: tenant, from: nil, to: nil)
        var stats = ProxyStats(rows)
        stats.byService = Dictionary(grouping: rows, by: \.service).mapValues { ProxyStats($0) }
        return stats
    }
}
