import Contracts
import Foundation
import Messaging
import ServiceKit

/// The usage queries the gateway sends (`usage.query.*`).
struct QueryHandlers: Sendable {
    let queries: UsageQueries
    let prices: PriceTable

    var endpoints: [MicroService.Endpoint] {
        let group = Subjects.queueGroup(.usage)
        return [
            .request("query.events", subject: UsageQuerySubjects.events, queueGroup: group) { request in
                try .json(
                    try await queries.events(
                        tenant: try request.tenantID(), request.decodeMessage(UsageEventsRequest.self)))
            },
            .request("query.summary", subject: UsageQuerySubjects.summary, queueGroup: group) { request in
                try .json(
                    try await queries.summary(
                        tenant: try request.tenantID(), request.decodeMessage(UsageSummaryRequest.self),
                        priceVersion: prices.version))
            },
            .request("query.analytics", subject: UsageQuerySubjects.analytics, queueGroup: group) { request in
                try await analytics(
                    tenant: try request.tenantID(), days: request.decodeMessage(AnalyticsRequest.self).days)
            },
            .request("query.proxy-stats", subject: UsageQuerySubjects.proxyStats, queueGroup: group) { request in
                try await proxyStats(tenant: try request.tenantID())
            },
            .stream("query.export", subject: UsageQuerySubjects.export, queueGroup: group) { request, writer in
                let tenant = try request.tenantID()
                let filter = try request.decodeMessage(UsageFilter.self)
                try writer.send(Array(CSV.header.utf8))
                try await queries.eachEvent(tenant: tenant, filter: filter) { slice in
                    try writer.send(Array(slice.map(CSV.line).joined().utf8))
                }
            },
        ]
    }

    /// `GET /analytics/tokens?days=N`: the original service's shape, every day of the range listed.
    private func analytics(tenant: UUID, days: Int) async throws -> Reply {
        guard (1...365).contains(days) else { throw ServiceError.badRequest("`days` must be from 1 to 365") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.startOfDay(for: Date())
        let start = calendar.date(byAdding: .day, value: -(days - 1), to: today)!
        let end = calendar.date(byAdding: .day, value: 1, to: today)!
        let totals = try await queries.serviceModelTotals(tenant: tenant, from: start, to: end)
        let daily = try await queries.dailyTotals(tenant: tenant, from: start, to: end)

        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        var byDay: [[String: Any]] = []
        for offset in 0..<days {
            let day = formatter.string(from: calendar.date(byAdding: .day, value: offset, to: start)!)
            let (prompt, completion, total, requests) = daily[day] ?? (0, 0, 0, 0)
            byDay.append([
                "date": day, "promptTokens": prompt, "completionTokens": completion, "totalTokens": total,
                "requestCount": requests,
            ])
        }
        var byModel: [String: (Int, Int, Int, Int)] = [:]
        var byService: [String: [String: Any]] = [:]
        for row in totals {
            let model = row.model.isEmpty ? "(unknown)" : "\(row.service)/\(row.model)"
            let previous = byModel[model] ?? (0, 0, 0, 0)
            byModel[model] = (
                previous.0 + row.prompt, previous.1 + row.completion, previous.2 + row.total, previous.3 + row.requests
            )
            var service =
                byService[row.service] ?? [
                    "promptTokens": 0, "completionTokens": 0, "totalTokens": 0, "requestCount": 0, "models": [String](),
                ]
            service["promptTokens"] = (service["promptTokens"] as! Int) + row.prompt
            service["completionTokens"] = (service["completionTokens"] as! Int) + row.completion
            service["totalTokens"] = (service["totalTokens"] as! Int) + row.total
            service["requestCount"] = (service["requestCount"] as! Int) + row.requests
            if !row.model.isEmpty { service["models"] = (service["models"] as! [String]) + [row.model] }
            byService[row.service] = service
        }
        let summary: [String: Any] = [
            "totalTokens": totals.reduce(0) { $0 + $1.total }, "promptTokens": totals.reduce(0) { $0 + $1.prompt },
            "completionTokens": totals.reduce(0) { $0 + $1.completion },
            "estimatedCost": Double(totals.reduce(0) { $0 + $1.costMicroUsd }) / 1_000_000,
            "timeframe": [
                "startDate": formatter.string(from: start), "endDate": formatter.string(from: today), "days": days,
            ],
        ]
        let body: [String: Any] = [
            "summary": summary,
            "byModel": byModel.keys.sorted().map { model in
                let (prompt, completion, total, requests) = byModel[model]!
                return [
                    "model": model, "promptTokens": prompt, "completionTokens": completion, "totalTokens": total,
                    "requestCount": requests,
                ] as [String: Any]
            },
            "byDay": byDay,
            "byService": byService,
        ]
        return Reply(payload: Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])))
    }

    /// `GET /proxy/stats`: the original service's figures for the tenant, all time.
    private func proxyStats(tenant: UUID) async throws -> Reply {
        let totals = try await queries.serviceModelTotals(tenant: tenant, from: nil, to: nil)
        func figures(_ rows: [UsageQueries.ServiceModelTotals]) -> [String: Any] {
            let requests = rows.reduce(0) { $0 + $1.requests }
            let successful = rows.reduce(0) { $0 + $1.successful }
            return [
                "totalRequests": requests, "successfulRequests": successful, "failedRequests": requests - successful,
                "avgResponseMs": requests == 0 ? 0 : rows.reduce(0) { $0 + $1.latencyMs } / requests,
                "totalTokens": rows.reduce(0) { $0 + $1.total }, "promptTokens": rows.reduce(0) { $0 + $1.prompt },
                "completionTokens": rows.reduce(0) { $0 + $1.completion },
            ]
        }
        var body = figures(totals)
        body["byService"] = Dictionary(grouping: totals, by: \.service).mapValues(figures)
        return Reply(payload: Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])))
    }
}

/// `GET /usage/export.csv`: one line per event.
enum CSV {
    static let header =
        "id,at,service,model,endpoint,status,prompt_tokens,completion_tokens,total_tokens,cached_tokens,cost_micro_usd,price_version,api_key_id,user_id,latency_ms,streamed,estimated,client_disconnected\r\n"

    static func line(_ priced: PricedUsageEvent) -> String {
        let event = priced.event
        let fields: [String] = [
            event.id, event.at.formatted(.iso8601), event.service, event.model ?? "", event.endpoint,
            String(event.status),
            String(event.promptTokens), String(event.completionTokens), String(event.totalTokens),
            String(event.cachedTokens),
            priced.costMicroUsd.map(String.init) ?? "", priced.priceVersion ?? "",
            event.apiKeyId?.uuidString.lowercased() ?? "", event.userId?.uuidString.lowercased() ?? "",
            String(event.latencyMs), String(event.streamed), String(event.estimated), String(event.clientDisconnected),
        ]
        return fields.map(escape).joined(separator: ",") + "\r\n"
    }

    /// RFC 4180 quoting; a leading `=`, `+`, `-`, `@` is neutralised so spreadsheets do not run it.
    static func escape(_ field: String) -> String {
        var field = field
        if let first = field.first, "=+-@".contains(first), Double(field) == nil { field = "'" + field }
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
