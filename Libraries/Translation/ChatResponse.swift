/// A complete chat answer in no dialect.
public struct ChatResponse: Sendable, Equatable {
    public var id: String
    public var model: String
    public var content: [ContentPart]
    public var finish: FinishReason?
    /// The stop sequence that ended the answer, when the provider says which.
    public var stopSequence: String?
    public var usage: ChatUsage?
    /// Seconds since 1970, when the provider says.
    public var created: Int?

    public init(
        id: String, model: String, content: [ContentPart], finish: FinishReason?, stopSequence: String? = nil,
        usage: ChatUsage?, created: Int? = nil
    ) {
        self.id = id
        self.model = model
        self.content = content
        self.finish = finish
        self.stopSequence = stopSequence
        self.usage = usage
        self.created = created
    }
}

/// Why an answer ended.
public enum FinishReason: Sendable, Equatable {
    /// The model finished (OpenAI `stop`, Anthropic `end_turn`, Gemini `STOP`, Cohere `COMPLETE`).
    case endTurn
    case maxTokens
    case stopSequence
    case toolUse
    /// A safety filter or refusal.
    case contentFilter
    /// A reason with no equivalent, as the provider named it.
    case other(String)
}

/// Tokens of one answer. `input` counts every prompt token, cached ones included (OpenAI's
/// `prompt_tokens`); Anthropic's `input_tokens` is `input - cacheRead - cacheCreation`.
public struct ChatUsage: Sendable, Equatable {
    public var input: Int
    public var output: Int
    public var cacheRead: Int
    public var cacheCreation: Int
    /// Output tokens spent reasoning, when reported.
    public var reasoning: Int?

    public init(input: Int, output: Int, cacheRead: Int = 0, cacheCreation: Int = 0, reasoning: Int? = nil) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheCreation = cacheCreation
        self.reasoning = reasoning
    }
}

/// A provider's error answer in no dialect: its status, its kind and its message.
public struct ProviderFailure: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case invalidRequest, authentication, permission, notFound, rateLimited, overloaded, server
    }

    public var status: Int
    public var kind: Kind
    public var message: String

    public init(status: Int, kind: Kind? = nil, message: String) {
        self.status = status
        self.kind = kind ?? Self.kind(of: status)
        self.message = message
    }

    public static func kind(of status: Int) -> Kind {
        switch status {
        case 401: .authentication
        case 403: .permission
        case 404: .notFound
        case 429: .rateLimited
        case 529: .overloaded
        case 500...: .server
        default: .invalidRequest
        }
    }
}
