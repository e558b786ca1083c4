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
    /// OpenAI's Responses API: `usage.input_tokens` / `output_tokens` (+
    /// `input_tokens_details.cached_tokens`), in the body or a stream's `response.completed`.
    case openAIResponses
    /// Gemini's `usageMetadata` (`promptTokenCount`, `candidatesTokenCount` plus
    /// `thoughtsTokenCount`, `cachedContentTokenCount`), in the body or each stream event.
    case gemini

    /// Usage from a complete JSON body (only the members that hold it are read).
    func usage(fromBody body: [UInt8]) -> TokenUsage? {
        JSONFields(body).flatMap { usage(from: $0, event: nil, current: nil) }
    }

    /// Usage updated by one stream event's JSON data (nil when the event says nothing of it).
    func usage(fromEvent data: [UInt8], name: String?, current: TokenUsage?) -> TokenUsage? {
        guard data.first == UInt8(ascii: "{"), Self.mayCarryUsage(data), let object = JSONFields(data) else {
            return nil
        }
        return usage(from: object, event: name ?? object.string("type"), current: current)
    }

    private func usage(from object: JSONFields, event: String?, current: TokenUsage?) -> TokenUsage? {
        switch self {
        case .openAI:
            guard let usage = object.object("usage") ?? object.object("x_groq")?.object("usage") else { return nil }
            return TokenUsage(
                prompt: usage.int("prompt_tokens") ?? 0, completion: usage.int("completion_tokens") ?? 0,
                cached: usage.object("prompt_tokens_details")?.int("cached_tokens") ?? 0,
                total: usage.field("total_tokens").map { _ in usage.int("total_tokens") ?? 0 })
        case .anthropic:
            if event == "message_start", let usage = object.object("message")?.object("usage") {
                return Self.anthropic(usage, previous: nil)
            }
            if event == "message_delta", let usage = object.object("usage") {
                return Self.anthropic(usage, previous: current)
            }
            if event == nil, let usage = object.object("usage") {
                return Self.anthropic(usage, previous: nil)
            }
            return nil
        case .cohere:
            let usage = object.object("usage") ?? object.object("delta")?.object("usage")
            guard let billed = usage?.object("billed_units") ?? usage?.object("tokens") else { return nil }
            return TokenUsage(prompt: billed.int("input_tokens") ?? 0, completion: billed.int("output_tokens") ?? 0)
        case .openAIResponses:
            guard let usage = object.object("usage") ?? object.object("response")?.object("usage") else { return nil }
            return TokenUsage(
                prompt: usage.int("input_tokens") ?? 0, completion: usage.int("output_tokens") ?? 0,
                cached: usage.object("input_tokens_details")?.int("cached_tokens") ?? 0)
        case .gemini:
            guard let usage = object.object("usageMetadata") else { return nil }
            return TokenUsage(
                prompt: usage.int("promptTokenCount") ?? 0,
                completion: (usage.int("candidatesTokenCount") ?? 0) + (usage.int("thoughtsTokenCount") ?? 0),
                cached: usage.int("cachedContentTokenCount") ?? 0)
        }
    }

    /// Anthropic: input fields come with `message_start`; `message_delta` carries the cumulative
    /// output count (and, in newer versions, input fields again).
    private static func anthropic(_ usage: JSONFields, previous: TokenUsage?) -> TokenUsage {
        var result = previous ?? TokenUsage()
        if usage.field("input_tokens") != nil || previous == nil {
            let cacheRead = usage.int("cache_read_input_tokens") ?? 0
            result.prompt =
                (usage.int("input_tokens") ?? 0) + (usage.int("cache_creation_input_tokens") ?? 0) + cacheRead
            result.cached = cacheRead
        }
        if usage.field("output_tokens") != nil { result.completion = usage.int("output_tokens") ?? 0 }
        return result
    }

    /// A cheap filter before parsing a chunk's JSON: only events that can carry usage.
    private static func mayCarryUsage(_ data: [UInt8]) -> Bool {
        // `usage` also finds Gemini's `usageMetadata`.
        data.contains(utf8: "usage") || data.contains(utf8: "message_start") || data.contains(utf8: "billed_units")
    }
}
