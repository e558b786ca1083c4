import Contracts
import Foundation

/// `GET /usage/export.csv`: one line per event.
enum UsageCSV {
    static let header = CSV.line([
        "id", "request_id", "at", "service", "model", "endpoint", "status", "prompt_tokens", "completion_tokens",
        "total_tokens", "cached_tokens", "cost_micro_usd", "price_version", "api_key_id", "user_id", "latency_ms",
        "streamed", "estimated", "client_disconnected", "translated", "route", "attempt",
    ])

    static func line(_ priced: PricedUsageEvent) -> String {
        let event = priced.event
        return CSV.line([
            event.id, event.requestId ?? "", event.at.formatted(.iso8601), event.service, event.model ?? "",
            event.endpoint, String(event.status), String(event.promptTokens), String(event.completionTokens),
            String(event.totalTokens), String(event.cachedTokens), priced.costMicroUsd.map(String.init) ?? "",
            priced.priceVersion ?? "", event.apiKeyId?.lowercasedString ?? "",
            event.userId?.lowercasedString ?? "", String(event.latencyMs), String(event.streamed),
            String(event.estimated), String(event.clientDisconnected), String(event.translated ?? false),
            event.route ?? "", event.attempt.map(String.init) ?? "",
        ])
    }
}
