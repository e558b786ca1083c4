import Contracts
import Foundation
import Hummingbird
import Messaging

/// `/usage`, `/usage/summary`, `/usage/export.csv`, `/analytics/tokens` and `/proxy/stats`:
/// a tenant's metered AI calls, answered by the usage service from SQL aggregates.
struct UsageController: Sendable {
    let usage: ServiceClient

    func register(on api: API) {
        let access = Access.tenant(users: .admin)
        let tag = "Usage"
        let filters: [Operation.Parameter] = [
            .init(name: "from", schema: .dateTime, description: "Events at or after (ISO-8601 date or date-time)"),
            .init(name: "to", schema: .dateTime, description: "Events before"),
            .init(name: "service", schema: .string(), description: "Only this provider"),
            .init(name: "model", schema: .string(), description: "Only this model (without the service/ prefix)"),
            .init(name: "apiKeyId", schema: .uuid, description: "Only calls made with this API key"),
        ]
        api.add(
            Operation(
                method: .get, path: "/usage", tag: tag, summary: "Metered calls, newest first", access: access,
                query: filters + TenantsController.pageParameters,
                success: .init(status: 200, description: "A page of usage events", schema: .ref("UsagePage")))
        ) { request, context in
            let page = try PageRequest.limit(request)
            let ask = UsageEventsRequest(
                filter: try Self.filter(request), limit: page,
                cursor: request.uri.queryParameters["cursor"].map(String.init))
            return try await forward(UsageQuerySubjects.events, ask, context)
        }
        api.add(
            Operation(
                method: .get, path: "/usage/summary", tag: tag,
                summary: "Totals grouped by service, model, day or API key",
                access: access,
                query: filters + [
                    .init(
                        name: "groupBy",
                        schema: .string(enumeration: UsageSummaryRequest.GroupBy.allCases.map(\.rawValue)),
                        description: "Default service")
                ],
                success: .init(status: 200, description: "The summary", schema: .ref("UsageSummary")))
        ) { request, context in
            let text = request.uri.queryParameters["groupBy"].map(String.init) ?? "service"
            guard let groupBy = UsageSummaryRequest.GroupBy(rawValue: text) else {
                throw Problem.badRequest(
                    "`groupBy` must be one of \(UsageSummaryRequest.GroupBy.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let filter = try Self.filter(request)
            return try await forward(
                UsageQuerySubjects.summary, UsageSummaryRequest(filter: filter, groupBy: groupBy), context)
        }
        api.add(
            Operation(
                method: .get, path: "/usage/export.csv", tag: tag, summary: "Every metered call as CSV, oldest first",
                access: access, query: filters,
                success: .init(status: 200, description: "CSV", schema: .string(), contentType: "text/csv"))
        ) { request, context in
            let filter = try Self.filter(request)
            @Sendable func page(_ cursor: String?) async throws -> NatsMessage {
                try await usage.call(
                    UsageQuerySubjects.export,
                    payload: try Self.encoder.encode(UsageExportRequest(filter: filter, cursor: cursor)),
                    context: context)
            }
            return csvExport(filename: "usage.csv", first: try await page(nil), next: page)
        }
        api.add(
            Operation(
                method: .get, path: "/analytics/tokens", tag: tag,
                summary: "Tokens of the last N days (1-365, default 30)",
                access: access,
                query: [.init(name: "days", schema: .integer(minimum: 1, maximum: 365), description: "Default 30")],
                success: .init(status: 200, description: "summary, byModel, byDay, byService", schema: .anyObject))
        ) { request, context in
            let text = request.uri.queryParameters["days"].map(String.init) ?? "30"
            guard let days = Int(text), (1...365).contains(days) else {
                throw Problem.badRequest("`days` must be an integer from 1 to 365")
            }
            return try await forward(UsageQuerySubjects.analytics, AnalyticsRequest(days: days), context)
        }
        api.add(
            Operation(
                method: .get, path: "/proxy/stats", tag: "AI proxy", summary: "The tenant's AI proxy calls, all time",
                access: .tenant(module: .aiProxy, users: .admin),
                success: .init(status: 200, description: "Totals and byService", schema: .anyObject))
        ) { _, context in
            try await forward(UsageQuerySubjects.proxyStats, [String: String](), context)
        }
    }

    private func forward(_ subject: String, _ body: some Encodable, _ context: GatewayRequestContext) async throws
        -> Response
    {
        let reply = try await usage.call(subject, payload: try Self.encoder.encode(body), context: context)
        return .json(bytes: reply.payload)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// `from`, `to`, `service`, `model`, `apiKeyId`; 400 naming a malformed one, or `from` after `to`.
    static func filter(_ request: Request) throws -> UsageFilter {
        let query = request.uri.queryParameters
        func date(_ name: String) throws -> Date? {
            guard let text = query[Substring(name)].map(String.init), !text.isEmpty else { return nil }
            if let date = try? Date(text, strategy: .iso8601) { return date }
            if let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
            throw Problem.badRequest(
                "`\(name)` must be an ISO-8601 date or date-time, like 2026-11-01 or 2026-11-01T12:00:00Z")
        }
        let from = try date("from")
        let to = try date("to")
        if let from, let to, from > to { throw Problem.badRequest("`from` must not be after `to`") }
        var apiKeyID: UUID?
        if let text = query["apiKeyId"].map(String.init) {
            guard let id = UUID(parsing: text) else { throw Problem.badRequest("`apiKeyId` must be a UUID") }
            apiKeyID = id
        }
        return UsageFilter(
            from: from, to: to, service: query["service"].map(String.init), model: query["model"].map(String.init),
            apiKeyId: apiKeyID)
    }
}
