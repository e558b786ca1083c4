import Foundation

/// What the stand-in answers a chat request, in any wire format (OpenAI's, Anthropic's, Cohere's
/// and Gemini's): its fixed words, unless the request has tools (a call of the forced or first
/// tool, arguments ``toolArguments``), ends with a tool result (the result's text, echoed), asks
/// for JSON (``toolArguments``, as text) or holds images (how many it saw).
public enum StandInReply: Equatable, Sendable {
    case words
    case toolCall(name: String)
    case text(String)

    public static let toolArguments = #"{"city":"Paris"}"#
    /// How the stand-in streams ``toolArguments``: in pieces, split mid-token.
    public static let toolArgumentPieces = [#"{"ci"#, #"ty":"Pa"#, #"ris"}"#]
    public static let toolCallID = "call_standin_1"

    /// Reads the request only when it may need more than the words (the benchmark's calls do not).
    init(body: [UInt8], json: () -> [String: Any]) {
        guard Self.contains(body, "tool") || Self.contains(body, "image") || Self.contains(body, "json") else {
            self = .words
            return
        }
        let json = json()
        let config = json["generationConfig"] as? [String: Any]
        let format = (json["response_format"] as? [String: Any])?["type"] as? String
        if config?["responseMimeType"] as? String == "application/json"
            || ["json_object", "json_schema"].contains(format)
        {
            self = .text(Self.toolArguments)
            return
        }
        if let contents = json["contents"] as? [[String: Any]] {
            self = Self.gemini(json, contents)
            return
        }
        let messages = json["messages"] as? [[String: Any]] ?? []
        if let result = Self.lastToolResult(messages) {
            self = .text("The tool said: \(result)")
        } else if let name = Self.toolName(json) {
            self = .toolCall(name: name)
        } else {
            let images = messages.flatMap { $0["content"] as? [[String: Any]] ?? [] }.filter {
                ["image", "image_url"].contains($0["type"] as? String)
            }
            self = images.isEmpty ? .words : .text("I see \(images.count) image(s)")
        }
    }

    /// Gemini: `functionResponse` parts, `functionDeclarations`, `inlineData`/`fileData` parts.
    private static func gemini(_ json: [String: Any], _ contents: [[String: Any]]) -> StandInReply {
        let lastParts = contents.last?["parts"] as? [[String: Any]] ?? []
        let responses = lastParts.compactMap { $0["functionResponse"] as? [String: Any] }
        if !responses.isEmpty {
            let texts = responses.map { response -> String in
                let body = response["response"] as? [String: Any] ?? [:]
                return body["result"] as? String ?? String(describing: body)
            }
            return .text("The tool said: \(texts.joined(separator: "; "))")
        }
        let config = (json["toolConfig"] as? [String: Any])?["functionCallingConfig"] as? [String: Any]
        let declarations = (json["tools"] as? [[String: Any]])?.first?["functionDeclarations"] as? [[String: Any]]
        if config?["mode"] as? String != "NONE",
            let name = (config?["allowedFunctionNames"] as? [String])?.first ?? declarations?.first?["name"] as? String
        {
            return .toolCall(name: name)
        }
        let images = contents.flatMap { $0["parts"] as? [[String: Any]] ?? [] }.filter {
            $0["inlineData"] != nil || $0["fileData"] != nil
        }
        return images.isEmpty ? .words : .text("I see \(images.count) image(s)")
    }

    var text: String {
        switch self {
        case .words: StandInProvider.words.joined()
        case .text(let text): text
        case .toolCall: ""
        }
    }

    /// The text of a tool result that ends the conversation: OpenAI's `tool` message, or
    /// Anthropic's `tool_result` block in the last user message.
    private static func lastToolResult(_ messages: [[String: Any]]) -> String? {
        guard let last = messages.last else { return nil }
        if last["role"] as? String == "tool" { return text(last["content"]) }
        let blocks = last["content"] as? [[String: Any]] ?? []
        let results = blocks.filter { $0["type"] as? String == "tool_result" }.map { text($0["content"]) }
        return results.isEmpty ? nil : results.joined(separator: "; ")
    }

    private static func text(_ content: Any?) -> String {
        if let text = content as? String { return text }
        return (content as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined()
    }

    /// The forced tool (OpenAI `tool_choice.function.name`, Anthropic `tool_choice.name`), else
    /// the first tool; nil without tools or with `tool_choice` none.
    private static func toolName(_ json: [String: Any]) -> String? {
        guard let tools = json["tools"] as? [[String: Any]], let first = tools.first else { return nil }
        let choice = json["tool_choice"]
        if ["none", "NONE"].contains(choice as? String) || (choice as? [String: Any])?["type"] as? String == "none" {
            return nil
        }
        if let choice = choice as? [String: Any],
            let name = (choice["function"] as? [String: Any])?["name"] as? String ?? choice["name"] as? String
        {
            return name
        }
        return (first["function"] as? [String: Any])?["name"] as? String ?? first["name"] as? String
    }

    /// A plain scan (the benchmark's requests pass through here: `firstRange(of:)` costs more).
    private static func contains(_ body: [UInt8], _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard body.count >= count else { return false }
        return word.withUTF8Buffer { needle in
            body.withUnsafeBufferPointer { haystack in
                var start = 0
                while start <= haystack.count - count {
                    if haystack[start] == needle[0],
                        memcmp(haystack.baseAddress! + start, needle.baseAddress!, count) == 0
                    {
                        return true
                    }
                    start += 1
                }
                return false
            }
        }
    }
}
