import Contracts
import Foundation

/// `GET /usage/export.csv`: one line per event.
enum CSV {
    static let header =
        "id,request_id,at,service,model,endpoint,status,prompt_tokens,completion_tokens,total_tokens,cached_tokens,cost_micro_usd,price_version,api_key_id,user_id,latency_ms,streamed,estimated,client_disconnected\r\n"

    static func line(_ priced: PricedUsageEvent) -> String {
        let event = priced.event
        let fields: [String] = [
            event.id, event.requestId ?? "", event.at.formatted(.iso8601), event.service, event.model ?? "",
            event.endpoint, String(event.status), String(event.promptTokens), String(event.completionTokens),
            String(event.totalTokens), String(event.cachedTokens), priced.costMicroUsd.map(String.init) ?? "",
            priced.priceVersion ?? "", event.apiKeyId?.uuidString.lowercased() ?? "",
            event.userId?.uuidString.lowercased() ?? "", String(event.latencyMs), String(event.streamed),
            String(event.estimated), String(event.clientDisconnected),
        ]
        return fields.map(escape).joined(separator: ",") + "\r\n"
    }

    /// RFC 4180 quoting; a field a spreadsheet would run as a formula (a leading `=`, `+`, `-`, `@`,
    /// tab or carriage return, other than a number) gets a leading `'`.
    static func escape(_ field: String) -> String {
        var field = field
        if let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(field) == nil {
            field = "'" + field
        }
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
