import Contracts
import Foundation

/// Tokens of one call, as the provider reported them.
struct TokenUsage: Equatable, Sendable {
    var prompt = 0
    var completion = 0
    var cached = 0
    var total: Int?

    var totalTokens: Int { total ?? prompt + completion }
}

/// Where a provider reports usage, per wire format.
enum UsageFormat: Sendable {
    /// `usage.prompt_tokens` / `completion_tokens` (+ `prompt_tokens_details.cached_tokens`), in the
    /// body or the last stream chunk (Groq: `x_groq.usage`).
    case openAI
    /// `usage.input_tokens` / `output_tokens` (+ cache fields); streams: `message_start` then the
    /// last cumulative `message_delta`.
    case anthropic
    /// `usage.billed_units.input_tokens` / `output_tokens`; streams: the `message-end` event.
    case cohere

    /// Usage from a complete JSON body: only its `usage` (or `x_groq`) member is parsed.
    func usage(fromBody body: [UInt8]) -> TokenUsage? {
        if let fields = JSONFields(body) {
            var object: [String: Any] = [:]
            for key in ["usage", "x_groq"] {
                if let range = fields.field(key)?.value,
                    let member = try? JSONSerialization.jsonObject(with: Data(body[range]))
                {
                    object[key] = member
                }
            }
            return object.isEmpty ? nil : usage(from: object, event: nil, current: nil)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        return usage(from: object, event: nil, current: nil)
    }

    /// Usage updated by one stream event's JSON data (nil when the event says nothing of it).
    func usage(fromEvent data: [UInt8], name: String?, current: TokenUsage?) -> TokenUsage? {
        guard data.first == UInt8(ascii: "{"), Self.mayCarryUsage(data),
            let object = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any]
        else { return nil }
        return usage(from: object, event: name ?? (object["type"] as? String), current: current)
    }

    private func usage(from object: [String: Any], event: String?, current: TokenUsage?) -> TokenUsage? {
        switch self {
        case .openAI:
            let usage =
                (object["usage"] as? [String: Any])
                ?? ((object["x_groq"] as? [String: Any])?["usage"] as? [String: Any])
            guard let usage else { return nil }
            let details = usage["prompt_tokens_details"] as? [String: Any]
            return TokenUsage(
                prompt: Self.int(usage["prompt_tokens"]), completion: Self.int(usage["completion_tokens"]),
                cached: Self.int(details?["cached_tokens"]), total: usage["total_tokens"].map { Self.int($0) })
        case .anthropic:
            if event == "message_start", let message = object["message"] as? [String: Any],
                let usage = message["usage"] as? [String: Any]
            {
                return Self.anthropic(usage, previous: nil)
            }
            if event == "message_delta", let usage = object["usage"] as? [String: Any] {
                return Self.anthropic(usage, previous: current)
            }
            if event == nil, let usage = object["usage"] as? [String: Any] {
                return Self.anthropic(usage, previous: nil)
            }
            return nil
        case .cohere:
            let usage =
                (object["usage"] as? [String: Any])
                ?? ((object["delta"] as? [String: Any])?["usage"] as? [String: Any])
            guard let billed = usage?["billed_units"] as? [String: Any] ?? usage?["tokens"] as? [String: Any] else {
                return nil
            }
            return TokenUsage(prompt: Self.int(billed["input_tokens"]), completion: Self.int(billed["output_tokens"]))
        }
    }

    /// Anthropic: input fields come with `message_start`; `message_delta` carries the cumulative
    /// output count (and, in newer versions, input fields again).
    private static func anthropic(_ usage: [String: Any], previous: TokenUsage?) -> TokenUsage {
        var result = previous ?? TokenUsage()
        if usage["input_tokens"] != nil || previous == nil {
            let cacheRead = int(usage["cache_read_input_tokens"])
            result.prompt = int(usage["input_tokens"]) + int(usage["cache_creation_input_tokens"]) + cacheRead
            result.cached = cacheRead
        }
        if let output = usage["output_tokens"] { result.completion = int(output) }
        return result
    }

    /// A cheap filter before parsing a chunk's JSON: only events that can carry usage.
    private static func mayCarryUsage(_ data: [UInt8]) -> Bool {
        contains(data, "usage") || contains(data, "message_start") || contains(data, "billed_units")
    }

    private static func contains(_ data: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard data.count >= needle.count else { return false }
        for start in 0...(data.count - needle.count) where data[start] == needle[0] {
            if data[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    private static func int(_ value: Any?) -> Int {
        switch value {
        case let value as Int: value
        case let value as Double: Int(value)
        case let value as NSNumber: value.intValue
        default: 0
        }
    }
}
