/// A chat request in no dialect: what the client dialects' requests say, in terms every provider
/// API can be written from (docs/translation.md). Decoders read a client's request into it;
/// encoders write a provider's request from it and refuse what the provider cannot express.
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    /// The system prompt (and OpenAI's `developer` messages), in order.
    public var system: [String] = []
    public var messages: [ChatMessage] = []
    public var tools: [ToolDefinition] = []
    public var toolChoice: ToolChoice?
    /// False: at most one tool call per answer.
    public var parallelToolCalls: Bool?
    public var responseFormat: ResponseFormat?
    public var stopSequences: [String] = []
    public var maxTokens: Int?
    /// The number literal as the client wrote it.
    public var temperature: String?
    public var topP: String?
    /// Anthropic's `top_k` (Gemini `topK`, Cohere `k`; OpenAI's API has none).
    public var topK: String?
    public var stream = false
    /// An OpenAI-dialect client asked for the usage chunk (`stream_options.include_usage`).
    public var includeUsage = false
    /// The end user the client names (OpenAI `user`, Anthropic `metadata.user_id`).
    public var user: String?
    /// How much the model should think before answering, when the client asks.
    public var reasoning: Reasoning?

    public init(model: String) {
        self.model = model
    }

    /// Adds a message; consecutive messages of one role become one (OpenAI's tool results and
    /// the user's text after them).
    mutating func append(_ role: ChatMessage.Role, _ content: [ContentPart]) {
        if let last = messages.indices.last, messages[last].role == role {
            messages[last].content += content
        } else {
            messages.append(ChatMessage(role: role, content: content))
        }
    }
}

public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case user, assistant
    }

    public var role: Role
    public var content: [ContentPart]

    public init(role: Role, content: [ContentPart]) {
        self.role = role
        self.content = content
    }
}

/// One piece of a message. Tool results travel in user messages, as in Anthropic's API; OpenAI's
/// `tool` messages become them and back.
public enum ContentPart: Sendable, Equatable {
    case text(String)
    case image(ImageSource)
    case toolCall(ToolCall)
    case toolResult(ToolResult)
    /// A model's reasoning text, where the dialect has a place for it (Anthropic's `thinking`).
    case reasoning(String)
}

public enum ImageSource: Sendable, Equatable {
    case url(String)
    case base64(mediaType: String, data: String)

    /// A `data:` URL is base64 data; anything else is a URL.
    public init(url: String) {
        if url.hasPrefix("data:"), let comma = url.firstIndex(of: ","),
            url[..<comma].hasSuffix(";base64")
        {
            let mediaType = url[url.index(url.startIndex, offsetBy: 5)..<comma].dropLast(7)
            self = .base64(mediaType: String(mediaType), data: String(url[url.index(after: comma)...]))
        } else {
            self = .url(url)
        }
    }

    /// As an OpenAI `image_url.url`: the URL, or a `data:` URL.
    public var url: String {
        switch self {
        case .url(let url): url
        case .base64(let mediaType, let data): "data:\(mediaType);base64,\(data)"
        }
    }
}

public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The arguments' JSON text, as the model wrote it.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// The arguments as the JSON object that APIs with structured arguments want (a 400 naming
    /// the call at `path` when they are not one).
    func input(at path: String) throws(TranslationError) -> JSON {
        let field = "\(path).tool_calls (\(id)).function.arguments"
        let input: JSON
        do {
            input = try JSON(parsing: Array(arguments.utf8))
        } catch {
            throw .invalid(field, "is not JSON: \(error)")
        }
        guard input.object != nil else { throw .invalid(field, "must be a JSON object") }
        return input
    }
}

public struct ToolResult: Sendable, Equatable {
    public var callID: String
    /// Text and images.
    public var content: [ContentPart]
    public var isError: Bool

    public init(callID: String, content: [ContentPart], isError: Bool = false) {
        self.callID = callID
        self.content = content
        self.isError = isError
    }

    /// The result's text parts joined (for APIs whose tool results are text).
    public var text: String {
        content.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined()
    }

    var hasImages: Bool { content.contains { if case .image = $0 { true } else { false } } }
}

public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String?
    /// The JSON Schema of the arguments.
    public var parameters: JSON

    public init(name: String, description: String?, parameters: JSON) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

public enum ToolChoice: Sendable, Equatable {
    case auto
    case none
    /// Some tool must be called.
    case required
    case tool(String)
}

public enum ResponseFormat: Sendable, Equatable {
    case text
    case jsonObject
    case jsonSchema(name: String, schema: JSON, strict: Bool?)
}
