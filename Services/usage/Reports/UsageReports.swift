import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// The read side: every answer is an SQL aggregate or a page, never a tenant's whole history in memory.
struct UsageReports: Sendable {
    let client: PostgresClient
    let logger: Logger

    // MARK: - Events

    /// A keyset page of the filter's events: newest first for `GET /usage`, oldest first for the export.
    func events(
        tenant: UUID, filter: UsageFilter, limit: Int, cursor: String?, oldestFirst: Bool = false
    ) async throws -> UsageEventsPage {
        let limit = min(max(limit, 1), 1000)
        let after = try cursor.map(Self.decodeCursor)
        let direction = oldestFirst ? "" : "DESC"
        let comparison = oldestFirst ? ">" : "<"
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.eventColumns), (extract(epoch FROM at) * 1000000)::bigint
            FROM usage.events
            WHERE tenant_id = \(tenant)
              AND (\(filter.from)::timestamptz IS NULL OR at >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR at < \(filter.to))
              AND (\(filter.service)::text IS NULL OR service = \(filter.service))
              AND (\(filter.model)::text IS NULL OR model = \(filter.model))
              AND (\(filter.apiKeyId)::uuid IS NULL OR api_key_id = \(filter.apiKeyId))
              AND (\(after?.micros)::bigint IS NULL
                   OR (at, id) \(unescaped: comparison)
                      (to_timestamp(0) + \(after?.micros)::bigint * interval '1 microsecond', \(after?.id)))
            ORDER BY at \(unescaped: direction), id \(unescaped: direction) LIMIT \(limit + 1)
            """, logger: logger)
        var items: [PricedUsageEvent] = []
        var cursors: [String] = []
        for try await row in rows {
            let (event, micros) = try Self.event(from: row)
            items.append(event)
            cursors.append(Self.encodeCursor(micros: micros, id: event.event.id))
        }
        let next = items.count > limit ? cursors[limit - 1] : nil
        return UsageEventsPage(items: Array(items.prefix(limit)), nextCursor: next)
    }

    // MARK: - Aggregates

    func summary(tenant: UUID, _ request: UsageSummaryRequest, priceVersion: String) async throws -> UsageSummary {
        let key: String =
            switch request.groupBy {
            case .service: "service"
            case .model: "service || '/' || CASE WHEN model = '' THEN '(unknown)' ELSE model END"
            case .day: "to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
            case .apiKey:
                "CASE WHEN api_key_id = '00000000-0000-0000-0000-000000000000' THEN 'none' ELSE api_key_id::text END"
            }
        let filter = request.filter
        let rows = try await client.query(
            """
            SELECT \(unescaped: key) AS key, sum(requests)::bigint, sum(prompt_tokens)::bigint,
                sum(completion_tokens)::bigint, sum(total_tokens)::bigint, sum(cost_micro_usd)::bigint,
                sum(unpriced)::bigint
            FROM usage.rollups
            WHERE tenant_id = \(tenant)
              AND (\(filter.from)::timestamptz IS NULL OR hour >= date_trunc('hour', \(filter.from)::timestamptz, 'UTC'))
              AND (\(filter.to)::timestamptz IS NULL OR hour < \(filter.to))
              AND (\(filter.service)::text IS NULL OR service = \(filter.service))
              AND (\(filter.model)::text IS NULL OR model = \(filter.model))
              AND (\(filter.apiKeyId)::uuid IS NULL OR api_key_id = \(filter.apiKeyId))
            GROUP BY 1 ORDER BY 1
            """, logger: logger)
        var items: [UsageSummary.Item] = []
        for try await (key, requests, prompt, completion, total, cost, unpriced) in rows.decode(
            (String, Int, Int, Int, Int, Int, Int).self)
        {
            items.append(
                .init(
                    key: key,
                    totals: UsageTotals(
                        requests: requests, promptTokens: prompt, completionTokens: completion, totalTokens: total,
                        costMicroUsd: cost, unpricedRequests: unpriced)))
        }
        let totals = items.map(\.totals).reduce(.zero, +)
        return UsageSummary(items: items, totals: totals, priceVersion: priceVersion)
    }

    /// Per service (and model) totals, as rows.
    func serviceModelTotals(tenant: UUID, from: Date?, to: Date?) async throws -> [ServiceModelTotals] {
        let rows = try await client.query(
            """
            SELECT service, model, sum(requests)::bigint, sum(successful)::bigint, sum(prompt_tokens)::bigint,
                sum(completion_tokens)::bigint, sum(total_tokens)::bigint, sum(latency_ms)::bigint,
                sum(cost_micro_usd)::bigint
            FROM usage.rollups
            WHERE tenant_id = \(tenant) AND (\(from)::timestamptz IS NULL OR hour >= date_trunc('hour', \(from)::timestamptz, 'UTC'))
              AND (\(to)::timestamptz IS NULL OR hour < \(to))
            GROUP BY service, model ORDER BY service, model
            """, logger: logger)
        var totals: [ServiceModelTotals] = []
        for try await (service, model, requests, successful, prompt, completion, total, latency, cost) in rows.decode(
            (String, String, Int, Int, Int, Int, Int, Int, Int).self)
        {
            totals.append(
                ServiceModelTotals(
                    service: service, model: model, requests: requests, successful: successful, prompt: prompt,
                    completion: completion, total: total, latencyMs: latency, costMicroUsd: cost))
        }
        return totals
    }

    /// Tokens and requests per UTC day of [from, to).
    func dailyTotals(tenant: UUID, from: Date, to: Date) async throws -> [String: (Int, Int, Int, Int)] {
        let rows = try await client.query(
            """
            SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD'), sum(prompt_tokens)::bigint,
                sum(completion_tokens)::bigint, sum(total_tokens)::bigint, sum(requests)::bigint
            FROM usage.rollups
            WHERE tenant_id = \(tenant) AND hour >= \(from) AND hour < \(to)
            GROUP BY 1
            """, logger: logger)
        var days: [String: (Int, Int, Int, Int)] = [:]
        for try await (day, prompt, completion, total, requests) in rows.decode((String, Int, Int, Int, Int).self) {
            days[day] = (prompt, completion, total, requests)
        }
        return days
    }

    struct ServiceModelTotals: Sendable {
        var service: String
        var model: String
        var requests: Int
        var successful: Int
        var prompt: Int
        var completion: Int
        var total: Int
        var latencyMs: Int
        var costMicroUsd: Int
    }

    // MARK: - Rows and cursors

    static let eventColumns = """
        id, tenant_id, api_key_id, user_id, service, model, endpoint, status, latency_ms, ttfb_ms, prompt_tokens,
        completion_tokens, total_tokens, cached_tokens, estimated, streamed, client_disconnected, at, cost_micro_usd,
        price_version, request_id, translated, route, attempt
        """

    static func event(from row: PostgresRow) throws -> (PricedUsageEvent, Int64) {
        let columns = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T {
            try columns[index].decode(T.self, context: .default)
        }
        let event = UsageEvent(
            id: try value(0, String.self), tenantId: try value(1, UUID.self), apiKeyId: try value(2, UUID?.self),
            userId: try value(3, UUID?.self), service: try value(4, String.self), model: try value(5, String?.self),
            endpoint: try value(6, String.self), status: try value(7, Int.self), latencyMs: try value(8, Int.self),
            ttfbMs: try value(9, Int?.self), promptTokens: try value(10, Int.self),
            completionTokens: try value(11, Int.self), totalTokens: try value(12, Int.self),
            cachedTokens: try value(13, Int.self), estimated: try value(14, Bool.self),
            streamed: try value(15, Bool.self),
            clientDisconnected: try value(16, Bool.self), at: try value(17, Date.self),
            requestId: try value(20, String?.self), translated: try value(21, Bool.self) ? true : nil,
            route: try value(22, String?.self), attempt: try value(23, Int?.self))
        return (
            PricedUsageEvent(
                event: event, costMicroUsd: try value(18, Int64?.self), priceVersion: try value(19, String?.self)),
            try value(24, Int64.self)
        )
    }

    static func encodeCursor(micros: Int64, id: String) -> String {
        Data("u1:\(micros):\(id)".utf8).base64URLEncodedString
    }

    static func decodeCursor(_ cursor: String) throws -> (micros: Int64, id: String) {
        guard let data = Data(base64URLEncoded: cursor), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("u1:")
        else { throw ServiceError.badRequest("`cursor` is not a cursor this API issued") }
        let parts = text.dropFirst(3).split(separator: ":", maxSplits: 1)
        // Times from 1970 to 9999, ids of the request-id alphabet: nothing else reaches SQL.
        guard parts.count == 2, let micros = Int64(parts[0]), (0...253_402_300_799_000_000).contains(micros),
            (1...128).contains(parts[1].count),
            parts[1].unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._:-".unicodeScalars.contains($0))
            })
        else {
            throw ServiceError.badRequest("`cursor` is not a cursor this API issued")
        }
        return (micros, String(parts[1]))
    }
}
