import Contracts
import Foundation
import Translation

/// What goes to the provider: the client's payload with the proxy's few edits, made in one pass
/// (the model without its `service/` prefix; `stream: true` for `/proxy/{service}/stream`;
/// `stream_options.include_usage` so an OpenAI-style stream reports its usage). Every other byte
/// goes upstream as the client sent it.
struct CallPayload: Sendable {
    let bytes: [UInt8]
    /// The client wants server-sent events.
    let streaming: Bool
    /// The proxy added `stream_options.include_usage`: the usage-only last chunk is not the client's.
    let hidesUsageChunk: Bool
    /// The most output tokens the client allows (`max_tokens`, `max_completion_tokens` or
    /// `max_output_tokens`), for a limit's reservation.
    let maxTokens: Int?

    init(_ fields: JSONFields, route: CallRoute, streamRequested: Bool) {
        var edits: [(key: String, json: String)] = []
        if route.renamesModel, let model = route.model { edits.append(("model", JSON.string(model).text)) }
        if route.api == .raw && streamRequested {
            edits.append(("stream", "true"))
            streaming = true
        } else {
            streaming = fields.bool("stream") == true
        }
        var hides = false
        if streaming, route.format == .openAI, route.adapter.acceptsStreamUsage {
            let options = fields.object("stream_options")
            if options?.bool("include_usage") != true {
                let updated = options.map { String(decoding: $0.setting("include_usage", to: "true"), as: UTF8.self) }
                edits.append(("stream_options", updated ?? #"{"include_usage":true}"#))
                hides = true
            }
        }
        hidesUsageChunk = hides
        maxTokens = Self.maxTokens(fields)
        bytes = edits.isEmpty ? fields.bytes : fields.setting(edits)
    }

    /// A translated request, written whole by the translator (docs/translation.md).
    init(translated bytes: [UInt8], streaming: Bool, maxTokens: Int?) {
        self.bytes = bytes
        self.streaming = streaming
        hidesUsageChunk = false
        self.maxTokens = maxTokens
    }

    private static func maxTokens(_ fields: JSONFields) -> Int? {
        ["max_completion_tokens", "max_tokens", "max_output_tokens"].lazy.compactMap(fields.int).first
    }
}
